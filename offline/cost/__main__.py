import sys

from offline.cost.cli import main

sys.exit(main())

"""`make plan-github`: the GitHub project offline under mocks, its resources and outputs printed as `make plan`
prints a stack's; `--json` writes its plan document (`resources` and `outputs` as in the stacks' documents; no
policy pack or cost estimate: nothing of it is in AWS).

Exit status: 0, or 2 on invalid config (the errors are printed).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import pulumi

from offline.harness import HarnessError, read_stack_settings, run_program
from offline.plan import EXIT_CONFIG, render

STACK = "repository"
PROGRAM = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", type=Path, help="also write the plan document to this file")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        config, secret_keys = read_stack_settings(STACK, PROGRAM)
        plan = run_program(STACK, config, secret_keys, PROGRAM / "__main__.py")
    except (pulumi.RunError, HarnessError) as error:
        print(f"github/{STACK}: {error}", file=sys.stderr)
        return EXIT_CONFIG
    print(render(plan, time.perf_counter() - started))
    if args.json:
        args.json.write_text(json.dumps(plan.to_document(), indent=2) + "\n")
        print(f"\nPlan document written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

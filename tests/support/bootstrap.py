"""The account bootstrap program run under mocks with its committed stack file."""

from __future__ import annotations

import json
from typing import Any

from bootstrap.config import NAMESPACE
from offline.harness import ROOT, Plan, read_stack_settings, run_program

BOOTSTRAP = ROOT / "bootstrap"


def run(**sections: dict[str, Any]) -> Plan:
    """The account stack as committed, with `sections` replacing whole `socialclub-bootstrap:*` values."""
    config, secret_keys = read_stack_settings("account", BOOTSTRAP)
    config.update({f"{NAMESPACE}:{key}": json.dumps(value) for key, value in sections.items()})
    return run_program("account", config, secret_keys, BOOTSTRAP / "__main__.py")

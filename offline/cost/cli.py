"""`python -m offline.cost [PLAN.json ...]`: the cost report for saved plan files, or for the staging and
production stacks run offline through the harness when no file is given.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from offline.cost.report import StackCost, cost_stack, report
from stackconfig.cost import CostAssumptions
from stackconfig.loader import load_settings

DEFAULT_STACKS = ("staging", "production")


def stack_inputs(stack: str) -> tuple[CostAssumptions, bool]:
    """The stack's validated `socialclub:cost` assumptions and whether it is production."""
    from offline.harness import read_stack_settings

    settings, _ = read_stack_settings(stack)
    config = load_settings(settings)
    return config.cost, config.is_production


def _from_plan_file(path: Path) -> StackCost:
    document = json.loads(path.read_text())
    assumptions, production = stack_inputs(document["stack"])
    return cost_stack(document["stack"], document["resources"], assumptions, production=production)


def _from_harness(stack: str) -> StackCost:
    from offline.harness import run_stack

    assumptions, production = stack_inputs(stack)
    return cost_stack(stack, run_stack(stack).resources, assumptions, production=production)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m offline.cost", description=__doc__)
    parser.add_argument("plans", nargs="*", type=Path, help="plan documents written by `make plan JSON=...`")
    parser.add_argument("--json", type=Path, help="also write {stack: cost document} to this file")
    args = parser.parse_args(argv)
    stacks = [_from_plan_file(p) for p in args.plans] or [_from_harness(s) for s in DEFAULT_STACKS]
    print(report(*stacks))
    if args.json:
        args.json.write_text(json.dumps({s.stack: s.cost.to_document() for s in stacks}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

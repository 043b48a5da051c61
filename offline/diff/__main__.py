"""`make diff STACK=<stack> [BASE=<git ref>]`: what the working tree changes in a stack, against BASE.

Builds the plan document at BASE (default: the merge base of HEAD with main; on main, HEAD) in a temporary
worktree and at the working tree, and reports resources created, deleted, updated and replaced (with the
property that forces each replacement), policy violations added and resolved, and the monthly cost delta.

Exit status: 0 when the comparison ran; 2 when it could not (bad ref, a plan that fails, unreadable document);
4 when a stateful resource (see offline/diff/replacements.py) of a production stack would be replaced or deleted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from offline.diff.compare import DiffError, PlanDiff, compare
from offline.diff.render import Sides, markdown, text
from offline.diff.sources import Revision, SourceError, default_base, plans, resolve

EXIT_ERROR = 2
EXIT_DATA_LOSS = 4


def _read(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise DiffError(f"{path}: not a readable JSON plan document ({error})") from None
    if not isinstance(document, dict):
        raise DiffError(f"{path}: not a plan document")
    return document


def _is_production(stack: str) -> bool:
    """From the working tree's stack config; a stack it cannot read counts as production, the safe side."""
    from offline.cost.cli import stack_inputs
    from offline.harness import HarnessError
    from stackconfig.loader import ConfigError

    try:
        return stack_inputs(stack)[1]
    except (HarnessError, ConfigError):
        return True


def _colour() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m offline.diff", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", help="a stack with a Pulumi.<stack>.yaml file")
    parser.add_argument("--base", help="git ref to compare with (default: merge base with main)")
    parser.add_argument("--base-plan", type=Path, help="compare this saved plan document instead of building BASE")
    parser.add_argument("--head-plan", type=Path, help="compare with this saved plan document, not the working tree")
    parser.add_argument("--no-cache", action="store_true", help="plan BASE again even if its plan is cached")
    parser.add_argument("--format", choices=("text", "markdown"), default="text", help="what to print")
    parser.add_argument("--markdown", type=Path, help="also write the markdown report to this file")
    parser.add_argument("--json", type=Path, help="also write the diff document to this file")
    args = parser.parse_args(argv)
    if (args.base_plan is None) != (args.head_plan is None):
        parser.error("--base-plan and --head-plan go together")
    if args.base_plan is None and not args.stack:
        parser.error("--stack is required (or --base-plan and --head-plan)")

    try:
        if args.base_plan is not None:
            base, head = _read(args.base_plan), _read(args.head_plan)
            sides = Sides(f"`{args.base_plan.name}`", f"`{args.head_plan.name}`")
            revision: Revision | None = None
        else:
            revision = resolve(args.base) if args.base else default_base()
            base, head = plans(revision, args.stack, cached=not args.no_cache)
            sides = Sides(f"BASE {revision.label}", "the working tree")
        if args.stack and head.get("stack") != args.stack:
            raise DiffError(f"the documents are of stack {head.get('stack')}, not {args.stack}")
        diff = compare(base, head)
    except (SourceError, DiffError) as error:
        print(f"make diff: {error}", file=sys.stderr)
        return EXIT_ERROR

    report = markdown(diff, sides) if args.format == "markdown" else text(diff, sides, colour=_colour())
    sys.stdout.write(report)
    if args.markdown:
        args.markdown.write_text(markdown(diff, sides))
    if args.json:
        document = {"base": _revision(revision), **diff.to_document()}
        args.json.write_text(json.dumps(document, indent=2) + "\n")
    return _exit_status(diff)


def _revision(revision: Revision | None) -> dict[str, str] | None:
    return None if revision is None else {"ref": revision.ref, "commit": revision.commit, "subject": revision.subject}


def _exit_status(diff: PlanDiff) -> int:
    if diff.data_loss and _is_production(diff.stack):
        print(
            f"\n{diff.stack}: {len(diff.data_loss)} stateful resources would be replaced or deleted "
            f"(exit {EXIT_DATA_LOSS})",
            file=sys.stderr,
        )
        return EXIT_DATA_LOSS
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`python -m offline.permissions --stack <stack>`: per CI role, what is granted, what is missing, and what rests
on assumptions. Exits 1 when a permission is missing, 2 on bad input."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterable, Sequence

import pulumi

from offline.harness import HarnessError
from offline.permissions.check import STACKS, RoleReport, check_role, roles_for
from offline.permissions.evaluator import PolicyError
from offline.permissions.table import TableError, load_table


def _counted(messages: Iterable[str]) -> list[str]:
    """Each distinct message once, with how often it came up (the same request needed by several resources)."""
    counts = Counter(messages)
    return [m if n == 1 else f"{m} [x{n}]" for m, n in counts.items()]


def render_report(reports: Sequence[RoleReport], *, verbose: bool) -> str:
    table = load_table()
    unverified = sorted(e.token for e in (*table.resources.values(), *table.invokes.values()) if not e.verified)
    lines = [
        f"Required actions: {len(table.resources)} resource types, {len(table.invokes)} invokes "
        f"(provider source read {table.read_on}; {len(unverified)} entries from the provider's known call set, "
        "not re-read call by call)",
    ]
    for report in reports:
        role = report.role
        missing, assumed, granted = report.missing(), report.assumed(), report.granted()
        lines += [
            "",
            f"== {role.label} ({role.arn})",
            f"   policies: {'; '.join(role.sources)}",
            f"   {len(granted)} granted, {len(assumed)} granted on assumptions, {len(missing)} missing",
        ]
        lines += [f"   MISSING  {m}" for m in _counted(f.message() for f in missing)]
        lines += [f"   ASSUMES  {m}" for m in _counted(f.message() for f in assumed)]
        lines += [f"   NOT EXPECTED  {reason}" for reason in role.exempt]
        if verbose:
            lines += [f"   ok       {m}" for m in _counted(f.message() for f in granted)]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m offline.permissions", description=__doc__)
    parser.add_argument("--stack", action="append", choices=STACKS, help="stack to check (repeatable; default: all)")
    parser.add_argument("--verbose", action="store_true", help="also list every granted request")
    args = parser.parse_args(argv)
    stacks = tuple(args.stack or STACKS)
    try:
        reports = [check_role(role) for role in roles_for(stacks)]
    except (TableError, PolicyError, HarnessError, LookupError, pulumi.RunError) as error:
        print(f"permissions: {error}", file=sys.stderr)
        return 2
    print(render_report(reports, verbose=args.verbose))
    return 1 if any(r.missing() for r in reports) else 0


if __name__ == "__main__":
    sys.exit(main())

"""`make plan`: run the program offline for one stack, print a readable report, optionally write the plan JSON.

Exit status: 0 when the plan is clean, 2 on invalid stack config (the errors are printed), 3 when the policy
pack reports a mandatory violation, as a real `pulumi preview --policy-pack` would fail.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from offline.harness import Plan, Resource

# The SDK, the program's modules, the pack driver and the cost model are imported where they are used, so that
# `python -m offline.plan` switches the cyclic collector off before importing them (see the end of this file).

EXIT_CONFIG = 2
EXIT_POLICY = 3


def component_tree(plan: Plan) -> str:
    """Components as a tree, each with the count of its direct custom children by type."""
    by_parent: dict[str, list[Resource]] = {}
    for r in plan.resources:
        by_parent.setdefault(r.parent, []).append(r)

    lines: list[str] = []

    def walk(parent: str, depth: int) -> None:
        children = by_parent.get(parent, [])
        counts = Counter(r.type for r in children if r.custom)
        pad = "  " * depth
        for type_token, count in sorted(counts.items()):
            lines.append(f"{pad}{count:>3} x {type_token}")
        for comp in (r for r in children if not r.custom):
            total = _descendants(by_parent, comp.urn)
            lines.append(f"{pad}{comp.name} ({comp.type}, {total} resources)")
            walk(comp.urn, depth + 1)

    walk("", 0)
    return "\n".join(lines)


def _descendants(by_parent: dict[str, list[Resource]], urn: str) -> int:
    return sum(1 + _descendants(by_parent, c.urn) for c in by_parent.get(urn, []))


def render(plan: Plan, seconds: float) -> str:
    document = plan.to_document()
    custom = sum(1 for r in plan.resources if r.custom)
    parts = [
        f"Plan for {plan.project}/{plan.stack}: {len(plan.resources)} resources "
        f"({custom} custom, {len(plan.resources) - custom} components), offline under mocks in {seconds:.2f} s",
        "",
        component_tree(plan),
        "",
        *(
            [
                f"socialclub:service.image is not in Pulumi.{plan.stack}.yaml (the deploy workflow sets it per "
                f"deploy): planned with the stand-in {plan.stand_in_image}.",
                "",
            ]
            if plan.stand_in_image
            else []
        ),
        "Outputs (secrets redacted):",
        json.dumps(document["outputs"], indent=2, sort_keys=True),
    ]
    return "\n".join(parts)


@dataclass
class Outcome:
    """What `make plan` prints and writes for one stack."""

    plan: Plan
    report: str
    document: dict[str, Any]
    mandatory: int
    """Mandatory policy violations: the plan fails when there is one."""


def plan_stack(stack: str, config: dict[str, str], secret_keys: list[str], pack_dir: Path | None = None) -> Outcome:
    """`make plan` but the printing: run the program with `config` (as read_stack_settings gives it), have the pack
    (default: policy/) judge it, price it and check what a first `pulumi up` needs. Raises pulumi.RunError or
    HarnessError when the config is invalid."""
    from offline.cost import cost_stack
    from offline.cost import report as cost_report
    from offline.cost.cli import stack_inputs
    from offline.harness import STAND_IN_IMAGE, run_program, stands_in_image
    from offline.policy_run import PACK_DIR, StreamedPack
    from offline.preflight import preflight
    from offline.preflight import report as preflight_report
    from stackconfig.loader import load_settings

    started = time.perf_counter()
    pack = StreamedPack(stack, pack_dir or PACK_DIR, config, secret_keys)
    try:
        plan = run_program(stack, config, secret_keys, on_register=pack.add)
    except BaseException:
        pack.close()
        raise
    plan.stand_in_image = STAND_IN_IMAGE if stands_in_image(config) else None
    seconds = time.perf_counter() - started
    document: dict[str, Any] = plan.to_document()

    # What the pack adds after the program: the resources it has not checked yet, and the stack as a whole.
    started = time.perf_counter()
    verdict = pack.result()
    pack_seconds = time.perf_counter() - started
    document["policy"] = verdict.to_document()

    started = time.perf_counter()
    assumptions, production = stack_inputs(stack)
    stack_cost = cost_stack(stack, plan.resources, assumptions, production=production)
    cost_seconds = time.perf_counter() - started
    document["cost"] = stack_cost.cost.to_document()

    findings = preflight(load_settings(config), stack, image_committed=not stands_in_image(config))
    document["preflight"] = [f.to_document() for f in findings]
    sections = [
        render(plan, seconds),
        verdict.report(),
        cost_report(stack_cost),
        f"Timings: program under mocks {seconds:.2f} s, policy pack {pack_seconds:.2f} s, cost {cost_seconds:.2f} s",
        preflight_report(findings),
    ]
    return Outcome(plan, "\n\n".join(sections), document, verdict.mandatory)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stack", required=True, help="a stack with a Pulumi.<stack>.yaml file")
    parser.add_argument("--json", type=Path, help="also write the plan document to this file")
    parser.add_argument(
        "--policy-pack",
        type=Path,
        help="the pack (and its <stack>.json config) to judge the plan by; default policy/",
    )
    args = parser.parse_args(argv)
    import pulumi

    from offline.harness import HarnessError, read_stack_settings

    try:
        config, secret_keys = read_stack_settings(args.stack)
        outcome = plan_stack(args.stack, config, secret_keys, args.policy_pack and args.policy_pack.resolve())
    except (pulumi.RunError, HarnessError) as error:
        print(f"{args.stack}: {error}", file=sys.stderr)
        return EXIT_CONFIG
    print(outcome.report)
    if args.json:
        args.json.write_text(json.dumps(outcome.document, indent=2, sort_keys=False) + "\n")
        print(f"\nPlan document written to {args.json}")
    if outcome.mandatory:
        print(f"\n{args.stack}: {outcome.mandatory} mandatory policy violations", file=sys.stderr)
        return EXIT_POLICY
    return 0


if __name__ == "__main__":
    # A run of a few seconds that exits: the cyclic collector would walk the SDK's million objects again and again
    # while they are imported and the program runs (about a quarter of the time) to free nothing that matters
    # before the process ends.
    gc.disable()
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Everything is written; the interpreter's teardown would free the SDK's objects one by one (about a second).
    os._exit(status)

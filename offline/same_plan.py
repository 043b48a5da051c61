"""`make same-plan BASE=<git ref>`: prove that the working tree plans every stack exactly as BASE does.

For a restructuring commit (moves, renames, settings models, splits): both stacks are planned afresh at BASE (a
temporary git worktree, no cache) and at the working tree, each by its own `python -m offline.plan --json`, and
the two plan documents are compared key by key. Only what varies from run to run is normalized: the order of the
resources and of everything listed per resource (dependency lists, policy violations, cost lines). Everything
else (inputs, secrets markers, outputs, parents, providers, protect flags, policy verdicts, cost figures,
preflight findings) must be equal exactly.

Prints "identical" per stack, or each difference as a path with both values. Exit status: 0 identical, 1 when a
stack differs, 2 when a plan could not be made.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import Any

from offline.diff.sources import SourceError, build, resolve
from offline.harness import ROOT

EXIT_DIFFERENT = 1
EXIT_ERROR = 2
SHOWN = 40
"""Differences printed per stack; the count of the rest follows."""


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _sorted_by_json(items: list[Any]) -> list[Any]:
    return sorted(items, key=_canonical)


def _resource(resource: dict[str, Any]) -> dict[str, Any]:
    """Dependency lists are sets to the engine; their order follows the order in which outputs resolved."""
    normal = dict(resource)
    normal["dependencies"] = sorted(resource.get("dependencies", []))
    normal["propertyDependencies"] = {
        key: sorted(urns) for key, urns in resource.get("propertyDependencies", {}).items()
    }
    return normal


def normalized(document: dict[str, Any]) -> dict[str, Any]:
    """`document` with the run-to-run orderings made canonical; resources keyed by URN so they pair up."""
    normal = dict(document)
    if "resources" in document:
        normal["resources"] = {r["urn"]: _resource(r) for r in document["resources"]}
    policy = document.get("policy")
    if isinstance(policy, dict) and "violations" in policy:
        normal["policy"] = {**policy, "violations": _sorted_by_json(policy["violations"])}
    cost = document.get("cost")
    if isinstance(cost, dict) and "lines" in cost:
        normal["cost"] = {**cost, "lines": _sorted_by_json(cost["lines"])}
    return normal


def differences(base: Any, head: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """(path, BASE value, working-tree value) for every place the two differ; `<absent>` for a missing key."""
    if isinstance(base, dict) and isinstance(head, dict):
        yield from _object_differences(base, head, path)
    elif isinstance(base, list) and isinstance(head, list):
        yield from _list_differences(base, head, path)
    elif type(base) is not type(head) or base != head:
        yield path, base, head


def _object_differences(base: dict[Any, Any], head: dict[Any, Any], path: str) -> Iterator[tuple[str, Any, Any]]:
    for key in sorted(set(base) | set(head), key=str):
        where = f"{path}.{key}" if path else str(key)
        if key not in base:
            yield where, "<absent>", head[key]
        elif key not in head:
            yield where, base[key], "<absent>"
        else:
            yield from differences(base[key], head[key], where)


def _list_differences(base: list[Any], head: list[Any], path: str) -> Iterator[tuple[str, Any, Any]]:
    if len(base) == len(head):
        for index, (old, new) in enumerate(zip(base, head, strict=True)):
            yield from differences(old, new, f"{path}[{index}]")
        return
    # Lengths differ: name the elements one side lacks rather than every shifted index.
    old_items, new_items = [_canonical(v) for v in base], [_canonical(v) for v in head]
    for value in base:
        if _canonical(value) not in new_items:
            yield f"{path}[]", value, "<absent>"
    for value in head:
        if _canonical(value) not in old_items:
            yield f"{path}[]", "<absent>", value
    if sorted(old_items) != sorted(new_items) and set(old_items) == set(new_items):
        yield f"{path}.length", len(base), len(head)


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else _canonical(value)
    return text if len(text) <= 200 else text[:197] + "..."


def report(stack: str, base: dict[str, Any], head: dict[str, Any]) -> tuple[bool, str]:
    """(identical, what to print) for one stack's two documents."""
    found = list(differences(normalized(base), normalized(head)))
    if not found:
        count = len(head.get("resources", []))
        return True, f"{stack}: identical ({count} resources, outputs, policy, cost and preflight)"
    lines = [f"{stack}: {len(found)} differences (BASE -> working tree)"]
    for path, old, new in found[:SHOWN]:
        lines.append(f"  {path}\n    BASE: {_short(old)}\n    now:  {_short(new)}")
    if len(found) > SHOWN:
        lines.append(f"  ... and {len(found) - SHOWN} more")
    return False, "\n".join(lines)


def _stacks() -> list[str]:
    return sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in ROOT.glob("Pulumi.*.yaml"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m offline.same_plan", description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="git ref to compare with (e.g. main, HEAD~1)")
    parser.add_argument("--stack", action="append", help="a stack to compare (repeatable; default: every stack)")
    args = parser.parse_args(argv)
    stacks = args.stack or _stacks()
    try:
        revision = resolve(args.base)
        documents = build(revision, stacks)
    except SourceError as error:
        print(f"make same-plan: {error}", file=sys.stderr)
        return EXIT_ERROR
    print(f"Plan documents at BASE {revision.label} and in the working tree:")
    same = True
    for stack in stacks:
        identical, text = report(stack, *documents[stack])
        same = same and identical
        print(text)
    print("identical" if same else "DIFFERENT")
    return 0 if same else EXIT_DIFFERENT


if __name__ == "__main__":
    sys.exit(main())

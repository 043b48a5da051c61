"""The plan diff as text for a terminal (coloured when asked) and as markdown for a pull request comment."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from offline.diff.compare import (
    CREATE,
    DELETE,
    REPLACE,
    UPDATE,
    CostLine,
    PlanDiff,
    Preflight,
    PropertyChange,
    ResourceChange,
    Violation,
)
from offline.diff.replacements import STATEFUL

VALUE_WIDTH = 160
_SYMBOL = {CREATE: "+", DELETE: "-", UPDATE: "~", REPLACE: "+-"}
_COLOUR = {CREATE: "32", DELETE: "31", UPDATE: "33", REPLACE: "35"}
_HEADINGS = {REPLACE: "Replaced", DELETE: "Deleted", UPDATE: "Updated", CREATE: "Created"}


@dataclass(frozen=True)
class Sides:
    """What was compared, for the heading: e.g. BASE `3555bf1` (main) and the working tree."""

    base: str
    head: str


def _value(value: Any) -> str:
    if value is None:
        return "(none)"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 3] + "..."


def _money(amount: float, signed: bool = False) -> str:
    sign = ("+" if amount > 0 else "-" if amount < 0 else "±") if signed else ("-" if amount < 0 else "")
    return f"{sign}${abs(amount):,.2f}"


def _range(low: float, high: float, signed: bool = False) -> str:
    return _money(low, signed) if low == high else f"{_money(low, signed)} to {_money(high, signed)}"


def summary_line(diff: PlanDiff) -> str:
    counts = [f"{len(diff.of_action(a))} to {a}" for a in (REPLACE, DELETE, UPDATE, CREATE)]
    return ", ".join(counts)


def _why(change: ResourceChange) -> str:
    parts = []
    if change.replace_reasons:
        parts.append("forced by " + ", ".join(change.replace_reasons))
    if change.maybe_replace:
        parts.append("may be replaced: " + "; ".join(change.maybe_replace))
    return "; ".join(parts)


def _warnings(diff: PlanDiff) -> list[str]:
    lines = [
        f"DATA LOSS: {r.name} ({r.type}) is {'deleted' if r.action == DELETE else 'replaced'}: "
        f"{STATEFUL[r.type]}" + (f" ({_why(r)})" if r.replace_reasons else "")
        for r in diff.data_loss
    ]
    lines += [
        f"REFUSED: {r.name} is protected; `pulumi up` will refuse to "
        f"{'delete' if r.action == DELETE else 'replace'} it (unprotect it first, deliberately)"
        for r in diff.refused
    ]
    return lines


def _missing(diff: PlanDiff) -> list[str]:
    return [f"not compared: {m} (that plan document has no such section)" for m in diff.missing]


def _cost_total(diff: PlanDiff) -> str:
    assert diff.cost_total is not None
    delta, new = diff.cost_total["delta"], diff.cost_total["new"]
    return (
        f"monthly {_range(delta['min'], delta['max'], signed=True)} "
        f"(now {_range(new['min'], new['max'])}, min at rest, max at the autoscaling ceilings)"
    )


# ---------------------------------------------------------------------------------------------------- terminal


def text(diff: PlanDiff, sides: Sides, colour: bool = False) -> str:
    def paint(code: str, words: str) -> str:
        return f"\033[{code}m{words}\033[0m" if colour else words

    out = [f"Plan diff for {diff.stack}: {sides.base} -> {sides.head}", summary_line(diff)]
    for warning in _warnings(diff):
        out.append(paint("1;31", warning))
    out += _missing(diff)
    for action in (REPLACE, DELETE, UPDATE, CREATE):
        found = diff.of_action(action)
        if not found:
            continue
        out += ["", paint("1", f"{_HEADINGS[action]} ({len(found)})")]
        for r in found:
            flags = " [stateful]" * r.stateful + " [protected]" * r.protect
            why = f"  ({_why(r)})" if _why(r) else ""
            out.append(paint(_COLOUR[action], f"  {_SYMBOL[action]} {r.name}  {r.type}{flags}{why}"))
            for c in r.changes:
                forced = paint("35", f"  [forces replacement: {c.forces_replacement}]") if c.forces_replacement else ""
                note = f"  ({c.note})" if c.note else ""
                out.append(f"      {c.path}: {_value(c.old)} -> {_value(c.new)}{forced}{note}")
    out += ["", *_policy_lines(diff, lambda v: f"  [{v.level}] {v.policy} on {_short(v.urn)}: {_first(v.message)}")]
    out += ["", *_preflight_lines(diff, "Preflight", lambda p: f"  [{p.check}] {_first(p.message)}")]
    if diff.cost_lines is not None:
        out += ["", f"Cost: {_cost_total(diff)}"]
        out += [
            f"  {_range(line.delta_min, line.delta_max, signed=True):>22}  {line.service:<16} {_short(line.urn)}: "
            f"{line.description}"
            for line in diff.cost_lines
        ]
    return "\n".join(out).rstrip() + "\n"


def _policy_lines(diff: PlanDiff, item: Callable[[Violation], str]) -> list[str]:
    if diff.policy_added is None or diff.policy_resolved is None:
        return []
    out = [f"Policy: {len(diff.policy_added)} violations added, {len(diff.policy_resolved)} resolved"]
    for title, found in (("added", diff.policy_added), ("resolved", diff.policy_resolved)):
        if found:
            out.append(f" {title}:")
            out += [item(v) for v in found]
    return out


def _preflight_lines(diff: PlanDiff, title: str, item: Callable[[Preflight], str]) -> list[str]:
    """What the next real `pulumi up` would trip on (the plan's preflight warnings), added and resolved."""
    if diff.preflight_added is None or diff.preflight_resolved is None:
        return []
    out = [f"{title}: {len(diff.preflight_added)} warnings added, {len(diff.preflight_resolved)} resolved"]
    for label, found in (("added", diff.preflight_added), ("resolved", diff.preflight_resolved)):
        out += [f"{item(p)} ({label})" for p in found]
    return out


def _short(urn: str) -> str:
    return urn.rsplit("::", maxsplit=1)[-1] if urn else "(stack)"


def _first(message: str) -> str:
    return message.splitlines()[0] if message else ""


# ---------------------------------------------------------------------------------------------------- markdown


def _code(value: Any) -> str:
    body = _value(value).replace("|", "\\|").replace("\n", " ")
    fence = "``" if "`" in body else "`"
    return f"{fence}{body}{fence}"


def _cost_row(line: CostLine) -> str:
    return (
        f"| {line.service} | `{_short(line.urn)}` | {line.description.replace('|', '/')} | "
        f"{_money(line.delta_min, signed=True)} | {_money(line.delta_max, signed=True)} |"
    )


def markdown(diff: PlanDiff, sides: Sides) -> str:
    out = [f"### Plan diff: `{diff.stack}`", "", f"{sides.base} → {sides.head}: **{summary_line(diff)}**", ""]
    warnings = _warnings(diff)
    if warnings:
        out += ["> [!CAUTION]", *[f"> **{w.split(':', 1)[0]}**:{w.split(':', 1)[1]}  " for w in warnings], ""]
    out += [f"_{m}_" for m in _missing(diff)]
    out += _markdown_resources(diff)
    out += _markdown_policy(diff)
    preflight = _preflight_lines(diff, "**Preflight**", lambda p: f"- `{p.check}`: {_first(p.message)}")
    if preflight:
        out += [preflight[0], "", *preflight[1:], ""] if preflight[1:] else [preflight[0], ""]
    out += _markdown_cost(diff)
    return "\n".join(out).rstrip() + "\n"


def _markdown_resources(diff: PlanDiff) -> list[str]:
    """The table of changed resources, then their property changes folded away."""
    if not diff.resources:
        return ["No resource changes.", ""]
    out = ["| | resource | type | why |", "| --- | --- | --- | --- |"]
    for r in diff.resources:
        flags = " (stateful)" * r.stateful + " (protected)" * r.protect
        out.append(f"| {r.action} | `{r.name}`{flags} | `{r.type}` | {_why(r)} |")
    out.append("")
    detailed = [r for r in diff.resources if r.changes]
    if detailed:
        out += ["<details><summary>Property changes</summary>", ""]
        for r in detailed:
            out += [f"**`{r.name}`** ({r.action})", "", *[_markdown_change(c) for c in r.changes], ""]
        out += ["</details>", ""]
    return out


def _markdown_change(change: PropertyChange) -> str:
    forced = f" **forces replacement** (`{change.forces_replacement}`)" if change.forces_replacement else ""
    note = f" _{change.note}_" if change.note else ""
    return f"- `{change.path}`: {_code(change.old)} → {_code(change.new)}{forced}{note}"


def _markdown_policy(diff: PlanDiff) -> list[str]:
    if diff.policy_added is None or diff.policy_resolved is None:
        return []
    out = [f"**Policy**: {len(diff.policy_added)} violations added, {len(diff.policy_resolved)} resolved", ""]
    for title, found in (("Added", diff.policy_added), ("Resolved", diff.policy_resolved)):
        out += [f"- {title}: {v.level} `{v.policy}` on `{_short(v.urn)}`: {_first(v.message)}" for v in found]
    out.append("")
    return out


def _markdown_cost(diff: PlanDiff) -> list[str]:
    if diff.cost_lines is None:
        return []
    out = [f"**Cost**: {_cost_total(diff)}", ""]
    if diff.cost_lines:
        out += ["| service | resource | line | Δ min | Δ max |", "| --- | --- | --- | ---: | ---: |"]
        out += [_cost_row(line) for line in diff.cost_lines]
        out.append("")
    return out

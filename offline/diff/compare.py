"""Compare two plan documents (docs/plan.md, "Plan document"): resources by URN, property by property,
policy verdicts and the cost estimate.

Both documents are plain JSON as `make plan JSON=...` writes them, so a document from any commit of this
repository can be compared, including early ones without the `policy` or `cost` keys.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from offline.diff.replacements import STATEFUL, conditionally_forced_by, forced_by
from offline.wire import UNKNOWN

CREATE, DELETE, UPDATE, REPLACE = "create", "delete", "update", "replace"
KNOWN_AFTER_APPLY = "(known after apply)"
# Keys that name an element of a list of objects well enough to match old and new elements by them (IAM
# statements by Sid, CloudWatch dashboard widgets and most nested blocks by name/id).
_ELEMENT_KEYS = ("Sid", "sid", "name", "id", "key")


class DiffError(Exception):
    """Two documents cannot be compared (not a plan document, different stacks, ...)."""


@dataclass(frozen=True)
class PropertyChange:
    path: str
    """Dotted camelCase path; `[i]` for a list index, `[Sid=X]` for a matched element, `<json>` into a document."""
    old: Any
    new: Any
    forces_replacement: str | None = None
    """Why this change replaces the resource (the ForceNew entry), or None."""
    note: str | None = None

    def to_document(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "old": self.old,
            "new": self.new,
            "forcesReplacement": self.forces_replacement,
            "note": self.note,
        }


@dataclass
class ResourceChange:
    urn: str
    type: str
    name: str
    action: str
    stateful: bool
    protect: bool
    changes: list[PropertyChange] = field(default_factory=list)
    replace_reasons: list[str] = field(default_factory=list)
    maybe_replace: list[str] = field(default_factory=list)
    """Conditional ForceNew properties that changed: a replacement in some cases (see the reasons)."""

    @property
    def loses_data(self) -> bool:
        return self.stateful and self.action in (DELETE, REPLACE)

    @property
    def refused(self) -> bool:
        """`pulumi up` refuses to delete a protected resource, and a replacement deletes it."""
        return self.protect and self.action in (DELETE, REPLACE)

    def to_document(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "action": self.action,
            "stateful": self.stateful,
            "protect": self.protect,
            "losesData": self.loses_data,
            "refusedByProtect": self.refused,
            "replaceReasons": self.replace_reasons,
            "maybeReplace": self.maybe_replace,
            "changes": [c.to_document() for c in self.changes],
        }


@dataclass(frozen=True)
class Violation:
    policy: str
    level: str
    urn: str
    message: str

    def to_document(self) -> dict[str, Any]:
        return {"policy": self.policy, "enforcementLevel": self.level, "urn": self.urn, "message": self.message}


@dataclass(frozen=True)
class Preflight:
    """A warning of `make plan` about what the next real `pulumi up` would trip on."""

    check: str
    message: str

    def to_document(self) -> dict[str, Any]:
        return {"check": self.check, "message": self.message}


@dataclass(frozen=True)
class CostLine:
    urn: str
    service: str
    description: str
    old_min: float
    old_max: float
    new_min: float
    new_max: float

    @property
    def delta_min(self) -> float:
        return round(self.new_min - self.old_min, 2)

    @property
    def delta_max(self) -> float:
        return round(self.new_max - self.old_max, 2)

    def to_document(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "service": self.service,
            "description": self.description,
            "old": {"min": self.old_min, "max": self.old_max},
            "new": {"min": self.new_min, "max": self.new_max},
            "delta": {"min": self.delta_min, "max": self.delta_max},
        }


@dataclass
class PlanDiff:
    stack: str
    resources: list[ResourceChange]
    policy_added: list[Violation] | None
    policy_resolved: list[Violation] | None
    cost_lines: list[CostLine] | None
    cost_total: dict[str, dict[str, float]] | None
    preflight_added: list[Preflight] | None
    preflight_resolved: list[Preflight] | None
    missing: list[str]
    """What one side lacks ("policy at BASE", ...): reported, not guessed."""

    def of_action(self, action: str) -> list[ResourceChange]:
        return [r for r in self.resources if r.action == action]

    @property
    def data_loss(self) -> list[ResourceChange]:
        return [r for r in self.resources if r.loses_data]

    @property
    def refused(self) -> list[ResourceChange]:
        return [r for r in self.resources if r.refused]

    def to_document(self) -> dict[str, Any]:
        def violations(found: list[Violation] | None) -> list[dict[str, Any]] | None:
            return None if found is None else [v.to_document() for v in found]

        return {
            "stack": self.stack,
            "summary": {action: len(self.of_action(action)) for action in (CREATE, UPDATE, REPLACE, DELETE)},
            "dataLoss": [r.urn for r in self.data_loss],
            "refusedByProtect": [r.urn for r in self.refused],
            "resources": [r.to_document() for r in self.resources],
            "policy": None
            if self.policy_added is None
            else {"added": violations(self.policy_added), "resolved": violations(self.policy_resolved)},
            "cost": None
            if self.cost_lines is None
            else {"total": self.cost_total, "lines": [line.to_document() for line in self.cost_lines]},
            "preflight": None
            if self.preflight_added is None or self.preflight_resolved is None
            else {
                "added": [p.to_document() for p in self.preflight_added],
                "resolved": [p.to_document() for p in self.preflight_resolved],
            },
            "missing": self.missing,
        }


# ---------------------------------------------------------------------------------------------------- values


def _as_json_document(value: Any) -> Any:
    """A string holding a JSON object or array (policies, dashboards, container definitions), parsed; else None."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            parsed = json.loads(value)
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict | list) else None
    return None


def _display(value: Any) -> Any:
    """Unknowns spelled out; whole numbers as integers (the wire format carries every number as a float)."""
    if value == UNKNOWN:
        return KNOWN_AFTER_APPLY
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _display(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_display(v) for v in value]
    return value


def _element_key(old: list[Any], new: list[Any]) -> str | None:
    """A key that names each element of both lists of objects uniquely, if one does."""
    items = old + new
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    for key in _ELEMENT_KEYS:
        if all(isinstance(i.get(key), str) for i in items) and all(
            len({i[key] for i in side}) == len(side) for side in (old, new)
        ):
            return key
    return None


def _scalars(items: list[Any]) -> bool:
    return all(isinstance(i, str | int | float | bool) for i in items)


def value_changes(old: Any, new: Any, path: str) -> Iterator[tuple[str, Any, Any]]:
    """Leaf differences between two input values, as (path, old, new); JSON documents in strings are opened."""
    if old == new:
        return
    old_doc, new_doc = _as_json_document(old), _as_json_document(new)
    if old_doc is not None and new_doc is not None:
        yield from value_changes(old_doc, new_doc, f"{path}<json>")
    elif isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            yield from value_changes(old.get(key), new.get(key), f"{path}.{key}" if path else key)
    elif isinstance(old, list) and isinstance(new, list):
        yield from _list_changes(old, new, path)
    else:
        yield path, _display(old), _display(new)


def _list_changes(old: list[Any], new: list[Any], path: str) -> Iterator[tuple[str, Any, Any]]:
    """Two different lists: element by element when their elements pair up (by a naming key, or by position when
    the lengths agree), what left and what came for lists of scalars, else the two whole lists."""
    key = _element_key(old, new)
    if key is not None:
        old_by = {i[key]: i for i in old}
        new_by = {i[key]: i for i in new}
        for name in [*old_by, *(n for n in new_by if n not in old_by)]:
            yield from value_changes(old_by.get(name), new_by.get(name), f"{path}[{key}={name}]")
    elif _scalars(old) and _scalars(new) and set(old) != set(new):
        # Action lists, ARN lists, subnet ids: what left and what came, not two long lists.
        yield from ((f"{path}[-]", _display(v), None) for v in old if v not in new)
        yield from ((f"{path}[+]", None, _display(v)) for v in new if v not in old)
    elif len(old) == len(new):
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            yield from value_changes(a, b, f"{path}[{index}]")
    else:
        yield path, _display(old), _display(new)


# ---------------------------------------------------------------------------------------------------- resources


def _resources(document: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["urn"]: r for r in document["resources"] if r.get("custom", True)}


def _top(path: str) -> str:
    return re.split(r"<json>|\.|\[", path, maxsplit=1)[0]


def _compare_resource(old: dict[str, Any], new: dict[str, Any]) -> ResourceChange | None:
    type_token = new["type"]
    changes: list[PropertyChange] = []
    for path, a, b in value_changes(old.get("inputs", {}), new.get("inputs", {}), ""):
        # A secret whose value changed is "[secret]" on both sides and never shows; one that appears or
        # disappears does, and its value stays redacted.
        schema = path.split("<json>")[0]
        changes.append(PropertyChange(path, a, b, forced_by(type_token, schema)))
    if bool(old.get("protect")) != bool(new.get("protect")):
        changes.append(PropertyChange("(protect)", bool(old.get("protect")), bool(new.get("protect"))))
    if old.get("customTimeouts") != new.get("customTimeouts"):
        changes.append(PropertyChange("(customTimeouts)", old.get("customTimeouts"), new.get("customTimeouts")))
    if old.get("provider") != new.get("provider"):
        changes.append(
            PropertyChange("(provider)", old.get("provider"), new.get("provider"), note="a new provider instance")
        )
    if not changes:
        return None
    reasons = sorted({c.forces_replacement for c in changes if c.forces_replacement})
    maybe = sorted(
        {f"{found[0]}: {found[1]}" for c in changes if (found := conditionally_forced_by(type_token, c.path))}
    )
    return ResourceChange(
        urn=new["urn"],
        type=type_token,
        name=new["name"],
        action=REPLACE if reasons else UPDATE,
        stateful=type_token in STATEFUL,
        protect=bool(old.get("protect")),
        changes=changes,
        replace_reasons=list(reasons),
        maybe_replace=maybe,
    )


def _cascade(changes: dict[str, ResourceChange], head: dict[str, dict[str, Any]]) -> None:
    """A replaced resource gets a new id/ARN, unknown during preview: every input that depends on it changes.

    That input replaces the dependent too when it is ForceNew there (a new KMS key replaces the database
    encrypted with it), else it is an update. Repeated until nothing more is replaced.
    """
    while True:
        replaced = {urn for urn, c in changes.items() if c.action in (REPLACE, CREATE)}
        grew = False
        for urn, resource in head.items():
            current = changes.get(urn)
            if current is not None and current.action in (REPLACE, CREATE):
                continue
            for prop, deps in sorted(resource.get("propertyDependencies", {}).items()):
                sources = sorted(set(deps) & replaced - {urn})
                if not sources or (current and any(_top(c.path) == prop for c in current.changes)):
                    continue
                if current is None:
                    current = changes[urn] = ResourceChange(
                        urn=urn,
                        type=resource["type"],
                        name=resource["name"],
                        action=UPDATE,
                        stateful=resource["type"] in STATEFUL,
                        protect=bool(resource.get("protect")),
                    )
                source = sources[0].split("::")[-1]
                why = forced_by(resource["type"], prop)
                old_value = resource.get("inputs", {}).get(prop)
                current.changes.append(
                    PropertyChange(prop, old_value, KNOWN_AFTER_APPLY, why, note=f"{source} is replaced")
                )
                if why is not None and current.action != REPLACE:
                    current.action = REPLACE
                    current.replace_reasons.append(f"{why} (from {source}, which is replaced)")
                    grew = True
        if not grew:
            return


def compare_resources(base: Mapping[str, Any], head: Mapping[str, Any]) -> list[ResourceChange]:
    old, new = _resources(base), _resources(head)
    changes: dict[str, ResourceChange] = {}
    for urn in new.keys() - old.keys():
        r = new[urn]
        changes[urn] = ResourceChange(urn, r["type"], r["name"], CREATE, r["type"] in STATEFUL, bool(r.get("protect")))
    for urn in old.keys() - new.keys():
        r = old[urn]
        changes[urn] = ResourceChange(urn, r["type"], r["name"], DELETE, r["type"] in STATEFUL, bool(r.get("protect")))
    for urn in old.keys() & new.keys():
        found = _compare_resource(old[urn], new[urn])
        if found is not None:
            changes[urn] = found
    _cascade(changes, new)
    order = {REPLACE: 0, DELETE: 1, UPDATE: 2, CREATE: 3}
    return sorted(changes.values(), key=lambda c: (not c.loses_data, order[c.action], c.type, c.urn))


# ---------------------------------------------------------------------------------------------------- policy, cost


def _violations(document: Mapping[str, Any]) -> set[Violation]:
    return {
        Violation(v["policy"], v["enforcementLevel"], v.get("urn", ""), v["message"])
        for v in document["policy"]["violations"]
    }


def _sorted(found: Iterable[Violation]) -> list[Violation]:
    return sorted(found, key=lambda v: (v.level != "mandatory", v.policy, v.urn, v.message))


def _cost_by_line(document: Mapping[str, Any]) -> dict[tuple[str, str], tuple[str, float, float]]:
    """Cost lines summed by (URN, service): a resource's descriptions change with its size, its service does not."""
    lines: dict[tuple[str, str], tuple[str, float, float]] = {}
    for line in document["cost"]["lines"]:
        key = (line["urn"], line["service"])
        description, low, high = lines.get(key, ("", 0.0, 0.0))
        joined = f"{description}; {line['description']}" if description else line["description"]
        lines[key] = (joined, low + line["monthlyMin"], high + line["monthlyMax"])
    return lines


def compare_cost(base: Mapping[str, Any], head: Mapping[str, Any]) -> tuple[list[CostLine], dict[str, Any]]:
    old, new = _cost_by_line(base), _cost_by_line(head)
    lines: list[CostLine] = []
    for key in sorted(old.keys() | new.keys()):
        old_desc, old_min, old_max = old.get(key, ("", 0.0, 0.0))
        new_desc, new_min, new_max = new.get(key, ("", 0.0, 0.0))
        line = CostLine(
            key[0], key[1], new_desc or old_desc, round(old_min, 2), round(old_max, 2), round(new_min, 2),
            round(new_max, 2),
        )  # fmt: skip
        if line.delta_min or line.delta_max:
            lines.append(line)
    lines.sort(key=lambda line: (-abs(line.delta_max), line.urn))
    old_total, new_total = base["cost"]["monthly"], head["cost"]["monthly"]
    total = {
        "old": {"min": old_total["min"], "max": old_total["max"]},
        "new": {"min": new_total["min"], "max": new_total["max"]},
        "delta": {
            "min": round(new_total["min"] - old_total["min"], 2),
            "max": round(new_total["max"] - old_total["max"], 2),
        },
    }
    return lines, total


def _preflight(document: Mapping[str, Any]) -> set[Preflight]:
    return {Preflight(p["check"], p["message"]) for p in document["preflight"]}


def _check(document: Any, side: str) -> None:
    if not isinstance(document, dict) or not isinstance(document.get("resources"), list):
        raise DiffError(f"{side} is not a plan document (no 'resources' list)")


def compare(base: Mapping[str, Any], head: Mapping[str, Any]) -> PlanDiff:
    """What applying `head` over `base` would do."""
    _check(base, "BASE")
    _check(head, "HEAD")
    if base.get("stack") != head.get("stack"):
        raise DiffError(f"the documents are of different stacks: {base.get('stack')} and {head.get('stack')}")
    missing = [
        f"{key} at {side}"
        for key in ("policy", "cost", "preflight")
        for side, document in (("BASE", base), ("HEAD", head))
        if key not in document
    ]
    policy_added = policy_resolved = None
    if "policy" in base and "policy" in head:
        old, new = _violations(base), _violations(head)
        policy_added, policy_resolved = _sorted(new - old), _sorted(old - new)
    cost_lines: list[CostLine] | None = None
    cost_total = None
    if "cost" in base and "cost" in head:
        cost_lines, cost_total = compare_cost(base, head)
    preflight_added = preflight_resolved = None
    if "preflight" in base and "preflight" in head:
        old_warnings, new_warnings = _preflight(base), _preflight(head)
        preflight_added = sorted(new_warnings - old_warnings, key=lambda p: (p.check, p.message))
        preflight_resolved = sorted(old_warnings - new_warnings, key=lambda p: (p.check, p.message))
    return PlanDiff(
        stack=str(head["stack"]),
        resources=compare_resources(base, head),
        policy_added=policy_added,
        policy_resolved=policy_resolved,
        cost_lines=cost_lines,
        cost_total=cost_total,
        preflight_added=preflight_added,
        preflight_resolved=preflight_resolved,
        missing=missing,
    )

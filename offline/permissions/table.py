"""The table of required IAM actions (`required.toml`), loaded and checked.

Each resource type and each invoke the program uses maps to the IAM actions of its create/read/update/delete
(or, for an invoke, its one read), with the terraform-provider-aws file they come from. See the header of
`required.toml` for the fields.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from offline.permissions.catalog import is_action

TABLE = Path(__file__).with_name("required.toml")
OPERATIONS = ("create", "read", "update", "delete")
"""The operations of a resource type; an invoke has the one operation `call`."""
CALL = "call"


class TableError(ValueError):
    """The table is malformed or names an action IAM does not have."""


@dataclass(frozen=True)
class Entry:
    token: str
    """Resource type token or invoke token."""
    source: str
    """terraform-provider-aws file whose API calls these are."""
    verified: bool
    operations: Mapping[str, tuple[str, ...]]
    """Operation -> actions; a resource's create and update include its read (the provider reads after both)."""
    creates: str = ""
    resource: str = "*"
    unscoped: frozenset[str] = frozenset()
    pass_role: Mapping[str, str] = field(default_factory=dict)
    not_passed: frozenset[str] = frozenset()
    """Input paths that hold a role ARN as data (a secret's value), not a role handed to a service."""
    resource_of: Mapping[str, str] = field(default_factory=dict)
    """Action -> the ARN it acts on, where it differs from `resource` (a KMS key the service uses)."""
    via: Mapping[str, str] = field(default_factory=dict)
    """Action -> the service that makes the call on the caller's behalf (kms:ViaService)."""
    policy_arn: str = ""
    refs: Mapping[str, str] = field(default_factory=dict)
    """Input -> the resource type it refers to (by id or ARN), for `{ref.<input>.inputs|outputs.<path>}`."""
    boundary: str = ""
    """Template of the permissions boundary of the role the actions create or change (iam:PermissionsBoundary)."""
    no_permission_needed: frozenset[str] = frozenset()

    def resource_for(self, action: str) -> str:
        """The ARN template of one action's request: `*` for an unscoped one."""
        return "*" if action in self.unscoped else self.resource_of.get(action, self.resource)

    def actions(self) -> set[str]:
        return {a for actions in self.operations.values() for a in actions}


@dataclass(frozen=True)
class Table:
    resources: Mapping[str, Entry]
    invokes: Mapping[str, Entry]
    read_on: str

    def every_action(self) -> set[str]:
        return {a for e in (*self.resources.values(), *self.invokes.values()) for a in e.actions()}


def _actions(raw: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TableError(f"{where}: {key} must be a list of action names")
    return tuple(value)


def _entry(token: str, raw: Mapping[str, Any], operations: tuple[str, ...]) -> Entry:
    where = f"{TABLE.name} [{token}]"
    if not isinstance(raw.get("source"), str):
        raise TableError(f"{where}: no source (the provider file the actions come from)")
    unknown = set(raw) - {
        *operations,
        "source",
        "verified",
        "creates",
        "resource",
        "unscoped",
        "pass_role",
        "not_passed",
        "resource_of",
        "via",
        "policy_arn",
        "boundary",
        "refs",
        "no_permission_needed",
    }
    if unknown:
        raise TableError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    ops = {op: _actions(raw, op, where) for op in operations}
    if operations == OPERATIONS:
        ops["create"] = tuple(dict.fromkeys((*ops["create"], *ops["read"])))
        ops["update"] = tuple(dict.fromkeys((*ops["update"], *ops["read"]))) if ops["update"] else ()
    entry = Entry(
        token=token,
        source=raw["source"],
        verified=bool(raw.get("verified", False)),
        operations=ops,
        creates=str(raw.get("creates", "")),
        resource=str(raw.get("resource", "*")),
        unscoped=frozenset(_actions(raw, "unscoped", where)),
        pass_role=dict(raw.get("pass_role", {})),
        not_passed=frozenset(_actions(raw, "not_passed", where)),
        resource_of=dict(raw.get("resource_of", {})),
        via=dict(raw.get("via", {})),
        policy_arn=str(raw.get("policy_arn", "")),
        boundary=str(raw.get("boundary", "")),
        refs=dict(raw.get("refs", {})),
        no_permission_needed=frozenset(_actions(raw, "no_permission_needed", where)),
    )
    named = {
        *entry.actions(),
        *entry.unscoped,
        *entry.no_permission_needed,
        *entry.resource_of,
        *entry.via,
        *({entry.creates} - {""}),
    }
    not_real = sorted(a for a in named if not is_action(a))
    if not_real:
        raise TableError(f"{where}: not IAM actions: {', '.join(not_real)}")
    return entry


def parse_table(document: Mapping[str, Any]) -> Table:
    resources = document.get("resource", {})
    invokes = document.get("invoke", {})
    return Table(
        resources={token: _entry(token, raw, OPERATIONS) for token, raw in resources.items()},
        invokes={token: _entry(token, raw, (CALL,)) for token, raw in invokes.items()},
        read_on=str(document.get("meta", {}).get("read", "")),
    )


@cache
def load_table() -> Table:
    with TABLE.open("rb") as handle:
        return parse_table(tomllib.load(handle))


_PLACEHOLDER = re.compile(r"\{([a-z]+)(?:\.([A-Za-z0-9_.]+))?\}")


def render(template: str, values: Mapping[str, Any]) -> str:
    """Fill `{partition}`, `{inputs.role}`, `{result.arn}`... from `values`; a missing value is an error."""

    def one(match: re.Match[str]) -> str:
        value: Any = values.get(match.group(1))
        for part in (match.group(2) or "").split(".") if match.group(2) else ():
            if isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                value = value.get(part) if isinstance(value, Mapping) else None
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise TableError(f"{template}: no value for {match.group(0)}")
        return str(value)

    return _PLACEHOLDER.sub(one, template)


def render_optional(template: str, values: Mapping[str, Any]) -> str | None:
    """`render`, or None when the template names a value the resource does not have (an unset input)."""
    try:
        return render(template, values)
    except TableError:
        return None

"""IAM policy documents read out of a plan: the statements of a policy input, of a role, by Sid."""

from __future__ import annotations

import json
from typing import Any

from offline.harness import Plan, Resource
from tests.support import inputs

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"


def policy(resource: Resource, key: str = "policy") -> list[dict[str, Any]]:
    """The statements of a JSON policy input, with single values listed so tests need not care."""
    statements: list[dict[str, Any]] = json.loads(inputs(resource)[key])["Statement"]
    for st in statements:
        for field in ("Action", "Resource"):
            if isinstance(st.get(field), str):
                st[field] = [st[field]]
    return statements


def statement_by_sid(statements: list[dict[str, Any]], sid: str) -> dict[str, Any]:
    """The one statement whose Sid is `sid` (the test fails if there is none or more than one)."""
    found = [s for s in statements if s.get("Sid") == sid]
    assert len(found) == 1, f"expected one statement {sid}, found {len(found)}"
    return found[0]


def role_policies(plan: Plan, role: Resource) -> list[dict[str, Any]]:
    """Every inline-policy statement attached to `role` (RolePolicy.role is its id, i.e. its name)."""
    role_id = role.outputs.get("id") or inputs(role).get("name")
    return [st for rp in plan.of_type(ROLE_POLICY) if inputs(rp)["role"] == role_id for st in policy(rp)]

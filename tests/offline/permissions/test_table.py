"""The table of required actions covers every type and invoke of both stacks and bootstrap, and names only real
IAM actions; the stored managed policies name only real actions and say which version they are."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from offline.permissions import plans
from offline.permissions.catalog import names_an_action
from offline.permissions.managed import MANAGED, managed_policy
from offline.permissions.table import TableError, load_table, parse_table, render
from offline.wire import unwrapped

PROGRAMS = ("staging", "production", "bootstrap")


def recorded(program: str) -> plans.RecordedPlan:
    return plans.bootstrap() if program == "bootstrap" else plans.stack(program)


@pytest.mark.parametrize("program", PROGRAMS)
def test_every_resource_type_of_the_plan_has_an_entry(program: str) -> None:
    types = {r.type for r in recorded(program).plan.resources if r.custom}
    missing = sorted(types - set(load_table().resources))
    assert not missing, f"{program}: no entry in offline/permissions/required.toml for {missing}"


@pytest.mark.parametrize("program", PROGRAMS)
def test_every_invoke_of_the_program_has_an_entry(program: str) -> None:
    tokens = {i.token for i in recorded(program).invokes}
    assert tokens, f"{program}: no invoke recorded (the recording broke)"
    missing = sorted(tokens - set(load_table().invokes))
    assert not missing, f"{program}: no entry in offline/permissions/required.toml for invokes {missing}"


def test_the_table_loads_and_every_entry_says_where_it_came_from() -> None:
    table = load_table()
    for entry in (*table.resources.values(), *table.invokes.values()):
        assert entry.source.startswith(("internal/", "pulumi-random", "pulumiverse-sentry")), entry.token
    assert table.invokes["aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider"].operations["call"] == (
        "iam:ListOpenIDConnectProviders",
        "iam:GetOpenIDConnectProvider",
    )


def test_create_and_update_include_the_read_the_provider_does_after_them() -> None:
    role = load_table().resources["aws:iam/role:Role"]
    assert set(role.operations["read"]) <= set(role.operations["create"])
    assert set(role.operations["read"]) <= set(role.operations["update"])


def _table(**overrides: Any) -> dict[str, Any]:
    entry = {"source": "internal/service/x/y.go", "create": [], "read": ["s3:GetBucketPolicy"], "update": []}
    entry.update(overrides)
    return {"resource": {"aws:s3/bucketPolicy:BucketPolicy": entry}}


def test_an_action_iam_does_not_have_is_refused() -> None:
    assert parse_table(_table()).resources
    with pytest.raises(TableError, match=r"not IAM actions: s3:GetBucketPolicies"):
        parse_table(_table(read=["s3:GetBucketPolicies"]))
    with pytest.raises(TableError, match="not IAM actions: iam:ListOpenIdConnectProvider"):
        parse_table(_table(unscoped=["iam:ListOpenIdConnectProvider"]))


def test_an_entry_without_a_source_or_with_an_unknown_field_is_refused() -> None:
    with pytest.raises(TableError, match="no source"):
        parse_table(_table(source=None))
    with pytest.raises(TableError, match="unknown field"):
        parse_table(_table(deletes=["s3:DeleteBucketPolicy"]))


def test_a_placeholder_without_a_value_is_an_error() -> None:
    assert render(
        "arn:{partition}:iam::{account}:role/{inputs.role}",
        {"partition": "aws", "account": "1", "inputs": {"role": "r"}},
    ) == ("arn:aws:iam::1:role/r")
    with pytest.raises(TableError, match=r"no value for \{inputs.role\}"):
        render("role/{inputs.role}", {"inputs": {}})


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


@pytest.mark.parametrize("path", sorted(MANAGED.glob("*.json")), ids=lambda p: p.stem)
def test_stored_managed_policies_name_real_actions_and_their_version(path: Path) -> None:
    data = json.loads(path.read_text())
    assert data["VersionId"].startswith("v") and data["CreateDate"] and data["Read"], path.name
    patterns = [p for s in data["Document"]["Statement"] for p in as_list(s.get("Action", s.get("NotAction")))]
    unknown = [p for p in patterns if p != "*" and not names_an_action(p)]
    assert not unknown, f"{path.name}: patterns that name no IAM action: {unknown}"
    assert managed_policy(data["Arn"].replace("arn:aws:", "arn:aws-us-gov:")).version_id == data["VersionId"]


def _leaves(value: Any, path: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in _leaves(item, f"{path}.{key}".lstrip("."))]
    if isinstance(value, list):
        return [leaf for index, item in enumerate(value) for leaf in _leaves(item, f"{path}.{index}")]
    return [(path, value)]


@pytest.mark.parametrize("program", PROGRAMS)
def test_every_input_holding_a_role_arn_is_declared_passed_or_not(program: str) -> None:
    """A resource given one of the program's roles needs iam:PassRole for it: the entry must say so."""
    plan = recorded(program).plan
    role_arns = {r.outputs.get("arn") for r in plan.of_type("aws:iam/role:Role")}
    table = load_table()
    undeclared = [
        f"{resource.type} {resource.name}: {path}"
        for resource in plan.resources
        if resource.custom
        for path, value in _leaves(unwrapped(resource.inputs))
        if value in role_arns
        and path not in table.resources[resource.type].pass_role
        and path not in table.resources[resource.type].not_passed
    ]
    assert not undeclared, f"role ARN inputs with neither pass_role nor not_passed: {undeclared}"

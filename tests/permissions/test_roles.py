"""Every CI role may make every request its job needs, evaluated offline against its effective policy (inline
policies from the plans, AWS managed policies as stored, key and bucket policies where they take part): a missing
permission names the role, the action, the resource and what needs it.

No role is short of a permission today. When one is and cannot be fixed at once, parametrize the expectation
(role, action) with `pytest.mark.xfail(strict=True, reason=<the missing action and why>)` rather than loosening
the check: the strict marker fails as soon as the role is fixed, so the marker goes with the fix."""

from __future__ import annotations

import dataclasses

import pytest

from offline.permissions import plans
from offline.permissions.check import STACKS, RoleReport, check_role, roles_for
from offline.permissions.evaluator import parse_policy
from offline.permissions.roles import Role
from offline.permissions.table import load_table

ROLES = ("preview", "staging infra-deploy", "staging app-deploy", "production infra-deploy", "production app-deploy")


@pytest.fixture(scope="module")
def roles() -> dict[str, Role]:
    return {role.label: role for role in roles_for()}


@pytest.fixture(scope="module")
def reports(roles: dict[str, Role]) -> dict[str, RoleReport]:
    return {label: check_role(role) for label, role in roles.items()}


def test_the_roles_checked_are_the_ci_roles(roles: dict[str, Role]) -> None:
    assert tuple(roles) == ROLES


@pytest.mark.parametrize("label", ROLES)
def test_nothing_is_missing(reports: dict[str, RoleReport], label: str) -> None:
    missing = reports[label].missing()
    assert not missing, "\n" + "\n".join(f.message() for f in missing)


def test_the_preview_role_needs_every_invoke_and_state_read_but_no_resource_change(roles: dict[str, Role]) -> None:
    table = load_table()
    invoked = {
        action
        for stack in STACKS
        for invoke in plans.stack(stack).invokes
        for action in table.invokes[invoke.token].operations["call"]
        if action not in table.invokes[invoke.token].no_permission_needed
    }
    actions = {need.request.action for need in roles["preview"].needs}
    assert "route53:ListHostedZones" in invoked
    assert invoked | {"s3:ListBucket", "s3:GetObject", "kms:Decrypt"} == actions


def test_the_infra_role_passes_the_task_roles_to_ecs_only(roles: dict[str, Role]) -> None:
    role = roles["production infra-deploy"]
    passes = [n.request for n in role.needs if n.request.action == "iam:PassRole" and "taskDefinition" in n.because]
    assert {r.resource.rsplit("/", 1)[1].rsplit("-", 1)[0] for r in passes} == {"backend-task", "backend-execution"}
    assert all(r.context["iam:PassedToService"] == ["ecs-tasks.amazonaws.com"] for r in passes)


def without(role: Role, sid: str) -> Role:
    """The role with one statement (by Sid) dropped from its inline policies."""
    policies = tuple(
        dataclasses.replace(p, statements=tuple(s for s in p.statements if s.sid != sid)) for p in role.policies
    )
    assert policies != role.policies, f"{role.label} has no statement {sid}"
    return dataclasses.replace(role, policies=policies)


def test_dropping_a_statement_from_the_infra_role_fails_the_check(roles: dict[str, Role]) -> None:
    report = check_role(without(roles["production infra-deploy"], "ChangeStackTaggedRoles"))
    messages = [f.message() for f in report.missing()]
    expected = (
        "production infra-deploy: iam:PutRolePolicy on arn:aws:iam::123456789012:role/socialclub-production-app-deploy "
        "is not allowed (needed by aws:iam/rolePolicy:RolePolicy "
    )
    assert any(m.startswith(expected) for m in messages), "\n".join(messages)
    assert any("iam:PassRole" in m and "ecs/taskDefinition" in m for m in messages)


def test_dropping_the_managed_policy_or_the_state_read_fails_the_check(roles: dict[str, Role]) -> None:
    infra = roles["staging infra-deploy"]
    inline_only = dataclasses.replace(
        infra, policies=tuple(p for p in infra.policies if "PowerUserAccess" not in p.name)
    )
    missing = {f.need.request.action for f in check_role(inline_only).missing()}
    assert {"rds:CreateDBInstance", "s3:PutObject", "ecr:PutImage", "cloudfront:CreateInvalidation"} <= missing
    preview = check_role(without(roles["preview"], "ReadState"))
    assert any(f.need.request.action == "s3:GetObject" and "state backend" in f.need.because for f in preview.missing())


def test_an_explicit_deny_added_to_a_role_is_reported_as_such(roles: dict[str, Role]) -> None:
    app = roles["production app-deploy"]
    deny = parse_policy(
        {"Statement": [{"Sid": "NoPush", "Effect": "Deny", "Action": "ecr:PutImage", "Resource": "*"}]}, "deny"
    )
    report = check_role(dataclasses.replace(app, policies=(*app.policies, deny)))
    (finding,) = [f for f in report.missing() if f.need.request.action == "ecr:PutImage"]
    assert finding.message().endswith("explicitly denied by deny#NoPush)")


def test_a_key_policy_that_stops_delegating_administration_fails_the_check(roles: dict[str, Role]) -> None:
    infra = roles["production infra-deploy"]
    needs = tuple(
        dataclasses.replace(
            need,
            key_policy=dataclasses.replace(
                need.key_policy,
                statements=tuple(s for s in need.key_policy.statements if s.sid != "AccountAdministersKey"),
            ),
        )
        if need.key_policy and need.key_policy.name == "production:kms-key"
        else need
        for need in infra.needs
    )
    messages = [f.message() for f in check_role(dataclasses.replace(infra, needs=needs)).missing()]
    assert any(
        m.startswith("production infra-deploy: kms:PutKeyPolicy on arn:aws:kms:us-east-1:123456789012:key/")
        and "needed by aws:kms/key:Key kms-key: update" in m
        for m in messages
    ), "\n".join(messages)

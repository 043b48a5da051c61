"""Every CI role may make every request its job needs, evaluated offline against its effective policy (inline
policies from the plans, AWS managed policies as stored): a missing permission names the role, the action, the
resource and what needs it."""

from __future__ import annotations

import dataclasses

import pytest

from offline.permissions.check import RoleReport, check_role, roles_for
from offline.permissions.evaluator import parse_policy
from offline.permissions.roles import Role

ROLES = ("preview", "staging infra-deploy", "staging app-deploy", "production infra-deploy", "production app-deploy")

# Missing today, each with its reason; the lead removes an entry (and its xfail) when the role is fixed.
KNOWN_MISSING: dict[tuple[str, str], str] = {
    ("preview", "ecr:DescribeImages"): (
        "ViewOnlyAccess has ecr:DescribeRepositories and ecr:ListImages only; the staging ECR repository lookup "
        "(aws:ecr/getRepository) calls DescribeImages for most_recent_image_tags"
    ),
    ("preview", "ecr:ListTagsForResource"): (
        "ViewOnlyAccess has no ecr:ListTagsForResource; the repository data source lists its tags"
    ),
}


@pytest.fixture(scope="module")
def roles() -> dict[str, Role]:
    return {role.label: role for role in roles_for()}


@pytest.fixture(scope="module")
def reports(roles: dict[str, Role]) -> dict[str, RoleReport]:
    return {label: check_role(role) for label, role in roles.items()}


def test_the_roles_checked_are_the_ci_roles(roles: dict[str, Role]) -> None:
    assert tuple(roles) == ROLES


@pytest.mark.parametrize("label", ROLES)
def test_nothing_is_missing_beyond_the_known_gaps(reports: dict[str, RoleReport], label: str) -> None:
    missing = [f for f in reports[label].missing() if (label, f.need.request.action) not in KNOWN_MISSING]
    assert not missing, "\n" + "\n".join(f.message() for f in missing)


@pytest.mark.parametrize(
    ("label", "action"),
    [
        pytest.param(label, action, marks=pytest.mark.xfail(strict=True, reason=f"{label}: {action}: {reason}"))
        for (label, action), reason in KNOWN_MISSING.items()
    ],
)
def test_known_gap_is_granted(reports: dict[str, RoleReport], label: str, action: str) -> None:
    missing = [f.message() for f in reports[label].missing() if f.need.request.action == action]
    assert not missing, "\n".join(missing)


def test_the_preview_role_needs_every_invoke_and_state_read_but_no_resource_change(roles: dict[str, Role]) -> None:
    actions = {need.request.action for need in roles["preview"].needs}
    assert {"route53:ListHostedZones", "ecr:DescribeRepositories", "s3:GetObject", "kms:Decrypt"} <= actions
    assert not {a for a in actions if a.split(":")[1].startswith(("Create", "Put", "Delete", "Update"))}


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

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
from offline.permissions.check import STACKS, Finding, RoleReport, check_role, roles_for
from offline.permissions.evaluator import Policy, parse_policy
from offline.permissions.plans import Invoke
from offline.permissions.roles import Role, invoke_needs
from offline.permissions.table import load_table

ROLES = (
    "preview",
    "drift",
    "staging infra-deploy",
    "staging app-deploy",
    "production infra-deploy",
    "production app-deploy",
)


@pytest.fixture(scope="module")
def roles() -> dict[str, Role]:
    return {role.label: role for role in roles_for()}


@pytest.fixture(scope="module")
def reports(roles: dict[str, Role]) -> dict[str, RoleReport]:
    return {label: check_role(role) for label, role in roles.items()}


def test_the_roles_checked_are_the_ci_roles(roles: dict[str, Role]) -> None:
    assert tuple(roles) == ROLES


def test_the_drift_role_reads_every_stack_and_the_preview_role_only_staging(roles: dict[str, Role]) -> None:
    """A refresh of production needs its state and its secret values; a pull request's preview must not."""
    drift = {n.request.resource for n in roles["drift"].needs if n.request.action == "s3:GetObject"}
    preview = {n.request.resource for n in roles["preview"].needs if n.request.action == "s3:GetObject"}
    assert any("/production" in r for r in drift) and not any("/production" in r for r in preview)
    assert any(n.request.action == "secretsmanager:GetSecretValue" for n in roles["drift"].needs)


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
    # The API's two roles and the migration task's execution role (it has no task role: psql calls no AWS API).
    names = {r.resource.rsplit("/", 1)[1].rsplit("-", 1)[0] for r in passes}
    assert names == {"backend-task", "backend-execution", "db-migrate-execution"}
    assert all(r.context["iam:PassedToService"] == ["ecs-tasks.amazonaws.com"] for r in passes)


def granted(role: Role, action: str, resource_suffix: str) -> Finding:
    """The finding that grants `action` on a resource ending in `resource_suffix` (it must be granted)."""
    found = [
        f
        for f in check_role(role).findings
        if f.need.request.action == action and f.need.request.resource.endswith(resource_suffix)
    ]
    assert found and all(f.verdict.outcome.granted for f in found), [f.message() for f in found]
    return found[0]


def dropped(policy: Policy, label: str) -> Policy:
    return dataclasses.replace(policy, statements=tuple(s for s in policy.statements if s.label() != label))


def without_what_grants(role: Role, finding: Finding) -> Role:
    """The role with the statement that granted `finding` removed from its policies."""
    label = finding.verdict.by[0]
    policies = tuple(dropped(p, label) for p in role.policies)
    assert policies != role.policies, f"{label} is not one of {role.label}'s statements"
    return dataclasses.replace(role, policies=policies)


@pytest.mark.parametrize(
    ("action", "resource_suffix", "needed_by"),
    [
        ("iam:PutRolePolicy", "-app-deploy", "aws:iam/rolePolicy:RolePolicy "),
        ("iam:PassRole", "/backend-execution-14e44c0", "aws:ecs/taskDefinition:TaskDefinition backend-task: create"),
        ("rds:CreateDBInstance", "*", "aws:rds/instance:Instance db-instance: create"),
    ],
)
def test_dropping_the_statement_that_grants_a_need_fails_the_check(
    roles: dict[str, Role], action: str, resource_suffix: str, needed_by: str
) -> None:
    infra = roles["production infra-deploy"]
    finding = granted(infra, action, resource_suffix)
    messages = [f.message() for f in check_role(without_what_grants(infra, finding)).missing()]
    expected = (
        f"production infra-deploy: {action} on {finding.need.request.resource} is not allowed (needed by {needed_by}"
    )
    assert any(m.startswith(expected) for m in messages), "\n".join(messages)


def test_dropping_the_state_read_fails_the_preview(roles: dict[str, Role]) -> None:
    preview = roles["preview"]
    finding = granted(preview, "s3:GetObject", "/.pulumi/stacks/socialclub/staging.json.gz")
    missing = check_role(without_what_grants(preview, finding)).missing()
    assert any(f.need.request.action == "s3:GetObject" and "state backend" in f.need.because for f in missing)


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
    finding = granted(infra, "kms:PutKeyPolicy", "")
    key_policy = finding.need.key_policy
    assert key_policy is not None
    (key_statement,) = [label for label in finding.verdict.by if label.startswith(f"{key_policy.name}#")]
    needs = tuple(
        dataclasses.replace(need, key_policy=dropped(key_policy, key_statement))
        if need.key_policy == key_policy
        else need
        for need in infra.needs
    )
    messages = [f.message() for f in check_role(dataclasses.replace(infra, needs=needs)).missing()]
    assert any(
        m.startswith(f"production infra-deploy: kms:PutKeyPolicy on {finding.need.request.resource} is not allowed")
        and "needed by aws:kms/key:Key kms-key: update" in m
        and "lets neither the role nor IAM policies grant it" in m
        for m in messages
    ), "\n".join(messages)


def test_the_app_deploy_role_is_capped_by_its_permissions_boundary(roles: dict[str, Role]) -> None:
    app = roles["production app-deploy"]
    assert app.boundary is not None
    finding = granted(app, "iam:PassRole", "/backend-task-f77f7fb")
    (boundary_statement,) = [label for label in finding.verdict.by if label.startswith(f"{app.boundary.name}#")]
    capped = dataclasses.replace(app, boundary=dropped(app.boundary, boundary_statement))
    messages = [f.message() for f in check_role(capped).missing()]
    assert any(
        m.startswith(f"production app-deploy: iam:PassRole on {finding.need.request.resource} is not allowed")
        and "outside the permissions boundary" in m
        for m in messages
    ), "\n".join(messages)


@pytest.mark.parametrize(
    ("label", "invoke", "missing"),
    [
        (
            "preview",
            Invoke(
                "aws:ecr/getRepository:getRepository",
                {"name": "socialclub/backend"},
                {"arn": "arn:aws:ecr:us-east-1:123456789012:repository/socialclub/backend"},
            ),
            {"ecr:DescribeImages", "ecr:ListTagsForResource"},
        ),
        (
            "production infra-deploy",
            Invoke(
                "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider",
                {"url": "https://token.actions.githubusercontent.com"},
                {"arn": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
            ),
            {"iam:ListOpenIDConnectProviders"},
        ),
    ],
    ids=["ecr-lookup", "oidc-lookup"],
)
def test_a_lookup_that_broke_ci_before_would_be_caught_again(
    roles: dict[str, Role], label: str, invoke: Invoke, missing: set[str]
) -> None:
    """The program names the repository and the OIDC provider instead of looking them up, because the roles may
    not make these lookups; should one come back, the check says so."""
    role = roles[label]
    with_lookup = dataclasses.replace(role, needs=(*role.needs, *invoke_needs([invoke], load_table())))
    assert missing <= {f.need.request.action for f in check_role(with_lookup).missing()}

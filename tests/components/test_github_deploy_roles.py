"""GithubDeployRoles under mocks: exact OIDC trust, least-privilege app deploys, a fenced infra role."""

from __future__ import annotations

from typing import Any

import pytest

from components.github_deploy_roles import github_trust_policy
from offline import fakes
from offline.harness import Plan
from offline.permissions.evaluator import Outcome, Policy, Request, evaluate
from offline.permissions.roles import effective_policies
from stackconfig.edge import GithubSubject
from stackconfig.github import GITHUB_OIDC_HOST
from tests.support import TEST_BOUNDARY_ARN, TEST_ROLE_PATH, inputs, run_component
from tests.support.edge import (
    APP_SUBJECT,
    EXECUTION_ROLE_ARN,
    INFRA_SUBJECT,
    REPOSITORY_ARN,
    SERVICE_ARN,
    TASK_ROLE_ARN,
    deploy_roles,
)
from tests.support.iam import ROLE, policy, role_policies, statement_by_sid

PROVIDER = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
PROVIDER_ARN = f"arn:aws:iam::{fakes.ACCOUNT}:oidc-provider/{GITHUB_OIDC_HOST}"


@pytest.fixture(scope="module")
def plan() -> Plan:
    return run_component(deploy_roles())


def trust(plan: Plan, name: str) -> dict[str, Any]:
    statements = policy(plan.one(ROLE, name), "assumeRolePolicy")
    assert len(statements) == 1
    return statements[0]


@pytest.mark.parametrize(
    ("name", "subject"), [("deploy-app-deploy", APP_SUBJECT), ("deploy-infra-deploy", INFRA_SUBJECT)]
)
def test_trust_pins_audience_and_subject_exactly(plan: Plan, name: str, subject: GithubSubject) -> None:
    st = trust(plan, name)
    assert st["Action"] == ["sts:AssumeRoleWithWebIdentity"]
    assert st["Principal"] == {"Federated": PROVIDER_ARN}
    assert st["Condition"] == {
        "StringEquals": {
            f"{GITHUB_OIDC_HOST}:aud": "sts.amazonaws.com",
            f"{GITHUB_OIDC_HOST}:sub": subject.claim,
        }
    }


def test_role_names_and_session_length(plan: Plan) -> None:
    roles = {r.name: inputs(r) for r in plan.of_type(ROLE)}
    assert roles["deploy-app-deploy"]["name"] == "sc-test-app-deploy"
    assert roles["deploy-infra-deploy"]["name"] == "sc-test-infra-deploy"
    assert {r["maxSessionDuration"] for r in roles.values()} == {7200}


@pytest.mark.parametrize("subject", ["repo:org/app:*", "repo:org/app:environment:prod?"])
def test_wildcard_subjects_are_refused(subject: str) -> None:
    with pytest.raises(ValueError, match="no wildcards"):
        github_trust_policy(PROVIDER_ARN, subject)


def test_immutable_subject_claims_carry_owner_and_repository_ids() -> None:
    subject = GithubSubject(
        repository="example-org/socialclub-infra", owner_id=123456, repository_id=456789, environment="production"
    )
    created = run_component(deploy_roles(infra_deploy=subject))
    sub = trust(created, "deploy-infra-deploy")["Condition"]["StringEquals"][f"{GITHUB_OIDC_HOST}:sub"]
    assert sub == "repo:example-org@123456/socialclub-infra@456789:environment:production"


def test_app_and_infra_must_trust_different_subjects() -> None:
    with pytest.raises(Exception, match="same subject as appDeploy"):
        run_component(deploy_roles(infra_deploy=APP_SUBJECT))


def test_provider_is_named_by_default_and_created_on_request(plan: Plan) -> None:
    # Named from the account id, never looked up: the offline fakes answer no getOpenIdConnectProvider invoke,
    # so a lookup (iam:ListOpenIDConnectProviders, which no CI role has) would fail this run.
    assert plan.of_type(PROVIDER) == []
    assert trust(plan, "deploy-infra-deploy")["Principal"] == {"Federated": PROVIDER_ARN}
    created = run_component(deploy_roles(create_oidc_provider=True))
    provider = inputs(created.one(PROVIDER))
    assert provider["url"] == f"https://{GITHUB_OIDC_HOST}"
    assert provider["clientIdLists"] == ["sts.amazonaws.com"]
    assert "thumbprintLists" not in provider
    assert trust(created, "deploy-app-deploy")["Principal"] == {"Federated": created.one(PROVIDER).outputs["arn"]}


def test_app_deploy_grants_exactly_push_rollout_and_pass_role(plan: Plan) -> None:
    statements = role_policies(plan, plan.one(ROLE, "deploy-app-deploy"))
    assert all(s["Effect"] == "Allow" for s in statements)
    for st in statements:
        assert "*" not in st["Action"] and not any(a.endswith(":*") for a in st["Action"])
    star = {a for s in statements if "*" in s["Resource"] for a in s["Action"]}
    assert star == {"ecr:GetAuthorizationToken", "ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition"}
    push = statement_by_sid(statements, "EcrPushThisRepository")
    assert push["Resource"] == [REPOSITORY_ARN]
    assert {"ecr:PutImage", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload"} <= set(push["Action"])
    assert statement_by_sid(statements, "RollThisService")["Resource"] == [SERVICE_ARN]
    pass_role = statement_by_sid(statements, "PassOnlyThisServicesRoles")
    assert pass_role["Resource"] == [TASK_ROLE_ARN, EXECUTION_ROLE_ARN]
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}


ACCOUNT = fakes.ACCOUNT
OWN_PATH_ROLE = f"arn:aws:iam::{ACCOUNT}:role/socialclub-test/new-role"
OTHER_STACK_ROLE = f"arn:aws:iam::{ACCOUNT}:role/socialclub-production/socialclub-production-infra-deploy"
BOUNDED = {"iam:PermissionsBoundary": [TEST_BOUNDARY_ARN]}


def infra_policies(plan: Plan) -> list[Policy]:
    policies, sources = effective_policies(plan.one(ROLE, "deploy-infra-deploy"), [plan])
    assert any("PowerUserAccess" in source for source in sources)
    return list(policies)


def decide(plan: Plan, action: str, resource: str, **context: list[str]) -> Outcome:
    request = Request(
        action,
        resource,
        context=context,
        # A request without these keys is known: IAM would not send them either.
        modelled=frozenset({"iam:permissionsboundary", "iam:passedtoservice", "iam:policyarn"}),
    )
    return evaluate(infra_policies(plan), request).outcome


def test_infra_deploy_is_power_user_plus_fenced_iam(plan: Plan) -> None:
    attachment = inputs(plan.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment"))
    assert attachment == {"role": "sc-test-infra-deploy", "policyArn": "arn:aws:iam::aws:policy/PowerUserAccess"}
    infra, app = (inputs(plan.one(ROLE, f"deploy-{label}")) for label in ("infra-deploy", "app-deploy"))
    # Both under the stack's path; only the app role is fenced by the boundary (the infra role must create roles,
    # and an administrator creates it).
    assert infra["path"] == app["path"] == TEST_ROLE_PATH
    assert app["permissionsBoundary"] == TEST_BOUNDARY_ARN and "permissionsBoundary" not in infra
    statements = role_policies(plan, plan.one(ROLE, "deploy-infra-deploy"))
    assert not {a for s in statements if s["Effect"] == "Allow" for a in s["Action"]} & {"*", "iam:*"}


# The escalation paths of a deploy role that may create roles, replayed with IAM's semantics on its effective
# policy (inline statements plus the stored PowerUserAccess): each must end short of administrator.
ESCALATIONS = [
    ("create a role without the boundary", "iam:CreateRole", OWN_PATH_ROLE, {}),
    ("create a role under another path", "iam:CreateRole", f"arn:aws:iam::{ACCOUNT}:role/x", BOUNDED),
    ("give a role without the boundary *:*", "iam:PutRolePolicy", OWN_PATH_ROLE, {}),
    ("give another stack's deploy role *:*", "iam:PutRolePolicy", OTHER_STACK_ROLE, {}),
    ("trust itself from another stack's role", "iam:UpdateAssumeRolePolicy", OTHER_STACK_ROLE, {}),
    ("tag another stack's role into its scope", "iam:TagRole", OTHER_STACK_ROLE, {}),
    (
        "attach AdministratorAccess to a bounded role",
        "iam:AttachRolePolicy",
        OWN_PATH_ROLE,
        {**BOUNDED, "iam:PolicyARN": ["arn:aws:iam::aws:policy/AdministratorAccess"]},
    ),
    ("remove a role's boundary", "iam:DeleteRolePermissionsBoundary", OWN_PATH_ROLE, BOUNDED),
    ("rewrite the boundary", "iam:CreatePolicyVersion", TEST_BOUNDARY_ARN, {}),
    ("pass a role to Lambda", "iam:PassRole", OWN_PATH_ROLE, {"iam:PassedToService": ["lambda.amazonaws.com"]}),
    ("assume another role", "sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/OrganizationAccountAccessRole", {}),
    ("widen itself", "iam:PutRolePolicy", "SELF", {}),
    ("hand itself to a task it starts", "iam:PassRole", "SELF", {"iam:PassedToService": ["ecs-tasks.amazonaws.com"]}),
    ("create an access key", "iam:CreateAccessKey", f"arn:aws:iam::{ACCOUNT}:user/admin", {}),
]


@pytest.mark.parametrize(("what", "action", "resource", "context"), ESCALATIONS, ids=[e[0] for e in ESCALATIONS])
def test_no_escalation_path_is_open(
    plan: Plan, what: str, action: str, resource: str, context: dict[str, list[str]]
) -> None:
    if resource == "SELF":
        resource = plan.one(ROLE, "deploy-infra-deploy").outputs["arn"]
    assert not decide(plan, action, resource, **context).granted, what


# What `pulumi up` does to the stack's own roles must still be allowed.
NEEDED = [
    ("iam:CreateRole", OWN_PATH_ROLE, BOUNDED),
    ("iam:PutRolePolicy", OWN_PATH_ROLE, BOUNDED),
    ("iam:DeleteRolePolicy", OWN_PATH_ROLE, BOUNDED),
    (
        "iam:AttachRolePolicy",
        OWN_PATH_ROLE,
        {**BOUNDED, "iam:PolicyARN": ["arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"]},
    ),
    ("iam:UpdateAssumeRolePolicy", OWN_PATH_ROLE, {}),
    ("iam:TagRole", OWN_PATH_ROLE, {}),
    ("iam:DeleteRole", OWN_PATH_ROLE, {}),
    ("iam:PassRole", OWN_PATH_ROLE, {"iam:PassedToService": ["ecs-tasks.amazonaws.com"]}),
    ("iam:GetRole", OTHER_STACK_ROLE, {}),
]


@pytest.mark.parametrize(("action", "resource", "context"), NEEDED, ids=[n[0] for n in NEEDED])
def test_what_pulumi_up_does_to_the_stacks_roles_is_allowed(
    plan: Plan, action: str, resource: str, context: dict[str, list[str]]
) -> None:
    assert decide(plan, action, resource, **context) is Outcome.ALLOWED


def test_the_app_deploy_role_the_stack_manages_stays_changeable(plan: Plan) -> None:
    """The stack owns the app-deploy role's inline policies: CI must be able to update them."""
    app = plan.one(ROLE, "deploy-app-deploy").outputs["arn"]
    assert decide(plan, "iam:PutRolePolicy", app, **BOUNDED) is Outcome.ALLOWED
    assert decide(plan, "iam:UpdateAssumeRolePolicy", app) is Outcome.ALLOWED


def test_infra_deploy_cannot_destroy_another_stacks_resources(plan: Plan) -> None:
    statements = role_policies(plan, plan.one(ROLE, "deploy-infra-deploy"))
    guard = statement_by_sid(statements, "NeverTouchOtherStacks")
    assert guard["Effect"] == "Deny"
    assert guard["Condition"] == {
        "StringNotEquals": {"aws:ResourceTag/Stack": "test"},
        "Null": {"aws:ResourceTag/Stack": "false"},
    }
    assert {"rds:DeleteDBInstance", "dynamodb:DeleteTable", "kms:ScheduleKeyDeletion"} <= set(guard["Action"])


STATE = "arn:aws:s3:::socialclub-pulumi-state-123456789012-us-east-1"
NAMES = "route53:ChangeResourceRecordSetsNormalizedRecordNames"
SECRET = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:socialclub/x/integration/stripe-key-AbCdEf"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234"

# Two stacks in one account: what the test stack's deploy role may not do to the other's (`production`) data,
# and what it still must do to its own. The request context carries the resource's tags as IAM would.
ISOLATION = [
    (
        "read the other stack's secret",
        "secretsmanager:GetSecretValue",
        SECRET,
        {"aws:ResourceTag/Stack": ["production"]},
        False,
    ),
    ("read its own secret", "secretsmanager:GetSecretValue", SECRET, {"aws:ResourceTag/Stack": ["test"]}, True),
    ("decrypt with the other stack's key", "kms:Decrypt", KEY, {"aws:ResourceTag/Stack": ["production"]}, False),
    ("rewrite the other key's policy", "kms:PutKeyPolicy", KEY, {"aws:ResourceTag/Stack": ["production"]}, False),
    (
        "untag the Stack tag",
        "secretsmanager:UntagResource",
        SECRET,
        {"aws:TagKeys": ["Stack"], "aws:ResourceTag/Stack": ["production"]},
        False,
    ),
    (
        "untag another tag of its own",
        "secretsmanager:UntagResource",
        SECRET,
        {"aws:TagKeys": ["Team"], "aws:ResourceTag/Stack": ["test"]},
        True,
    ),
    (
        "read a database master password",
        "secretsmanager:GetSecretValue",
        f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:rds!db-1",
        {},
        False,
    ),
    ("read the other stack's state", "s3:GetObject", f"{STATE}/.pulumi/stacks/socialclub/production.json", {}, False),
    (
        "write the other stack's lock",
        "s3:PutObject",
        f"{STATE}/.pulumi/locks/organization/socialclub/production/x.json",
        {},
        False,
    ),
    ("write its own state", "s3:PutObject", f"{STATE}/.pulumi/stacks/socialclub/test.json", {}, True),
    ("take its own lock", "s3:PutObject", f"{STATE}/.pulumi/locks/organization/socialclub/test/x.json", {}, True),
    ("publish to its own bucket", "s3:PutObject", "arn:aws:s3:::socialclub-test-frontend-abc/index.html", {}, True),
    (
        "write the other stack's bucket",
        "s3:PutObject",
        "arn:aws:s3:::socialclub-production-frontend-abc/index.html",
        {},
        False,
    ),
    (
        "point the other stack's API elsewhere",
        "route53:ChangeResourceRecordSets",
        "arn:aws:route53:::hostedzone/Z1",
        {NAMES: ["api.example.com"]},
        False,
    ),
    (
        "publish its own records",
        "route53:ChangeResourceRecordSets",
        "arn:aws:route53:::hostedzone/Z1",
        {NAMES: ["test-api.example.com", "_abc.example.com"]},
        True,
    ),
    ("delete the shared zone", "route53:DeleteHostedZone", "arn:aws:route53:::hostedzone/Z1", {}, False),
    (
        "empty the shared repository",
        "ecr:BatchDeleteImage",
        f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/socialclub/backend",
        {},
        False,
    ),
    (
        "push to the shared repository",
        "ecr:PutImage",
        f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/socialclub/backend",
        {},
        True,
    ),
]


@pytest.mark.parametrize("case", ISOLATION, ids=[i[0] for i in ISOLATION])
def test_a_stack_cannot_read_or_damage_another_in_its_account(
    plan: Plan, case: tuple[str, str, str, dict[str, list[str]], bool]
) -> None:
    what, action, resource, context, allowed = case
    request = Request(
        action,
        resource,
        context=context,
        modelled=frozenset({"aws:resourcetag/", "aws:tagkeys", NAMES.lower()}),
    )
    outcome = evaluate(infra_policies(plan), request).outcome
    assert outcome is (Outcome.ALLOWED if allowed else Outcome.DENIED), what


def test_the_fenced_policies_fit_iam_s_inline_size_limit(plan: Plan) -> None:
    """A role's inline policies may hold 10,240 characters in all, whitespace not counted (IAM quotas)."""
    role = plan.one(ROLE, "deploy-infra-deploy")
    documents = [
        inputs(r)["policy"]
        for r in plan.of_type("aws:iam/rolePolicy:RolePolicy")
        if inputs(r)["role"] == role.outputs["id"] or inputs(r)["role"] == role.outputs.get("name")
    ]
    assert len(documents) == 2
    assert sum(len("".join(d.split())) for d in documents) <= 10_240

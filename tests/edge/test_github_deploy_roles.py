"""GithubDeployRoles under mocks: exact OIDC trust, least-privilege app deploys, a fenced infra role."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.github_deploy_roles import GithubSubject, github_trust_policy, infra_iam_statements
from offline import fakes
from offline.harness import Plan
from stackconfig.github import GITHUB_OIDC_HOST, GithubRepository
from tests.edge.common import (
    APP_SUBJECT,
    EXECUTION_ROLE_ARN,
    INFRA_SUBJECT,
    REPOSITORY_ARN,
    ROLE,
    SERVICE_ARN,
    TASK_ROLE_ARN,
    deploy_roles,
    policy,
    role_policies,
    statement_by_sid,
)
from tests.support import inputs, run_component

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
        repository="example-org/socialclub-infra",
        claim=GithubRepository("example-org/socialclub-infra", 123456, 456789).environment_claim("production"),
    )
    created = run_component(deploy_roles(infra_deploy=subject))
    sub = trust(created, "deploy-infra-deploy")["Condition"]["StringEquals"][f"{GITHUB_OIDC_HOST}:sub"]
    assert sub == "repo:example-org@123456/socialclub-infra@456789:environment:production"


def test_app_and_infra_must_trust_different_subjects() -> None:
    with pytest.raises(Exception, match="different subjects"):
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


def test_infra_deploy_is_power_user_plus_fenced_iam(plan: Plan) -> None:
    attachment = inputs(plan.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment"))
    assert attachment == {"role": "sc-test-infra-deploy", "policyArn": "arn:aws:iam::aws:policy/PowerUserAccess"}
    statements = role_policies(plan, plan.one(ROLE, "deploy-infra-deploy"))
    assert not {a for s in statements for a in s["Action"]} & {"*", "iam:*"}
    create = statement_by_sid(statements, "CreateStackTaggedIam")
    assert create["Condition"] == {
        "StringEquals": {"aws:RequestTag/Project": "socialclub", "aws:RequestTag/Stack": "test"}
    }
    change = statement_by_sid(statements, "ChangeStackTaggedRoles")
    assert change["Condition"] == {
        "StringEquals": {"aws:ResourceTag/Project": "socialclub", "aws:ResourceTag/Stack": "test"}
    }
    assert "iam:PassRole" in change["Action"]
    attach = statement_by_sid(statements, "AttachOnlyListedPolicies")
    assert attach["Condition"]["ArnLike"] == {"iam:PolicyARN": ["arn:aws:iam::aws:policy/service-role/*"]}
    deny = statement_by_sid(statements, "NeverChangeItself")
    roles = {r.name: r.outputs["arn"] for r in plan.of_type(ROLE)}
    assert deny["Effect"] == "Deny"
    # Only itself: the stack manages the app-deploy role's inline policies, so CI must be able to change them.
    assert deny["Resource"] == [roles["deploy-infra-deploy"]]
    assert {"iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:AttachRolePolicy"} <= set(deny["Action"])


def test_every_infra_iam_write_is_conditioned_on_the_stack_tags() -> None:
    statements = infra_iam_statements(
        account_id="111122223333",
        partition="aws",
        stack_tags={"Stack": "production"},
        protected_role_arns=["arn:aws:iam::111122223333:role/x"],
        attachable_policy_arns=["arn:aws:iam::aws:policy/service-role/*"],
    )
    assert json.loads(json.dumps(statements))[0]["Resource"][0] == "arn:aws:iam::111122223333:role/*"
    for st in statements:
        if st["Effect"] == "Allow" and st["Sid"] != "ReadIam":
            tags = {**st["Condition"].get("StringEquals", {})}
            assert tags in (
                {"aws:RequestTag/Stack": "production"},
                {"aws:ResourceTag/Stack": "production"},
            ), st["Sid"]
        assert not any(a in ("*", "iam:*") for a in st["Action"])


def test_infra_deploy_cannot_destroy_another_stacks_resources(plan: Plan) -> None:
    statements = role_policies(plan, plan.one(ROLE, "deploy-infra-deploy"))
    guard = statement_by_sid(statements, "NeverTouchOtherStacks")
    assert guard["Effect"] == "Deny"
    assert guard["Condition"] == {
        "StringNotEquals": {"aws:ResourceTag/Stack": "test"},
        "Null": {"aws:ResourceTag/Stack": "false"},
    }
    assert {"rds:DeleteDBInstance", "dynamodb:DeleteTable", "kms:ScheduleKeyDeletion"} <= set(guard["Action"])

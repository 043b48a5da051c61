"""The backend as both real stacks declare it: the sizes of docs/requirements.md §3.1, the security-group matrix
across tiers (§5.2), names."""

from __future__ import annotations

import json

import pytest

from offline.harness import STAND_IN_IMAGE, Plan, read_stack_settings
from tests.support import group_id, inputs, stack_plan
from tests.support.backend_build import (
    ALB,
    LOG_GROUP,
    REPOSITORY,
    SCALING_TARGET,
    SERVICE,
    TARGET_GROUP,
    TASK_DEFINITION,
    by_name,
    container,
    matrix,
    policy_statements,
)

STACKS = ["staging", "production"]
SIZES = {"staging": ("512", "1024", 2, 5), "production": ("1024", "2048", 3, 10)}


def backend_of(plan: Plan) -> str:
    (component,) = [r for r in plan.resources if r.type == "socialclub:backend:FargateService"]
    return component.urn


@pytest.mark.parametrize("stack", STACKS)
def test_required_sizes_and_task_counts(stack: str) -> None:
    plan = stack_plan(stack)
    cpu, memory, low, high = SIZES[stack]
    task = inputs(plan.one(TASK_DEFINITION, "backend-task"))
    assert (task["cpu"], task["memory"]) == (cpu, memory)
    assert task["family"] == f"socialclub-{stack}-backend"
    target = inputs(by_name(plan, SCALING_TARGET)["backend-scaling"])
    assert (target["minCapacity"], target["maxCapacity"]) == (low, high)
    assert target["resourceId"] == f"service/socialclub-{stack}/backend-service"
    assert inputs(plan.one(SERVICE))["desiredCount"] == low


@pytest.mark.parametrize("stack", STACKS)
def test_the_required_security_group_matrix_across_tiers(stack: str) -> None:
    plan = stack_plan(stack)
    alb, tasks = group_id(plan, "api-sg"), group_id(plan, "backend-sg")
    database = inputs(plan.one("aws:rds/instance:Instance"))["vpcSecurityGroupIds"][0]
    cache = inputs(plan.one("aws:elasticache/replicationGroup:ReplicationGroup"))["securityGroupIds"][0]
    assert matrix(plan, alb) == {"in": {(80, "0.0.0.0/0"), (443, "0.0.0.0/0")}, "out": {(3001, tasks)}}
    assert matrix(plan, tasks) == {"in": {(3001, alb)}, "out": {(443, "0.0.0.0/0"), (5432, database), (6379, cache)}}
    assert (5432, tasks) in matrix(plan, database)["in"]
    assert (6379, tasks) in matrix(plan, cache)["in"]


@pytest.mark.parametrize("stack", STACKS)
def test_logs_are_named_by_stack_and_encrypted_with_its_key(stack: str) -> None:
    plan = stack_plan(stack)
    group = inputs(by_name(plan, LOG_GROUP)["backend-logs"])
    assert group["name"] == f"/aws/ecs/socialclub-{stack}-backend"
    assert group["retentionInDays"] == 30
    assert group["kmsKeyId"] == plan.one("aws:kms/key:Key").outputs["arn"]
    # The key policy lets CloudWatch Logs use the key for this group's prefix.
    key_policy = json.loads(inputs(plan.one("aws:kms/key:Key"))["policy"])
    (logs,) = [s for s in key_policy["Statement"] if s["Sid"] == "CloudWatchLogsEncryptsThisStacksGroups"]
    prefixes = [
        a.rsplit("log-group:", 1)[1].rstrip("*")
        for a in logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    ]
    assert any(group["name"].startswith(p) for p in prefixes)


@pytest.mark.parametrize("stack", STACKS)
def test_every_secret_is_injected_from_the_stacks_secrets_and_none_is_the_master_secret(stack: str) -> None:
    plan = stack_plan(stack)
    c = container(plan)
    secrets = {s["name"]: s["valueFrom"] for s in c["secrets"]}
    secret_arns = {r.outputs["arn"] for r in plan.of_type("aws:secretsmanager/secret:Secret")}
    master = plan.outputs["databaseMasterSecretArn"]
    assert set(secrets.values()) <= secret_arns
    # The API's configuration secrets (docs/requirements.md §6.4): connection URLs, its signing keys, the third-party
    # credentials; the database password is not one of them (the API logs in with an IAM token).
    assert sorted(secrets) == [
        "DATABASE_URL",
        "GOOGLE_MAPS_API_KEY",
        "JWT_REFRESH_SECRET",
        "JWT_SECRET",
        "REDIS_URL",
        "SENDGRID_API_KEY",
        "SENTRY_DSN",
        "STRIPE_SECRET_KEY",
        "STRIPE_WEBHOOK_SECRET",
        "TWILIO_ACCOUNT_SID",
        "TWILIO_AUTH_TOKEN",
    ]
    assert "DATABASE_PASSWORD" not in secrets
    env = {e["name"]: e["value"] for e in c["environment"]}
    assert "DATABASE_CREDENTIAL_ARN" not in env
    assert env["SENTRY_ENVIRONMENT"] == stack
    assert env["METRICS_NAMESPACE"] == f"SocialClub/{stack}"
    assert not set(env.values()) & secret_arns
    readable = {s["Sid"]: s for s in policy_statements(plan, "backend-execution")}["ReadNamedSecrets"]["Resource"]
    assert sorted(readable) == sorted(set(secrets.values()))
    assert master not in json.dumps(c)


@pytest.mark.parametrize("stack", STACKS)
def test_the_api_logs_in_as_the_app_user_with_iam_and_no_role_of_the_service_reads_the_master_secret(
    stack: str,
) -> None:
    plan = stack_plan(stack)
    env = {e["name"]: e["value"] for e in container(plan)["environment"]}
    instance = plan.one("aws:rds/instance:Instance")
    assert env["DATABASE_AUTH"] == "iam"
    assert env["DATABASE_USER"] == "socialclub_app"
    assert (env["DATABASE_HOST"], env["DATABASE_PORT"], env["DATABASE_NAME"]) == (
        instance.outputs["address"],
        "5432",
        "socialclub",
    )
    task = policy_statements(plan, "backend-task")
    (connect,) = [s for s in task if "rds-db:connect" in s["Action"]]
    assert connect["Action"] == ["rds-db:connect"]
    assert connect["Resource"] == [
        f"arn:aws:rds-db:us-east-1:123456789012:dbuser:{instance.outputs['resourceId']}/socialclub_app"
    ]
    master = plan.outputs["databaseMasterSecretArn"]
    for role in ("backend-execution", "backend-task"):
        assert master not in json.dumps(policy_statements(plan, role)), role
    assert not any(a.startswith("secretsmanager:") for s in task for a in s["Action"])


@pytest.mark.parametrize("stack", STACKS)
def test_the_task_role_reaches_its_tables(stack: str) -> None:
    plan = stack_plan(stack)
    actions = {a for s in policy_statements(plan, "backend-task") for a in s["Action"]}
    assert "dynamodb:PutItem" in actions
    assert not any(a == "*" or a.endswith(":*") for a in actions)


def test_production_protects_what_holds_state() -> None:
    plan = stack_plan("production")
    assert plan.one(ALB).protect is True
    assert inputs(plan.one(ALB))["enableDeletionProtection"] is True
    assert by_name(plan, LOG_GROUP)["backend-logs"].protect is True


@pytest.mark.parametrize("stack", STACKS)
def test_the_stack_files_name_no_image_and_the_offline_plan_stands_one_in(stack: str) -> None:
    """The deploy workflow sets the image on every deploy; a committed one would be stale the day after."""
    committed = json.loads(read_stack_settings(stack, deployed=False)[0]["socialclub:service"])
    assert "image" not in committed and "buildContext" not in committed
    plan = stack_plan(stack)
    assert plan.stand_in_image == STAND_IN_IMAGE
    digest = STAND_IN_IMAGE.split("@")[1]
    assert container(plan)["image"] == f"123456789012.dkr.ecr.us-east-1.amazonaws.com/socialclub/backend@{digest}"


@pytest.mark.parametrize("stack", STACKS)
def test_pulumi_up_waits_for_the_service_to_be_steady(stack: str) -> None:
    assert inputs(stack_plan(stack).one(SERVICE))["waitForSteadyState"] is True


@pytest.mark.parametrize("stack", STACKS)
def test_the_stacks_name_the_bootstrap_s_repository(stack: str) -> None:
    plan = stack_plan(stack)
    assert plan.of_type(REPOSITORY) == []
    assert inputs(plan.one(ALB))["enableDeletionProtection"] is (stack == "production")
    pull = {s["Sid"]: s for s in policy_statements(plan, "backend-execution")}["PullFromOwnRepository"]
    assert pull["Resource"] == ["arn:aws:ecr:us-east-1:123456789012:repository/socialclub/backend"]


@pytest.mark.parametrize("stack", STACKS)
def test_the_alb_uses_the_validated_regional_certificate_and_names_fit(stack: str) -> None:
    plan = stack_plan(stack)
    https = next(r for r in plan.of_type("aws:lb/listener:Listener") if inputs(r)["port"] == 443)
    certificates = {
        r.outputs["certificateArn"] for r in plan.of_type("aws:acm/certificateValidation:CertificateValidation")
    }
    assert inputs(https)["certificateArn"] in certificates
    for token in (ALB, TARGET_GROUP):
        for resource in plan.of_type(token):
            assert len(resource.name) + 8 <= 32
    assert inputs(plan.one("aws:ecs/cluster:Cluster"))["name"] == f"socialclub-{stack}"
    assert plan.one(SERVICE).parent == backend_of(plan)

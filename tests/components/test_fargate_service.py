"""FargateService under mocks with hand-made arguments (security groups, task, service, scaling, IAM, ECS Exec, image),
and its pure helpers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.service_scaling import scale_in_expression, scale_out_expression
from components.task_definition import ContainerSpec, container_definitions, secret_value_from
from offline.harness import Plan
from stackconfig.service import DockerBuild, ScalingSettings
from tests.support import group_id, inputs, run_component
from tests.support.backend_build import (
    ALARM,
    CACHE_SG,
    CLUSTER,
    DB_SG,
    DIGEST,
    DSN_ARN,
    JWT_ARN,
    KEY_ARN,
    LISTENER_RULE,
    LOG_GROUP,
    PRIVATE,
    RDS_ARN,
    SCALING_POLICY,
    SCALING_TARGET,
    SERVICE,
    TARGET_GROUP,
    TASK_DEFINITION,
    build,
    by_name,
    container,
    default_plan,
    exec_plan,
    matrix,
    policy_statements,
    run_recording_ignore_changes,
)

# --- security groups -----------------------------------------------------------------------------------------


def test_security_group_matrix_is_the_requirements_with_groups_not_cidrs() -> None:
    plan = default_plan()
    alb, tasks = group_id(plan, "api-sg"), group_id(plan, "backend-sg")
    assert matrix(plan, alb) == {
        "in": {(80, "0.0.0.0/0"), (443, "0.0.0.0/0")},
        # Narrower than "all traffic" (docs/requirements.md §5.2): the ALB only ever talks to its targets.
        "out": {(3001, tasks)},
    }
    assert matrix(plan, tasks) == {
        "in": {(3001, alb)},
        "out": {(443, "0.0.0.0/0"), (5432, DB_SG), (6379, CACHE_SG)},
    }


def test_groups_carry_no_inline_rules() -> None:
    plan = default_plan()
    for name in ("api-sg", "backend-sg"):
        group = inputs(plan.one("aws:ec2/securityGroup:SecurityGroup", name))
        assert not group.get("ingress") and not group.get("egress")


# --- task definition -------------------------------------------------------------------------------------------


def test_task_is_fargate_awsvpc_with_the_requested_size_and_architecture() -> None:
    task = inputs(default_plan().one(TASK_DEFINITION))
    assert task["requiresCompatibilities"] == ["FARGATE"]
    assert task["networkMode"] == "awsvpc"
    assert (task["cpu"], task["memory"]) == ("512", "1024")
    assert task["runtimePlatform"] == {"operatingSystemFamily": "LINUX", "cpuArchitecture": "X86_64"}
    # Old revisions stay registered, so a rollback can start them.
    assert task["skipDestroy"] is True
    arm_plan = run_component(build(settings={"cpu": 1024, "memory": 2048, "cpu_architecture": "ARM64"}))
    arm = inputs(arm_plan.one(TASK_DEFINITION))
    assert (arm["cpu"], arm["memory"]) == ("1024", "2048")
    assert arm["runtimePlatform"]["cpuArchitecture"] == "ARM64"


def test_container_is_read_only_non_root_without_capabilities() -> None:
    plan = default_plan()
    c = container(plan)
    assert c["readonlyRootFilesystem"] is True
    assert c["user"] == "1000:1000"
    assert c["privileged"] is False
    # An init process reaps zombie processes (node children, ECS Exec sessions).
    assert c["linuxParameters"] == {"initProcessEnabled": True, "capabilities": {"drop": ["ALL"]}}
    assert c["portMappings"] == [{"containerPort": 3001, "hostPort": 3001, "protocol": "tcp"}]
    # The only writable path is /tmp, a task volume.
    assert c["mountPoints"] == [{"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False}]
    assert inputs(plan.one(TASK_DEFINITION))["volumes"] == [{"name": "tmp"}]


def test_image_is_pinned_by_digest_and_release_is_the_tag() -> None:
    c = container(default_plan())
    assert c["image"] == f"123456789012.dkr.ecr.us-east-1.amazonaws.com/socialclub/backend@{DIGEST}"
    env = {e["name"]: e["value"] for e in c["environment"]}
    assert env["SENTRY_RELEASE"] == "v1.2.0"


def test_secrets_are_ecs_secrets_and_never_plain_environment() -> None:
    c = container(default_plan())
    secrets = {s["name"]: s["valueFrom"] for s in c["secrets"]}
    assert secrets == {
        "JWT_SECRET": JWT_ARN,
        "SENTRY_DSN": DSN_ARN,
        "DATABASE_PASSWORD": f"{RDS_ARN}:password::",
    }
    env = {e["name"]: e["value"] for e in c["environment"]}
    assert env == {
        "NODE_ENV": "production",
        "PORT": "3001",
        "SENTRY_ENVIRONMENT": "production",
        "SENTRY_RELEASE": "v1.2.0",
        "METRICS_NAMESPACE": "SocialClub/test",
        "FEATURE_FLAGS": "on",
    }
    assert not set(env) & set(secrets)
    assert not any(arn in json.dumps(c["environment"]) for arn in (JWT_ARN, DSN_ARN))


def test_logs_and_health_check() -> None:
    plan = default_plan()
    c = container(plan)
    group = inputs(plan.one(LOG_GROUP))
    assert group == {"name": "/aws/ecs/sc-test-backend", "retentionInDays": 30, "kmsKeyId": KEY_ARN}
    options = c["logConfiguration"]["options"]
    assert c["logConfiguration"]["logDriver"] == "awslogs"
    assert options == {
        "awslogs-group": "/aws/ecs/sc-test-backend",
        "awslogs-region": "us-east-1",
        "awslogs-stream-prefix": "backend",
        # A slow CloudWatch Logs never blocks the API: non-blocking mode with a 25 MB buffer.
        "mode": "non-blocking",
        "max-buffer-size": "25m",
    }
    check = c["healthCheck"]
    # Healthy on HTTP 200 only; any other status or a connection error is unhealthy.
    assert check["command"] == [
        "CMD",
        "node",
        "-e",
        "require('http').get('http://127.0.0.1:3001/api/health',"
        "r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))",
    ]
    assert (check["interval"], check["timeout"], check["retries"], check["startPeriod"]) == (30, 5, 3, 60)


# --- service ---------------------------------------------------------------------------------------------------


def test_service_is_private_rolling_with_circuit_breaker_and_starts_at_min() -> None:
    plan = default_plan()
    service = plan.one(SERVICE)
    s = inputs(service)
    assert s["launchType"] == "FARGATE"
    assert s["networkConfiguration"] == {
        "subnets": PRIVATE,
        "securityGroups": [group_id(plan, "backend-sg")],
        "assignPublicIp": False,
    }
    assert s["desiredCount"] == 2
    assert (s["deploymentMinimumHealthyPercent"], s["deploymentMaximumPercent"]) == (100, 200)
    assert s["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert s["healthCheckGracePeriodSeconds"] == 60
    assert s["enableExecuteCommand"] is False
    assert s["propagateTags"] == "SERVICE"
    assert s["cluster"] == plan.one(CLUSTER).outputs["arn"]
    assert s["taskDefinition"] == plan.one(TASK_DEFINITION).outputs["arn"]
    assert s["loadBalancers"] == [
        {"targetGroupArn": plan.one(TARGET_GROUP).outputs["arn"], "containerName": "backend", "containerPort": 3001}
    ]
    assert plan.one(LISTENER_RULE).urn in service.dependencies


def test_autoscaling_owns_the_desired_count(monkeypatch: pytest.MonkeyPatch) -> None:
    _, ignored = run_recording_ignore_changes(monkeypatch, build())
    assert ignored[f"{SERVICE}::backend-service"] == ["desiredCount"]


def test_cluster_has_container_insights_and_no_exec_configuration_by_default() -> None:
    cluster = inputs(default_plan().one(CLUSTER))
    assert cluster["name"] == "sc-test"
    assert cluster["settings"] == [{"name": "containerInsights", "value": "enhanced"}]
    assert "configuration" not in cluster


# --- autoscaling -----------------------------------------------------------------------------------------------


def test_scaling_target_spans_min_to_max_of_this_service() -> None:
    target = inputs(default_plan().one(SCALING_TARGET))
    assert (target["minCapacity"], target["maxCapacity"]) == (2, 5)
    assert target["resourceId"] == "service/sc-test/backend-service"
    assert target["scalableDimension"] == "ecs:service:DesiredCount"


def _alarm_and_policy(plan: Plan, direction: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    alarm = inputs(by_name(plan, ALARM)[f"backend-scale-{direction}"])
    policy = by_name(plan, SCALING_POLICY)[f"backend-scale-{direction}"]
    return alarm, inputs(policy), policy.outputs["arn"]


@pytest.mark.parametrize(
    ("direction", "expression", "adjustment", "periods"),
    [
        ("out", "IF(cpu > 70 OR memory > 75, 1, 0)", 1, 3),
        ("in", "IF(cpu < 30 AND memory < 50, 1, 0)", -1, 15),
    ],
)
def test_scaling_realises_the_required_thresholds_and_cooldown(
    direction: str, expression: str, adjustment: int, periods: int
) -> None:
    plan = default_plan()
    alarm, policy, policy_arn = _alarm_and_policy(plan, direction)
    decision = next(q for q in alarm["metricQueries"] if q.get("returnData"))
    assert decision["expression"] == expression
    metrics = {q["id"]: q["metric"] for q in alarm["metricQueries"] if "metric" in q}
    assert {k: (m["namespace"], m["metricName"], m["stat"], m["period"]) for k, m in metrics.items()} == {
        "cpu": ("AWS/ECS", "CPUUtilization", "Average", 60),
        "memory": ("AWS/ECS", "MemoryUtilization", "Average", 60),
    }
    assert all(
        m["dimensions"] == {"ClusterName": "sc-test", "ServiceName": "backend-service"} for m in metrics.values()
    )
    assert (alarm["comparisonOperator"], alarm["threshold"]) == ("GreaterThanOrEqualToThreshold", 1)
    # No data (a service being created) never scales.
    assert alarm["treatMissingData"] == "notBreaching"
    assert alarm["evaluationPeriods"] == alarm["datapointsToAlarm"] == periods
    assert alarm["alarmActions"] == [policy_arn]
    config = policy["stepScalingPolicyConfiguration"]
    assert policy["policyType"] == "StepScaling"
    assert config["adjustmentType"] == "ChangeInCapacity"
    assert config["metricAggregationType"] == "Maximum"
    assert config["cooldown"] == 300
    assert config["stepAdjustments"] == [{"metricIntervalLowerBound": "0", "scalingAdjustment": adjustment}]


# --- IAM ---------------------------------------------------------------------------------------------------------


def _all_statements(plan: Plan) -> list[dict[str, Any]]:
    return policy_statements(plan, "backend-execution") + policy_statements(plan, "backend-task")


@pytest.mark.parametrize("plan_of", [default_plan, exec_plan])
def test_no_wildcard_actions_and_star_resources_only_where_aws_has_no_resource(plan_of: Any) -> None:
    no_resource_level = {"ecr:GetAuthorizationToken", "cloudwatch:PutMetricData"} | {
        f"ssmmessages:{a}"
        for a in ("CreateControlChannel", "CreateDataChannel", "OpenControlChannel", "OpenDataChannel")
    }
    for st in _all_statements(plan_of()):
        assert not any(a == "*" or a.endswith(":*") for a in st["Action"]), st
        if "*" in st["Resource"]:
            assert st["Resource"] == ["*"]
            assert set(st["Action"]) <= no_resource_level, st
            if "cloudwatch:PutMetricData" in st["Action"]:
                assert st["Condition"] == {"StringEquals": {"cloudwatch:namespace": "SocialClub/test"}}


def test_execution_role_pulls_one_repository_writes_one_log_group_reads_exactly_its_secrets() -> None:
    plan = default_plan()
    statements = {s["Sid"]: s for s in policy_statements(plan, "backend-execution")}
    assert statements["PullFromOwnRepository"]["Resource"] == [
        "arn:aws:ecr:us-east-1:123456789012:repository/socialclub/backend"
    ]
    log_arn = plan.one(LOG_GROUP).outputs["arn"]
    assert statements["WriteOwnLogGroup"]["Resource"] == [f"{log_arn}:log-stream:*"]
    assert sorted(statements["ReadNamedSecrets"]["Resource"]) == sorted([JWT_ARN, DSN_ARN, RDS_ARN])
    decrypt = statements["DecryptThroughSecretsManager"]
    assert decrypt["Resource"] == [KEY_ARN]
    assert decrypt["Condition"] == {"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}


def test_task_role_puts_metrics_in_its_namespace_and_reads_no_secret() -> None:
    """Injected secrets are the execution role's; the running API reads none (its database login is an IAM token)."""
    statements = {s["Sid"]: s for s in policy_statements(default_plan(), "backend-task")}
    assert set(statements) == {"PutOwnMetrics"}
    assert statements["PutOwnMetrics"]["Condition"] == {"StringEquals": {"cloudwatch:namespace": "SocialClub/test"}}


def test_both_roles_trust_only_this_accounts_ecs_tasks() -> None:
    plan = default_plan()
    for name in ("backend-execution", "backend-task"):
        (trust,) = json.loads(inputs(plan.one("aws:iam/role:Role", name))["assumeRolePolicy"])["Statement"]
        assert trust["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
        assert trust["Action"] == ["sts:AssumeRole"]
        assert trust["Condition"] == {
            "StringEquals": {"aws:SourceAccount": "123456789012"},
            "ArnLike": {"aws:SourceArn": "arn:aws:ecs:us-east-1:123456789012:*"},
        }
    task = inputs(plan.one(TASK_DEFINITION))
    roles = {n: plan.one("aws:iam/role:Role", n).outputs["arn"] for n in ("backend-execution", "backend-task")}
    assert (task["executionRoleArn"], task["taskRoleArn"]) == (roles["backend-execution"], roles["backend-task"])


# --- ECS Exec ------------------------------------------------------------------------------------------------------


def test_exec_adds_channels_encrypted_session_logs_and_agent_volumes_but_keeps_the_root_read_only() -> None:
    plan = exec_plan()
    assert inputs(plan.one(SERVICE))["enableExecuteCommand"] is True
    exec_group = by_name(plan, LOG_GROUP)["backend-exec-logs"]
    assert inputs(exec_group)["kmsKeyId"] == KEY_ARN
    config = inputs(plan.one(CLUSTER))["configuration"]["executeCommandConfiguration"]
    assert config["kmsKeyId"] == KEY_ARN
    assert config["logging"] == "OVERRIDE"
    assert config["logConfiguration"] == {
        "cloudWatchLogGroupName": "/aws/ecs/sc-test-backend-exec",
        "cloudWatchEncryptionEnabled": True,
    }
    c = container(plan)
    assert c["readonlyRootFilesystem"] is True
    assert {m["containerPath"] for m in c["mountPoints"]} == {"/tmp", "/var/lib/amazon", "/var/log/amazon"}
    statements = {s["Sid"]: s for s in policy_statements(plan, "backend-task")}
    assert statements["ExecSessionChannels"]["Resource"] == ["*"]
    assert statements["ExecSessionEncryption"] == {
        "Effect": "Allow",
        "Action": ["kms:Decrypt"],
        "Sid": "ExecSessionEncryption",
        "Resource": [KEY_ARN],
    }


def test_no_exec_permissions_without_exec() -> None:
    actions = {a for s in _all_statements(default_plan()) for a in s["Action"]}
    assert not any(a.startswith("ssmmessages:") for a in actions)
    assert len(default_plan().of_type(LOG_GROUP)) == 1


# --- image -----------------------------------------------------------------------------------------------------


def test_a_build_context_builds_for_the_task_architecture_and_deploys_by_digest() -> None:
    plan = run_component(
        build(
            image=DockerBuild(context="../backend"),
            settings={"cpu_architecture": "ARM64", "cpu": 1024, "memory": 2048},
        )
    )
    image = plan.one("awsx:ecr:Image")
    assert inputs(image)["platform"] == "linux/arm64"
    assert inputs(image)["context"] == "../backend"
    uri = image.outputs["imageUri"]
    assert "@sha256:" in uri
    c = container(plan)
    assert c["image"] == uri
    assert {e["name"]: e["value"] for e in c["environment"]}["SENTRY_RELEASE"] == uri.rpartition("@")[2]


def test_bad_arguments_fail_in_the_program() -> None:
    with pytest.raises(Exception, match="maxTasks"):
        run_component(build(settings={"min_tasks": 6, "max_tasks": 5}))


# --- pure helpers ----------------------------------------------------------------------------------------------

ARN = "arn:aws:secretsmanager:us-east-1:111122223333:secret:x-AbCdEf"


def spec(**changes: object) -> ContainerSpec:
    base: dict[str, object] = {
        "name": "api",
        "image": "repo@sha256:" + "0" * 64,
        "port": 3001,
        "log_group": "/aws/ecs/x",
        "region": "eu-west-1",
        "environment": {"NODE_ENV": "production"},
        "secrets": {"JWT_SECRET": ARN},
        "writable_paths": {"tmp": "/tmp"},
        "health_check_path": "/api/health",
        "health_check_start_seconds": 60,
    }
    base.update(changes)
    return ContainerSpec(**base)  # type: ignore[arg-type]


def test_a_variable_cannot_be_both_plain_and_secret() -> None:
    with pytest.raises(ValueError, match="JWT_SECRET"):
        container_definitions(spec(environment={"JWT_SECRET": "oops"}))


def test_container_definition_is_sorted_and_serialisable() -> None:
    (c,) = container_definitions(spec(environment={"B": "2", "A": "1"}, secrets={"Z": ARN, "Y": ARN}))
    assert [e["name"] for e in c["environment"]] == ["A", "B"]
    assert [s["name"] for s in c["secrets"]] == ["Y", "Z"]
    assert c["logConfiguration"]["options"]["awslogs-region"] == "eu-west-1"
    assert json.loads(json.dumps(c)) == c


def test_value_from_selects_a_json_key_of_the_current_version() -> None:
    assert secret_value_from(ARN, "password") == f"{ARN}:password::"
    assert secret_value_from(ARN, None) == ARN


def test_scaling_expressions_follow_the_numbers() -> None:
    p = ScalingSettings(scale_out_cpu_percent=80, scale_out_memory_percent=85.5, scale_in_cpu_percent=20)
    assert scale_out_expression(p) == "IF(cpu > 80 OR memory > 85.5, 1, 0)"
    assert scale_in_expression(p) == "IF(cpu < 20 AND memory < 50, 1, 0)"

"""Builders that declare the backend components with hand-made arguments, for component tests under mocks."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from components.container_registry import ContainerRegistry, ContainerRegistryArgs, RepositoryRef, repository_ref
from components.fargate_service import FargateService, FargateServiceArgs
from components.load_balancer import LoadBalancer, LoadBalancerArgs
from components.log_bucket import ALB_PREFIX, LogBucket, LogBucketArgs
from components.security_groups import Client, connect
from components.task_definition import ContainerSecret
from offline import fakes, harness
from offline.harness import Plan, Resource
from stackconfig.aws_facts import ImageRef
from stackconfig.service import LoadBalancerSettings, RegistrySettings, ServiceSettings
from tests.support import aws_context, inputs, rules_of, run_component

ACCOUNT = fakes.ACCOUNT
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/test-key"
CERT_ARN = f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/test"
VPC_ID = "vpc-0123456789abcdef0"
PUBLIC = ["subnet-public-a", "subnet-public-b"]
PRIVATE = ["subnet-private-a", "subnet-private-b"]
DB_SG = "sg-0database"
CACHE_SG = "sg-0cache"
JWT_ARN = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:sc/test/auth/jwt-secret-AbCdEf"
DSN_ARN = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:sc/test/monitoring/sentry-dsn-AbCdEf"
RDS_ARN = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:rds!db-1234-AbCdEf"
DIGEST = "sha256:" + "ab" * 32

INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
ALB = "aws:lb/loadBalancer:LoadBalancer"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
LISTENER = "aws:lb/listener:Listener"
LISTENER_RULE = "aws:lb/listenerRule:ListenerRule"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"
CLUSTER = "aws:ecs/cluster:Cluster"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
SCALING_TARGET = "aws:appautoscaling/target:Target"
SCALING_POLICY = "aws:appautoscaling/policy:Policy"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
REPOSITORY = "aws:ecr/repository:Repository"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def fake_repository() -> RepositoryRef:
    """The named repository of a stack that does not own it (Outputs: call inside the program)."""
    return repository_ref(fakes.ACCOUNT, fakes.REGION, fakes.PARTITION, "socialclub/backend")


def service_args(
    load_balancer: LoadBalancer, settings: dict[str, Any] | None = None, **overrides: Any
) -> FargateServiceArgs:
    """The service's arguments; `settings` changes ServiceSettings fields (by field name), `overrides` the rest."""
    args = FargateServiceArgs(
        context=aws_context(),
        vpc_id=VPC_ID,
        subnet_ids=PRIVATE,
        load_balancer=load_balancer,
        repository=fake_repository(),
        image=ImageRef(tag="v1.2.0", digest=DIGEST),
        kms_key_arn=KEY_ARN,
        cluster_name="sc-test",
        family="sc-test-backend",
        log_group_name="/aws/ecs/sc-test-backend",
        metrics_namespace="SocialClub/test",
        environment_name="production",
        environment={"FEATURE_FLAGS": "on"},
        secrets={
            "JWT_SECRET": ContainerSecret(JWT_ARN),
            "SENTRY_DSN": ContainerSecret(DSN_ARN),
            "DATABASE_PASSWORD": ContainerSecret(RDS_ARN, json_key="password"),
        },
        settings=ServiceSettings.model_validate(settings or {}),
    )
    return replace(args, **overrides)


class FakeServer:
    """A data store's side of a pair: a group, a name and a port (what `connect` needs of a server)."""

    def __init__(self, peer_name: str, security_group_id: pulumi.Input[str], listen_port: int) -> None:
        self.peer_name = peer_name
        self.security_group_id = pulumi.Output.from_input(security_group_id)
        self.listen_port = listen_port

    def ingress_rule(self, client: Client) -> aws.vpc.SecurityGroupIngressRule:
        """The server's half, as a bare rule (the real servers' halves are their own tests')."""
        return aws.vpc.SecurityGroupIngressRule(
            f"{self.peer_name}-from-{client.peer_name}",
            security_group_id=self.security_group_id,
            referenced_security_group_id=client.security_group_id,
            ip_protocol="tcp",
            from_port=self.listen_port,
            to_port=self.listen_port,
        )


def build(
    *,
    lb: dict[str, Any] | None = None,
    registry: bool = False,
    settings: dict[str, Any] | None = None,
    **overrides: Any,
) -> Callable[[], None]:
    """A program declaring the ALB and the service (and, with `registry`, an owned repository); `lb` and
    `settings` change LoadBalancerSettings and ServiceSettings fields."""

    def program() -> None:
        logs = LogBucket("logs", LogBucketArgs(context=aws_context(), name_prefix="sc-test"))
        load_balancer = LoadBalancer(
            "api",
            LoadBalancerArgs(
                context=aws_context(),
                vpc_id=VPC_ID,
                subnet_ids=PUBLIC,
                certificate_arn=CERT_ARN,
                access_logs=logs.target(ALB_PREFIX),
                settings=LoadBalancerSettings.model_validate(lb or {}),
            ),
        )
        extra: dict[str, Any] = dict(overrides)
        if registry:
            owned = ContainerRegistry(
                "ecr",
                ContainerRegistryArgs(
                    kms_key_arn=KEY_ARN,
                    settings=RegistrySettings(
                        name="socialclub/backend", moving_tags=["latest", "staging", "production"]
                    ),
                ),
            )
            extra["repository"] = owned.ref
        service = FargateService("backend", service_args(load_balancer, settings, **extra))
        connect(service, FakeServer("database", DB_SG, 5432))
        connect(service, FakeServer("cache", CACHE_SG, 6379))

    return program


class IgnoreChangesMonitor(harness.RecordingMonitor):
    """Also records each resource's ignoreChanges, which the plan record leaves out."""

    ignored: dict[str, list[str]]

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        response = super().RegisterResource(request)
        type(self).ignored[f"{request.type}::{request.name}"] = list(request.ignoreChanges)
        return response


def run_recording_ignore_changes(
    monkeypatch: pytest.MonkeyPatch, program: Callable[[], None]
) -> tuple[Plan, dict[str, list[str]]]:
    IgnoreChangesMonitor.ignored = {}
    monkeypatch.setattr(harness, "RecordingMonitor", IgnoreChangesMonitor)
    return run_component(program), IgnoreChangesMonitor.ignored


def container(plan: Plan) -> dict[str, Any]:
    definitions = json.loads(inputs(plan.one(TASK_DEFINITION, "backend-task"))["containerDefinitions"])
    assert len(definitions) == 1
    result: dict[str, Any] = definitions[0]
    return result


def policy_statements(plan: Plan, role_name: str) -> list[dict[str, Any]]:
    """Every statement of every inline policy attached to the role registered as `role_name`."""
    role_id = plan.one(ROLE, role_name).outputs["id"]
    statements: list[dict[str, Any]] = []
    for policy in plan.of_type(ROLE_POLICY):
        if inputs(policy)["role"] == role_id:
            statements += json.loads(inputs(policy)["policy"])["Statement"]
    return statements


def peer(rule: dict[str, Any]) -> str:
    """A rule's other side: a security group id or a CIDR."""
    return str(rule.get("referencedSecurityGroupId") or rule.get("cidrIpv4") or rule.get("cidrIpv6"))


def matrix(plan: Plan, security_group_id: str) -> dict[str, set[tuple[int, str]]]:
    """{"in": {(port, peer)}, "out": {(port, peer)}}: every rule of one group, as docs/requirements.md §5.2's
    table reads."""
    out: dict[str, set[tuple[int, str]]] = {"in": set(), "out": set()}
    for direction, token in (("in", INGRESS), ("out", EGRESS)):
        for rule in rules_of(plan, token, security_group_id):
            assert rule["ipProtocol"] == "tcp"
            assert rule["fromPort"] == rule["toPort"], "one port per rule"
            out[direction].add((int(rule["fromPort"]), peer(rule)))
    return out


def by_name(plan: Plan, type_token: str) -> dict[str, Resource]:
    return {r.name: r for r in plan.of_type(type_token)}


@cache
def default_plan() -> Plan:
    """The ALB and the service built with the defaults, planned once per session."""
    return run_component(build())


@cache
def exec_plan() -> Plan:
    """As `default_plan`, with ECS Exec switched on."""
    return run_component(build(settings={"enable_execute_command": True}))

"""Observability in both real stacks: the log retentions of docs/requirements.md §7.1, the alert topic, the alarms
wired to it, the five dashboards bound to resources that exist, the rotation reminder, and Sentry's settings in the
backend."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from offline.harness import Plan, Resource
from tests.support import inputs, key_arn, stack_plan
from tests.support.config import run_with, stack_settings

STACKS = ["staging", "production"]
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
TOPIC = "aws:sns/topic:Topic"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
GIB = 1024**3

# Where each CloudWatch dimension's value must come from: (type of the resource, its attribute).
DIMENSION_SOURCES: dict[str, tuple[str, str]] = {
    "ClusterName": ("aws:ecs/cluster:Cluster", "name"),
    "ServiceName": ("aws:ecs/service:Service", "name"),
    "LoadBalancer": ("aws:lb/loadBalancer:LoadBalancer", "arnSuffix"),
    "TargetGroup": ("aws:lb/targetGroup:TargetGroup", "arnSuffix"),
    "DBInstanceIdentifier": ("aws:rds/instance:Instance", "identifier"),
    "CacheClusterId": ("aws:elasticache/replicationGroup:ReplicationGroup", "memberClusters"),
    "TableName": ("aws:dynamodb/table:Table", "name"),
    "DistributionId": ("aws:cloudfront/distribution:Distribution", "id"),
    "HealthCheckId": ("aws:route53/healthCheck:HealthCheck", "id"),
}


def env(stack: str) -> str:
    return f"socialclub-{stack}"


def topic(plan: Plan) -> Resource:
    return plan.one(TOPIC)


def alarms(plan: Plan) -> dict[str, dict[str, Any]]:
    """The monitoring alarms (the backend's scaling alarms drive autoscaling, not people)."""
    monitoring = plan.one("socialclub:observability:Monitoring")
    return {
        inputs(a)["name"].removeprefix(f"{env(plan.stack)}-"): inputs(a)
        for a in plan.children(monitoring)
        if a.type == ALARM
    }


def known_values(plan: Plan, dimension: str) -> set[str]:
    token, attribute = DIMENSION_SOURCES[dimension]
    values: set[str] = set()
    for r in plan.of_type(token):
        value = r.outputs[attribute]
        values |= set(value) if isinstance(value, list) else {str(value)}
    return values


# --- logs ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_every_required_log_retention_whichever_component_owns_the_group(stack: str) -> None:
    """docs/requirements.md §7.1: ECS 30 days, RDS 7, ElastiCache 3 (group names: §10.9)."""
    plan = stack_plan(stack)
    groups = {inputs(g)["name"]: inputs(g) for g in plan.of_type(LOG_GROUP)}
    required = {
        f"/aws/ecs/{env(stack)}": 30,
        f"/aws/rds/instance/{env(stack)}": 7,
        f"/aws/elasticache/{env(stack)}": 3,
        f"/aws/vpc/{env(stack)}/": 30 if stack == "staging" else 90,
    }
    for prefix, days in required.items():
        matching = {name: g["retentionInDays"] for name, g in groups.items() if name.startswith(prefix)}
        assert matching, f"no log group under {prefix}"
        assert set(matching.values()) == {days}, matching
    # The RDS group of §7.1 is the engine log: RDS writes it under the instance's name.
    assert f"/aws/rds/instance/{env(stack)}-postgres/postgresql" in groups
    # Lambda (§7.1: 14 days) only for functions the stack has: RDS-managed rotation needs none, so none exist.
    assert not [r for r in plan.resources if r.type.startswith("aws:lambda/")]
    assert not [name for name in groups if name.startswith("/aws/lambda/")]


@pytest.mark.parametrize("stack", STACKS)
def test_every_log_group_is_encrypted_with_the_stack_key_and_expires(stack: str) -> None:
    plan = stack_plan(stack)
    for group in plan.of_type(LOG_GROUP):
        assert inputs(group)["kmsKeyId"] == key_arn(plan), inputs(group)["name"]
        assert inputs(group)["retentionInDays"] > 0, inputs(group)["name"]


# --- alerting ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_one_encrypted_topic_with_the_configured_subscribers(stack: str) -> None:
    plan = stack_plan(stack)
    t = inputs(topic(plan))
    assert t["name"] == f"{env(stack)}-alerts"
    assert t["kmsMasterKeyId"] == key_arn(plan)
    subs = sorted(inputs(s)["endpoint"] for s in plan.of_type("aws:sns/topicSubscription:TopicSubscription"))
    assert subs == sorted(stack_settings(stack)[0]["observability"]["alarmEmails"])
    policy = json.loads(inputs(plan.one("aws:sns/topicPolicy:TopicPolicy"))["policy"])["Statement"]
    principals = {json.dumps(s["Principal"]) for s in policy if s["Effect"] == "Allow"}
    assert principals == {'{"Service": "cloudwatch.amazonaws.com"}', '{"Service": "events.amazonaws.com"}'}


# 80 % of RDS PostgreSQL's default max_connections (LEAST(DBInstanceClassMemory / 9,531,392, 5,000), with about 90 %
# of the instance's memory usable) for the docs/requirements.md §4.1 instance classes: db.t3.small, 2 GiB -> 202
# connections -> 161; db.r6g.xlarge, 32 GiB -> 3,244 connections -> 2,595.
CONNECTIONS_CEILING = {"staging": 161, "production": 2595}


@pytest.mark.parametrize("stack", STACKS)
def test_the_six_required_alarms_notify_the_topic_on_alarm_and_recovery(stack: str) -> None:
    """docs/requirements.md §7.1: CPU > 80 %, memory > 85 %, database connections > 80 %, error rate > 1 %,
    unhealthy ALB targets, RDS storage > 80 % used (of the 100 GB allocated in §4.1, so under 20 GiB free)."""
    plan = stack_plan(stack)
    found = alarms(plan)
    expected = {
        "ecs-cpu-high": ("CPUUtilization", "GreaterThanThreshold", 80),
        "ecs-memory-high": ("MemoryUtilization", "GreaterThanThreshold", 85),
        "db-connections-high": ("DatabaseConnections", "GreaterThanThreshold", CONNECTIONS_CEILING[stack]),
        "error-rate-high": (None, "GreaterThanThreshold", 1),
        "unhealthy-targets": ("UnHealthyHostCount", "GreaterThanThreshold", 0),
        "db-storage-low": ("FreeStorageSpace", "LessThanThreshold", 20 * GIB),
    }
    arn = topic(plan).outputs["arn"]
    for key, (metric, comparison, threshold) in expected.items():
        alarm = found[key]
        assert alarm.get("metricName") == metric, key
        assert (alarm["comparisonOperator"], alarm["threshold"]) == (comparison, threshold), key
        assert alarm["alarmActions"] == alarm["okActions"] == [arn], key


@pytest.mark.parametrize("stack", STACKS)
def test_every_alarm_watches_resources_of_this_stack(stack: str) -> None:
    plan = stack_plan(stack)
    arn = topic(plan).outputs["arn"]
    for key, alarm in alarms(plan).items():
        assert alarm["alarmActions"] == alarm["okActions"] == [arn], key
        dims = [alarm["dimensions"]] if "dimensions" in alarm else []
        dims += [q["metric"]["dimensions"] for q in alarm.get("metricQueries", []) if "metric" in q]
        assert dims, key
        for dimensions in dims:
            for name, value in dimensions.items():
                assert value in known_values(plan, name), f"{key}: {name}={value}"


def test_route53_alarms_are_in_us_east_1_with_the_topic_there() -> None:
    plan = stack_plan("production")
    checks = [a for a in alarms(plan).values() if a.get("namespace") == "AWS/Route53"]
    assert len(checks) == 2
    assert inputs(topic(plan)).get("region") is None  # the stack's own region is us-east-1
    assert all(a["region"] == "us-east-1" for a in checks)
    assert {a["dimensions"]["HealthCheckId"] for a in checks} == known_values(plan, "HealthCheckId")


@pytest.mark.parametrize("stack", STACKS)
def test_rolled_back_deployments_and_rotation_reminders_reach_the_topic(stack: str) -> None:
    plan = stack_plan(stack)
    arn = topic(plan).outputs["arn"]
    rule = inputs(plan.one("aws:cloudwatch/eventRule:EventRule", "monitoring-deployment-failed"))
    service_arn = plan.one("aws:ecs/service:Service").outputs["arn"]
    assert json.loads(rule["eventPattern"])["resources"] == [service_arn]
    target = inputs(plan.one("aws:cloudwatch/eventTarget:EventTarget", "monitoring-deployment-failed"))
    assert (target["arn"], target["rule"]) == (arn, rule["name"])
    # the topic policy's EventBridge statement matches this rule's ARN
    statement = next(
        s
        for s in json.loads(inputs(plan.one("aws:sns/topicPolicy:TopicPolicy"))["policy"])["Statement"]
        if s["Sid"] == "EventBridgeRulesOfThisStackPublish"
    )
    pattern = statement["Condition"]["ArnLike"]["aws:SourceArn"]
    assert f"arn:aws:events:us-east-1:123456789012:rule/{rule['name']}".startswith(pattern.rstrip("*"))
    reminder = inputs(plan.one("aws:scheduler/schedule:Schedule"))
    assert reminder["target"]["arn"] == arn


# --- dashboards ----------------------------------------------------------------------------------------------


def widget_rows(body: dict[str, Any]) -> Iterator[tuple[dict[str, Any], list[Any]]]:
    for widget in body["widgets"]:
        if widget["type"] == "metric":
            for row in widget["properties"]["metrics"]:
                if not isinstance(row[0], dict):
                    yield widget, row


@pytest.mark.parametrize("stack", STACKS)
def test_five_dashboards_whose_every_widget_is_bound_to_this_stack(stack: str) -> None:
    plan = stack_plan(stack)
    boards = {inputs(d)["dashboardName"]: json.loads(inputs(d)["dashboardBody"]) for d in plan.of_type(DASHBOARD)}
    assert sorted(boards) == sorted(
        f"{env(stack)}-{kind}"
        for kind in (
            "application-overview",
            "backend-performance",
            "database-health",
            "cache-statistics",
            "error-tracking",
        )
    )
    log_groups = {inputs(g)["name"] for g in plan.of_type(LOG_GROUP)}
    for name, body in boards.items():
        assert body["widgets"], name
        for widget in body["widgets"]:
            if widget["type"] == "log":
                group = widget["properties"]["query"].split("'")[1]
                assert group in log_groups, f"{name}: {group}"
        for widget, row in widget_rows(body):
            parts = [p for p in row[2:] if not isinstance(p, dict)]
            dims = dict(zip(parts[::2], parts[1::2], strict=True))
            assert dims, f"{name}: {row[1]} without dimensions"
            for key, value in dims.items():
                if key == "Region":  # CloudFront's constant dimension
                    assert (value, widget["properties"]["region"]) == ("Global", "us-east-1")
                    continue
                assert value in known_values(plan, key), f"{name} / {widget['properties']['title']}: {key}={value}"


# --- Sentry --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_sentry_dsn_is_an_ecs_secret_and_release_and_environment_are_plain(stack: str) -> None:
    plan = stack_plan(stack)
    definition = next(
        c
        for c in json.loads(
            inputs(plan.one("aws:ecs/taskDefinition:TaskDefinition", "backend-task"))["containerDefinitions"]
        )
        if c["name"] == "backend"
    )
    secret_arn = next(
        s.outputs["arn"]
        for s in plan.of_type("aws:secretsmanager/secret:Secret")
        if inputs(s)["name"] == f"socialclub/{stack}/monitoring/sentry-dsn"
    )
    assert {s["name"]: s["valueFrom"] for s in definition["secrets"]}["SENTRY_DSN"] == secret_arn
    environment = {e["name"]: e["value"] for e in definition["environment"]}
    assert "SENTRY_DSN" not in environment
    assert environment["SENTRY_ENVIRONMENT"] == stack
    # The image as the deploy workflow sets it, `<tag>@sha256:<digest>`: the tag names the release Sentry groups
    # errors by (the digest only when there is no tag).
    tag, _, digest = stack_settings(stack)[0]["service"]["image"].partition("@")
    assert environment["SENTRY_RELEASE"] == (tag or digest) and tag


# --- a stack outside us-east-1 -------------------------------------------------------------------------------


def test_outside_us_east_1_a_twin_topic_there_receives_the_route53_alarms() -> None:
    plan = run_with(
        "staging", region="eu-west-1", network={"availabilityZones": ["eu-west-1a", "eu-west-1b", "eu-west-1c"]}
    )
    topics = {inputs(t).get("region"): t for t in plan.of_type(TOPIC)}
    assert set(topics) == {None, "us-east-1"}
    twin = topics["us-east-1"]
    twin_key = next(k for k in plan.of_type("aws:kms/key:Key") if inputs(k).get("region") == "us-east-1")
    assert inputs(twin)["kmsMasterKeyId"] == twin_key.outputs["arn"]
    for a in alarms(plan).values():
        expected = twin if a.get("namespace") == "AWS/Route53" else topics[None]
        assert a["alarmActions"] == a["okActions"] == [expected.outputs["arn"]], a["name"]
        assert a.get("region") == ("us-east-1" if expected is twin else None), a["name"]


def test_thresholds_and_slack_from_config_reach_the_alarms_dashboards_and_chatbot() -> None:
    plan = run_with(
        "staging",
        observability={
            "thresholds": {"ecsCpuPercent": 70, "errorRatePercent": 2.5},
            "slack": {"workspaceId": "T0123456789", "channelId": "C0123456789"},
        },
    )
    found = alarms(plan)
    assert found["ecs-cpu-high"]["threshold"] == 70
    assert found["error-rate-high"]["threshold"] == 2.5
    assert found["ecs-memory-high"]["threshold"] == 85  # untouched: the §7.1 default
    backend = next(
        json.loads(inputs(d)["dashboardBody"])
        for d in plan.of_type(DASHBOARD)
        if inputs(d)["dashboardName"].endswith("-backend-performance")
    )
    cpu = next(w for w in backend["widgets"] if w["properties"].get("title") == "CPU utilization (%)")
    assert cpu["properties"]["annotations"]["horizontal"][0]["value"] == 70
    chat = inputs(plan.one("aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration"))
    assert chat["snsTopicArns"] == [topic(plan).outputs["arn"]]
    assert (chat["slackTeamId"], chat["slackChannelId"]) == ("T0123456789", "C0123456789")

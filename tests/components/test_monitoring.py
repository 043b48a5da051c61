"""The alarms: max_connections from the instance class, each alarm's metric and threshold, and the rollback rule."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from components.monitoring import (
    GIB,
    MathQuery,
    Metric,
    Monitoring,
    MonitoringArgs,
    alarm_specs,
    connections_threshold,
    deployment_failed_pattern,
    free_storage_threshold_bytes,
    max_connections,
    member_cluster_ids,
)
from offline.harness import Plan
from stackconfig.aws_facts import INSTANCE_CLASS_MEMORY_GIB
from stackconfig.observability import AlarmThresholds
from tests.support import inputs, run_component
from tests.support.observability import (
    CHECKS,
    GLOBAL_TOPIC,
    LB,
    NODES,
    SERVICE_ARN,
    TABLES,
    TG,
    TOPIC,
    resources,
    unknown_metrics,
)

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"

# --- pure functions ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instance_class", "gib", "expected"),
    [
        # 2 GiB x 0.9 / 9531392 = 202.8 -> 202 (the nominal formula would say 225)
        ("db.t3.small", 2, 202),
        ("db.t3.micro", 1, 101),
        # 32 GiB x 0.9 / 9531392 = 3244.8 -> 3244
        ("db.r6g.xlarge", 32, 3244),
        ("db.m6g.large", 8, 811),
        # 64 GiB -> 6489 before the cap: LEAST(..., 5000)
        ("db.r6g.2xlarge", 64, 5000),
    ],
)
def test_max_connections_follows_the_rds_formula(instance_class: str, gib: int, expected: int) -> None:
    assert INSTANCE_CLASS_MEMORY_GIB[instance_class] == gib
    assert max_connections(instance_class) == expected


def test_unknown_instance_class_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"no memory size known for 'db\.x2g\.large'.*db\.t3\.small"):
        max_connections("db.x2g.large")


def test_thresholds_of_connections_and_storage() -> None:
    assert connections_threshold(202, 80) == 161
    assert connections_threshold(3244, 80) == 2595
    # 100 GiB, 80% used -> alarm below 20 GiB free
    assert free_storage_threshold_bytes(100, 80) == 20 * GIB


def test_member_cluster_ids_follow_elasticache_naming() -> None:
    resolved: list[list[str]] = []

    def build() -> None:
        ids = member_cluster_ids(pulumi.Output.from_input("socialclub-production-redis"), 3)
        pulumi.Output.all(*ids).apply(resolved.append)

    run_component(build)
    assert resolved == [
        ["socialclub-production-redis-001", "socialclub-production-redis-002", "socialclub-production-redis-003"]
    ]


def test_every_alarm_has_a_description_a_reason_for_missing_data_and_sane_periods() -> None:
    specs = alarm_specs(resources(), AlarmThresholds())
    assert len({s.key for s in specs}) == len(specs)
    for s in specs:
        assert len(s.description) > 60, s.key
        assert s.missing_data_reason, s.key
        assert 1 <= s.datapoints_to_alarm <= s.evaluation_periods, s.key
        # CloudWatch refuses alarms evaluating more than a day
        period = s.signal.period if isinstance(s.signal, Metric) else max(m.period for m in s.signal.metrics.values())
        assert period * s.evaluation_periods <= 86_400, s.key


def test_alarm_descriptions_name_nothing_outside_the_repository() -> None:
    # On-call reads these in the console and in Slack: a reference to a document they do not have is noise.
    for s in alarm_specs(resources(), AlarmThresholds()):
        assert "seed" not in s.description.lower(), s.key


def test_every_alarm_metric_is_one_aws_publishes_with_those_dimensions() -> None:
    used = []
    for spec in alarm_specs(resources(), AlarmThresholds()):
        metrics = [spec.signal] if isinstance(spec.signal, Metric) else list(spec.signal.metrics.values())
        used += [(m.namespace, m.name, frozenset(m.dimensions)) for m in metrics]
    assert len(used) > 15
    assert unknown_metrics(used) == []


def test_connections_override_replaces_the_derived_limit() -> None:
    specs = {s.key: s for s in alarm_specs(resources(), AlarmThresholds(), db_max_connections=500)}
    assert specs["db-connections-high"].threshold == 400


def test_error_rate_is_metric_math_safe_from_division_by_zero() -> None:
    spec = next(s for s in alarm_specs(resources(), AlarmThresholds()) if s.key == "error-rate-high")
    assert isinstance(spec.signal, MathQuery)
    expr = spec.signal.expression
    assert expr == "IF(FILL(requests, 0) >= 100, 100 * FILL(errors, 0) / FILL(requests, 1), 0)"
    # a zero denominator is impossible in the branch that divides: it requires >= 100 requests
    assert "/ FILL(requests, 1)" in expr and "IF(FILL(requests, 0) >= 100" in expr
    assert {k: m.name for k, m in spec.signal.metrics.items()} == {
        "errors": "HTTPCode_Target_5XX_Count",
        "requests": "RequestCount",
    }


def test_deployment_failed_pattern() -> None:
    arn = "arn:aws:ecs:us-east-1:123456789012:service/c/s"
    assert json.loads(deployment_failed_pattern(arn)) == {
        "source": ["aws.ecs"],
        "detail-type": ["ECS Deployment State Change"],
        "resources": [arn],
        "detail": {"eventName": ["SERVICE_DEPLOYMENT_FAILED"]},
    }


# --- the component under mocks -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def plan() -> Plan:
    def build() -> None:
        Monitoring(
            "monitoring",
            MonitoringArgs(
                name_prefix="socialclub-test",
                resources=resources(),
                topic_arn=TOPIC,
                global_topic_arn=GLOBAL_TOPIC,
            ),
        )

    return run_component(build)


def alarms(plan: Plan) -> dict[str, dict[str, Any]]:
    return {inputs(r)["name"].removeprefix("socialclub-test-"): inputs(r) for r in plan.of_type(ALARM)}


ECS = {"ClusterName": "socialclub-test", "ServiceName": "socialclub-test-backend"}
TG_DIMS = {"LoadBalancer": LB, "TargetGroup": TG}
DB = {"DBInstanceIdentifier": "socialclub-test-postgres"}

# key: (namespace, metric, dimensions, statistic, period, comparison, threshold, evaluation periods, datapoints,
#       missing data)
SINGLE_METRIC = {
    "ecs-cpu-high": ("AWS/ECS", "CPUUtilization", ECS, "Average", 60, "GreaterThanThreshold", 80, 10, 8, "missing"),
    "ecs-memory-high": (
        "AWS/ECS",
        "MemoryUtilization",
        ECS,
        "Average",
        60,
        "GreaterThanThreshold",
        85,
        10,
        8,
        "missing",
    ),
    # db.t3.small: max_connections 202, 80% -> more than 161
    "db-connections-high": (
        "AWS/RDS",
        "DatabaseConnections",
        DB,
        "Maximum",
        60,
        "GreaterThanThreshold",
        161,
        5,
        5,
        "missing",
    ),
    "db-storage-low": (
        "AWS/RDS",
        "FreeStorageSpace",
        DB,
        "Minimum",
        300,
        "LessThanThreshold",
        20 * GIB,
        1,
        1,
        "missing",
    ),
    "db-cpu-high": ("AWS/RDS", "CPUUtilization", DB, "Average", 300, "GreaterThanThreshold", 80, 3, 3, "missing"),
    "unhealthy-targets": (
        "AWS/ApplicationELB",
        "UnHealthyHostCount",
        TG_DIMS,
        "Maximum",
        60,
        "GreaterThanThreshold",
        0,
        5,
        3,
        "notBreaching",
    ),
    "no-healthy-targets": (
        "AWS/ApplicationELB",
        "HealthyHostCount",
        TG_DIMS,
        "Minimum",
        60,
        "LessThanThreshold",
        1,
        2,
        2,
        "breaching",
    ),
    "alb-5xx": (
        "AWS/ApplicationELB",
        "HTTPCode_ELB_5XX_Count",
        {"LoadBalancer": LB},
        "Sum",
        300,
        "GreaterThanThreshold",
        10,
        2,
        2,
        "notBreaching",
    ),
    "latency-p99-high": (
        "AWS/ApplicationELB",
        "TargetResponseTime",
        TG_DIMS,
        "p99",
        300,
        "GreaterThanThreshold",
        2,
        3,
        3,
        "notBreaching",
    ),
}


@pytest.mark.parametrize("key", sorted(SINGLE_METRIC))
def test_single_metric_alarm(plan: Plan, key: str) -> None:
    namespace, metric, dims, stat, period, comparison, threshold, periods, datapoints, missing = SINGLE_METRIC[key]
    alarm = alarms(plan)[key]
    assert alarm["namespace"] == namespace
    assert alarm["metricName"] == metric
    assert alarm["dimensions"] == dims
    stat_key = "extendedStatistic" if stat.startswith("p") else "statistic"
    assert alarm[stat_key] == stat
    assert alarm["period"] == period
    assert alarm["comparisonOperator"] == comparison
    assert alarm["threshold"] == threshold
    assert alarm["evaluationPeriods"] == periods
    assert alarm["datapointsToAlarm"] == datapoints
    assert alarm["treatMissingData"] == missing
    assert alarm["alarmActions"] == [TOPIC]
    assert alarm["okActions"] == [TOPIC]
    assert "region" not in alarm
    assert alarm.get("evaluateLowSampleCountPercentiles") == ("ignore" if stat.startswith("p") else None)


def queries(alarm: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {q["id"]: q for q in alarm["metricQueries"]}


def test_error_rate_alarm_in_the_plan(plan: Plan) -> None:
    alarm = alarms(plan)["error-rate-high"]
    q = queries(alarm)
    assert q["result"]["returnData"] is True
    assert q["result"]["expression"].startswith("IF(FILL(requests, 0) >= 100")
    for qid, metric in (("errors", "HTTPCode_Target_5XX_Count"), ("requests", "RequestCount")):
        assert q[qid]["returnData"] is False
        assert q[qid]["metric"] == {
            "namespace": "AWS/ApplicationELB",
            "metricName": metric,
            "dimensions": TG_DIMS,
            "period": 300,
            "stat": "Sum",
        }
    assert (alarm["threshold"], alarm["comparisonOperator"]) == (1, "GreaterThanThreshold")
    assert (alarm["evaluationPeriods"], alarm["datapointsToAlarm"]) == (2, 2)
    assert "metricName" not in alarm and "namespace" not in alarm
    assert alarm["alarmActions"] == alarm["okActions"] == [TOPIC]


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("redis-cpu-high", ("EngineCPUUtilization", "Average", "MAX", 90)),
        ("redis-memory-high", ("DatabaseMemoryUsagePercentage", "Maximum", "MAX", 80)),
        ("redis-evictions", ("Evictions", "Sum", "SUM", 0)),
    ],
)
def test_redis_alarms_cover_every_node(plan: Plan, key: str, expected: tuple[str, str, str, float]) -> None:
    metric, stat, function, threshold = expected
    alarm = alarms(plan)[key]
    q = queries(alarm)
    assert q["result"]["expression"] == f"{function}([node0, node1])"
    assert [q[f"node{i}"]["metric"]["dimensions"] for i in range(2)] == [{"CacheClusterId": n} for n in NODES]
    assert {q[f"node{i}"]["metric"]["metricName"] for i in range(2)} == {metric}
    assert {q[f"node{i}"]["metric"]["stat"] for i in range(2)} == {stat}
    assert alarm["threshold"] == threshold
    assert alarm["comparisonOperator"] == "GreaterThanThreshold"
    assert alarm["treatMissingData"] == "missing"
    assert alarm["alarmActions"] == alarm["okActions"] == [TOPIC]


def test_one_throttle_alarm_per_table(plan: Plan) -> None:
    found = alarms(plan)
    for role, table in TABLES.items():
        alarm = found[f"dynamodb-{role}-throttled"]
        q = queries(alarm)
        assert q["result"]["expression"] == "FILL(reads, 0) + FILL(writes, 0)"
        assert q["reads"]["metric"]["metricName"] == "ReadThrottleEvents"
        assert q["writes"]["metric"]["metricName"] == "WriteThrottleEvents"
        assert q["reads"]["metric"]["dimensions"] == q["writes"]["metric"]["dimensions"] == {"TableName": table}
        assert (alarm["threshold"], alarm["evaluationPeriods"], alarm["datapointsToAlarm"]) == (0, 5, 3)
        # DynamoDB is silent when nothing is throttled
        assert alarm["treatMissingData"] == "notBreaching"
        assert alarm["alarmActions"] == alarm["okActions"] == [TOPIC]


def test_health_check_alarms_live_in_us_east_1_and_notify_the_topic_there(plan: Plan) -> None:
    found = alarms(plan)
    for probe, check in CHECKS.items():
        alarm = found[f"{probe}-health-check-failing"]
        assert alarm["region"] == "us-east-1"
        assert (alarm["namespace"], alarm["metricName"]) == ("AWS/Route53", "HealthCheckStatus")
        assert alarm["dimensions"] == {"HealthCheckId": check}
        assert (alarm["statistic"], alarm["comparisonOperator"], alarm["threshold"]) == (
            "Minimum",
            "LessThanThreshold",
            1,
        )
        assert alarm["treatMissingData"] == "breaching"
        assert alarm["alarmActions"] == alarm["okActions"] == [GLOBAL_TOPIC]


def test_every_alarm_notifies_on_alarm_and_on_recovery(plan: Plan) -> None:
    found = alarms(plan)
    assert len(found) == 9 + 1 + 3 + len(TABLES) + len(CHECKS)
    for key, alarm in found.items():
        assert alarm["alarmActions"] == alarm["okActions"], key
        assert alarm["alarmActions"] in ([TOPIC], [GLOBAL_TOPIC]), key
        assert alarm["alarmDescription"], key


def test_rolled_back_deployment_reaches_the_topic(plan: Plan) -> None:
    rule = inputs(plan.one("aws:cloudwatch/eventRule:EventRule"))
    assert rule["name"] == "socialclub-test-ecs-deployment-failed"
    assert json.loads(rule["eventPattern"])["resources"] == [SERVICE_ARN]
    target = inputs(plan.one("aws:cloudwatch/eventTarget:EventTarget"))
    assert target["arn"] == TOPIC
    assert target["rule"] == rule["name"]
    transformer = target["inputTransformer"]
    template = json.loads(transformer["inputTemplate"])
    assert template["source"] == "custom"
    for placeholder in transformer["inputPaths"]:
        assert f"<{placeholder}>" in json.dumps(template)


def test_alarms_are_children_of_the_component(plan: Plan) -> None:
    component = plan.one("socialclub:observability:Monitoring")
    assert all(r.parent == component.urn for r in plan.of_type(ALARM))

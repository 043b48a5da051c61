"""The dashboards: the pure renderer, the five descriptions, and the component under mocks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from components.dashboards import (
    Dashboard,
    Dashboards,
    DashboardsArgs,
    Expr,
    Line,
    LogWidget,
    Widget,
    render_dashboard,
    stack_dashboards,
)
from components.monitoring import alarm_specs
from stackconfig.observability import AlarmThresholds
from tests.support import inputs, run_component
from tests.support.observability import CHECKS, LB, NODES, TABLES, TG, resources, unknown_metrics

KINDS = ("application-overview", "backend-performance", "database-health", "cache-statistics", "error-tracking")


def test_render_lays_widgets_out_two_to_a_row_with_cloudwatch_metric_rows() -> None:
    board = Dashboard(
        "x",
        [
            Widget("a", [Line("AWS/ECS", "CPUUtilization", {"ClusterName": "c", "ServiceName": "s"}, "Maximum")]),
            Widget(
                "b",
                [Line("NS", "M", {"D": "v"}, "Sum", id="m1"), Expr("e1", "2 * m1", "double")],
                region="us-east-1",
                alarm_threshold=5,
            ),
            LogWidget("c", "/aws/ecs/x", "fields @message | limit 5"),
        ],
    )
    body = render_dashboard(board, "eu-west-1")
    json.dumps(body)  # plain data when the description holds plain strings
    a, b, c = body["widgets"]
    assert [(w["x"], w["y"], w["width"], w["height"]) for w in body["widgets"]] == [
        (0, 0, 12, 6),
        (12, 0, 12, 6),
        (0, 6, 12, 6),
    ]
    assert a["type"] == "metric"
    assert a["properties"]["region"] == "eu-west-1"
    assert a["properties"]["metrics"] == [
        ["AWS/ECS", "CPUUtilization", "ClusterName", "c", "ServiceName", "s", {"stat": "Maximum"}]
    ]
    assert "annotations" not in a["properties"]
    assert b["properties"]["region"] == "us-east-1"
    assert b["properties"]["metrics"] == [
        ["NS", "M", "D", "v", {"stat": "Sum", "id": "m1", "visible": False}],
        [{"expression": "2 * m1", "label": "double", "id": "e1"}],
    ]
    assert b["properties"]["annotations"] == {"horizontal": [{"label": "alarm", "value": 5}]}
    assert c["type"] == "log"
    assert c["properties"]["query"] == "SOURCE '/aws/ecs/x' | fields @message | limit 5"


def metric_rows(body: dict[str, Any]) -> Iterator[tuple[str, list[Any]]]:
    for w in body["widgets"]:
        if w["type"] == "metric":
            for row in w["properties"]["metrics"]:
                yield w["properties"]["region"], row


def dimensions(row: list[Any]) -> dict[str, str]:
    if isinstance(row[0], dict):
        return {}
    parts = [p for p in row[2:] if not isinstance(p, dict)]
    return dict(zip(parts[::2], parts[1::2], strict=True))


def test_five_dashboards_named_by_stack() -> None:
    boards = stack_dashboards("socialclub-test", resources(), AlarmThresholds())
    assert [b.name for b in boards] == [f"socialclub-test-{k}" for k in KINDS]
    assert all(len(b.widgets) >= 4 for b in boards)


def test_every_widget_is_bound_to_the_given_resources() -> None:
    r = resources()
    known: dict[str, set[object]] = {
        "ClusterName": {r.cluster_name},
        "ServiceName": {r.service_name},
        "LoadBalancer": {LB},
        "TargetGroup": {TG},
        "DBInstanceIdentifier": {r.db_instance_identifier},
        "CacheClusterId": set(NODES),
        "TableName": set(TABLES.values()),
        "DistributionId": {r.distribution_id},
        "Region": {"Global"},
        "HealthCheckId": set(CHECKS.values()),
    }
    seen: set[str] = set()
    for board in stack_dashboards("socialclub-test", r, AlarmThresholds()):
        body = render_dashboard(board, "us-east-1")
        for region, row in metric_rows(body):
            dims = dimensions(row)
            if not isinstance(row[0], dict):
                assert dims, f"{board.name}: {row[1]} has no dimension, it would graph the whole account"
            for key, value in dims.items():
                assert value in known[key], f"{board.name}: {key}={value}"
                seen.add(key)
            if not isinstance(row[0], dict) and row[0] in ("AWS/CloudFront", "AWS/Route53"):
                assert region == "us-east-1"
    assert seen == set(known)


def test_alarm_thresholds_are_drawn_where_the_alarms_fire() -> None:
    r = resources()
    specs = {s.key: s.threshold for s in alarm_specs(r, AlarmThresholds())}
    boards = {
        b.name.removeprefix("socialclub-test-"): b for b in stack_dashboards("socialclub-test", r, AlarmThresholds())
    }
    drawn = {
        w.title: w.alarm_threshold
        for b in boards.values()
        for w in b.widgets
        if isinstance(w, Widget) and w.alarm_threshold is not None
    }
    assert drawn["RDS connections"] == specs["db-connections-high"] == 161
    assert drawn["CPU utilization (%)"] == specs["ecs-cpu-high"] == 80
    assert drawn["Memory utilization (%)"] == specs["ecs-memory-high"] == 85
    assert drawn["Backend 5xx (% of requests)"] == specs["error-rate-high"] == 1
    # docs/requirements.md §7.1 and the on-call additions, on the 100 GiB db.t3.small of resources().
    assert drawn == {
        "CPU utilization (%)": 80,
        "Memory utilization (%)": 85,
        "Backend 5xx (% of requests)": 1,
        "Backend response time (s)": 2.0,
        "HTTP errors by source": 10,
        "RDS CPU (%)": 80,
        "RDS connections": 161,
        "RDS free storage (bytes)": 20 * 1024**3,
        "Redis engine CPU (%)": 90,
        "Redis memory used (% of maxmemory)": 80,
        "Redis evictions": 0,
    }


# Counters are summed over the period; an average or maximum of a count hides how many there were.
COUNTERS = {
    "RequestCount",
    "HTTPCode_Target_5XX_Count",
    "HTTPCode_Target_4XX_Count",
    "HTTPCode_ELB_5XX_Count",
    "Evictions",
    "CacheHits",
    "CacheMisses",
    "ReadThrottleEvents",
    "WriteThrottleEvents",
    "Requests",
}


def test_counters_are_summed() -> None:
    stats = {
        (row[1], row[-1]["stat"])
        for body in planned_bodies().values()
        for _, row in metric_rows(body)
        if not isinstance(row[0], dict) and row[1] in COUNTERS
    }
    assert {name for name, _ in stats} == COUNTERS
    assert {stat for _, stat in stats} == {"Sum"}


def test_error_tracking_queries_the_backend_log_group() -> None:
    board = stack_dashboards("socialclub-test", resources(), AlarmThresholds())[-1]
    logs = [w for w in board.widgets if isinstance(w, LogWidget)]
    assert [w.log_group for w in logs] == ["/aws/ecs/socialclub-test/backend"]


# docs/requirements.md §7.1: the five dashboards, and what each shows (namespace without `AWS/`, metric).
REQUIRED_WIDGET_METRICS: dict[str, set[tuple[str, str]]] = {
    "application-overview": {
        ("ApplicationELB", "RequestCount"),
        ("ApplicationELB", "HTTPCode_Target_5XX_Count"),
        ("ApplicationELB", "TargetResponseTime"),
        ("ApplicationELB", "HealthyHostCount"),
        ("ApplicationELB", "UnHealthyHostCount"),
        ("CloudFront", "Requests"),
        ("CloudFront", "4xxErrorRate"),
        ("CloudFront", "5xxErrorRate"),
        ("Route53", "HealthCheckStatus"),
        ("ECS", "CPUUtilization"),
        ("ECS", "MemoryUtilization"),
    },
    "backend-performance": {
        ("ECS", "CPUUtilization"),
        ("ECS", "MemoryUtilization"),
        ("ApplicationELB", "TargetResponseTime"),
        ("ApplicationELB", "RequestCountPerTarget"),
        ("ApplicationELB", "ActiveConnectionCount"),
        ("ApplicationELB", "NewConnectionCount"),
        ("ApplicationELB", "ProcessedBytes"),
    },
    "database-health": {
        ("RDS", "CPUUtilization"),
        ("RDS", "DatabaseConnections"),
        ("RDS", "FreeStorageSpace"),
        ("RDS", "FreeableMemory"),
        ("RDS", "ReadLatency"),
        ("RDS", "WriteLatency"),
        ("RDS", "ReadIOPS"),
        ("RDS", "WriteIOPS"),
        ("RDS", "NetworkReceiveThroughput"),
        ("RDS", "NetworkTransmitThroughput"),
        ("DynamoDB", "ConsumedReadCapacityUnits"),
        ("DynamoDB", "ConsumedWriteCapacityUnits"),
        ("DynamoDB", "ReadThrottleEvents"),
        ("DynamoDB", "WriteThrottleEvents"),
    },
    "cache-statistics": {
        ("ElastiCache", "EngineCPUUtilization"),
        ("ElastiCache", "DatabaseMemoryUsagePercentage"),
        ("ElastiCache", "Evictions"),
        ("ElastiCache", "CacheHits"),
        ("ElastiCache", "CacheMisses"),
        ("ElastiCache", "CurrConnections"),
        ("ElastiCache", "NetworkBytesIn"),
        ("ElastiCache", "NetworkBytesOut"),
        ("ElastiCache", "ReplicationLag"),
    },
    "error-tracking": {
        ("ApplicationELB", "HTTPCode_Target_5XX_Count"),
        ("ApplicationELB", "HTTPCode_Target_4XX_Count"),
        ("ApplicationELB", "HTTPCode_ELB_5XX_Count"),
        ("ApplicationELB", "RequestCount"),
        ("CloudFront", "4xxErrorRate"),
        ("CloudFront", "5xxErrorRate"),
        ("DynamoDB", "ReadThrottleEvents"),
        ("DynamoDB", "WriteThrottleEvents"),
    },
}


def planned_bodies() -> dict[str, dict[str, Any]]:
    def build() -> None:
        Dashboards(
            "dashboards", DashboardsArgs(name_prefix="socialclub-test", region="us-east-1", resources=resources())
        )

    plan = run_component(build)
    component = plan.one("socialclub:observability:Dashboards")
    assert all(d.parent == component.urn for d in plan.of_type("aws:cloudwatch/dashboard:Dashboard"))
    return {
        inputs(d)["dashboardName"].removeprefix("socialclub-test-"): json.loads(inputs(d)["dashboardBody"])
        for d in plan.of_type("aws:cloudwatch/dashboard:Dashboard")
    }


def test_component_declares_the_five_dashboards_with_the_required_metrics() -> None:
    bodies = planned_bodies()
    drawn = {
        name: {(row[0].removeprefix("AWS/"), row[1]) for _, row in metric_rows(body) if not isinstance(row[0], dict)}
        for name, body in bodies.items()
    }
    assert drawn == REQUIRED_WIDGET_METRICS


def test_every_drawn_metric_is_one_aws_publishes_with_those_dimensions() -> None:
    used = [
        (row[0], row[1], frozenset(dimensions(row)))
        for body in planned_bodies().values()
        for _, row in metric_rows(body)
        if not isinstance(row[0], dict)
    ]
    assert len(used) > 40
    assert unknown_metrics(used) == []

"""Dashboards: the five CloudWatch dashboards of docs/requirements.md §7.1, described once as data and rendered
by one pure function.

`stack_dashboards` says what each dashboard shows (a list of `Dashboard(name, widgets=[Widget(title, ...)])`),
bound to this stack's resources; `render_dashboard` turns one description into the dashboard body CloudWatch
expects. Alarm thresholds are drawn on the graphs from the same `AlarmSpec`s the alarms are made of.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.monitoring import MonitoredResources, alarm_specs
from stackconfig.aws_facts import GLOBAL_METRICS_REGION
from stackconfig.observability import AlarmThresholds, MonitoringSettings

WIDTH = 12
HEIGHT = 6
GRID_COLUMNS = 24


@dataclass(frozen=True)
class Line:
    """One metric on a graph."""

    namespace: str
    """e.g. `AWS/ECS`."""
    name: str
    """The metric as AWS names it, e.g. `CPUUtilization`."""
    dimensions: Mapping[str, pulumi.Input[str]]
    """The dimensions AWS publishes it under."""
    stat: str = "Average"
    """`Average` (default), `Sum`, `Maximum`, `Minimum` or a percentile such as `p99`."""
    label: str | None = None
    """The legend's text; default: CloudWatch's (the metric's name)."""
    id: str | None = None
    """Name used by an `Expr` of the same widget; such a line is fetched but not drawn."""


@dataclass(frozen=True)
class Expr:
    """A metric math expression over the `Line`s of its widget that have an `id`."""

    id: str
    """The expression's own id."""
    expression: str
    """e.g. `100 * FILL(errors, 0) / requests`."""
    label: str
    """The legend's text."""


@dataclass(frozen=True)
class Widget:
    """A time-series graph."""

    title: str
    """Shown above the graph."""
    metrics: Sequence[Line | Expr]
    """What is drawn, in legend order."""
    period: int = 300
    """Seconds per datapoint (default 300)."""
    region: str | None = None
    """Region of the metrics when not the stack's (CloudFront and Route 53: us-east-1)."""
    stacked: bool = False
    """Stack the lines as areas (default false: separate lines)."""
    alarm_threshold: float | None = None
    """Drawn as a horizontal line: where the alarm on this metric fires."""


@dataclass(frozen=True)
class LogWidget:
    """A CloudWatch Logs Insights query over one log group."""

    title: str
    """Shown above the table."""
    log_group: pulumi.Input[str]
    """The log group queried."""
    query: str
    """The Logs Insights query after `SOURCE '<group>' |`."""


@dataclass(frozen=True)
class Dashboard:
    """One CloudWatch dashboard."""

    name: str
    """The dashboard's name, e.g. `socialclub-production-application-overview`."""
    widgets: Sequence[Widget | LogWidget] = field(default_factory=list)
    """Laid out two to a row, in this order (default none)."""


def _metric_row(series: Line | Expr) -> list[Any]:
    if isinstance(series, Expr):
        return [{"expression": series.expression, "label": series.label, "id": series.id}]
    options: dict[str, Any] = {"stat": series.stat}
    if series.label:
        options["label"] = series.label
    if series.id:
        options |= {"id": series.id, "visible": False}
    dims = [part for key, value in series.dimensions.items() for part in (key, value)]
    return [series.namespace, series.name, *dims, options]


def _widget_json(widget: Widget | LogWidget, region: str) -> dict[str, Any]:
    if isinstance(widget, LogWidget):
        return {
            "type": "log",
            "properties": {
                "title": widget.title,
                "region": region,
                "view": "table",
                "query": f"SOURCE '{widget.log_group}' | {widget.query}"
                if isinstance(widget.log_group, str)
                else pulumi.Output.concat("SOURCE '", widget.log_group, "' | ", widget.query),
            },
        }
    properties: dict[str, Any] = {
        "title": widget.title,
        "region": widget.region or region,
        "view": "timeSeries",
        "stacked": widget.stacked,
        "period": widget.period,
        "metrics": [_metric_row(s) for s in widget.metrics],
    }
    if widget.alarm_threshold is not None:
        properties["annotations"] = {"horizontal": [{"label": "alarm", "value": widget.alarm_threshold}]}
    return {"type": "metric", "properties": properties}


def render_dashboard(dashboard: Dashboard, region: str) -> dict[str, Any]:
    """The dashboard body: widgets two to a row, in description order. Values may still be Outputs
    (serialise with `pulumi.Output.json_dumps`); with plain strings it is plain JSON data."""
    per_row = GRID_COLUMNS // WIDTH
    return {
        "widgets": [
            {"x": (i % per_row) * WIDTH, "y": (i // per_row) * HEIGHT, "width": WIDTH, "height": HEIGHT}
            | _widget_json(w, region)
            for i, w in enumerate(dashboard.widgets)
        ]
    }


# --- what the five dashboards show ---------------------------------------------------------------------------


def stack_dashboards(
    name_prefix: str, r: MonitoredResources, t: AlarmThresholds, db_max_connections: int | None = None
) -> list[Dashboard]:
    """The five dashboards (docs/requirements.md §7.1), bound to this stack's resources."""
    alarm = {s.key: s.threshold for s in alarm_specs(r, t, db_max_connections)}
    elb = "AWS/ApplicationELB"
    lb = {"LoadBalancer": r.load_balancer_arn_suffix}
    tg = {"LoadBalancer": r.load_balancer_arn_suffix, "TargetGroup": r.target_group_arn_suffix}
    ecs = {"ClusterName": r.cluster_name, "ServiceName": r.service_name}
    db = {"DBInstanceIdentifier": r.db_instance_identifier}
    cdn = {"DistributionId": r.distribution_id, "Region": "Global"}
    nodes = list(enumerate(r.cache_node_ids))
    tables = sorted(r.table_names.items())

    def rds(*names: str, stat: str = "Average") -> list[Line | Expr]:
        return [Line("AWS/RDS", n, db, stat) for n in names]

    def per_node(name: str, stat: str) -> list[Line | Expr]:
        return [
            Line("AWS/ElastiCache", name, {"CacheClusterId": node}, stat, label=f"node {i + 1}") for i, node in nodes
        ]

    def per_table(*names: str) -> list[Line | Expr]:
        return [
            Line("AWS/DynamoDB", n, {"TableName": table}, "Sum", label=f"{role} {n}")
            for role, table in tables
            for n in names
        ]

    error_rate = Widget(
        "Backend 5xx (% of requests)",
        [
            Line(elb, "HTTPCode_Target_5XX_Count", tg, "Sum", id="errors"),
            Line(elb, "RequestCount", tg, "Sum", id="requests"),
            Expr("rate", "100 * FILL(errors, 0) / requests", "5xx %"),
        ],
        alarm_threshold=alarm["error-rate-high"],
    )
    latency = Widget(
        "Backend response time (s)",
        [Line(elb, "TargetResponseTime", tg, p, label=p) for p in ("p50", "p90", "p99")],
        alarm_threshold=alarm["latency-p99-high"],
    )
    cdn_errors = Widget(
        "CloudFront error rates (%)",
        [Line("AWS/CloudFront", n, cdn, label=n) for n in ("4xxErrorRate", "5xxErrorRate")],
        region=GLOBAL_METRICS_REGION,
    )
    throttles = Widget("DynamoDB throttle events", per_table("ReadThrottleEvents", "WriteThrottleEvents"))

    overview = Dashboard(
        f"{name_prefix}-application-overview",
        [
            Widget("API requests", [Line(elb, "RequestCount", lb, "Sum", label="requests")]),
            error_rate,
            latency,
            Widget(
                "Backend tasks behind the ALB",
                [Line(elb, n, tg, "Maximum", label=n) for n in ("HealthyHostCount", "UnHealthyHostCount")],
            ),
            Widget(
                "Frontend requests (CloudFront)",
                [Line("AWS/CloudFront", "Requests", cdn, "Sum", label="requests")],
                region=GLOBAL_METRICS_REGION,
            ),
            cdn_errors,
            Widget(
                "Endpoint health from the internet (1 = healthy)",
                [
                    Line("AWS/Route53", "HealthCheckStatus", {"HealthCheckId": check}, "Minimum", label=probe)
                    for probe, check in sorted(r.health_check_ids.items())
                ],
                period=60,
                region=GLOBAL_METRICS_REGION,
            ),
            Widget(
                "Backend CPU and memory (%)",
                [Line("AWS/ECS", n, ecs, label=n) for n in ("CPUUtilization", "MemoryUtilization")],
            ),
        ],
    )
    backend = Dashboard(
        f"{name_prefix}-backend-performance",
        [
            Widget(
                "CPU utilization (%)",
                [Line("AWS/ECS", "CPUUtilization", ecs, s, label=s) for s in ("Average", "Maximum")],
                period=60,
                alarm_threshold=alarm["ecs-cpu-high"],
            ),
            Widget(
                "Memory utilization (%)",
                [Line("AWS/ECS", "MemoryUtilization", ecs, s, label=s) for s in ("Average", "Maximum")],
                period=60,
                alarm_threshold=alarm["ecs-memory-high"],
            ),
            latency,
            Widget("Requests per task", [Line(elb, "RequestCountPerTarget", tg, "Sum", label="per task")]),
            Widget(
                "ALB connections",
                [Line(elb, n, lb, "Sum", label=n) for n in ("ActiveConnectionCount", "NewConnectionCount")],
            ),
            Widget("Network throughput through the ALB (bytes)", [Line(elb, "ProcessedBytes", lb, "Sum")]),
        ],
    )
    database = Dashboard(
        f"{name_prefix}-database-health",
        [
            Widget("RDS CPU (%)", rds("CPUUtilization"), alarm_threshold=alarm["db-cpu-high"]),
            Widget(
                "RDS connections",
                rds("DatabaseConnections", stat="Maximum"),
                alarm_threshold=alarm["db-connections-high"],
            ),
            Widget(
                "RDS free storage (bytes)",
                rds("FreeStorageSpace", stat="Minimum"),
                alarm_threshold=alarm["db-storage-low"],
            ),
            Widget("RDS freeable memory (bytes)", rds("FreeableMemory", stat="Minimum")),
            Widget("RDS read / write latency (s)", rds("ReadLatency", "WriteLatency")),
            Widget("RDS read / write IOPS", rds("ReadIOPS", "WriteIOPS")),
            Widget("RDS network throughput (bytes/s)", rds("NetworkReceiveThroughput", "NetworkTransmitThroughput")),
            Widget("DynamoDB consumed capacity", per_table("ConsumedReadCapacityUnits", "ConsumedWriteCapacityUnits")),
            throttles,
        ],
    )
    hit_ids = [f"h{i}" for i, _ in nodes]
    miss_ids = [f"m{i}" for i, _ in nodes]
    hits, misses = f"SUM([{', '.join(hit_ids)}])", f"SUM([{', '.join(miss_ids)}])"
    cache = Dashboard(
        f"{name_prefix}-cache-statistics",
        [
            Widget(
                "Redis engine CPU (%)",
                per_node("EngineCPUUtilization", "Average"),
                period=60,
                alarm_threshold=alarm["redis-cpu-high"],
            ),
            Widget(
                "Redis memory used (% of maxmemory)",
                per_node("DatabaseMemoryUsagePercentage", "Maximum"),
                period=60,
                alarm_threshold=alarm["redis-memory-high"],
            ),
            Widget("Redis evictions", per_node("Evictions", "Sum"), alarm_threshold=alarm["redis-evictions"]),
            Widget(
                "Redis hit rate (%)",
                [
                    *(Line("AWS/ElastiCache", "CacheHits", {"CacheClusterId": n}, "Sum", id=f"h{i}") for i, n in nodes),
                    *(
                        Line("AWS/ElastiCache", "CacheMisses", {"CacheClusterId": n}, "Sum", id=f"m{i}")
                        for i, n in nodes
                    ),
                    Expr("hitrate", f"100 * {hits} / ({hits} + {misses})", "hit rate %"),
                ],
            ),
            Widget("Redis client connections", per_node("CurrConnections", "Maximum")),
            Widget("Redis network in (bytes)", per_node("NetworkBytesIn", "Sum")),
            Widget("Redis network out (bytes)", per_node("NetworkBytesOut", "Sum")),
            Widget("Redis replication lag (s)", per_node("ReplicationLag", "Maximum")),
        ],
    )
    errors = Dashboard(
        f"{name_prefix}-error-tracking",
        [
            error_rate,
            Widget(
                "HTTP errors by source",
                [
                    Line(elb, "HTTPCode_Target_5XX_Count", tg, "Sum", label="backend 5xx"),
                    Line(elb, "HTTPCode_Target_4XX_Count", tg, "Sum", label="backend 4xx"),
                    Line(elb, "HTTPCode_ELB_5XX_Count", lb, "Sum", label="load balancer 5xx"),
                ],
                alarm_threshold=alarm["alb-5xx"],
            ),
            cdn_errors,
            throttles,
            LogWidget(
                "Latest backend errors (details and stack traces: Sentry project socialclub-backend)",
                r.service_log_group_name,
                "fields @timestamp, @logStream, @message "
                "| filter @message like /(?i)(error|exception|traceback|unhandled)/ "
                "| sort @timestamp desc | limit 50",
            ),
        ],
    )
    return [overview, backend, database, cache, errors]


@dataclass(frozen=True)
class DashboardsArgs:
    name_prefix: str
    """e.g. `socialclub-production`; every dashboard name starts with it."""
    region: str
    """The stack's region: the default region of every widget."""
    resources: MonitoredResources
    """The watched resources' names and ids, the same the alarms watch."""
    settings: MonitoringSettings = field(default_factory=MonitoringSettings)
    """The alarms' settings (the same object Monitoring gets), so each drawn threshold is its alarm's."""


class Dashboards(pulumi.ComponentResource):
    """One `aws.cloudwatch.Dashboard` per description of `stack_dashboards`."""

    dashboard_names: list[str]

    def __init__(self, name: str, args: DashboardsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("socialclub:observability:Dashboards", name, None, opts)
        self.dashboard_names = []
        settings = args.settings
        for board in stack_dashboards(
            args.name_prefix, args.resources, settings.thresholds, settings.db_max_connections
        ):
            aws.cloudwatch.Dashboard(
                f"{name}-{board.name.removeprefix(args.name_prefix + '-')}",
                dashboard_name=board.name,
                dashboard_body=pulumi.Output.json_dumps(render_dashboard(board, args.region)),
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.dashboard_names.append(board.name)
        self.register_outputs({"dashboardNames": self.dashboard_names})

"""Monitoring: the stack's CloudWatch alarms and the EventBridge rule for rolled-back deployments.

The alarms are first written as plain `AlarmSpec` data by pure functions (one per area), so what pages the
on-call engineer, on which metric, after how long and why, can be read and tested without Pulumi; the
component only turns each spec into an `aws.cloudwatch.MetricAlarm` that notifies the topic on ALARM and on OK.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pulumi
import pulumi_aws as aws

from stackconfig.aws_facts import (
    GLOBAL_METRICS_REGION,
    INSTANCE_CLASS_MEMORY_GIB,
    POSTGRES_BYTES_PER_CONNECTION,
    POSTGRES_MAX_CONNECTIONS_CAP,
)
from stackconfig.observability import AlarmThresholds, MonitoringSettings

GIB = 1024**3

# DBInstanceClassMemory is the class's memory minus what the OS and the RDS agents keep; AWS does not publish
# the reserve. `SHOW max_connections` on running instances reads 5-15% below the nominal formula, so the
# approximation takes 90% of the nominal memory: the computed limit errs low, and the alarm early, not late.
RDS_USABLE_MEMORY_FRACTION = 0.9


def max_connections(instance_class: str) -> int:
    """PostgreSQL's default max_connections on RDS for `instance_class` (see RDS_USABLE_MEMORY_FRACTION)."""
    if instance_class not in INSTANCE_CLASS_MEMORY_GIB:
        known = ", ".join(sorted(INSTANCE_CLASS_MEMORY_GIB))
        raise ValueError(f"no memory size known for {instance_class!r}; known classes: {known}")
    usable = INSTANCE_CLASS_MEMORY_GIB[instance_class] * GIB * RDS_USABLE_MEMORY_FRACTION
    return min(int(usable // POSTGRES_BYTES_PER_CONNECTION), POSTGRES_MAX_CONNECTIONS_CAP)


def connections_threshold(max_conn: int, percent: float) -> int:
    """The connection count at `percent` of max_connections, rounded down (the alarm fires above it)."""
    return int(max_conn * percent // 100)


def free_storage_threshold_bytes(allocated_gb: int, used_percent: float) -> float:
    """FreeStorageSpace below which more than `used_percent` of `allocated_gb` GiB is used."""
    return allocated_gb * GIB * (100 - used_percent) / 100


def member_cluster_ids(replication_group_id: pulumi.Input[str], nodes: int) -> list[pulumi.Output[str]]:
    """ElastiCache names the nodes of a cluster-mode-disabled replication group `<id>-001`, `<id>-002`, ...;
    known from the node count, so one alarm can name every node before the group exists."""
    return [pulumi.Output.concat(replication_group_id, f"-{i:03d}") for i in range(1, nodes + 1)]


# --- what is watched, and how hard ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MonitoredResources:
    """Names and ids of the resources watched, as plain values (Outputs of the other components)."""

    cluster_name: pulumi.Input[str]
    """The ECS cluster's name: the `ClusterName` dimension of the service's metrics."""
    service_name: pulumi.Input[str]
    """The ECS service's name: the `ServiceName` dimension."""
    service_arn: pulumi.Input[str]
    """The ECS service's ARN, which the deployment-rollback rule matches."""
    load_balancer_arn_suffix: pulumi.Input[str]
    """`app/<name>/<id>`: the ALB's CloudWatch dimension value."""
    target_group_arn_suffix: pulumi.Input[str]
    """`targetgroup/<name>/<id>`."""
    service_log_group_name: pulumi.Input[str]
    """The backend's log group, which the error-tracking dashboard queries."""
    db_instance_identifier: pulumi.Input[str]
    """The RDS instance's identifier: the `DBInstanceIdentifier` dimension."""
    db_instance_class: str
    """The RDS instance class, e.g. `db.t3.small`: its memory gives max_connections."""
    db_allocated_storage_gb: int
    """The configured storage in GiB, against which free storage is judged."""
    cache_node_ids: Sequence[pulumi.Input[str]]
    """The member cluster ids (ElastiCache publishes engine metrics per node)."""
    table_names: Mapping[str, pulumi.Input[str]]
    """DynamoDB tables by role, e.g. {"messages": "socialclub-production-messages"}."""
    distribution_id: pulumi.Input[str]
    """The CloudFront distribution's id: the `DistributionId` dimension (with `Region: Global`)."""
    health_check_ids: Mapping[str, pulumi.Input[str]]
    """Route 53 health checks by what they probe, e.g. {"api": ..., "frontend": ...}."""


# --- alarms as data ------------------------------------------------------------------------------------------

Comparison = Literal[
    "GreaterThanThreshold", "GreaterThanOrEqualToThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold"
]
MissingData = Literal["missing", "notBreaching", "breaching", "ignore"]


@dataclass(frozen=True)
class Metric:
    """One CloudWatch metric, as AWS names it."""

    namespace: str
    """e.g. `AWS/ECS`."""
    name: str
    """e.g. `CPUUtilization`."""
    dimensions: Mapping[str, pulumi.Input[str]]
    """The dimensions AWS publishes it under, e.g. {"ClusterName": ..., "ServiceName": ...}."""
    stat: str
    """`Average`, `Sum`, `Maximum`, `Minimum` or a percentile such as `p99`."""
    period: int = 60
    """Seconds per datapoint (default 60)."""


@dataclass(frozen=True)
class MathQuery:
    """A metric math expression over named metrics: `expression` refers to the keys of `metrics`."""

    expression: str
    """e.g. `100 * errors / requests`; its value is what the alarm compares."""
    label: str
    """The expression's label on graphs and in the alarm's history."""
    metrics: Mapping[str, Metric]
    """The metrics fetched, by the id the expression uses."""


@dataclass(frozen=True)
class AlarmSpec:
    key: str
    """Short role, e.g. `ecs-cpu-high`; the alarm is named `<name_prefix>-<key>`."""
    description: str
    """What it means, then the first thing on-call checks."""
    signal: Metric | MathQuery
    """What is compared: one metric, or metric math over several."""
    comparison: Comparison
    """How the signal is compared with the threshold."""
    threshold: float
    """The value, in the signal's unit."""
    evaluation_periods: int
    """Periods looked at, the most recent ones."""
    datapoints_to_alarm: int
    """Breaching periods among them that fire the alarm ("M out of N")."""
    treat_missing_data: MissingData
    """What a period without data counts as."""
    missing_data_reason: str
    """Why this treatment: each metric goes silent for different reasons."""
    region: str | None = None
    """Set for metrics that exist only in another region (Route 53: us-east-1)."""


def _ecs(name: str, dims: Mapping[str, pulumi.Input[str]]) -> Metric:
    return Metric("AWS/ECS", name, dims, "Average")


def service_alarms(r: MonitoredResources, t: AlarmThresholds) -> list[AlarmSpec]:
    """ECS service saturation."""
    ecs = {"ClusterName": r.cluster_name, "ServiceName": r.service_name}
    silent = "no tasks report (service scaled to zero or crashing); the health-check alarms cover that"
    return [
        AlarmSpec(
            "ecs-cpu-high",
            f"Backend CPU above {t.ecs_cpu_percent:g}% for 8 of 10 minutes: autoscaling is at its maximum or "
            "cannot keep up. Check the ECS service's running vs desired count and recent deploys; raise maxTasks "
            "or find the hot endpoint in the backend performance dashboard.",
            _ecs("CPUUtilization", ecs),
            "GreaterThanThreshold",
            t.ecs_cpu_percent,
            10,
            8,
            "missing",
            silent,
        ),
        AlarmSpec(
            "ecs-memory-high",
            f"Backend memory above {t.ecs_memory_percent:g}% for 8 of 10 minutes: tasks risk OOM kills (exit "
            "code 137). Check the memory trend per task for a leak after the last deploy; raise the task memory "
            "or roll back.",
            _ecs("MemoryUtilization", ecs),
            "GreaterThanThreshold",
            t.ecs_memory_percent,
            10,
            8,
            "missing",
            silent,
        ),
    ]


def load_balancer_alarms(r: MonitoredResources, t: AlarmThresholds) -> list[AlarmSpec]:
    """What users see through the ALB: errors, unhealthy targets, latency."""
    lb = {"LoadBalancer": r.load_balancer_arn_suffix}
    tg = {"LoadBalancer": r.load_balancer_arn_suffix, "TargetGroup": r.target_group_arn_suffix}
    elb = "AWS/ApplicationELB"
    return [
        AlarmSpec(
            "error-rate-high",
            f"More than {t.error_rate_percent:g}% of API requests answered 5xx by the backend in two consecutive "
            f"5-minute periods (with at least {t.error_rate_min_requests} requests). Open Sentry for the new "
            "issue, then the error tracking dashboard; roll back if it started with a deploy.",
            MathQuery(
                f"IF(FILL(requests, 0) >= {t.error_rate_min_requests}, 100 * FILL(errors, 0) / FILL(requests, 1), 0)",
                "Target 5xx, % of requests",
                {
                    "errors": Metric(elb, "HTTPCode_Target_5XX_Count", tg, "Sum", 300),
                    "requests": Metric(elb, "RequestCount", tg, "Sum", 300),
                },
            ),
            "GreaterThanThreshold",
            t.error_rate_percent,
            2,
            2,
            "notBreaching",
            "FILL makes every period a number; a period with no requests has no errors",
        ),
        AlarmSpec(
            "unhealthy-targets",
            "At least one backend task failed its ALB health check for 3 of 5 minutes. Check the task's logs "
            "(/api/health, database and Redis reachability) and the ECS events tab for stopped tasks.",
            Metric(elb, "UnHealthyHostCount", tg, "Maximum"),
            "GreaterThanThreshold",
            0,
            5,
            3,
            "notBreaching",
            "the ALB publishes it every minute while targets are registered; no data means no targets, which "
            "no-healthy-targets reports",
        ),
        AlarmSpec(
            "no-healthy-targets",
            "No backend task is healthy behind the ALB for 2 minutes: the API is down. Check the ECS service "
            "events and the last deployment; roll back or force a new deployment.",
            Metric(elb, "HealthyHostCount", tg, "Minimum"),
            "LessThanThreshold",
            1,
            2,
            2,
            "breaching",
            "a target group with no registered targets stops reporting; silence here is an outage",
        ),
        AlarmSpec(
            "alb-5xx",
            f"The load balancer itself returned more than {t.alb_5xx_count} 5xx (502/503/504) in two consecutive "
            "5-minute periods: targets refused connections, timed out, or none were healthy. Check target health "
            "and the backend's response times.",
            Metric(elb, "HTTPCode_ELB_5XX_Count", lb, "Sum", 300),
            "GreaterThanThreshold",
            t.alb_5xx_count,
            2,
            2,
            "notBreaching",
            "the ALB publishes 5xx counts only when there are some",
        ),
        AlarmSpec(
            "latency-p99-high",
            f"p99 backend response time above {t.p99_latency_seconds:g} s for 15 minutes (the ALB response time "
            "alarm). Check database CPU and connections, Redis latency, and slow endpoints in Sentry performance.",
            Metric(elb, "TargetResponseTime", tg, "p99", 300),
            "GreaterThanThreshold",
            t.p99_latency_seconds,
            3,
            3,
            "notBreaching",
            "published only while requests are served; no requests is not slowness",
        ),
    ]


def database_alarms(r: MonitoredResources, t: AlarmThresholds, max_conn: int) -> list[AlarmSpec]:
    """RDS PostgreSQL: connections, storage, CPU."""
    db = {"DBInstanceIdentifier": r.db_instance_identifier}
    # CloudWatch has no allocated-storage metric, so the free-space threshold is a constant from the configured
    # size. RDS autoscaling grows the volume when free space drops below 10% (at most every 6 hours): this
    # alarm fires first, at 20%, as the warning that growth (and its cost) is near. After a growth the volume
    # is larger than configured, the constant becomes a smaller share of it and the alarm fires later; raise
    # allocatedStorageGb to the grown size (the provider ignores autoscaling drift, so this changes nothing on the
    # volume) to re-arm it at 80%.
    failover = "gaps come from a stopped instance or a Multi-AZ failover; keep the last state, do not page on them"
    limit = connections_threshold(max_conn, t.db_connections_percent)
    return [
        AlarmSpec(
            "db-connections-high",
            f"PostgreSQL connections above {limit} ({t.db_connections_percent:g}% of max_connections {max_conn}) "
            "for 5 minutes; new connections will soon be refused. Check the backend's pool size times running "
            "tasks, and pg_stat_activity for idle-in-transaction sessions.",
            Metric("AWS/RDS", "DatabaseConnections", db, "Maximum"),
            "GreaterThanThreshold",
            limit,
            5,
            5,
            "missing",
            failover,
        ),
        AlarmSpec(
            "db-storage-low",
            f"More than {t.db_storage_used_percent:g}% of the configured {r.db_allocated_storage_gb} GiB is used. "
            "Storage autoscaling grows the volume at 10% free; check what grew (tables, WAL from a stuck "
            "replication slot, logs) and whether allocatedStorageGb should be raised.",
            Metric("AWS/RDS", "FreeStorageSpace", db, "Minimum", 300),
            "LessThanThreshold",
            free_storage_threshold_bytes(r.db_allocated_storage_gb, t.db_storage_used_percent),
            1,
            1,
            "missing",
            failover,
        ),
        AlarmSpec(
            "db-cpu-high",
            f"Database CPU above {t.db_cpu_percent:g}% for 15 minutes. Check Performance Insights for the top "
            "SQL, then missing indexes or a runaway job.",
            Metric("AWS/RDS", "CPUUtilization", db, "Average", 300),
            "GreaterThanThreshold",
            t.db_cpu_percent,
            3,
            3,
            "missing",
            failover,
        ),
    ]


def _per_node(name: str, stat: str, node_ids: Sequence[pulumi.Input[str]], period: int) -> dict[str, Metric]:
    return {
        f"node{i}": Metric("AWS/ElastiCache", name, {"CacheClusterId": node}, stat, period)
        for i, node in enumerate(node_ids)
    }


def cache_alarms(r: MonitoredResources, t: AlarmThresholds) -> list[AlarmSpec]:
    """Redis, the worst node of the replication group (one alarm each, whatever the node count)."""
    nodes = ", ".join(f"node{i}" for i in range(len(r.cache_node_ids)))
    node_gap = "a node restarting or being replaced leaves a gap; keep the last state"
    return [
        AlarmSpec(
            "redis-cpu-high",
            f"Redis engine CPU (single-threaded) above {t.redis_engine_cpu_percent:g}% on a node for 5 minutes: "
            "commands queue and API latency rises. Check SLOWLOG and hot keys; scale the node type up.",
            MathQuery(
                f"MAX([{nodes}])",
                "Engine CPU, busiest node (%)",
                _per_node("EngineCPUUtilization", "Average", r.cache_node_ids, 60),
            ),
            "GreaterThanThreshold",
            t.redis_engine_cpu_percent,
            5,
            5,
            "missing",
            node_gap,
        ),
        AlarmSpec(
            "redis-memory-high",
            f"Redis memory above {t.redis_memory_percent:g}% of maxmemory on a node for 5 minutes; evictions "
            "follow. Check key growth and TTLs (sessions and presence keys must expire); scale the node type up.",
            MathQuery(
                f"MAX([{nodes}])",
                "Memory used, fullest node (%)",
                _per_node("DatabaseMemoryUsagePercentage", "Maximum", r.cache_node_ids, 60),
            ),
            "GreaterThanThreshold",
            t.redis_memory_percent,
            5,
            5,
            "missing",
            node_gap,
        ),
        AlarmSpec(
            "redis-evictions",
            f"Redis evicted more than {t.redis_evictions} keys in 5 minutes: memory is full and sessions, rate "
            "limits or cached data are being dropped. Scale the node type up; check for keys without TTL.",
            MathQuery(
                f"SUM([{nodes}])",
                "Evicted keys, all nodes",
                _per_node("Evictions", "Sum", r.cache_node_ids, 300),
            ),
            "GreaterThanThreshold",
            t.redis_evictions,
            1,
            1,
            "missing",
            node_gap,
        ),
    ]


def table_alarms(r: MonitoredResources, t: AlarmThresholds) -> list[AlarmSpec]:
    """DynamoDB: throttled reads or writes on each realtime table."""
    specs = []
    for role, table in sorted(r.table_names.items()):
        dims = {"TableName": table}
        specs.append(
            AlarmSpec(
                f"dynamodb-{role}-throttled",
                f"The {role} table throttled reads or writes in 3 of 5 minutes: realtime features drop or retry "
                "requests. Check consumed vs provisioned capacity and autoscaling limits, or a hot partition key.",
                MathQuery(
                    "FILL(reads, 0) + FILL(writes, 0)",
                    f"{role}: throttle events",
                    {
                        "reads": Metric("AWS/DynamoDB", "ReadThrottleEvents", dims, "Sum"),
                        "writes": Metric("AWS/DynamoDB", "WriteThrottleEvents", dims, "Sum"),
                    },
                ),
                "GreaterThanThreshold",
                t.dynamodb_throttle_events,
                5,
                3,
                "notBreaching",
                "DynamoDB publishes throttle events only when there are some",
            )
        )
    return specs


def health_check_alarms(r: MonitoredResources) -> list[AlarmSpec]:
    """Route 53's outside-in view: the public endpoints answer from the internet."""
    return [
        AlarmSpec(
            f"{probe}-health-check-failing",
            f"Route 53 health checkers cannot reach the {probe} endpoint for 2 minutes: users cannot either. "
            "Check the health check's failure reasons in the Route 53 console, then CloudFront/ALB and DNS.",
            Metric("AWS/Route53", "HealthCheckStatus", {"HealthCheckId": check}, "Minimum"),
            "LessThanThreshold",
            1,
            2,
            2,
            "breaching",
            "health checkers report every minute; silence means the check or its metrics are gone, fail closed",
            region=GLOBAL_METRICS_REGION,
        )
        for probe, check in sorted(r.health_check_ids.items())
    ]


def alarm_specs(r: MonitoredResources, t: AlarmThresholds, db_max_connections: int | None = None) -> list[AlarmSpec]:
    """Every alarm of the stack. `db_max_connections` overrides the class-derived value (a parameter group
    that sets max_connections explicitly)."""
    max_conn = db_max_connections if db_max_connections is not None else max_connections(r.db_instance_class)
    return [
        *service_alarms(r, t),
        *load_balancer_alarms(r, t),
        *database_alarms(r, t, max_conn),
        *cache_alarms(r, t),
        *table_alarms(r, t),
        *health_check_alarms(r),
    ]


def deployment_failed_pattern(service_arn: str) -> str:
    """EventBridge pattern of a failed (and, with the circuit breaker's rollback, rolled back) ECS deployment."""
    return json.dumps(
        {
            "source": ["aws.ecs"],
            "detail-type": ["ECS Deployment State Change"],
            "resources": [service_arn],
            "detail": {"eventName": ["SERVICE_DEPLOYMENT_FAILED"]},
        }
    )


# A Chatbot "custom notification": Slack renders title and description; e-mail shows the same JSON.
DEPLOYMENT_FAILED_TEMPLATE = json.dumps(
    {
        "version": "1.0",
        "source": "custom",
        "content": {
            "textType": "client-markdown",
            "title": "ECS deployment failed and was rolled back: <service>",
            "description": "Deployment <deployment> failed: <reason>. The previous task definition is serving "
            "again. Check the stopped tasks' reasons and logs before retrying the release.",
        },
    }
)


# --- the component -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonitoringArgs:
    name_prefix: str
    """e.g. `socialclub-production`; alarm and rule names start with it (the topic policy relies on that)."""
    resources: MonitoredResources
    """The names and ids of what is watched; no default."""
    topic_arn: pulumi.Input[str]
    """Alert topic in the stack's region."""
    global_topic_arn: pulumi.Input[str]
    """Alert topic in us-east-1 for the Route 53 alarms (the same topic when the stack is in us-east-1)."""
    settings: MonitoringSettings = field(default_factory=MonitoringSettings)
    """The thresholds and the max_connections override (default: docs/requirements.md §7.1's thresholds,
    max_connections from the instance class)."""


class Monitoring(pulumi.ComponentResource):
    """One MetricAlarm per AlarmSpec, notifying on ALARM and OK, and the deployment-rollback rule."""

    alarms: dict[str, aws.cloudwatch.MetricAlarm]
    alarm_names: list[pulumi.Output[str]]

    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("socialclub:observability:Monitoring", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.alarms = {}
        for spec in alarm_specs(args.resources, args.settings.thresholds, args.settings.db_max_connections):
            actions = [args.global_topic_arn if spec.region else args.topic_arn]
            metric = spec.signal if isinstance(spec.signal, Metric) else None
            percentile = metric is not None and metric.stat.startswith("p")
            self.alarms[spec.key] = aws.cloudwatch.MetricAlarm(
                f"{name}-{spec.key}",
                name=f"{args.name_prefix}-{spec.key}",
                alarm_description=spec.description,
                comparison_operator=spec.comparison,
                threshold=spec.threshold,
                evaluation_periods=spec.evaluation_periods,
                datapoints_to_alarm=spec.datapoints_to_alarm,
                treat_missing_data=spec.treat_missing_data,
                alarm_actions=actions,
                ok_actions=actions,
                region=spec.region,
                namespace=metric.namespace if metric else None,
                metric_name=metric.name if metric else None,
                dimensions=dict(metric.dimensions) if metric else None,
                period=metric.period if metric else None,
                statistic=metric.stat if metric and not percentile else None,
                extended_statistic=metric.stat if metric and percentile else None,
                # A p99 of a handful of night-time requests is noise: too few samples keep the alarm's state.
                evaluate_low_sample_count_percentiles="ignore" if percentile else None,
                metric_queries=_queries(spec.signal) if isinstance(spec.signal, MathQuery) else None,
                opts=child,
            )
        self.alarm_names = [a.name for a in self.alarms.values()]

        rule = aws.cloudwatch.EventRule(
            f"{name}-deployment-failed",
            name=f"{args.name_prefix}-ecs-deployment-failed",
            description="The backend's ECS deployment failed and the circuit breaker rolled it back",
            event_pattern=pulumi.Output.from_input(args.resources.service_arn).apply(deployment_failed_pattern),
            opts=child,
        )
        aws.cloudwatch.EventTarget(
            f"{name}-deployment-failed",
            rule=rule.name,
            arn=args.topic_arn,
            input_transformer=aws.cloudwatch.EventTargetInputTransformerArgs(
                input_paths={
                    "service": "$.resources[0]",
                    "deployment": "$.detail.deploymentId",
                    "reason": "$.detail.reason",
                },
                input_template=DEPLOYMENT_FAILED_TEMPLATE,
            ),
            opts=child,
        )
        self.register_outputs({"alarmNames": self.alarm_names})


def _queries(math: MathQuery) -> list[aws.cloudwatch.MetricAlarmMetricQueryArgs]:
    """The metric math expression (the alarm's value) over its metrics (fetched, not returned)."""
    return [
        *(
            aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id=query_id,
                return_data=False,
                metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                    namespace=m.namespace,
                    metric_name=m.name,
                    dimensions=dict(m.dimensions),
                    period=m.period,
                    stat=m.stat,
                ),
            )
            for query_id, m in math.metrics.items()
        ),
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id="result", expression=math.expression, label=math.label, return_data=True
        ),
    ]

"""Hand-made stand-ins for the other components' outputs, shared by the observability component tests."""

from __future__ import annotations

from components.monitoring import MonitoredResources

TOPIC = "arn:aws:sns:us-east-1:123456789012:socialclub-test-alerts"
GLOBAL_TOPIC = "arn:aws:sns:us-east-1:123456789012:socialclub-test-alerts-global"
LB = "app/socialclub-test-alb/0123456789abcdef"
TG = "targetgroup/socialclub-test-api/fedcba9876543210"
NODES = ["socialclub-test-redis-001", "socialclub-test-redis-002"]
TABLES = {"messages": "socialclub-test-messages", "presence": "socialclub-test-presence"}
SERVICE_ARN = "arn:aws:ecs:us-east-1:123456789012:service/socialclub-test/socialclub-test-backend"
CHECKS = {"api": "hc-api-0001", "frontend": "hc-frontend-0002"}


def resources(db_class: str = "db.t3.small", storage_gb: int = 100) -> MonitoredResources:
    return MonitoredResources(
        cluster_name="socialclub-test",
        service_name="socialclub-test-backend",
        service_arn=SERVICE_ARN,
        load_balancer_arn_suffix=LB,
        target_group_arn_suffix=TG,
        service_log_group_name="/aws/ecs/socialclub-test/backend",
        db_instance_identifier="socialclub-test-postgres",
        db_instance_class=db_class,
        db_allocated_storage_gb=storage_gb,
        cache_node_ids=NODES,
        table_names=TABLES,
        distribution_id="E1ABCDEF234567",
        health_check_ids=CHECKS,
    )


_LB, _TG = frozenset({"LoadBalancer"}), frozenset({"LoadBalancer", "TargetGroup"})
AWS_METRICS: dict[str, dict[str, set[frozenset[str]]]] = {
    "AWS/ECS": {m: {frozenset({"ClusterName", "ServiceName"})} for m in ("CPUUtilization", "MemoryUtilization")},
    "AWS/ApplicationELB": {
        **{m: {_LB, _TG} for m in ("RequestCount", "HTTPCode_Target_5XX_Count", "HTTPCode_Target_4XX_Count")},
        **{m: {_LB, _TG} for m in ("TargetResponseTime", "HealthyHostCount", "UnHealthyHostCount")},
        "RequestCountPerTarget": {_TG, frozenset({"TargetGroup"})},
        **{m: {_LB} for m in ("HTTPCode_ELB_5XX_Count", "ActiveConnectionCount", "NewConnectionCount")},
        "ProcessedBytes": {_LB},
    },
    "AWS/RDS": {
        m: {frozenset({"DBInstanceIdentifier"})}
        for m in (
            "CPUUtilization",
            "DatabaseConnections",
            "FreeStorageSpace",
            "FreeableMemory",
            "ReadLatency",
            "WriteLatency",
            "ReadIOPS",
            "WriteIOPS",
            "NetworkReceiveThroughput",
            "NetworkTransmitThroughput",
        )
    },
    "AWS/ElastiCache": {
        m: {frozenset({"CacheClusterId"})}
        for m in (
            "EngineCPUUtilization",
            "DatabaseMemoryUsagePercentage",
            "Evictions",
            "CacheHits",
            "CacheMisses",
            "CurrConnections",
            "NetworkBytesIn",
            "NetworkBytesOut",
            "ReplicationLag",
        )
    },
    "AWS/DynamoDB": {
        m: {frozenset({"TableName"})}
        for m in (
            "ReadThrottleEvents",
            "WriteThrottleEvents",
            "ConsumedReadCapacityUnits",
            "ConsumedWriteCapacityUnits",
        )
    },
    "AWS/CloudFront": {
        m: {frozenset({"DistributionId", "Region"})} for m in ("Requests", "4xxErrorRate", "5xxErrorRate")
    },
    "AWS/Route53": {"HealthCheckStatus": {frozenset({"HealthCheckId"})}},
}
"""The CloudWatch metrics the dashboards and alarms may use, as AWS publishes them: namespace -> metric name ->
the dimension sets it is published under. Written from each service's CloudWatch metrics reference (ECS, ELB
Application Load Balancers, RDS, ElastiCache for Redis OSS, DynamoDB, CloudFront, Route 53 health checks), never
read from the code: a misspelt metric graphs nothing and alarms on nothing, silently."""


def unknown_metrics(used: list[tuple[str, str, frozenset[str]]]) -> list[tuple[str, str, list[str]]]:
    """The (namespace, metric, dimensions) of `used` that AWS does not publish."""
    return [(ns, name, sorted(d)) for ns, name, d in used if d not in AWS_METRICS.get(ns, {}).get(name, set())]

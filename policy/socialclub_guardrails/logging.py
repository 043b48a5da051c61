"""Logging: retention on every log group, VPC flow logs, ALB and CloudFront access logs, database and cache
logs in CloudWatch, Container Insights."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import Policy, PolicyResource, ResourceValidationArgs

from .helpers import (
    ECS_CLUSTER,
    FLOW_LOG,
    LOAD_BALANCERS,
    LOG_DELIVERY,
    LOG_DELIVERY_SOURCE,
    LOG_GROUP,
    RDS_INSTANCE,
    REPLICATION_GROUP,
    VPC,
    Config,
    Rule,
    Stack,
    engine_of,
    family,
    findings,
    get,
    is_set,
    items,
    known,
    resource_rule,
    stack_rule,
)
from .stores import DATABASES

RETENTION = Rule(
    name="log-group-retention",
    control="CloudWatch.16 (with the retentions of docs/requirements.md §7.1: ECS 30, RDS 7, Redis 3, Lambda 14 days)",
    description="Every CloudWatch log group sets a retention; none keeps logs forever by omission.",
    fix="set retention_in_days to the value docs/requirements.md §7.1 gives that log group (a value CloudWatch "
    "accepts).",
)


def _retention(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    if not get(args.props, "retentionInDays"):
        yield "no retentionInDays: events never expire."


FLOW_LOGS = Rule(
    name="vpc-flow-logs",
    control="EC2.6",
    description="Every VPC records flow logs of rejected (or all) traffic.",
    fix="add aws.ec2.FlowLog(vpc_id=<vpc>.id, traffic_type='ALL', log_destination=<log group ARN>, "
    "iam_role_arn=<delivery role>).",
)


def _flow_logs(vpc: PolicyResource, stack: Stack, _: Config) -> Iterator[str]:
    logs = stack.referencing(vpc, "vpcId", FLOW_LOG)
    if not any(get(f.props, "trafficType") in ("ALL", "REJECT") for f in logs):
        yield "no FlowLog with trafficType ALL or REJECT targets this VPC."


ALB_LOGS = Rule(
    name="alb-access-logs",
    control="ELB.5",
    description="Application load balancers deliver access logs to S3.",
    fix="set access_logs=LoadBalancerAccessLogsArgs(bucket=<log bucket>.id, enabled=True); the bucket policy "
    "must allow logdelivery.elasticloadbalancing.amazonaws.com and use SSE-S3.",
)


def _alb_logs(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    if get(args.props, "loadBalancerType", default="application") != "application":
        return
    logs = get(args.props, "accessLogs", default={})
    yield from findings(
        (get(logs, "enabled") is True, "accessLogs.enabled is not true."),
        (is_set(logs, "bucket"), "no accessLogs.bucket."),
    )


CLOUDFRONT_LOGS = Rule(
    name="cloudfront-access-logs",
    control="CloudFront.5",
    description="CloudFront distributions log requests (standard logging to S3, or a CloudWatch log delivery source "
    "with a delivery).",
    fix="set logging_config=DistributionLoggingConfigArgs(bucket=<log bucket>.bucket_domain_name, prefix=...), "
    "or declare an aws.cloudwatch.LogDeliverySource for the distribution and an aws.cloudwatch.LogDelivery from it.",
)


def _cloudfront_logs(distribution: PolicyResource, stack: Stack, _: Config) -> Iterator[str]:
    if is_set(get(distribution.props, "loggingConfig", default={}), "bucket"):
        return
    sources = stack.referencing(distribution, "resourceArn", LOG_DELIVERY_SOURCE)
    if any(_delivered(source, stack) for source in sources):
        return
    if sources:
        yield "its LogDeliverySource has no LogDelivery: the logs go nowhere."
    else:
        yield "neither loggingConfig.bucket nor a LogDeliverySource for this distribution."


def _delivered(source: PolicyResource, stack: Stack) -> bool:
    """Whether a LogDelivery sends `source` somewhere (built from the source, or naming it)."""
    if stack.referencing(source, "deliverySourceName", LOG_DELIVERY):
        return True
    name = known(source.props, "name")
    return name is not None and any(known(d.props, "deliverySourceName") == name for d in stack.of_type(LOG_DELIVERY))


RDS_LOG_EXPORTS = Rule(
    name="rds-log-exports",
    control="RDS.9",
    description="RDS instances publish their engine logs to CloudWatch Logs.",
    fix="set enabled_cloudwatch_logs_exports to the configured log types for the engine "
    "(PostgreSQL: ['postgresql', 'upgrade']).",
    schema={
        "postgresLogs": {
            "type": "array",
            "items": {"type": "string", "enum": ["postgresql", "upgrade", "iam-db-auth-error"]},
            "minItems": 1,
            "uniqueItems": True,
            "default": ["postgresql"],
            "description": "Log types a PostgreSQL instance must export.",
        }
    },
    project={"postgresLogs": ["postgresql", "upgrade"]},
)


def _rds_log_exports(args: ResourceValidationArgs, config: Config) -> Iterator[str]:
    if not engine_of(args.props).startswith("postgres"):
        return
    exported = {str(x) for x in items(get(args.props, "enabledCloudwatchLogsExports"))}
    missing = [log for log in config["postgresLogs"] if log not in exported]
    if missing:
        yield f"enabledCloudwatchLogsExports lacks {missing}."


ENHANCED_MONITORING = Rule(
    name="rds-enhanced-monitoring",
    control="RDS.6",
    description="RDS instances send OS metrics (enhanced monitoring) through a monitoring role.",
    fix="set monitoring_interval (e.g. 60) and monitoring_role_arn (a role trusting monitoring.rds.amazonaws.com "
    "with AmazonRDSEnhancedMonitoringRole).",
)


def _enhanced_monitoring(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    if not DATABASES[args.resource_type].insights:
        return
    yield from findings(
        (bool(get(args.props, "monitoringInterval", default=0)), "monitoringInterval is 0 (off)."),
        (is_set(args.props, "monitoringRoleArn"), "no monitoringRoleArn."),
    )


CONTAINER_INSIGHTS = Rule(
    name="ecs-container-insights",
    control="ECS.12",
    description="ECS clusters collect Container Insights metrics.",
    fix="set settings=[ClusterSettingArgs(name='containerInsights', value='enhanced')] (or 'enabled').",
)


def _container_insights(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    values = [get(s, "value") for s in items(get(args.props, "settings")) if get(s, "name") == "containerInsights"]
    if not any(v in ("enabled", "enhanced") for v in values):
        yield "containerInsights is not enabled."


REDIS_LOGS = Rule(
    name="elasticache-log-delivery",
    control="docs/requirements.md §4.3, §7.1 (Redis logs, 3 days)",
    description="ElastiCache replication groups deliver their slow log to CloudWatch Logs.",
    fix="add log_delivery_configurations=[{'destination': <log group name>, 'destination_type': "
    "'cloudwatch-logs', 'log_format': 'json', 'log_type': 'slow-log'}].",
)


def _redis_logs(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    types = {get(c, "logType") for c in items(get(args.props, "logDeliveryConfigurations"))}
    if "slow-log" not in types:
        yield "no slow-log delivery configuration."


POLICIES: list[Policy] = [
    resource_rule(RETENTION, [LOG_GROUP], _retention),
    stack_rule(FLOW_LOGS, [VPC], _flow_logs),
    resource_rule(ALB_LOGS, LOAD_BALANCERS, _alb_logs),
    stack_rule(CLOUDFRONT_LOGS, family("distributions"), _cloudfront_logs),
    resource_rule(RDS_LOG_EXPORTS, [RDS_INSTANCE], _rds_log_exports),
    resource_rule(ENHANCED_MONITORING, list(DATABASES), _enhanced_monitoring),
    resource_rule(CONTAINER_INSIGHTS, [ECS_CLUSTER], _container_insights),
    resource_rule(REDIS_LOGS, [REPLICATION_GROUP], _redis_logs),
]

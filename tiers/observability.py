"""Observability: the alert topics, the alarms, the dashboards and Sentry (docs/requirements.md §7)."""

from __future__ import annotations

from dataclasses import dataclass

from components.alerting import AlertTopic, AlertTopicArgs
from components.dashboards import Dashboards, DashboardsArgs
from components.error_tracking import ErrorTracking, ErrorTrackingArgs
from components.monitoring import MonitoredResources, Monitoring, MonitoringArgs, member_cluster_ids
from stackconfig.aws_facts import GLOBAL_METRICS_REGION
from stackconfig.catalog import SENTRY_DSN
from tiers.backend import Backend
from tiers.data import Data
from tiers.edge import Edge
from tiers.foundation import Foundation


@dataclass(frozen=True)
class Observability:
    alerts: AlertTopic
    monitoring: Monitoring
    dashboards: Dashboards
    errors: ErrorTracking | None
    """Sentry's project, unless the stack switches it off."""


def _global_alerts(base: Foundation, alerts: AlertTopic) -> AlertTopic:
    """Route 53 publishes health-check metrics only in us-east-1 and an alarm notifies only a topic of its own region:
    outside us-east-1 a twin topic there (with its own key; the stack key is regional) e-mails the same people."""
    if base.config.region == GLOBAL_METRICS_REGION:
        return alerts
    return AlertTopic(
        "alerts-global",
        AlertTopicArgs(
            context=base.context,
            name_prefix=base.env_name,
            kms_key_arn=None,
            region=GLOBAL_METRICS_REGION,
            settings=base.config.observability,
        ),
        base.opts,
    )


def _watched(data: Data, backend: Backend, edge: Edge) -> MonitoredResources:
    service, database, checks = backend.service, data.database, edge.health_checks
    return MonitoredResources(
        cluster_name=service.cluster_name,
        service_name=service.service_name,
        service_arn=service.service_arn,
        load_balancer_arn_suffix=backend.alb.arn_suffix,
        target_group_arn_suffix=service.target_group_arn_suffix,
        service_log_group_name=service.log_group_name,
        db_instance_identifier=database.instance_identifier,
        db_instance_class=database.instance_class,
        db_allocated_storage_gb=database.allocated_storage_gb,
        cache_node_ids=member_cluster_ids(data.cache.replication_group_id, data.cache.nodes),
        table_names=data.tables.table_names,
        distribution_id=edge.site.distribution_id,
        health_check_ids={"api": checks.api_health_check_id, "frontend": checks.frontend_health_check_id},
    )


def build_observability(base: Foundation, data: Data, backend: Backend, edge: Edge) -> Observability:
    config, env_name, opts = base.config, base.env_name, base.opts
    obs = config.observability
    alerts = AlertTopic(
        "alerts",
        AlertTopicArgs(context=base.context, name_prefix=env_name, kms_key_arn=base.kms.arn, settings=obs),
        opts,
    )
    watched = _watched(data, backend, edge)
    monitoring = Monitoring(
        "monitoring",
        MonitoringArgs(
            name_prefix=env_name,
            resources=watched,
            topic_arn=alerts.topic_arn,
            global_topic_arn=_global_alerts(base, alerts).topic_arn,
            settings=obs,
        ),
        opts,
    )
    dashboards = Dashboards(
        "dashboards", DashboardsArgs(name_prefix=env_name, region=config.region, resources=watched, settings=obs), opts
    )
    # The 90-day rotation of third-party keys (docs/requirements.md §6.4) becomes a reminder on the alert topic.
    base.secrets.remind_manual_rotation(alerts.topic_arn)
    errors = None
    if config.sentry.enabled:
        # Its DSN reaches the tasks through the same secret an operator fills when Sentry is not managed here.
        errors = ErrorTracking(
            "sentry", ErrorTrackingArgs(key_name=f"{env_name}-backend", settings=config.sentry), opts
        )
        base.secrets.set_value(SENTRY_DSN, errors.dsn)
    return Observability(alerts, monitoring, dashboards, errors)

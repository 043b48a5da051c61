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

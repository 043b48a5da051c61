"""The plain AWS facts (stackconfig/aws_facts.py): each figure as AWS documents it, written here literally, and the
config modules that use them free of Pulumi and of the components."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import get_args

import pytest

from stackconfig import aws_facts

ROOT = Path(__file__).resolve().parents[2]


# --- regions of the global services (edge and observability) -----------------------------------------------------


def test_global_services_live_in_us_east_1_and_chatbot_answers_in_us_east_2() -> None:
    assert aws_facts.CLOUDFRONT_REGION == "us-east-1"
    assert aws_facts.ROUTE53_GLOBAL_REGION == "us-east-1"
    assert aws_facts.GLOBAL_METRICS_REGION == "us-east-1"
    assert aws_facts.CHATBOT_API_REGION == "us-east-2"


# --- RDS PostgreSQL ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instance_class", "gib"),
    [
        ("db.t3.micro", 1),
        ("db.t3.small", 2),
        ("db.t4g.medium", 4),
        ("db.t3.2xlarge", 32),
        ("db.m5.large", 8),
        ("db.m6g.2xlarge", 32),
        ("db.m7i.16xlarge", 256),
        ("db.r5.large", 16),
        ("db.r6g.xlarge", 32),
        ("db.r7g.16xlarge", 512),
    ],
)
def test_instance_class_memory_is_the_rds_figure(instance_class: str, gib: float) -> None:
    assert aws_facts.INSTANCE_CLASS_MEMORY_GIB[instance_class] == gib


@pytest.mark.parametrize("instance_class", ["db.t3.4xlarge", "db.m5.micro", "db.x2g.large", "db.r6g.medium"])
def test_classes_aws_does_not_offer_or_the_table_does_not_know_are_absent(instance_class: str) -> None:
    assert instance_class not in aws_facts.INSTANCE_CLASS_MEMORY_GIB


def test_postgres_max_connections_formula() -> None:
    # LEAST({DBInstanceClassMemory/9531392}, 5000)
    assert aws_facts.POSTGRES_BYTES_PER_CONNECTION == 9_531_392
    assert aws_facts.POSTGRES_MAX_CONNECTIONS_CAP == 5_000


# --- AWS WAF -------------------------------------------------------------------------------------------------------


def test_waf_managed_rule_group_capacities() -> None:
    assert aws_facts.WAF_MANAGED_RULE_GROUP_CAPACITY == {
        "AWSManagedRulesAmazonIpReputationList": 25,
        "AWSManagedRulesCommonRuleSet": 700,
        "AWSManagedRulesKnownBadInputsRuleSet": 200,
        "AWSManagedRulesSQLiRuleSet": 200,
    }
    assert aws_facts.WAF_RATE_RULE_CAPACITY == 2
    assert aws_facts.WAF_BASE_CAPACITY == 1500


def test_waf_rate_limits_and_log_group_prefix() -> None:
    assert (aws_facts.WAF_RATE_LIMIT_MIN, aws_facts.WAF_RATE_LIMIT_MAX) == (10, 2_000_000_000)
    assert aws_facts.WAF_LOG_GROUP_PREFIX == "aws-waf-logs-"


# --- Route 53 health checks ----------------------------------------------------------------------------------------


def test_health_check_intervals_and_failure_threshold() -> None:
    assert get_args(aws_facts.HealthCheckInterval) == (10, 30)
    assert aws_facts.HEALTH_CHECK_FAILURE_THRESHOLD_MAX == 10


# --- imports point one way -----------------------------------------------------------------------------------------

PULUMI_FREE = ["aws_facts", "edge", "observability", "waf", "sentry", "github", "iam", "cost"]


def _imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("module", PULUMI_FREE)
def test_config_module_imports_neither_pulumi_nor_components(module: str) -> None:
    roots = _imported_roots(ROOT / "stackconfig" / f"{module}.py")
    assert not roots & {"pulumi", "pulumi_aws", "pulumiverse_sentry", "components"}, roots

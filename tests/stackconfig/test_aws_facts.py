"""The plain AWS facts (stackconfig/aws_facts.py): each figure as AWS documents it, written here literally, and the
config modules that use them free of Pulumi and of the components."""

from __future__ import annotations

import itertools
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


@pytest.mark.parametrize("name", ["socialclub_app", "_private", "a", "a" * 63, "app2"])
def test_postgres_identifier_accepts_lowercase_names_up_to_63(name: str) -> None:
    assert aws_facts.POSTGRES_IDENTIFIER.match(name)


@pytest.mark.parametrize("name", ["a" * 64, "App", "2app", "my-app", "app user", "", 'app"; drop'])
def test_postgres_identifier_refuses_what_needs_quoting_or_is_too_long(name: str) -> None:
    assert not aws_facts.POSTGRES_IDENTIFIER.match(name)


def test_reserved_postgres_and_rds_roles() -> None:
    assert {"postgres", "public", "admin"} <= aws_facts.RESERVED_ROLE_NAMES
    assert "pg_monitor".startswith(aws_facts.RESERVED_ROLE_PREFIXES)
    assert "rdsadmin".startswith(aws_facts.RESERVED_ROLE_PREFIXES)
    assert "rds_superuser".startswith(aws_facts.RESERVED_ROLE_PREFIXES)
    assert not "socialclub_app".startswith(aws_facts.RESERVED_ROLE_PREFIXES)
    assert {"postgres", "rdsadmin", "admin"} == aws_facts.RDS_RESERVED_MASTER_USERNAMES


def test_gp3_provisioning_figures() -> None:
    # RDS user guide, gp3 storage for PostgreSQL: explicit performance from 400 GiB; 12,000-64,000 IOPS and
    # 500-4,000 MiB/s there.
    assert aws_facts.GP3_PROVISIONING_THRESHOLD_GB == 400
    assert aws_facts.GP3_IOPS_RANGE == (12_000, 64_000)
    assert aws_facts.GP3_THROUGHPUT_RANGE == (500, 4_000)


@pytest.mark.parametrize("days", [7, 31, 62, 341, 713, 731])
def test_performance_insights_accepts_7_multiples_of_31_and_731(days: int) -> None:
    assert days in aws_facts.PERFORMANCE_INSIGHTS_RETENTION_DAYS


@pytest.mark.parametrize("days", [0, 1, 8, 30, 32, 730, 744, 732])
def test_performance_insights_refuses_other_retentions(days: int) -> None:
    assert days not in aws_facts.PERFORMANCE_INSIGHTS_RETENTION_DAYS


def test_memory_optimised_classes_have_twice_the_general_purpose_memory_at_every_size() -> None:
    table = aws_facts.INSTANCE_CLASS_MEMORY_GIB
    general = [c for c in table if c.startswith("db.m6g.")]
    assert general and all(table[c.replace(".m6g.", ".r6g.")] == 2 * table[c] for c in general)


def test_postgres_max_connections_formula() -> None:
    # LEAST({DBInstanceClassMemory/9531392}, 5000)
    assert aws_facts.POSTGRES_BYTES_PER_CONNECTION == 9_531_392
    assert aws_facts.POSTGRES_MAX_CONNECTIONS_CAP == 5_000


# --- CloudWatch Logs, ElastiCache, container images --------------------------------------------------------------


def test_log_retentions_are_cloudwatch_logs_values() -> None:
    # PutRetentionPolicy API reference: the 22 accepted values.
    assert aws_facts.LOG_RETENTION_DAYS == (
        1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
    )  # fmt: skip


@pytest.mark.parametrize("node_type", ["cache.t3.small", "cache.r6g.xlarge", "cache.t4g.micro", "cache.r7g.16xlarge"])
def test_current_cache_node_types(node_type: str) -> None:
    assert node_type in aws_facts.CACHE_NODE_TYPES


@pytest.mark.parametrize("node_type", ["cache.t1.micro", "cache.m3.large", "cache.r6gd.xlarge", "cache.t3.large"])
def test_previous_generation_and_data_tiering_node_types_are_left_out(node_type: str) -> None:
    assert node_type not in aws_facts.CACHE_NODE_TYPES


DIGEST = "sha256:" + "0123456789abcdef" * 4


@pytest.mark.parametrize(
    "image",
    [
        f"public.ecr.aws/docker/library/postgres:15-alpine@{DIGEST}",
        f"public.ecr.aws/docker/library/postgres@{DIGEST}",
        f"registry.example.com:5000/team/psql@{DIGEST}",
    ],
)
def test_pinned_image_accepts_a_full_registry_and_a_digest(image: str) -> None:
    assert aws_facts.PINNED_IMAGE.match(image)


@pytest.mark.parametrize(
    "image",
    [
        "public.ecr.aws/docker/library/postgres:15-alpine",
        f"postgres:15-alpine@{DIGEST}",
        "public.ecr.aws/docker/library/postgres@sha256:" + "0123456789ABCDEF" * 4,
        f"public.ecr.aws/docker/library/postgres@{DIGEST[:-1]}",
    ],
)
def test_pinned_image_refuses_tags_short_names_and_bad_digests(image: str) -> None:
    assert not aws_facts.PINNED_IMAGE.match(image)


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


# --- ECS Fargate and ECR ----------------------------------------------------------------------------------------

DIGEST = "sha256:" + "0123456789abcdef" * 4


def test_fargate_task_sizes_are_the_ecs_table() -> None:
    """ECS developer guide, "Task CPU and memory": memory (MiB) per CPU units, first, last and step."""
    assert aws_facts.FARGATE_MEMORY[256] == (512, 1024, 2048)
    assert aws_facts.FARGATE_MEMORY[512] == (1024, 2048, 3072, 4096)
    stepped = {cpu: sizes for cpu, sizes in aws_facts.FARGATE_MEMORY.items() if cpu != 256}
    table = {cpu: (sizes[0], sizes[-1], sizes[1] - sizes[0]) for cpu, sizes in stepped.items()}
    assert table == {
        512: (1024, 4096, 1024),
        1024: (2048, 8192, 1024),
        2048: (4096, 16384, 1024),
        4096: (8192, 30720, 1024),
        8192: (16384, 61440, 4096),
        16384: (32768, 122880, 8192),
    }
    assert all(len({b - a for a, b in itertools.pairwise(sizes)}) == 1 for sizes in stepped.values())


@pytest.mark.parametrize(
    ("text", "ref", "uri_suffix"),
    [
        ("v1.0.0", aws_facts.ImageRef("v1.0.0", None), ":v1.0.0"),
        (DIGEST, aws_facts.ImageRef(None, DIGEST), f"@{DIGEST}"),
        (f"v1.0.0@{DIGEST}", aws_facts.ImageRef("v1.0.0", DIGEST), f"@{DIGEST}"),
        ("_a" + "b" * 126, aws_facts.ImageRef("_a" + "b" * 126, None), ":_a" + "b" * 126),
    ],
)
def test_image_references_parse_and_prefer_the_digest(text: str, ref: aws_facts.ImageRef, uri_suffix: str) -> None:
    parsed = aws_facts.parse_image(text)
    assert parsed == ref
    assert parsed.uri("repo") == f"repo{uri_suffix}"
    assert parsed.release == (ref.tag or DIGEST)


@pytest.mark.parametrize(
    "text",
    ["", "v1@", "sha256:ABC", f"sha256:{'a' * 63}", f"sha256:{'a' * 65}", f"@{DIGEST}", "a b", ".v1", "-v1", "x" * 129],
)
def test_malformed_image_references_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"digest|tag"):
        aws_facts.parse_image(text)

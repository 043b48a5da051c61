"""Plain AWS facts the config checks need, kept free of Pulumi so validating a stack file stays cheap."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

_GRAVITON_SIZES = ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge")

CACHE_NODE_TYPES: frozenset[str] = frozenset(
    f"cache.{family}.{size}"
    for family, sizes in {
        "t2": ("micro", "small", "medium"),
        "t3": ("micro", "small", "medium"),
        "t4g": ("micro", "small", "medium"),
        "m4": ("large", "xlarge", "2xlarge", "4xlarge", "10xlarge"),
        "m5": ("large", "xlarge", "2xlarge", "4xlarge", "12xlarge", "24xlarge"),
        "m6g": _GRAVITON_SIZES,
        "m7g": _GRAVITON_SIZES,
        "r4": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge"),
        "r5": ("large", "xlarge", "2xlarge", "4xlarge", "12xlarge", "24xlarge"),
        "r6g": _GRAVITON_SIZES,
        "r7g": _GRAVITON_SIZES,
        "c7gn": _GRAVITON_SIZES,
    }.items()
    for size in sizes
)
"""Current-generation ElastiCache node types for Redis OSS 7 and Valkey (ElastiCache API reference, CacheNode,
read 2026-11-30). Left out: previous generations (no new clusters) and the data-tiering r6gd types, which need
`data_tiering_enabled` that this program does not set."""

# --- CloudWatch Logs -----------------------------------------------------------------------------------------

LOG_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip
"""The values CloudWatch Logs accepts for a log group's retentionInDays (PutRetentionPolicy API reference)."""

# --- Regions of the global services --------------------------------------------------------------------------

CLOUDFRONT_REGION = "us-east-1"
"""CloudFront accepts ACM certificates from us-east-1 only, its web ACLs (WAF scope CLOUDFRONT) and its log
delivery sources live there (CloudFront developer guide, "Requirements for using SSL/TLS certificates")."""
ROUTE53_GLOBAL_REGION = "us-east-1"
"""Route 53 takes a zone's DNSSEC signing key and its query-log group from us-east-1 only (Route 53 developer
guide, "Configuring DNSSEC signing" and "Logging DNS queries")."""
GLOBAL_METRICS_REGION = "us-east-1"
"""Route 53 health-check and CloudFront metrics are published in us-east-1 only, whatever the region of the
resources they describe (CloudWatch user guide, "Monitoring health checks"; CloudFront developer guide)."""
CHATBOT_API_REGION = "us-east-2"
"""AWS Chatbot's control plane is global but answers only in a few regions, us-east-2 among them and us-east-1
not (AWS Chatbot endpoints and quotas)."""

# --- RDS PostgreSQL --------------------------------------------------------------------------------------------

_RDS_SIZES_GIB: dict[str, float] = {
    "micro": 1,
    "small": 2,
    "medium": 4,
    "large": 8,
    "xlarge": 16,
    "2xlarge": 32,
    "4xlarge": 64,
    "8xlarge": 128,
    "12xlarge": 192,
    "16xlarge": 256,
}
_RDS_BURSTABLE = ("t3", "t4g")
_RDS_GENERAL = ("m5", "m6g", "m6i", "m7g", "m7i")
_RDS_MEMORY = ("r5", "r6g", "r6i", "r7g", "r7i")

INSTANCE_CLASS_MEMORY_GIB: dict[str, float] = {
    # Burstable classes: micro 1 GiB doubling to 2xlarge 32 GiB (db.t3.small: 2 GiB).
    **{
        f"db.{f}.{s}": _RDS_SIZES_GIB[s]
        for f in _RDS_BURSTABLE
        for s in ("micro", "small", "medium", "large", "xlarge", "2xlarge")
    },
    # General purpose: 4 GiB per vCPU, large = 8 GiB.
    **{f"db.{f}.{s}": _RDS_SIZES_GIB[s] for f in _RDS_GENERAL for s in list(_RDS_SIZES_GIB)[3:]},
    # Memory optimised: 8 GiB per vCPU, large = 16 GiB (db.r6g.xlarge: 32 GiB).
    **{f"db.{f}.{s}": 2 * _RDS_SIZES_GIB[s] for f in _RDS_MEMORY for s in list(_RDS_SIZES_GIB)[3:]},
}
"""Memory of the common RDS instance classes, in GiB, as AWS lists them (RDS user guide, "DB instance classes")."""

POSTGRES_BYTES_PER_CONNECTION = 9_531_392
POSTGRES_MAX_CONNECTIONS_CAP = 5_000
"""RDS for PostgreSQL's default max_connections is LEAST({DBInstanceClassMemory/9531392}, 5000) (RDS user
guide, "Maximum number of database connections")."""

POSTGRES_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
"""A lowercase PostgreSQL identifier that needs no quoting and fits NAMEDATALEN (63 bytes)."""
RESERVED_ROLE_NAMES = frozenset({"postgres", "admin", "public", "none", "current_user", "current_role", "session_user"})
RESERVED_ROLE_PREFIXES = ("pg_", "rds")
"""PostgreSQL refuses `pg_*` role names; RDS owns `rdsadmin`, `rdsrepladmin` and the `rds_*` roles."""
RDS_RESERVED_MASTER_USERNAMES = frozenset({"postgres", "rdsadmin", "admin"})
"""Master user names RDS for PostgreSQL refuses."""

GP3_PROVISIONING_THRESHOLD_GB = 400
"""RDS gp3 for PostgreSQL: below this size the volume runs at the baseline (3000 IOPS, 125 MiB/s) and AWS rejects
an explicit iops/storageThroughput; from it the baseline is 12000 IOPS / 500 MiB/s and both can be raised."""
GP3_IOPS_RANGE = (12_000, 64_000)
"""Provisioned gp3 IOPS RDS accepts from GP3_PROVISIONING_THRESHOLD_GB."""
GP3_THROUGHPUT_RANGE = (500, 4_000)
"""Provisioned gp3 throughput (MiB/s) RDS accepts from GP3_PROVISIONING_THRESHOLD_GB."""

PERFORMANCE_INSIGHTS_RETENTION_DAYS: tuple[int, ...] = (7, *range(31, 731, 31), 731)
"""What RDS accepts: 7 (the free tier), any multiple of 31 up to 713, or 731 (two years)."""

# --- Container images ------------------------------------------------------------------------------------------

PINNED_IMAGE = re.compile(
    r"^(?P<registry>[a-z0-9-]+(\.[a-z0-9-]+)+(:[0-9]+)?)(/[a-z0-9]+([._-][a-z0-9]+)*)+"
    r"(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?@sha256:[0-9a-f]{64}$"
)
"""`<registry host>/<repository>[:<tag>]@sha256:<64 hex>`: a registry named in full and the image by digest."""

# --- AWS WAF ---------------------------------------------------------------------------------------------------

WAF_LOG_GROUP_PREFIX = "aws-waf-logs-"
"""AWS WAF logs only to a CloudWatch Logs group whose name starts with this (WAF developer guide, logging)."""
WAF_MANAGED_RULE_GROUP_CAPACITY: dict[str, int] = {
    "AWSManagedRulesAmazonIpReputationList": 25,
    "AWSManagedRulesCommonRuleSet": 700,
    "AWSManagedRulesKnownBadInputsRuleSet": 200,
    "AWSManagedRulesSQLiRuleSet": 200,
}
"""Web ACL capacity units (WCUs) of the AWS managed rule groups this program uses, by their vendor name `AWS`
(WAF developer guide, "AWS Managed Rules rule groups list")."""
WAF_RATE_RULE_CAPACITY = 2
"""WCUs of a rate-based rule aggregating on the client IP with no scope-down statement."""
WAF_BASE_CAPACITY = 1500
"""WCUs a web ACL may use at the base request price; more is billed extra (AWS WAF pricing)."""
WAF_RATE_LIMIT_MIN = 10
WAF_RATE_LIMIT_MAX = 2_000_000_000
"""The request limits a rate-based rule accepts (WAF API reference, RateBasedStatement.Limit)."""

# --- Route 53 health checks ------------------------------------------------------------------------------------

HealthCheckInterval = Literal[10, 30]
"""Seconds between checks from each checker region; 10 is the fast (and dearer) interval (Route 53 API reference,
HealthCheckConfig.RequestInterval). It cannot be changed after creation."""
HEALTH_CHECK_FAILURE_THRESHOLD_MAX = 10
"""Consecutive failures (or successes) that change a health check's status: 1 to 10 (HealthCheckConfig)."""

# --- ECS Fargate and ECR ----------------------------------------------------------------------------------------

FARGATE_MEMORY: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
}
"""Fargate's task sizes (ECS developer guide, "Task CPU and memory"): the memory (MiB) accepted for each number
of CPU units."""

IMAGE_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
"""An image digest as ECR reports it: `sha256:` and 64 lowercase hex digits."""
IMAGE_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")
"""An image tag (OCI distribution spec): letters, digits, `.`, `_`, `-`, not starting with `.` or `-`, <= 128."""


@dataclass(frozen=True)
class ImageRef:
    """An image in a repository, by tag, by digest, or both (`v1.2.0@sha256:...`)."""

    tag: str | None
    digest: str | None

    def uri(self, repository_url: str) -> str:
        """With a digest, ECS runs exactly that image whatever its tags do later; a tag alone is resolved to a
        digest by ECS at each deployment."""
        return f"{repository_url}@{self.digest}" if self.digest else f"{repository_url}:{self.tag}"

    @property
    def release(self) -> str:
        """The name error tracking groups events under: the tag when there is one, else the digest."""
        return self.tag or str(self.digest)


def parse_image(text: str) -> ImageRef:
    """`<tag>`, `sha256:<64 hex>` or `<tag>@sha256:<64 hex>`; raises ValueError saying what is wrong."""
    if "@" in text:
        tag, _, digest = text.partition("@")
    elif text.startswith("sha256:"):
        tag, digest = "", text
    else:
        tag, digest = text, ""
    if ("@" in text or digest) and not IMAGE_DIGEST.match(digest):
        raise ValueError(f"digest {digest!r} is not sha256: followed by 64 lowercase hex digits")
    if ("@" in text or not digest) and not IMAGE_TAG.match(tag):
        raise ValueError(f"tag {tag!r} is not an image tag (letters, digits, . _ -; at most 128)")
    return ImageRef(tag=tag or None, digest=digest or None)

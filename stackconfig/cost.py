"""The `socialclub:cost` section: usage assumptions for what the plan cannot tell (traffic, storage, requests).

The resources fix everything else (instance classes, node counts, task sizes, NAT gateways...). Every quantity
here is per month; "per X" fields apply to each resource of that kind in the stack. Defaults describe a small,
young production app and are written beside each field; a stack overrides them in `Pulumi.<stack>.yaml`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from stackconfig.base import ConfigModel, Problem, raise_problems

ViewerRegion = Literal[
    "northAmerica",  # United States, Mexico, Canada
    "europe",  # Europe, Israel, Türkiye
    "middleEastAfrica",  # South Africa, Kenya, Nigeria, Middle East
    "southAmerica",
    "japan",
    "oceania",  # Australia, New Zealand
    "asia",  # Hong Kong, Indonesia, Philippines, Singapore, South Korea, Taiwan, Thailand, Malaysia, Vietnam
    "india",
]
"""CloudFront's pricing regions, named as the data file names them."""

NORTH_AMERICA_ONLY: dict[ViewerRegion, float] = {"northAmerica": 1.0}


class BucketUsage(ConfigModel):
    """What one bucket holds and serves in a month."""

    storage_gb: float = Field(ge=0)
    """GB stored, noncurrent versions included."""
    put_requests_thousands: float = Field(ge=0)
    """Thousand PUT/COPY/POST/LIST requests."""
    get_requests_thousands: float = Field(ge=0)
    """Thousand GET requests."""


def default_bucket_usage() -> dict[str, BucketUsage]:
    return {
        # User media: pictures of venues, groups and profiles; CloudFront caches most reads.
        "assets": BucketUsage(storage_gb=50, put_requests_thousands=20, get_requests_thousands=500),
        # The API's private objects (exports, attachments).
        "backend": BucketUsage(storage_gb=10, put_requests_thousands=20, get_requests_thousands=100),
        # ALB, CloudFront and S3 access logs: written in many small objects, rarely read.
        "logs": BucketUsage(storage_gb=30, put_requests_thousands=100, get_requests_thousands=1),
    }


class CostAssumptions(ConfigModel):
    hours_per_month: float = Field(default=730, ge=672, le=744)
    """Hours billed per month for always-on resources (AWS's calculator uses 730 = 8,760 / 12)."""

    nat_data_gb: float = Field(default=100, ge=0)
    """GB/month processed by all NAT gateways together: image pulls, third-party APIs (Stripe, Twilio,
    SendGrid, Sentry), AWS APIs without a VPC endpoint. Split evenly over the stack's NAT gateways."""
    s3_traffic_from_vpc_gb: float = Field(default=50, ge=0)
    """GB/month between private subnets and S3. Free through an S3 gateway endpoint, NAT-processed without."""
    dynamodb_traffic_from_vpc_gb: float = Field(default=50, ge=0)
    """GB/month between private subnets and DynamoDB. Free through a gateway endpoint, NAT-processed without."""
    interface_endpoint_data_gb: float = Field(default=10, ge=0)
    """GB/month processed by each interface VPC endpoint."""

    cloudfront_data_out_gb: float = Field(default=100, ge=0)
    """GB/month each distribution sends to viewers (production's CloudFront figure in docs/requirements.md §9
    implies ~2 TB)."""
    cloudfront_requests_millions: float = Field(default=5, ge=0)
    """Million HTTPS requests/month each distribution answers."""
    cloudfront_viewer_share: dict[ViewerRegion, float] = Field(default_factory=lambda: dict(NORTH_AMERICA_ONLY))
    """Share of viewer traffic per CloudFront pricing region (sums to 1). Regions outside a distribution's price
    class are served, and billed, from North American / European edges."""

    alb_lcus: float = Field(default=1, ge=0)
    """Average load balancer capacity units per hour, per ALB (1 LCU = 25 new conn/s, 3,000 active conn/min,
    1 GB/h processed or 1,000 rule evaluations/s, whichever is highest)."""
    alb_requests_millions: float = Field(default=5, ge=0)
    """Million requests/month each ALB answers (the API); a web ACL on the ALB inspects every one. A web ACL on a
    distribution inspects `cloudfrontRequestsMillions`."""

    log_ingestion_gb_per_group: float = Field(default=1, ge=0)
    """GB/month ingested by each CloudWatch log group without an entry in `logIngestionGb`."""
    log_ingestion_gb: dict[str, float] = Field(default_factory=dict)
    """GB/month per log group, by its name (e.g. `/aws/ecs/socialclub-backend: 20`)."""
    access_log_gb: float = Field(default=5, ge=0)
    """GB/month of access logs each CloudWatch log delivery sends (CloudFront standard logging v2), priced at
    vended-log rates."""
    flow_log_gb: float = Field(default=10, ge=0)
    """GB/month of VPC flow-log records each flow log delivers (priced at vended-log rates)."""
    container_insights_metrics: int = Field(default=30, ge=0)
    """Custom metrics Container Insights publishes per ECS cluster (cluster, service and task-family series)."""
    container_insights_log_gb: float = Field(default=2, ge=0)
    """GB/month of Container Insights performance log events per ECS cluster."""

    dynamodb_read_request_units_millions: float = Field(default=10, ge=0)
    """Million read request units/month per on-demand table (an eventually consistent read of <= 4 KB is 0.5)."""
    dynamodb_write_request_units_millions: float = Field(default=2, ge=0)
    """Million write request units/month per on-demand table (one write of <= 1 KB is 1)."""
    dynamodb_storage_gb: float = Field(default=1, ge=0)
    """GB stored per table (TTLs keep the real-time tables small, docs/requirements.md §4.2); PITR is priced on
    the same size."""

    route53_queries_millions: float = Field(default=1, ge=0)
    """Million standard queries/month per hosted zone (alias queries to CloudFront and the ALB are free)."""

    s3_storage_gb: float = Field(default=5, ge=0)
    """GB stored per bucket without an entry in `s3Buckets`, including noncurrent versions (the frontend build)."""
    s3_put_requests_thousands: float = Field(default=10, ge=0)
    """Thousand PUT/COPY/POST/LIST requests/month per bucket without an entry in `s3Buckets` (deploys)."""
    s3_get_requests_thousands: float = Field(default=100, ge=0)
    """Thousand GET requests/month per bucket without an entry in `s3Buckets` (CloudFront origin fetches on cache
    misses)."""
    s3_buckets: dict[str, BucketUsage] = Field(default_factory=default_bucket_usage)
    """Usage per bucket by its purpose, the part of its name after the stack's prefix (`<env>-assets-...` is
    `assets`). Defaults: assets 50 GB, 20k PUT, 500k GET; backend 10 GB, 20k PUT, 100k GET; logs 30 GB, 100k PUT,
    1k GET. A map given in the stack file replaces the defaults."""
    ecr_storage_gb: float = Field(default=5, ge=0)
    """GB of images kept per ECR repository after its lifecycle policy."""

    secrets_api_calls_per_secret: float = Field(default=10_000, ge=0)
    """Secrets Manager API calls/month per secret (task starts, rotations)."""
    kms_requests_per_key: float = Field(default=100_000, ge=0)
    """KMS requests/month per key (S3, DynamoDB, Secrets Manager and Logs data-key calls)."""
    kms_asymmetric_requests_per_key: float = Field(default=1_000, ge=0)
    """Requests/month per asymmetric key: Route 53 signs with the DNSSEC key-signing key only when it re-signs
    the zone's DNSKEY set, not per query."""
    sns_publishes_millions: float = Field(default=0.01, ge=0)
    """Million publishes/month per SNS topic (alarm notifications)."""
    lambda_invocations: float = Field(default=10_000, ge=0)
    """Invocations/month per Lambda function (rotation and housekeeping functions)."""
    lambda_duration_ms: float = Field(default=1_000, ge=0)
    """Average duration per invocation, in milliseconds."""

    rds_backup_storage_ratio: float = Field(default=1.3, ge=0)
    """Backup storage as a multiple of the allocated storage: a full snapshot plus ~1%/day of changes over the
    30-day retention of docs/requirements.md §4.1. AWS bills only what exceeds 1.0 (100% of the storage)."""
    elasticache_snapshot_gb: float = Field(default=1, ge=0)
    """GB per ElastiCache snapshot; AWS keeps one free snapshot per cluster and bills the others."""

    @model_validator(mode="after")
    def _shares_add_up(self) -> CostAssumptions:
        raise_problems(self._problems())
        return self

    def _problems(self) -> list[Problem]:
        shares = self.cloudfront_viewer_share
        problems = [
            Problem(("cloudfrontViewerShare", region), share, "accepted: a share between 0 and 1")
            for region, share in shares.items()
            if not 0 <= share <= 1
        ]
        if abs(sum(shares.values()) - 1) > 1e-6:
            problems.append(Problem(("cloudfrontViewerShare",), shares, "accepted: shares that add up to 1"))
        problems.extend(
            Problem(("logIngestionGb", name), gb, "accepted: GB/month >= 0")
            for name, gb in self.log_ingestion_gb.items()
            if gb < 0
        )
        return problems

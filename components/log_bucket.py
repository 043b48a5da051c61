"""LogBucket: the stack's one log bucket (the Logs bucket of docs/requirements.md §2.1). ALB access logs, CloudFront
standard logs (v2) and the S3 server access logs of the stack's other buckets land under their own prefixes, each prefix
with its own expiry.

It is the one bucket of the stack that cannot use the stack's KMS key: it is encrypted with SSE-S3 (AES256).
- ALB access logs decide it: "The only server-side encryption option that's supported is Amazon S3-managed keys
  (SSE-S3)" (Elastic Load Balancing, Application Load Balancers user guide, "Access logs", bucket requirements).
- S3 server access logs: the Amazon S3 user guide ("Enabling Amazon S3 server access logging") supports only SSE-S3
  as the destination's default encryption (the AWS CDK has since reported SSE-KMS with a customer managed key
  working; the ALB leaves no choice either way).
CloudFront's v2 logging (a CloudWatch Logs delivery) would accept SSE-KMS, but one bucket has one default
encryption. ACLs stay disabled (bucket owner enforced): every writer here is let in by the bucket policy, so
legacy CloudFront logging (which needs ACLs) is not used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.aws_context import AwsContext
from components.iam_documents import Statement, statement
from components.load_balancer import log_object_arn, log_writer_statement
from components.private_bucket import PrivateBucketArgs, bucket_policy, private_bucket
from stackconfig.aws_facts import CLOUDFRONT_REGION
from stackconfig.storage import LogBucketSettings, PrivateBucketSettings

ALB_PREFIX = "alb"
"""ALB access logs: `alb/AWSLogs/<account>/elasticloadbalancing/...` (the ALB adds `AWSLogs/...`)."""
CLOUDFRONT_PREFIX = "cloudfront"
"""CloudFront standard logs v2: `cloudfront/<distribution id>/<yyyy>/<MM>/<dd>/<HH>/...`."""
S3_PREFIX = "s3"
"""S3 server access logs: `s3/<source bucket>/...`."""
S3_LOGGING_SERVICE = "logging.s3.amazonaws.com"
LOG_DELIVERY_SERVICE = "delivery.logs.amazonaws.com"


def log_delivery_statements(
    bucket_arn: pulumi.Input[str], prefix: str, account_id: pulumi.Input[str], source_arn: pulumi.Input[str]
) -> list[Statement]:
    """CloudWatch Logs' delivery service may write under `prefix/` for this account's delivery sources that match
    `source_arn` (an ARN pattern), and check the bucket (CloudWatch Logs user guide, "Logs sent to Amazon S3")."""
    from_sources = {"StringEquals": {"aws:SourceAccount": account_id}, "ArnLike": {"aws:SourceArn": source_arn}}
    return [
        statement(
            ["s3:PutObject"],
            [pulumi.Output.concat(bucket_arn, f"/{prefix}/*")],
            sid="LogDeliveryWrite",
            principal={"Service": LOG_DELIVERY_SERVICE},
            conditions={
                "StringEquals": {"aws:SourceAccount": account_id, "s3:x-amz-acl": "bucket-owner-full-control"},
                "ArnLike": {"aws:SourceArn": source_arn},
            },
        ),
        statement(
            ["s3:GetBucketAcl", "s3:ListBucket"],
            [bucket_arn],
            sid="LogDeliveryCheck",
            principal={"Service": LOG_DELIVERY_SERVICE},
            conditions=from_sources,
        ),
    ]


def server_access_log_statement(
    bucket_arn: pulumi.Input[str], prefix: str, account_id: pulumi.Input[str], source_bucket_arns: pulumi.Input[str]
) -> Statement:
    """S3's logging service may write under `prefix/` for this account's buckets matching `source_bucket_arns`
    (Amazon S3 user guide, "Permissions for log delivery": the bucket policy form, which works with ACLs
    disabled)."""
    return statement(
        ["s3:PutObject"],
        [pulumi.Output.concat(bucket_arn, f"/{prefix}/*")],
        sid="S3ServerAccessLogsWrite",
        principal={"Service": S3_LOGGING_SERVICE},
        conditions={
            "StringEquals": {"aws:SourceAccount": account_id},
            "ArnLike": {"aws:SourceArn": source_bucket_arns},
        },
    )


@dataclass(frozen=True)
class LogBucketArgs:
    context: AwsContext
    """The account, region and partition the bucket policy names."""
    name_prefix: str
    """Leads the bucket's name (`<name_prefix>-logs-`) and names what may write: CloudWatch Logs delivery sources
    and source buckets whose names start with `<name_prefix>-`, e.g. `socialclub-production`."""
    expiry_days: Mapping[str, int] = field(default_factory=lambda: {ALB_PREFIX: 90, CLOUDFRONT_PREFIX: 90})
    """Days the ALB's and CloudFront's logs are kept, by prefix (default 90 each): their sources' settings
    (`service.accessLogRetentionDays`, `frontend.logRetentionDays`)."""
    settings: LogBucketSettings = field(default_factory=LogBucketSettings)
    """S3 server access log retention and `protect` (stackconfig/storage.py, section `socialclub:storage.logs`)."""


@dataclass(frozen=True)
class LogTarget:
    """Where one writer puts its logs: the bucket and the key prefix it owns, and the policy that lets it in (a
    writer checks the policy when it is configured, so it depends on `ready`)."""

    bucket_name: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]
    prefix: str
    ready: aws.s3.BucketPolicy


class LogBucket(pulumi.ComponentResource):
    """The stack's log bucket (SSE-S3, versioned, private, TLS only) and its writers' policy."""

    bucket_name: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]

    def __init__(self, name: str, args: LogBucketArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("socialclub:storage:LogBucket", name, None, opts)
        unknown = sorted(set(args.expiry_days) - {ALB_PREFIX, CLOUDFRONT_PREFIX})
        if unknown:
            raise ValueError(
                f"LogBucket {name}: no writer uses the prefixes {unknown} (S3 access logs expire after "
                "settings.s3_access_log_retention_days)"
            )
        expiry_days = {**args.expiry_days, S3_PREFIX: args.settings.s3_access_log_retention_days}
        self._name = name
        ctx = args.context
        bucket = private_bucket(
            f"{name}-bucket",
            PrivateBucketArgs(
                bucket_prefix=f"{args.name_prefix}-logs-",
                # SSE-S3: ALB and S3 server access logs accept nothing else (see the module docstring).
                kms_key_arn=None,
                expire_by_prefix={f"{prefix}/": days for prefix, days in expiry_days.items()},
                # Logs are never overwritten; a deleted one need not stay restorable.
                settings=PrivateBucketSettings(noncurrent_version_days=1, protect=args.settings.protect),
            ),
            self,
        )
        alb_objects = pulumi.Output.all(bucket.arn, ctx.account_id).apply(
            lambda values: log_object_arn(values[0], ALB_PREFIX, values[1])
        )
        # CloudFront's delivery sources live in us-east-1 whatever the stack's region.
        cloudfront_sources = ctx.account_id.apply(
            lambda account: (
                f"arn:{ctx.partition}:logs:{CLOUDFRONT_REGION}:{account}:delivery-source:{args.name_prefix}-*"
            )
        )
        self._policy = bucket_policy(
            f"{name}-bucket",
            bucket,
            [
                log_writer_statement(alb_objects, ctx.region, ctx.partition),
                *log_delivery_statements(bucket.arn, CLOUDFRONT_PREFIX, ctx.account_id, cloudfront_sources),
                server_access_log_statement(
                    bucket.arn, S3_PREFIX, ctx.account_id, f"arn:{ctx.partition}:s3:::{args.name_prefix}-*"
                ),
            ],
            self,
        )
        self.bucket_name = bucket.bucket
        self.bucket_arn = bucket.arn
        self.register_outputs({"bucketName": self.bucket_name, "bucketArn": self.bucket_arn})

    def target(self, prefix: str) -> LogTarget:
        """The place of one writer (ALB_PREFIX, CLOUDFRONT_PREFIX or S3_PREFIX)."""
        return LogTarget(self.bucket_name, self.bucket_arn, prefix, self._policy)

    def log_access_of(self, label: str, bucket: aws.s3.Bucket, parent: pulumi.Resource) -> aws.s3.BucketLogging:
        """S3 server access logs of `bucket` (one of this stack's, named `<name_prefix>-...`) under
        `s3/<bucket name>/`, as a child of `parent`, the component that owns `bucket`."""
        return aws.s3.BucketLogging(
            f"{label}-access-logs",
            bucket=bucket.id,
            target_bucket=self.bucket_name,
            target_prefix=pulumi.Output.concat(S3_PREFIX, "/", bucket.bucket, "/"),
            opts=pulumi.ResourceOptions(parent=parent, depends_on=[self._policy]),
        )

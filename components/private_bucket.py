"""A private, versioned, encrypted S3 bucket (docs/requirements.md §2.1) whose policy the owner writes once it knows
its readers.

S3 bucket policies are one document per bucket, and the statements often name a resource that itself needs
the bucket (a CloudFront distribution, a log delivery): so the bucket and its settings come first
(`private_bucket`), and the owner attaches the single policy later with `bucket_policy`, which always starts
with the TLS-only denial.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.iam_documents import Statement, document, statement
from stackconfig.storage import PrivateBucketSettings


def tls_only_statement(bucket_arn: pulumi.Input[str]) -> Statement:
    """Refuse every request made without TLS, whoever makes it."""
    return statement(
        ["s3:*"],
        [bucket_arn, pulumi.Output.concat(bucket_arn, "/*")],
        sid="DenyInsecureTransport",
        effect="Deny",
        principal={"AWS": "*"},
        conditions={"Bool": {"aws:SecureTransport": "false"}},
    )


@dataclass(frozen=True)
class PrivateBucketArgs:
    bucket_prefix: str
    """Physical name prefix; S3 adds a unique suffix (bucket names are global across accounts)."""
    kms_key_arn: pulumi.Input[str] | None
    """SSE-KMS with this key and an S3 bucket key; None means SSE-S3, for writers that cannot use KMS."""
    expire_by_prefix: Mapping[str, int] = field(default_factory=dict)
    """Key prefix -> days after which current objects under it are deleted (logs), one lifecycle rule each; empty
    (default) keeps current objects, with one rule for the whole bucket."""
    settings: PrivateBucketSettings = field(default_factory=PrivateBucketSettings)
    """Noncurrent-version expiry, abandoned-upload cleanup and `protect` (stackconfig/storage.py)."""


def private_bucket(name: str, args: PrivateBucketArgs, parent: pulumi.Resource) -> aws.s3.Bucket:
    """The bucket `name` and its settings, children of `parent`: every public path blocked, ACLs disabled
    (bucket owner enforced), versioning, default encryption and a lifecycle for old versions."""
    child = pulumi.ResourceOptions(parent=parent)
    bucket = aws.s3.Bucket(
        name,
        bucket_prefix=args.bucket_prefix,
        force_destroy=False,
        opts=pulumi.ResourceOptions(parent=parent, protect=args.settings.protect),
    )
    aws.s3.BucketPublicAccessBlock(
        name,
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=child,
    )
    aws.s3.BucketOwnershipControls(
        name,
        bucket=bucket.id,
        rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
        opts=child,
    )
    aws.s3.BucketVersioning(
        name,
        bucket=bucket.id,
        versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
        opts=child,
    )
    by_default = (
        aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
            sse_algorithm="aws:kms", kms_master_key_id=args.kms_key_arn
        )
        if args.kms_key_arn is not None
        else aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
            sse_algorithm="AES256"
        )
    )
    aws.s3.BucketServerSideEncryptionConfiguration(
        name,
        bucket=bucket.id,
        rules=[
            aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=by_default,
                # One data key per bucket instead of one KMS call per object: cheaper, same protection.
                bucket_key_enabled=args.kms_key_arn is not None,
            )
        ],
        opts=child,
    )
    aws.s3.BucketLifecycleConfiguration(
        name,
        bucket=bucket.id,
        rules=lifecycle_rules(args),
        opts=child,
    )
    return bucket


def lifecycle_rules(args: PrivateBucketArgs) -> list[aws.s3.BucketLifecycleConfigurationRuleArgs]:
    """One rule per expiring prefix, or one for the whole bucket that only cleans up versions and uploads."""
    scopes: list[tuple[str, str, int | None]] = [
        (f"expire-{prefix.strip('/').replace('/', '-')}", prefix, days)
        for prefix, days in args.expire_by_prefix.items()
    ] or [("expire-old-versions", "", None)]
    return [
        aws.s3.BucketLifecycleConfigurationRuleArgs(
            id=rule_id,
            status="Enabled",
            filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=prefix),
            expiration=(
                aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=days)
                if days is not None
                else aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(expired_object_delete_marker=True)
            ),
            noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                noncurrent_days=args.settings.noncurrent_version_days
            ),
            abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                days_after_initiation=args.settings.abort_incomplete_upload_days
            ),
        )
        for rule_id, prefix, days in scopes
    ]


def bucket_policy(
    name: str, bucket: aws.s3.Bucket, statements: Sequence[Statement], parent: pulumi.Resource
) -> aws.s3.BucketPolicy:
    """The bucket's one policy: TLS only, then `statements`."""
    return aws.s3.BucketPolicy(
        name,
        bucket=bucket.id,
        policy=document(tls_only_statement(bucket.arn), *statements),
        opts=pulumi.ResourceOptions(parent=parent),
    )

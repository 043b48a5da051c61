"""ObjectStore: a private, versioned bucket (docs/requirements.md §2.1) encrypted with the stack key, for the API's
objects (Backend) or user media (Assets), with its access logs in the stack's log bucket and verbs that grant object
access.

User media is uploaded by browsers with URLs the API presigns: the upload carries the API task role's own
permission, so the role needs `s3:PutObject` itself and the bucket a CORS rule for the app's origin. Viewers read
media through the CloudFront distribution (CdnSite's media origin), which then writes the bucket's policy: a
bucket policy is one document, and only the distribution knows its ARN.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.aws_context import AwsContext
from components.iam_documents import document, statement
from components.log_bucket import LogBucket
from components.private_bucket import PrivateBucketArgs, bucket_policy, private_bucket
from stackconfig.storage import ObjectStoreSettings

UPLOAD_METHODS = ("GET", "HEAD", "PUT")
"""What a page of the app does with a presigned URL: upload (PUT), then show or check it (GET, HEAD)."""


@dataclass(frozen=True)
class ObjectStoreArgs:
    context: AwsContext
    """The region of the S3 endpoint the grants name."""
    bucket_prefix: str
    """Physical name prefix, `<env_name>-<purpose>-` (the deploy role's fence admits only `<env_name>-` buckets)."""
    kms_key_arn: pulumi.Input[str]
    """The stack key: SSE-KMS with an S3 bucket key."""
    log_bucket: LogBucket
    """Receives the bucket's S3 server access logs under `s3/<bucket name>/`."""
    upload_origins: Sequence[str] = ()
    """Origins (`https://app.example.com`) whose pages may PUT with a presigned URL, and GET or HEAD; none
    (default): no CORS rule, browsers cannot call the bucket."""
    served_by_cdn: bool = False
    """True when a CloudFront distribution reads the bucket (CdnSite's media origin), which then writes the bucket
    policy (TLS only, and its own read); False (default): this component writes the TLS-only policy."""
    settings: ObjectStoreSettings = field(default_factory=ObjectStoreSettings)
    """Version expiry, abandoned-upload cleanup, CORS cache time and `protect` (stackconfig/storage.py, sections
    `socialclub:storage.assets` and `socialclub:storage.backend`)."""


class ObjectStore(pulumi.ComponentResource):
    """A private object bucket of the stack and its grants."""

    bucket: aws.s3.Bucket
    bucket_name: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]
    upload_origin: pulumi.Output[str]
    """`https://<bucket>.s3.<region>.amazonaws.com`, where browsers send presigned uploads: the app's
    Content-Security-Policy must let its scripts connect there."""

    def __init__(self, name: str, args: ObjectStoreArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("socialclub:storage:ObjectStore", name, None, opts)
        bad = [o for o in args.upload_origins if not o.startswith("https://") or o.rstrip("/") != o or "*" in o]
        if bad:
            raise ValueError(f"ObjectStore {name}: upload origins must be exact https origins, got {bad}")
        self._name = name
        self._args = args
        bucket = private_bucket(
            f"{name}-bucket",
            PrivateBucketArgs(bucket_prefix=args.bucket_prefix, kms_key_arn=args.kms_key_arn, settings=args.settings),
            self,
        )
        if args.upload_origins:
            aws.s3.BucketCorsConfiguration(
                f"{name}-cors",
                bucket=bucket.id,
                cors_rules=[
                    aws.s3.BucketCorsConfigurationCorsRuleArgs(
                        id="presigned-uploads",
                        allowed_origins=list(args.upload_origins),
                        allowed_methods=list(UPLOAD_METHODS),
                        # A presigned PUT sends Content-Type (and the checksum the SDK adds); no credentials.
                        allowed_headers=[
                            "content-type",
                            "content-md5",
                            "x-amz-checksum-*",
                            "x-amz-sdk-checksum-algorithm",
                        ],
                        expose_headers=["ETag"],
                        max_age_seconds=args.settings.cors_max_age_seconds,
                    )
                ],
                opts=pulumi.ResourceOptions(parent=self),
            )
        if not args.served_by_cdn:
            bucket_policy(f"{name}-bucket", bucket, [], self)
        args.log_bucket.log_access_of(name, bucket, self)

        self.bucket = bucket
        self.bucket_name = bucket.bucket
        self.bucket_arn = bucket.arn
        self.upload_origin = pulumi.Output.concat("https://", bucket.bucket_regional_domain_name)
        self.register_outputs({"bucketName": self.bucket_name, "bucketArn": self.bucket_arn})

    def grant_read_write(self, role: aws.iam.Role, label: str, key_prefix: str = "") -> aws.iam.RolePolicy:
        """Let `role` read, write and delete objects by key under `key_prefix` (default: the whole bucket); a
        presigned upload is the role's own PutObject. The stack key through S3 for this bucket only. No
        s3:ListBucket: the API finds objects by the keys it stores, so a missing key answers 403, not 404."""
        if key_prefix and not key_prefix.endswith("/"):
            raise ValueError(f"ObjectStore {self._name}: key prefix {key_prefix!r} must end with '/'")
        objects = pulumi.Output.concat(self.bucket_arn, "/", key_prefix, "*")
        return aws.iam.RolePolicy(
            f"{self._name}-read-write-{label}",
            role=role.id,
            policy=document(
                # Delete: a user removes a picture or their account, and the object must go (its noncurrent
                # version expires after `settings.noncurrent_version_days`).
                statement(["s3:DeleteObject", "s3:GetObject", "s3:PutObject"], [objects], sid="ReadWriteObjects"),
                statement(
                    ["kms:Decrypt", "kms:GenerateDataKey"],
                    [self._args.kms_key_arn],
                    sid="KeyThroughS3ForThisBucket",
                    conditions={
                        "StringEquals": {"kms:ViaService": self._args.context.service_endpoint("s3")},
                        # The bucket's ARN with an S3 bucket key (the default here), the object's without.
                        "ArnLike": {
                            "kms:EncryptionContext:aws:s3:arn": [
                                self.bucket_arn,
                                pulumi.Output.concat(self.bucket_arn, "/*"),
                            ]
                        },
                    },
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

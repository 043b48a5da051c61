"""What the storage component tests share: a log bucket and two object stores built with hand-made arguments."""

from __future__ import annotations

from typing import Any

import pulumi_aws as aws

from components.log_bucket import ALB_PREFIX, CLOUDFRONT_PREFIX, LogBucket, LogBucketArgs
from components.object_store import ObjectStore, ObjectStoreArgs
from offline.harness import Plan
from stackconfig.storage import LogBucketSettings, ObjectStoreSettings
from tests.support import aws_context, inputs, run_component
from tests.support.edge import BUCKET, KEY_ARN

APP_ORIGIN = "https://app.example.org"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"


def stores(**assets: Any) -> Plan:
    """A log bucket, a media store `assets` (changed by `assets`), a private store `objects`, and a role `api` granted
    read-write on both."""

    def program() -> None:
        logs = LogBucket(
            "logs",
            LogBucketArgs(
                context=aws_context(),
                name_prefix="sc-test",
                expiry_days={ALB_PREFIX: 30, CLOUDFRONT_PREFIX: 60},
                settings=LogBucketSettings(s3_access_log_retention_days=90),
            ),
        )
        base: dict[str, Any] = {
            "context": aws_context(),
            "bucket_prefix": "sc-test-assets-",
            "kms_key_arn": KEY_ARN,
            "log_bucket": logs,
            "upload_origins": [APP_ORIGIN],
            "settings": ObjectStoreSettings(noncurrent_version_days=14),
        }
        media = ObjectStore("assets", ObjectStoreArgs(**{**base, **assets}))
        private = ObjectStore(
            "objects",
            ObjectStoreArgs(
                context=aws_context(), bucket_prefix="sc-test-backend-", kms_key_arn=KEY_ARN, log_bucket=logs
            ),
        )
        api = aws.iam.Role("api", assume_role_policy="{}")
        media.grant_read_write(api, "api", key_prefix="media/")
        private.grant_read_write(api, "api")

    return run_component(program)


def setting(plan: Plan, type_token: str, bucket_label: str) -> dict[str, Any]:
    """The inputs of the one `type_token` resource that configures the bucket registered as `bucket_label`."""
    name = plan.one(BUCKET, bucket_label).outputs["bucket"]
    (found,) = [inputs(r) for r in plan.of_type(type_token) if inputs(r)["bucket"] == name]
    return found

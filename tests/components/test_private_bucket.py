"""private_bucket and bucket_policy on their own: every public path closed, versioned, encrypted, cleaned up,
protected by default, and one policy that starts with the TLS-only denial (docs/requirements.md §2.1)."""

from __future__ import annotations

from typing import Any

import pulumi

from components.private_bucket import PrivateBucketArgs, bucket_policy, private_bucket
from offline.harness import Plan
from stackconfig.storage import PrivateBucketSettings
from tests.support import inputs, run_component
from tests.support.edge import BUCKET, BUCKET_POLICY, KEY_ARN
from tests.support.iam import policy
from tests.support.storage import LIFECYCLE, SSE


class Owner(pulumi.ComponentResource):
    def __init__(self, args: PrivateBucketArgs) -> None:
        super().__init__("test:index:Owner", "owner")
        bucket_policy("b", private_bucket("b", args, self), [], self)


def plan_of(**args: Any) -> Plan:
    return run_component(
        lambda: Owner(PrivateBucketArgs(**{"bucket_prefix": "sc-test-x-", "kms_key_arn": KEY_ARN, **args}))
    )


def only(plan: Plan, type_token: str) -> dict[str, Any]:
    (resource,) = plan.of_type(type_token)
    return inputs(resource)


def test_every_public_path_is_closed_and_acls_are_off() -> None:
    plan = plan_of()
    block = only(plan, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert [
        block[k] for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    ] == [True] * 4
    assert only(plan, "aws:s3/bucketOwnershipControls:BucketOwnershipControls")["rule"] == {
        "objectOwnership": "BucketOwnerEnforced"
    }
    assert only(plan, "aws:s3/bucketVersioning:BucketVersioning")["versioningConfiguration"] == {"status": "Enabled"}
    bucket = plan.one(BUCKET)
    assert (inputs(bucket)["forceDestroy"], bucket.protect) == (False, True)


def test_a_key_gives_sse_kms_with_a_bucket_key_and_none_gives_sse_s3() -> None:
    (kms,) = only(plan_of(), SSE)["rules"]
    assert kms == {
        "applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY_ARN},
        "bucketKeyEnabled": True,
    }
    (s3,) = only(plan_of(kms_key_arn=None), SSE)["rules"]
    assert s3 == {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}, "bucketKeyEnabled": False}


def test_lifecycle_keeps_current_objects_and_expires_old_versions_and_uploads_by_the_settings() -> None:
    (rule,) = only(
        plan_of(settings=PrivateBucketSettings(noncurrent_version_days=9, abort_incomplete_upload_days=2)), LIFECYCLE
    )["rules"]
    assert rule["expiration"] == {"expiredObjectDeleteMarker": True}
    assert rule["noncurrentVersionExpiration"] == {"noncurrentDays": 9}
    assert rule["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 2}


def test_expiring_prefixes_get_one_rule_each() -> None:
    rules = only(plan_of(expire_by_prefix={"alb/": 30, "s3/": 90}), LIFECYCLE)["rules"]
    assert {r["filter"]["prefix"]: r["expiration"] for r in rules} == {"alb/": {"days": 30}, "s3/": {"days": 90}}


def test_protect_can_be_turned_off() -> None:
    assert plan_of(settings=PrivateBucketSettings(protect=False)).one(BUCKET).protect is False


def test_the_one_policy_starts_by_refusing_every_request_without_tls() -> None:
    plan = plan_of()
    (deny,) = policy(plan.one(BUCKET_POLICY))
    arn = plan.one(BUCKET).outputs["arn"]
    assert deny == {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": ["s3:*"],
        "Resource": [arn, f"{arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }

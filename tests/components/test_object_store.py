"""ObjectStore under mocks: private, versioned, on the stack key, logging into the log bucket, CORS for the app origin
only, and grants of exactly the object actions the API needs."""

from __future__ import annotations

import pulumi_aws as aws
import pytest

from components.log_bucket import LogBucket, LogBucketArgs
from components.object_store import ObjectStore, ObjectStoreArgs
from offline.harness import Plan
from stackconfig.storage import ObjectStoreSettings
from tests.support import aws_context, inputs, run_component
from tests.support.edge import BUCKET, BUCKET_POLICY, KEY_ARN
from tests.support.iam import ROLE, policy, role_policies, statement_by_sid
from tests.support.storage import APP_ORIGIN, LIFECYCLE, SSE, setting, stores

CORS = "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration"
LOGGING = "aws:s3/bucketLogging:BucketLogging"


@pytest.mark.parametrize("label", ["assets-bucket", "objects-bucket"])
def test_object_stores_are_private_versioned_on_the_stack_key_and_clean_up(plan: Plan, label: str) -> None:
    block = setting(plan, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", label)
    assert all(block[k] for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"))
    (rule,) = setting(plan, SSE, label)["rules"]
    assert rule == {
        "applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY_ARN},
        "bucketKeyEnabled": True,
    }
    (lifecycle,) = setting(plan, LIFECYCLE, label)["rules"]
    assert lifecycle["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 7}
    assert lifecycle["expiration"] == {"expiredObjectDeleteMarker": True}, "current objects are never expired"
    days = 14 if label == "assets-bucket" else 30
    assert lifecycle["noncurrentVersionExpiration"] == {"noncurrentDays": days}


@pytest.mark.parametrize("label", ["assets-bucket", "objects-bucket"])
def test_object_stores_log_their_access_into_the_log_bucket_under_their_name(plan: Plan, label: str) -> None:
    name = plan.one(BUCKET, label).outputs["bucket"]
    logging = setting(plan, LOGGING, label)
    assert (logging["targetBucket"], logging["targetPrefix"]) == (
        plan.one(BUCKET, "logs-bucket").outputs["bucket"],
        f"s3/{name}/",
    )


def test_cors_lets_only_the_app_origin_put_get_and_head(plan: Plan) -> None:
    (cors,) = [inputs(r) for r in plan.of_type(CORS)]
    assert cors["bucket"] == plan.one(BUCKET, "assets-bucket").outputs["bucket"]
    (rule,) = cors["corsRules"]
    assert rule["allowedOrigins"] == [APP_ORIGIN]
    assert sorted(rule["allowedMethods"]) == ["GET", "HEAD", "PUT"]
    assert "*" not in rule["allowedHeaders"]


@pytest.mark.parametrize("origin", ["http://app.example.org", "https://*.example.org", "https://app.example.org/"])
def test_an_upload_origin_that_is_not_one_exact_https_origin_is_refused(origin: str) -> None:
    with pytest.raises(Exception, match="exact https origins"):
        stores(upload_origins=[origin])


def test_a_bucket_a_distribution_serves_leaves_its_policy_to_the_distribution(plan: Plan) -> None:
    assert sorted(p.name for p in plan.of_type(BUCKET_POLICY)) == ["assets-bucket", "logs-bucket", "objects-bucket"]
    served = stores(served_by_cdn=True)
    assert sorted(p.name for p in served.of_type(BUCKET_POLICY)) == ["logs-bucket", "objects-bucket"]
    deny = statement_by_sid(policy(plan.one(BUCKET_POLICY, "objects-bucket")), "DenyInsecureTransport")
    arn = plan.one(BUCKET, "objects-bucket").outputs["arn"]
    assert (deny["Effect"], deny["Resource"]) == ("Deny", [arn, f"{arn}/*"])


def test_the_role_gets_exactly_get_put_delete_on_its_keys_and_the_key_through_s3_per_bucket(plan: Plan) -> None:
    statements = role_policies(plan, plan.one(ROLE, "api"))
    arns = {label: plan.one(BUCKET, f"{label}-bucket").outputs["arn"] for label in ("assets", "objects")}
    granted = {(a, r) for s in statements for a in s["Action"] for r in s["Resource"]}
    keys = {"assets": "media/*", "objects": "*"}
    objects = {(a, f"{arns[b]}/{keys[b]}") for b in arns for a in ("s3:DeleteObject", "s3:GetObject", "s3:PutObject")}
    assert granted == objects | {("kms:Decrypt", KEY_ARN), ("kms:GenerateDataKey", KEY_ARN)}
    key_use = [s for s in statements if s["Sid"] == "KeyThroughS3ForThisBucket"]
    assert sorted(tuple(s["Condition"]["ArnLike"]["kms:EncryptionContext:aws:s3:arn"]) for s in key_use) == sorted(
        (arn, f"{arn}/*") for arn in arns.values()
    )
    assert all(s["Condition"]["StringEquals"] == {"kms:ViaService": "s3.us-east-1.amazonaws.com"} for s in key_use)


def test_a_key_prefix_without_its_slash_is_refused() -> None:
    def program() -> None:
        logs = LogBucket("logs", LogBucketArgs(context=aws_context(), name_prefix="sc-test"))
        store = ObjectStore(
            "assets",
            ObjectStoreArgs(
                context=aws_context(), bucket_prefix="sc-test-assets-", kms_key_arn=KEY_ARN, log_bucket=logs
            ),
        )
        store.grant_read_write(aws.iam.Role("api", assume_role_policy="{}"), "api", key_prefix="media")

    with pytest.raises(Exception, match="key prefix 'media' must end with '/'"):
        run_component(program)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return stores()


def test_upload_cleanup_and_the_cors_cache_time_follow_the_settings() -> None:
    plan = stores(settings=ObjectStoreSettings(abort_incomplete_upload_days=3, cors_max_age_seconds=600))
    (lifecycle,) = setting(plan, LIFECYCLE, "assets-bucket")["rules"]
    assert lifecycle["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 3}
    (cors,) = [inputs(r) for r in plan.of_type(CORS)]
    assert cors["corsRules"][0]["maxAgeSeconds"] == 600

"""LogBucket and ObjectStore under mocks: every bucket private, versioned, TLS only and expiring what it should;
the log bucket on SSE-S3 and open to exactly its three writers; object stores on the stack key, with CORS for the
app origin only and grants of exactly the object actions the API needs."""

from __future__ import annotations

from typing import Any

import pulumi_aws as aws
import pytest

from components.log_bucket import ALB_PREFIX, CLOUDFRONT_PREFIX, S3_PREFIX, LogBucket, LogBucketArgs
from components.object_store import ObjectStore, ObjectStoreArgs
from offline.harness import Plan
from tests.support import aws_context, inputs, run_component
from tests.support.edge import BUCKET, BUCKET_POLICY, KEY_ARN, ROLE, policy, role_policies, statement_by_sid

APP_ORIGIN = "https://app.example.org"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
CORS = "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration"
LOGGING = "aws:s3/bucketLogging:BucketLogging"


def stores(**assets: Any) -> Plan:
    def program() -> None:
        logs = LogBucket(
            "logs",
            LogBucketArgs(
                context=aws_context(),
                name_prefix="sc-test",
                expiry_days={ALB_PREFIX: 30, CLOUDFRONT_PREFIX: 60, S3_PREFIX: 90},
            ),
        )
        base: dict[str, Any] = {
            "context": aws_context(),
            "bucket_prefix": "sc-test-assets-",
            "kms_key_arn": KEY_ARN,
            "log_bucket": logs,
            "upload_origins": [APP_ORIGIN],
            "noncurrent_version_days": 14,
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


@pytest.fixture(scope="module")
def plan() -> Plan:
    return stores()


def setting(plan: Plan, type_token: str, bucket_label: str) -> dict[str, Any]:
    name = plan.one(BUCKET, bucket_label).outputs["bucket"]
    (found,) = [inputs(r) for r in plan.of_type(type_token) if inputs(r)["bucket"] == name]
    return found


def test_the_log_bucket_is_sse_s3_because_alb_and_s3_access_logs_accept_nothing_else(plan: Plan) -> None:
    assert inputs(plan.one(BUCKET, "logs-bucket"))["bucketPrefix"] == "sc-test-logs-"
    (rule,) = setting(plan, SSE, "logs-bucket")["rules"]
    assert rule["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}
    assert setting(plan, "aws:s3/bucketVersioning:BucketVersioning", "logs-bucket")["versioningConfiguration"] == {
        "status": "Enabled"
    }
    assert setting(plan, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", "logs-bucket")["rule"] == {
        "objectOwnership": "BucketOwnerEnforced"
    }


def test_each_log_prefix_expires_after_its_own_days(plan: Plan) -> None:
    rules = {r["filter"]["prefix"]: r for r in setting(plan, LIFECYCLE, "logs-bucket")["rules"]}
    assert {prefix: r["expiration"]["days"] for prefix, r in rules.items()} == {
        "alb/": 30,
        "cloudfront/": 60,
        "s3/": 90,
    }
    assert all(r["noncurrentVersionExpiration"]["noncurrentDays"] == 1 for r in rules.values())


def test_the_log_bucket_lets_in_exactly_its_three_writers_each_under_its_prefix(plan: Plan) -> None:
    arn = plan.one(BUCKET, "logs-bucket").outputs["arn"]
    statements = policy(plan.one(BUCKET_POLICY, "logs-bucket"))
    deny = statement_by_sid(statements, "DenyInsecureTransport")
    assert (deny["Effect"], deny["Resource"]) == ("Deny", [arn, f"{arn}/*"])
    writes = {
        (s["Sid"], json_principal(s), r)
        for s in statements
        if s["Effect"] == "Allow" and "s3:PutObject" in s["Action"]
        for r in s["Resource"]
    }
    assert writes == {
        ("ElbWritesAccessLogs", "arn:aws:iam::127311923021:root", f"{arn}/alb/AWSLogs/123456789012/*"),
        ("LogDeliveryWrite", "delivery.logs.amazonaws.com", f"{arn}/cloudfront/*"),
        ("S3ServerAccessLogsWrite", "logging.s3.amazonaws.com", f"{arn}/s3/*"),
    }
    cloudfront = statement_by_sid(statements, "LogDeliveryWrite")["Condition"]
    assert cloudfront["ArnLike"] == {"aws:SourceArn": "arn:aws:logs:us-east-1:123456789012:delivery-source:sc-test-*"}
    s3 = statement_by_sid(statements, "S3ServerAccessLogsWrite")["Condition"]
    assert s3 == {
        "StringEquals": {"aws:SourceAccount": "123456789012"},
        "ArnLike": {"aws:SourceArn": "arn:aws:s3:::sc-test-*"},
    }


def json_principal(s: dict[str, Any]) -> str:
    (value,) = s["Principal"].values()
    return str(value)


def test_an_expiry_for_a_prefix_no_writer_uses_is_refused() -> None:
    with pytest.raises(Exception, match=r"no writer uses the prefixes \['elb'\]"):
        run_component(lambda: LogBucket("logs", LogBucketArgs(aws_context(), "sc-test", {"elb": 30})))


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


def test_every_child_is_parented_to_its_component(plan: Plan) -> None:
    for component, label in (("socialclub:storage:LogBucket", "logs"), ("socialclub:storage:ObjectStore", "assets")):
        urn = next(r.urn for r in plan.of_type(component) if r.name == label)
        children = [r for r in plan.resources if r.custom and r.name.startswith(f"{label}-")]
        assert children and all(r.parent == urn for r in children), label

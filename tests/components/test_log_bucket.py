"""LogBucket under mocks: SSE-S3 (the only encryption ALB and S3 access logs accept), each prefix expiring after its
own days, open to exactly its three writers."""

from __future__ import annotations

from typing import Any

import pytest

from components.log_bucket import LogBucket, LogBucketArgs
from offline.harness import Plan
from tests.support import aws_context, inputs, run_component
from tests.support.edge import BUCKET, BUCKET_POLICY
from tests.support.iam import policy, statement_by_sid
from tests.support.storage import LIFECYCLE, SSE, setting, stores


@pytest.fixture(scope="module")
def plan() -> Plan:
    return stores()


def test_the_log_bucket_is_sse_s3_because_alb_and_s3_access_logs_accept_nothing_else(plan: Plan) -> None:
    assert inputs(plan.one(BUCKET, "logs-bucket"))["bucketPrefix"] == "sc-test-logs-"
    (rule,) = setting(plan, SSE, "logs-bucket")["rules"]
    assert rule["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}
    # An S3 bucket key is a KMS feature: it has no meaning for SSE-S3.
    assert rule["bucketKeyEnabled"] is False
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


def test_every_child_is_parented_to_its_component(plan: Plan) -> None:
    for component, label in (("socialclub:storage:LogBucket", "logs"), ("socialclub:storage:ObjectStore", "assets")):
        urn = next(r.urn for r in plan.of_type(component) if r.name == label)
        children = [r for r in plan.resources if r.custom and r.name.startswith(f"{label}-")]
        assert children and all(r.parent == urn for r in children), label

"""The four buckets of docs/requirements.md §2.1 in both real stacks: Frontend, Assets, Backend and Logs, their
settings, who writes to them, what the API's task role may do with them, and how viewers reach the media."""

from __future__ import annotations

import json
from typing import Any

import pytest

from offline.harness import Plan
from tests.support import inputs, stack_config, stack_plan
from tests.support.edge import BUCKET, BUCKET_POLICY, DISTRIBUTION
from tests.support.iam import policy, statement_by_sid

STACKS = ["staging", "production"]
PURPOSES = {"frontend-assets": "frontend", "assets-bucket": "assets", "backend-objects-bucket": "backend"}
LOGS = "logs-bucket"
APP = {"staging": "staging-app", "production": "app"}
CDN = {"staging": "staging-cdn", "production": "cdn"}


def per_bucket(plan: Plan, type_token: str) -> dict[str, dict[str, Any]]:
    """The one `type_token` setting of each bucket, by the bucket's resource name."""
    names = {b.outputs["bucket"]: b.name for b in plan.of_type(BUCKET)}
    found: dict[str, dict[str, Any]] = {}
    for r in plan.of_type(type_token):
        label = names[inputs(r)["bucket"]]
        assert label not in found, f"{label}: two {type_token}"
        found[label] = inputs(r)
    return found


@pytest.mark.parametrize("stack", STACKS)
def test_four_buckets_each_private_versioned_tls_only_and_named_for_the_deploy_roles_fence(stack: str) -> None:
    plan = stack_plan(stack)
    buckets = {b.name: b for b in plan.of_type(BUCKET)}
    assert set(buckets) == {*PURPOSES, LOGS}
    for label, purpose in {**PURPOSES, LOGS: "logs"}.items():
        assert inputs(buckets[label])["bucketPrefix"] == f"socialclub-{stack}-{purpose}-"
        assert buckets[label].protect is (stack == "production"), label
    blocks = per_bucket(plan, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    versioning = per_bucket(plan, "aws:s3/bucketVersioning:BucketVersioning")
    policies = {p.name: policy(p) for p in plan.of_type(BUCKET_POLICY)}
    for label, bucket in buckets.items():
        assert all(blocks[label][k] for k in ("blockPublicAcls", "blockPublicPolicy", "restrictPublicBuckets"))
        assert versioning[label]["versioningConfiguration"]["status"] == "Enabled"
        arn = bucket.outputs["arn"]
        covering = [
            s for p in policies.values() for s in p if s.get("Sid") == "DenyInsecureTransport" and arn in s["Resource"]
        ]
        assert len(covering) == 1 and covering[0]["Resource"] == [arn, f"{arn}/*"], label


@pytest.mark.parametrize("stack", STACKS)
def test_every_bucket_but_the_log_bucket_uses_the_stack_key(stack: str) -> None:
    plan = stack_plan(stack)
    key = plan.one("aws:kms/key:Key").outputs["arn"]
    sse = per_bucket(plan, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    by_default = {label: s["rules"][0]["applyServerSideEncryptionByDefault"] for label, s in sse.items()}
    assert by_default == {
        **{label: {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": key} for label in PURPOSES},
        LOGS: {"sseAlgorithm": "AES256"},
    }


@pytest.mark.parametrize("stack", STACKS)
def test_one_log_bucket_takes_alb_cloudfront_and_s3_access_logs_each_expiring_as_configured(stack: str) -> None:
    plan, config = stack_plan(stack), stack_config(stack)
    logs = plan.one(BUCKET, LOGS).outputs
    assert inputs(plan.one("aws:lb/loadBalancer:LoadBalancer"))["accessLogs"] == {
        "bucket": logs["bucket"],
        "prefix": "alb",
        "enabled": True,
    }
    destination = inputs(plan.one("aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination"))
    assert destination["deliveryDestinationConfiguration"]["destinationResourceArn"] == f"{logs['arn']}/cloudfront"
    logging = per_bucket(plan, "aws:s3/bucketLogging:BucketLogging")
    assert set(logging) == set(PURPOSES)
    for label, target in logging.items():
        name = plan.one(BUCKET, label).outputs["bucket"]
        assert (target["targetBucket"], target["targetPrefix"]) == (logs["bucket"], f"s3/{name}/")
    rules = per_bucket(plan, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")[LOGS]["rules"]
    assert {r["filter"]["prefix"]: r["expiration"]["days"] for r in rules} == {
        "alb/": config.service.access_log_retention_days,
        "cloudfront/": config.frontend.log_retention_days,
        "s3/": config.storage.logs.s3_access_log_retention_days,
    }
    assert plan.outputs["logBucketName"] == plan.outputs["albLogBucket"] == logs["bucket"]


@pytest.mark.parametrize("stack", STACKS)
def test_only_the_app_origin_may_upload_to_the_assets_bucket_and_the_app_may_send_there(stack: str) -> None:
    plan = stack_plan(stack)
    (cors,) = [inputs(r) for r in plan.of_type("aws:s3/bucketCorsConfiguration:BucketCorsConfiguration")]
    assert cors["bucket"] == plan.one(BUCKET, "assets-bucket").outputs["bucket"]
    (rule,) = cors["corsRules"]
    assert rule["allowedOrigins"] == [f"https://{APP[stack]}.socialclub.example.com"]
    assert sorted(rule["allowedMethods"]) == ["GET", "HEAD", "PUT"]
    # ...and the app's Content-Security-Policy lets its scripts send the upload there, and to no other bucket.
    headers = inputs(plan.one("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy"))
    csp = headers["securityHeadersConfig"]["contentSecurityPolicy"]["contentSecurityPolicy"]
    (connect,) = [d.split()[1:] for d in csp.split("; ") if d.startswith("connect-src ")]
    upload = f"https://{plan.one(BUCKET, 'assets-bucket').outputs['bucketRegionalDomainName']}"
    assert [o for o in connect if "amazonaws.com" in o] == [upload]


@pytest.mark.parametrize("stack", STACKS)
def test_media_is_served_by_the_distribution_under_media_and_never_rewritten_to_the_app(stack: str) -> None:
    plan = stack_plan(stack)
    d = inputs(plan.one(DISTRIBUTION))
    assets = plan.one(BUCKET, "assets-bucket").outputs
    (behaviour,) = d["orderedCacheBehaviors"]
    assert behaviour["pathPattern"] == "/media/*"
    (origin,) = [o for o in d["origins"] if o["originId"] == behaviour["targetOriginId"]]
    assert origin["domainName"] == assets["bucketRegionalDomainName"]
    assert origin["originAccessControlId"] != next(o for o in d["origins"] if o is not origin)["originAccessControlId"]
    assert not d.get("customErrorResponses") and "functionAssociations" not in behaviour
    read = statement_by_sid(policy(plan.one(BUCKET_POLICY, "frontend-media")), "CloudFrontReadsThroughOac")
    assert read["Resource"] == [f"{assets['arn']}/*"]
    assert read["Condition"] == {"StringEquals": {"AWS:SourceArn": plan.one(DISTRIBUTION).outputs["arn"]}}


def task_statements(plan: Plan) -> list[dict[str, Any]]:
    role_id = plan.one("aws:iam/role:Role", "backend-task").outputs["id"]
    return [
        s
        for p in plan.of_type("aws:iam/rolePolicy:RolePolicy")
        if inputs(p)["role"] == role_id
        for s in json.loads(inputs(p)["policy"])["Statement"]
    ]


@pytest.mark.parametrize("stack", STACKS)
def test_the_task_role_has_exactly_these_s3_actions(stack: str) -> None:
    plan = stack_plan(stack)
    arn = {label: plan.one(BUCKET, label).outputs["arn"] for label in PURPOSES}
    granted = {
        (action, resource)
        for s in task_statements(plan)
        for action in s["Action"]
        if action.startswith("s3:")
        for resource in s["Resource"]
    }
    read_write = {"s3:DeleteObject", "s3:GetObject", "s3:PutObject"}
    assert granted == {
        # docs/requirements.md §6.1: "s3:GetObject (frontend assets)".
        ("s3:GetObject", f"{arn['frontend-assets']}/*"),
        ("s3:ListBucket", arn["frontend-assets"]),
        # Media only under the key prefix the distribution serves.
        *((a, f"{arn['assets-bucket']}/media/*") for a in read_write),
        *((a, f"{arn['backend-objects-bucket']}/*") for a in read_write),
    }
    key_use = [s for s in task_statements(plan) if s.get("Sid") == "KeyThroughS3ForThisBucket"]
    assert len(key_use) == 2
    assert all(s["Condition"]["StringEquals"] == {"kms:ViaService": "s3.us-east-1.amazonaws.com"} for s in key_use)


@pytest.mark.parametrize("stack", STACKS)
def test_the_api_is_told_its_buckets_and_the_public_media_url(stack: str) -> None:
    plan = stack_plan(stack)
    (container,) = json.loads(
        inputs(plan.one("aws:ecs/taskDefinition:TaskDefinition", "backend-task"))["containerDefinitions"]
    )
    env = {e["name"]: e["value"] for e in container["environment"]}
    assert (
        env["ASSETS_BUCKET"] == plan.outputs["assetsBucketName"] == plan.one(BUCKET, "assets-bucket").outputs["bucket"]
    )
    assert env["BACKEND_BUCKET"] == plan.outputs["backendBucketName"]
    assert env["BACKEND_BUCKET"] == plan.one(BUCKET, "backend-objects-bucket").outputs["bucket"]
    assert env["ASSETS_PUBLIC_URL"] == f"https://{CDN[stack]}.socialclub.example.com/media"
    assert env["ASSETS_KEY_PREFIX"] == "media/"

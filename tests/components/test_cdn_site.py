"""CdnSite under mocks: a private bucket only its distribution reads, and a distribution that is TLS-only,
HTTP/3, compressed, cached per stack, SPA-aware, with security headers and v2 access logs."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pulumi_aws as aws
import pytest

from components.cdn_site import CdnSite, MediaOrigin, default_content_security_policy
from offline.harness import Plan
from stackconfig.edge import GeoRestrictionConfig
from tests.support import inputs, run_component
from tests.support.edge import (
    BUCKET,
    BUCKET_POLICY,
    CLOUDFRONT_CERT_ARN,
    DISTRIBUTION,
    KEY_ARN,
    site_args,
    site_with_grants,
)
from tests.support.iam import ROLE, policy, role_policies, statement_by_sid


@pytest.fixture(scope="module")
def plan() -> Plan:
    return run_component(site_with_grants())


def bucket_settings(plan: Plan, bucket_name: str, type_token: str) -> dict[str, Any]:
    found = [inputs(r) for r in plan.of_type(type_token) if inputs(r)["bucket"] == bucket_name]
    assert len(found) == 1, f"{bucket_name}: expected one {type_token}"
    return found[0]


def assets_bucket(plan: Plan) -> str:
    bucket = plan.one(BUCKET, "site-assets")
    assert inputs(bucket)["bucketPrefix"] == "sc-test-frontend-"
    assert inputs(bucket)["forceDestroy"] is False
    return str(bucket.outputs["bucket"])


def test_assets_bucket_is_private_versioned_and_kms_encrypted(plan: Plan) -> None:
    name = assets_bucket(plan)
    block = bucket_settings(plan, name, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert all(
        block[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )
    owner = bucket_settings(plan, name, "aws:s3/bucketOwnershipControls:BucketOwnershipControls")
    assert owner["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    versioning = bucket_settings(plan, name, "aws:s3/bucketVersioning:BucketVersioning")
    assert versioning["versioningConfiguration"]["status"] == "Enabled"
    sse = bucket_settings(
        plan, name, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    )
    assert sse["rules"] == [
        {
            "applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY_ARN},
            "bucketKeyEnabled": True,
        }
    ]
    lifecycle = bucket_settings(plan, name, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
    assert lifecycle["rules"][0]["noncurrentVersionExpiration"]["noncurrentDays"] == 30


def test_assets_policy_denies_plain_http_and_lets_only_this_distribution_read(plan: Plan) -> None:
    name = assets_bucket(plan)
    bucket_arn = f"arn:aws:s3:::{name}"
    distribution_arn = plan.one(DISTRIBUTION).outputs["arn"]
    statements = policy(plan.one(BUCKET_POLICY, "site-assets"))
    tls = statement_by_sid(statements, "DenyInsecureTransport")
    assert tls["Effect"] == "Deny"
    assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert set(tls["Resource"]) == {bucket_arn, f"{bucket_arn}/*"}
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert allows == [
        {
            "Sid": "CloudFrontReadsThroughOac",
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Resource": [f"{bucket_arn}/*"],
            "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}},
        }
    ]


def test_origin_access_control_signs_every_request_with_sigv4(plan: Plan) -> None:
    oac = plan.one("aws:cloudfront/originAccessControl:OriginAccessControl")
    assert {k: inputs(oac)[k] for k in ("originAccessControlOriginType", "signingBehavior", "signingProtocol")} == {
        "originAccessControlOriginType": "s3",
        "signingBehavior": "always",
        "signingProtocol": "sigv4",
    }
    origin = inputs(plan.one(DISTRIBUTION))["origins"][0]
    assert origin["originAccessControlId"] == oac.outputs["id"]
    assert origin["domainName"].startswith(assets_bucket(plan) + ".s3.")
    assert "s3OriginConfig" not in origin and "customOriginConfig" not in origin


def test_distribution_serves_tls12_plus_http3_compressed_with_redirect(plan: Plan) -> None:
    d = inputs(plan.one(DISTRIBUTION))
    assert d["aliases"] == ["app.example.org", "cdn.example.org"]
    assert d["viewerCertificate"] == {
        "acmCertificateArn": CLOUDFRONT_CERT_ARN,
        "sslSupportMethod": "sni-only",
        "minimumProtocolVersion": "TLSv1.2_2021",
    }
    assert d["httpVersion"] == "http2and3"
    assert d["isIpv6Enabled"] is True
    behavior = d["defaultCacheBehavior"]
    assert behavior["viewerProtocolPolicy"] == "redirect-to-https"
    assert behavior["compress"] is True
    assert behavior["allowedMethods"] == ["GET", "HEAD", "OPTIONS"]
    assert "forwardedValues" not in behavior and "defaultTtl" not in behavior


def run_viewer_request(code: str, uris: list[str]) -> list[str]:
    """The URIs a CloudFront viewer-request function's code sends on, run under node (cloudfront-js-2.0 is a subset
    of ECMAScript that node runs as is)."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = (
        code + "\nconsole.log(JSON.stringify(JSON.parse(process.argv[1]).map(u => handler({request: {uri: u}}).uri)));"
    )
    out = subprocess.run([node, "-e", script, json.dumps(uris)], capture_output=True, text=True, check=True, timeout=30)
    result: list[str] = json.loads(out.stdout)
    return result


def test_spa_routes_are_rewritten_by_a_function_on_the_default_behaviour_only(plan: Plan) -> None:
    d = inputs(plan.one(DISTRIBUTION))
    assert d["defaultRootObject"] == "index.html"
    # Custom error responses would answer every origin's 403/404 (a missing media object) with index.html.
    assert not d.get("customErrorResponses")
    function = plan.one("aws:cloudfront/function:Function")
    assert (inputs(function)["runtime"], inputs(function)["publish"]) == ("cloudfront-js-2.0", True)
    code = inputs(function)["code"]
    assert d["defaultCacheBehavior"]["functionAssociations"] == [
        {"eventType": "viewer-request", "functionArn": function.outputs["arn"]}
    ]
    routes = ["/groups/42", "/", "/venues/7/edit"]
    files = ["/assets/app.3f2a.js", "/robots.txt", "/media/u/1/avatar.webp"]
    assert run_viewer_request(code, routes + files) == ["/index.html"] * len(routes) + files


def test_media_is_a_second_origin_under_its_own_path_and_read_only_by_this_distribution() -> None:
    def program() -> None:
        media = aws.s3.Bucket("media", bucket_prefix="sc-test-assets-")
        CdnSite("site", site_args(media=MediaOrigin(media, "/media/*")))

    plan = run_component(program)
    d = inputs(plan.one(DISTRIBUTION))
    media = plan.one(BUCKET, "media")
    (origin,) = [o for o in d["origins"] if o["originId"] == "media"]
    assert origin["domainName"] == media.outputs["bucketRegionalDomainName"]
    oac = plan.one("aws:cloudfront/originAccessControl:OriginAccessControl", "site-media-oac")
    assert origin["originAccessControlId"] == oac.outputs["id"]
    assert (inputs(oac)["signingBehavior"], inputs(oac)["originAccessControlOriginType"]) == ("always", "s3")
    (behaviour,) = d["orderedCacheBehaviors"]
    assert (behaviour["pathPattern"], behaviour["targetOriginId"]) == ("/media/*", "media")
    assert behaviour["viewerProtocolPolicy"] == "redirect-to-https"
    assert behaviour["allowedMethods"] == ["GET", "HEAD", "OPTIONS"]
    assert "functionAssociations" not in behaviour, "the SPA rewrite must not touch media paths"
    statements = policy(plan.one(BUCKET_POLICY, "site-media"))
    assert statement_by_sid(statements, "DenyInsecureTransport")["Effect"] == "Deny"
    read = statement_by_sid(statements, "CloudFrontReadsThroughOac")
    assert read["Resource"] == [f"{media.outputs['arn']}/*"]
    assert read["Condition"] == {"StringEquals": {"AWS:SourceArn": plan.one(DISTRIBUTION).outputs["arn"]}}


@pytest.mark.parametrize("ttl", [3600, 86400])
def test_cache_policy_carries_the_default_ttl(ttl: int) -> None:
    plan = run_component(site_with_grants(default_ttl_seconds=ttl))
    cache = plan.one("aws:cloudfront/cachePolicy:CachePolicy")
    assert (inputs(cache)["defaultTtl"], inputs(cache)["minTtl"], inputs(cache)["maxTtl"]) == (ttl, 0, 31536000)
    key = inputs(cache)["parametersInCacheKeyAndForwardedToOrigin"]
    assert key["enableAcceptEncodingBrotli"] is True and key["enableAcceptEncodingGzip"] is True
    assert key["cookiesConfig"]["cookieBehavior"] == "none"
    assert key["queryStringsConfig"]["queryStringBehavior"] == "none"
    assert inputs(plan.one(DISTRIBUTION))["defaultCacheBehavior"]["cachePolicyId"] == cache.outputs["id"]


def test_security_headers(plan: Plan) -> None:
    headers = plan.one("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy")
    sec = inputs(headers)["securityHeadersConfig"]
    hsts = sec["strictTransportSecurity"]
    assert hsts["accessControlMaxAgeSec"] >= 31536000
    assert hsts["includeSubdomains"] is True and hsts["preload"] is True and hsts["override"] is True
    assert sec["contentTypeOptions"]["override"] is True
    assert sec["frameOptions"]["frameOption"] == "DENY"
    assert sec["referrerPolicy"]["referrerPolicy"] == "strict-origin-when-cross-origin"
    csp = sec["contentSecurityPolicy"]["contentSecurityPolicy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "connect-src 'self' https://api.example.org" in csp
    assert inputs(plan.one(DISTRIBUTION))["defaultCacheBehavior"]["responseHeadersPolicyId"] == headers.outputs["id"]


def test_a_short_hsts_is_refused() -> None:
    with pytest.raises(Exception, match="greater than or equal to 31536000"):
        run_component(site_with_grants(hsts_max_age_seconds=86400))


def test_default_csp_lists_only_self_and_the_given_origins() -> None:
    csp = default_content_security_policy(["https://api.x"])
    assert "default-src 'self'" in csp
    assert "'unsafe-eval'" not in csp
    assert default_content_security_policy([]).count("connect-src 'self';") == 1


def test_price_class_geo_restriction_and_web_acl_come_from_arguments() -> None:
    acl = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/edge/abc"
    plan = run_component(
        site_with_grants(
            price_class="PriceClass_200",
            geo_restriction=GeoRestrictionConfig(type="whitelist", locations=["US", "CA"]),
            web_acl_arn=acl,
        )
    )
    d = inputs(plan.one(DISTRIBUTION))
    assert d["priceClass"] == "PriceClass_200"
    assert d["restrictions"]["geoRestriction"] == {"restrictionType": "whitelist", "locations": ["US", "CA"]}
    assert d["webAclId"] == acl


def test_no_geo_restriction_and_no_web_acl_by_default(plan: Plan) -> None:
    d = inputs(plan.one(DISTRIBUTION))
    assert d["restrictions"]["geoRestriction"]["restrictionType"] == "none"
    assert "webAclId" not in d
    assert d["priceClass"] == "PriceClass_100"


def test_access_logs_v2_into_the_stacks_log_bucket_under_cloudfront(plan: Plan) -> None:
    logs = plan.one(BUCKET, "logs-bucket")
    source = plan.one("aws:cloudwatch/logDeliverySource:LogDeliverySource")
    assert inputs(source)["resourceArn"] == plan.one(DISTRIBUTION).outputs["arn"]
    assert (inputs(source)["logType"], inputs(source)["region"]) == ("ACCESS_LOGS", "us-east-1")
    destination = plan.one("aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination")
    assert (
        inputs(destination)["deliveryDestinationConfiguration"]["destinationResourceArn"]
        == f"{logs.outputs['arn']}/cloudfront"
    )
    delivery = plan.one("aws:cloudwatch/logDelivery:LogDelivery")
    assert inputs(delivery)["deliveryDestinationArn"] == destination.outputs["arn"]
    assert inputs(delivery)["deliverySourceName"] == inputs(source)["name"]
    # The log bucket's policy admits the source by its name (sc-test-...), so the delivery waits for it.
    assert inputs(source)["name"].startswith("sc-test-")
    assert plan.one(BUCKET_POLICY, "logs-bucket").urn in delivery.dependencies
    assert "loggingConfig" not in inputs(plan.one(DISTRIBUTION))
    # The frontend bucket's own S3 access logs go to the same bucket.
    frontend = plan.one(BUCKET, "site-assets").outputs["bucket"]
    logging = bucket_settings(plan, frontend, "aws:s3/bucketLogging:BucketLogging")
    assert (logging["targetBucket"], logging["targetPrefix"]) == (logs.outputs["bucket"], f"s3/{frontend}/")


def test_grant_read_is_get_and_list_with_decrypt_through_s3_only(plan: Plan) -> None:
    bucket_arn = plan.one(BUCKET, "site-assets").outputs["arn"]
    statements = role_policies(plan, plan.one(ROLE, "reader"))
    assert {(a, r) for s in statements for a in s["Action"] for r in s["Resource"]} == {
        ("s3:ListBucket", bucket_arn),
        ("s3:GetObject", f"{bucket_arn}/*"),
        ("kms:Decrypt", KEY_ARN),
    }
    kms = statement_by_sid(statements, "KeyThroughS3")
    assert kms["Condition"] == {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}


def test_grant_deploy_syncs_the_bucket_and_invalidates_only_this_distribution(plan: Plan) -> None:
    bucket_arn = plan.one(BUCKET, "site-assets").outputs["arn"]
    distribution_arn = plan.one(DISTRIBUTION).outputs["arn"]
    statements = role_policies(plan, plan.one(ROLE, "deployer"))
    granted = {(a, r) for s in statements for a in s["Action"] for r in s["Resource"]}
    assert granted == {
        ("s3:ListBucket", bucket_arn),
        ("s3:GetObject", f"{bucket_arn}/*"),
        ("s3:PutObject", f"{bucket_arn}/*"),
        ("s3:DeleteObject", f"{bucket_arn}/*"),
        ("kms:Decrypt", KEY_ARN),
        ("kms:GenerateDataKey", KEY_ARN),
        ("cloudfront:CreateInvalidation", distribution_arn),
        ("cloudfront:GetInvalidation", distribution_arn),
    }


def test_every_child_is_parented_to_the_component(plan: Plan) -> None:
    site = plan.one("socialclub:edge:CdnSite")
    custom = [r for r in plan.resources if r.custom and r.type != ROLE and "site-" in r.name]
    assert custom and all(r.parent == site.urn for r in custom)


def test_the_frontend_bucket_is_protected_unless_turned_off(plan: Plan) -> None:
    assert plan.one(BUCKET, "site-assets").protect
    assert not plan.one(DISTRIBUTION).protect
    assert not run_component(site_with_grants(protect=False)).one(BUCKET, "site-assets").protect

"""CdnSite: a single-page app served by CloudFront from a private, KMS-encrypted S3 bucket.

Only this distribution can read the bucket (Origin Access Control, SigV4), viewers get TLS 1.2+ over HTTP/2
or HTTP/3 with security headers, unknown paths fall back to index.html, and access logs go to a log bucket
through CloudFront's standard logging v2 (a CloudWatch Logs delivery, no bucket ACLs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pulumi
import pulumi_aws as aws

from components.aws_context import AwsContext
from components.certificate import CLOUDFRONT_REGION
from components.iam_documents import Statement, document, statement
from components.private_bucket import PrivateBucketArgs, bucket_policy, private_bucket

ORIGIN_ID = "assets"
SPA_FALLBACK_CODES = (403, 404)
"""S3 answers 403 for a missing key when the reader may not list the bucket, 404 when it may."""


def default_content_security_policy(connect_origins: Sequence[str]) -> str:
    """Same-origin everything, no framing, no plugins; scripts may call `connect_origins` (the API)."""
    connect = " ".join(["'self'", *connect_origins])
    return "; ".join(
        [
            "default-src 'self'",
            "base-uri 'self'",
            "object-src 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
            "script-src 'self'",
            # Most SPA toolchains inject style attributes at runtime.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: https:",
            "font-src 'self' data:",
            f"connect-src {connect}",
            "upgrade-insecure-requests",
        ]
    )


def origin_read_statement(bucket_arn: pulumi.Input[str], distribution_arn: pulumi.Input[str]) -> Statement:
    """CloudFront may read objects only on behalf of this distribution (the OAC confused-deputy guard)."""
    return statement(
        ["s3:GetObject"],
        [pulumi.Output.concat(bucket_arn, "/*")],
        sid="CloudFrontReadsThroughOac",
        principal={"Service": "cloudfront.amazonaws.com"},
        conditions={"StringEquals": {"AWS:SourceArn": distribution_arn}},
    )


def log_delivery_statements(
    bucket_arn: pulumi.Input[str], account_id: pulumi.Input[str], source_arn: pulumi.Input[str]
) -> list[Statement]:
    """What CloudWatch Logs' delivery service needs to write one delivery source's logs into the bucket."""
    conditions_for_source = {
        "StringEquals": {"aws:SourceAccount": account_id},
        "ArnLike": {"aws:SourceArn": source_arn},
    }
    return [
        statement(
            ["s3:PutObject"],
            [pulumi.Output.concat(bucket_arn, "/AWSLogs/", account_id, "/*")],
            sid="LogDeliveryWrite",
            principal={"Service": "delivery.logs.amazonaws.com"},
            conditions={
                "StringEquals": {"aws:SourceAccount": account_id, "s3:x-amz-acl": "bucket-owner-full-control"},
                "ArnLike": {"aws:SourceArn": source_arn},
            },
        ),
        statement(
            ["s3:GetBucketAcl", "s3:ListBucket"],
            [bucket_arn],
            sid="LogDeliveryCheck",
            principal={"Service": "delivery.logs.amazonaws.com"},
            conditions=conditions_for_source,
        ),
    ]


@dataclass(frozen=True)
class GeoRestriction:
    type: Literal["none", "whitelist", "blacklist"] = "none"
    locations: Sequence[str] = ()
    """ISO 3166-1 alpha-2 country codes; empty when type is none."""


@dataclass(frozen=True)
class CdnSiteArgs:
    context: AwsContext
    name_prefix: str
    """Leads the physical names (bucket prefixes, policy names), e.g. `socialclub-production`."""
    aliases: Sequence[str]
    """Host names served, e.g. app.socialclub.example.com and cdn.socialclub.example.com."""
    certificate_arn: pulumi.Input[str]
    """A validated ACM certificate in us-east-1 covering every alias."""
    kms_key_arn: pulumi.Input[str]
    """Encrypts both buckets; its key policy must let cloudfront.amazonaws.com decrypt for this account's
    distributions and delivery.logs.amazonaws.com write (KmsKey does both)."""
    default_ttl_seconds: int = 86400
    """Cache TTL when the origin sends no Cache-Control (seed: 3600 staging, 86400 production)."""
    max_ttl_seconds: int = 31536000
    min_ttl_seconds: int = 0
    price_class: str = "PriceClass_100"
    geo_restriction: GeoRestriction = GeoRestriction()
    web_acl_arn: pulumi.Input[str] | None = None
    """A WAFv2 web ACL with scope CLOUDFRONT (in us-east-1) whose rules every viewer request passes; none by
    default."""
    connect_origins: Sequence[str] = ()
    """Origins the app's scripts may call (the API), for the default Content-Security-Policy."""
    content_security_policy: str | None = None
    """Replaces the default Content-Security-Policy entirely."""
    hsts_max_age_seconds: int = 63072000
    """Two years (default): what the HSTS preload list asks for; at least one year."""
    error_caching_seconds: int = 10
    """How long CloudFront caches the SPA fallback for a missing path (default 10 s, so new routes appear)."""
    noncurrent_version_days: int = 30
    """Previous builds stay restorable this long (default 30 days)."""
    log_retention_days: int = 90
    protect: bool = True
    """Pulumi `protect` on both buckets (production)."""


class CdnSite(pulumi.ComponentResource):
    """The frontend: assets bucket, distribution, its policies and access logs."""

    bucket_name: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]
    log_bucket_name: pulumi.Output[str]
    distribution_id: pulumi.Output[str]
    distribution_arn: pulumi.Output[str]
    distribution_domain_name: pulumi.Output[str]
    distribution_hosted_zone_id: pulumi.Output[str]

    def __init__(self, name: str, args: CdnSiteArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("socialclub:edge:CdnSite", name, None, opts)
        if args.hsts_max_age_seconds < 31536000:
            raise ValueError(f"CdnSite {name}: HSTS max-age must be at least one year (31536000 s)")
        self._name = name
        self._args = args
        child = pulumi.ResourceOptions(parent=self)
        prefix = args.name_prefix

        bucket = private_bucket(
            f"{name}-assets",
            PrivateBucketArgs(
                bucket_prefix=f"{prefix}-frontend-",
                kms_key_arn=args.kms_key_arn,
                noncurrent_version_days=args.noncurrent_version_days,
                protect=args.protect,
            ),
            self,
        )
        access = aws.cloudfront.OriginAccessControl(
            f"{name}-oac",
            name=f"{prefix}-frontend",
            description=f"{prefix}: CloudFront reads the frontend bucket with SigV4",
            origin_access_control_origin_type="s3",
            signing_behavior="always",
            signing_protocol="sigv4",
            opts=child,
        )
        cache = aws.cloudfront.CachePolicy(
            f"{name}-cache",
            name=f"{prefix}-frontend",
            comment="Static assets: nothing from the viewer in the cache key, compressed variants cached",
            default_ttl=args.default_ttl_seconds,
            max_ttl=args.max_ttl_seconds,
            min_ttl=args.min_ttl_seconds,
            parameters_in_cache_key_and_forwarded_to_origin=aws.cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginArgs(
                cookies_config=aws.cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginCookiesConfigArgs(
                    cookie_behavior="none"
                ),
                headers_config=aws.cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginHeadersConfigArgs(
                    header_behavior="none"
                ),
                query_strings_config=aws.cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginQueryStringsConfigArgs(
                    query_string_behavior="none"
                ),
                enable_accept_encoding_brotli=True,
                enable_accept_encoding_gzip=True,
            ),
            opts=child,
        )
        headers = aws.cloudfront.ResponseHeadersPolicy(
            f"{name}-headers",
            name=f"{prefix}-frontend-security",
            comment="HSTS, CSP, nosniff, no framing, strict referrer",
            security_headers_config=self._security_headers(),
            opts=child,
        )
        distribution = aws.cloudfront.Distribution(
            f"{name}-cdn",
            comment=f"{prefix} frontend",
            enabled=True,
            aliases=list(args.aliases),
            default_root_object="index.html",
            http_version="http2and3",
            is_ipv6_enabled=True,
            price_class=args.price_class,
            web_acl_id=args.web_acl_arn,
            origins=[
                aws.cloudfront.DistributionOriginArgs(
                    origin_id=ORIGIN_ID,
                    domain_name=bucket.bucket_regional_domain_name,
                    origin_access_control_id=access.id,
                )
            ],
            default_cache_behavior=aws.cloudfront.DistributionDefaultCacheBehaviorArgs(
                target_origin_id=ORIGIN_ID,
                viewer_protocol_policy="redirect-to-https",
                allowed_methods=["GET", "HEAD", "OPTIONS"],
                cached_methods=["GET", "HEAD"],
                compress=True,
                cache_policy_id=cache.id,
                response_headers_policy_id=headers.id,
            ),
            custom_error_responses=[
                aws.cloudfront.DistributionCustomErrorResponseArgs(
                    error_code=code,
                    response_code=200,
                    response_page_path="/index.html",
                    error_caching_min_ttl=args.error_caching_seconds,
                )
                for code in SPA_FALLBACK_CODES
            ],
            restrictions=aws.cloudfront.DistributionRestrictionsArgs(
                geo_restriction=aws.cloudfront.DistributionRestrictionsGeoRestrictionArgs(
                    restriction_type=args.geo_restriction.type,
                    locations=list(args.geo_restriction.locations),
                )
            ),
            viewer_certificate=aws.cloudfront.DistributionViewerCertificateArgs(
                acm_certificate_arn=args.certificate_arn,
                ssl_support_method="sni-only",
                minimum_protocol_version="TLSv1.2_2021",
            ),
            opts=child,
        )
        bucket_policy(f"{name}-assets", bucket, [origin_read_statement(bucket.arn, distribution.arn)], parent=self)
        self.log_bucket_name = self._access_logs(distribution)

        self.bucket_name = bucket.bucket
        self.bucket_arn = bucket.arn
        self.distribution_id = distribution.id
        self.distribution_arn = distribution.arn
        self.distribution_domain_name = distribution.domain_name
        self.distribution_hosted_zone_id = distribution.hosted_zone_id
        self.register_outputs(
            {
                "bucketName": self.bucket_name,
                "distributionId": self.distribution_id,
                "distributionDomainName": self.distribution_domain_name,
                "logBucketName": self.log_bucket_name,
            }
        )

    def _security_headers(self) -> aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigArgs:
        args = self._args
        policy = args.content_security_policy or default_content_security_policy(args.connect_origins)
        return aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigArgs(
            strict_transport_security=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigStrictTransportSecurityArgs(
                access_control_max_age_sec=args.hsts_max_age_seconds,
                include_subdomains=True,
                preload=True,
                override=True,
            ),
            content_security_policy=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigContentSecurityPolicyArgs(
                content_security_policy=policy, override=True
            ),
            content_type_options=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigContentTypeOptionsArgs(
                override=True
            ),
            frame_options=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigFrameOptionsArgs(
                frame_option="DENY", override=True
            ),
            referrer_policy=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigReferrerPolicyArgs(
                referrer_policy="strict-origin-when-cross-origin", override=True
            ),
            # `X-XSS-Protection: 0`: the browsers' old XSS auditor is gone or itself exploitable; CSP does the job.
            xss_protection=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigXssProtectionArgs(
                protection=False, override=True
            ),
        )

    def _access_logs(self, distribution: aws.cloudfront.Distribution) -> pulumi.Output[str]:
        """Standard logging v2: CloudFront -> CloudWatch Logs delivery (in us-east-1) -> the log bucket.

        Unlike legacy logging it needs no bucket ACLs, so the log bucket keeps ACLs disabled and SSE-KMS.
        """
        name, args = self._name, self._args
        child = pulumi.ResourceOptions(parent=self)
        logs = private_bucket(
            f"{name}-logs",
            PrivateBucketArgs(
                bucket_prefix=f"{args.name_prefix}-cdn-logs-",
                kms_key_arn=args.kms_key_arn,
                noncurrent_version_days=1,
                expire_after_days=args.log_retention_days,
                protect=args.protect,
            ),
            self,
        )
        source = aws.cloudwatch.LogDeliverySource(
            f"{name}-access-logs",
            name=f"{args.name_prefix}-frontend-cdn",
            log_type="ACCESS_LOGS",
            resource_arn=distribution.arn,
            region=CLOUDFRONT_REGION,
            opts=child,
        )
        policy = bucket_policy(
            f"{name}-logs",
            logs,
            log_delivery_statements(logs.arn, args.context.account_id, source.arn),
            parent=self,
        )
        destination = aws.cloudwatch.LogDeliveryDestination(
            f"{name}-access-logs",
            name=f"{args.name_prefix}-frontend-cdn-s3",
            output_format="json",
            delivery_destination_configuration=aws.cloudwatch.LogDeliveryDestinationDeliveryDestinationConfigurationArgs(
                destination_resource_arn=logs.arn
            ),
            region=CLOUDFRONT_REGION,
            opts=child,
        )
        aws.cloudwatch.LogDelivery(
            f"{name}-access-logs",
            delivery_source_name=source.name,
            delivery_destination_arn=destination.arn,
            s3_delivery_configurations=[
                aws.cloudwatch.LogDeliveryS3DeliveryConfigurationArgs(
                    enable_hive_compatible_path=False,
                    suffix_path="{DistributionId}/{yyyy}/{MM}/{dd}/{HH}",
                )
            ],
            region=CLOUDFRONT_REGION,
            # The bucket must accept the delivery service before the delivery is created.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )
        return logs.bucket

    def _kms_through_s3(self, actions: Sequence[str]) -> Statement:
        return statement(
            actions,
            [self._args.kms_key_arn],
            sid="KeyThroughS3",
            conditions={"StringEquals": {"kms:ViaService": self._args.context.service_endpoint("s3")}},
        )

    def grant_read(self, role: aws.iam.Role, label: str) -> aws.iam.RolePolicy:
        """Let `role` read the built assets (the backend reads the frontend bucket, per the seed)."""
        return aws.iam.RolePolicy(
            f"{self._name}-read-{label}",
            role=role.id,
            policy=document(
                statement(["s3:ListBucket"], [self.bucket_arn], sid="ListAssets"),
                statement(["s3:GetObject"], [pulumi.Output.concat(self.bucket_arn, "/*")], sid="ReadAssets"),
                self._kms_through_s3(["kms:Decrypt"]),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def grant_deploy(self, role: aws.iam.Role, label: str) -> aws.iam.RolePolicy:
        """Let `role` publish a build: `aws s3 sync --delete` into the bucket and invalidate the distribution."""
        return aws.iam.RolePolicy(
            f"{self._name}-deploy-{label}",
            role=role.id,
            policy=document(
                statement(["s3:ListBucket"], [self.bucket_arn], sid="ListAssets"),
                statement(
                    ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
                    [pulumi.Output.concat(self.bucket_arn, "/*")],
                    sid="SyncAssets",
                ),
                self._kms_through_s3(["kms:Decrypt", "kms:GenerateDataKey"]),
                statement(
                    ["cloudfront:CreateInvalidation", "cloudfront:GetInvalidation"],
                    [self.distribution_arn],
                    sid="InvalidateThisDistribution",
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

"""CdnSite: a single-page app served by CloudFront from a private, KMS-encrypted S3 bucket.

Only this distribution can read the bucket (Origin Access Control, SigV4), viewers get TLS 1.2+ over HTTP/2
or HTTP/3 with security headers, app routes (paths without a file extension) are served index.html, and access
logs go to the stack's log bucket through CloudFront's standard logging v2 (a CloudWatch Logs delivery, no bucket
ACLs). A second S3 origin, user media, may be served under its own path with its own Origin Access Control.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypedDict

import pulumi
import pulumi_aws as aws

from components.aws_context import AwsContext
from components.iam_documents import Statement, document, statement
from components.log_bucket import CLOUDFRONT_PREFIX, LogBucket
from components.private_bucket import PrivateBucketArgs, bucket_policy, private_bucket
from components.web_acl import WebAcl
from stackconfig.aws_facts import CLOUDFRONT_REGION
from stackconfig.edge import CdnSiteSettings
from stackconfig.storage import PrivateBucketSettings

ORIGIN_ID = "assets"
MEDIA_ORIGIN_ID = "media"

# The SPA's routes are paths without a file extension: the viewer asks for /groups/42, S3 holds index.html.
# A viewer-request function on the default behaviour only, not custom error responses: those apply to every
# origin of the distribution and would answer a missing media object with index.html and 200.
SPA_ROUTES_FUNCTION = """function handler(event) {
  var request = event.request;
  var last = request.uri.substring(request.uri.lastIndexOf("/") + 1);
  if (last.indexOf(".") === -1) {
    request.uri = "/index.html";
  }
  return request;
}
"""


def default_content_security_policy(connect_origins: Sequence[str]) -> str:
    """Same-origin everything, no framing, no plugins; scripts may call `connect_origins` (the API, the media
    bucket's endpoint for presigned uploads)."""
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


class Behaviour(TypedDict):
    """What the default and the media cache behaviours share."""

    viewer_protocol_policy: str
    allowed_methods: list[str]
    cached_methods: list[str]
    compress: bool
    cache_policy_id: pulumi.Output[str]
    response_headers_policy_id: pulumi.Output[str]


@dataclass(frozen=True)
class MediaOrigin:
    """A private bucket the distribution serves under `path_pattern`; CdnSite writes its bucket policy (TLS only,
    and reads by this distribution), so its owner must not (ObjectStoreArgs.served_by_cdn)."""

    bucket: aws.s3.Bucket
    """The media bucket (ObjectStore's, created with `served_by_cdn`); no default."""
    path_pattern: str = "/media/*"
    """Not /assets/*: the SPA's build puts its own files there."""


@dataclass(frozen=True)
class CdnSiteArgs:
    context: AwsContext
    """The stack's account, region, partition, role path and permissions boundary (AwsContext.lookup); no default."""
    name_prefix: str
    """Leads the physical names (bucket prefixes, policy names), e.g. `socialclub-production`."""
    aliases: Sequence[str]
    """Host names served, e.g. app.socialclub.example.com and cdn.socialclub.example.com."""
    certificate_arn: pulumi.Input[str]
    """A validated ACM certificate in us-east-1 covering every alias."""
    kms_key_arn: pulumi.Input[str]
    """Encrypts the frontend bucket; its key policy must let cloudfront.amazonaws.com decrypt for this account's
    distributions (KmsKey does)."""
    log_bucket: LogBucket
    """The stack's log bucket: CloudFront access logs under `cloudfront/`, the bucket's S3 access logs under
    `s3/`."""
    media: MediaOrigin | None = None
    """User media served under its own path (default none)."""
    web_acl: WebAcl | None = None
    """The stack's web ACL (scope CLOUDFRONT) whose rules every viewer request passes, unless
    `settings.web_acl_arn` names an existing one; default none."""
    connect_origins: Sequence[pulumi.Input[str]] = ()
    """Origins the app's scripts may call (the API, the media bucket for presigned uploads), for the default
    Content-Security-Policy (default none: same origin only)."""
    settings: CdnSiteSettings = field(default_factory=CdnSiteSettings)
    """TTLs, price class, geo restriction, headers, versions kept and protect (the `socialclub:frontend`
    section; default: production's)."""


class CdnSite(pulumi.ComponentResource):
    """The frontend: assets bucket, distribution, its policies and access logs."""

    bucket_name: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]
    distribution_id: pulumi.Output[str]
    distribution_arn: pulumi.Output[str]
    distribution_domain_name: pulumi.Output[str]
    distribution_hosted_zone_id: pulumi.Output[str]

    def __init__(self, name: str, args: CdnSiteArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("socialclub:edge:CdnSite", name, None, opts)
        self._name = name
        self._args = args
        child = pulumi.ResourceOptions(parent=self)
        prefix = args.name_prefix
        settings = args.settings

        bucket = private_bucket(
            f"{name}-assets",
            PrivateBucketArgs(
                bucket_prefix=f"{prefix}-frontend-",
                kms_key_arn=args.kms_key_arn,
                settings=PrivateBucketSettings(
                    noncurrent_version_days=settings.noncurrent_version_days, protect=settings.protect
                ),
            ),
            self,
        )
        access = self._origin_access_control(f"{name}-oac", prefix, "frontend")
        cache = aws.cloudfront.CachePolicy(
            f"{name}-cache",
            name=f"{prefix}-frontend",
            comment="Static assets: nothing from the viewer in the cache key, compressed variants cached",
            default_ttl=settings.default_ttl_seconds,
            max_ttl=settings.max_ttl_seconds,
            min_ttl=settings.min_ttl_seconds,
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
        spa_routes = aws.cloudfront.Function(
            f"{name}-spa-routes",
            name=f"{prefix}-spa-routes",
            comment="App routes (no file extension) are served index.html",
            runtime="cloudfront-js-2.0",
            code=SPA_ROUTES_FUNCTION,
            publish=True,
            opts=child,
        )
        # The app and the media are cached and served alike.
        behaviour = Behaviour(
            viewer_protocol_policy="redirect-to-https",
            allowed_methods=["GET", "HEAD", "OPTIONS"],
            cached_methods=["GET", "HEAD"],
            compress=True,
            cache_policy_id=cache.id,
            response_headers_policy_id=headers.id,
        )
        origins = [
            aws.cloudfront.DistributionOriginArgs(
                origin_id=ORIGIN_ID,
                domain_name=bucket.bucket_regional_domain_name,
                origin_access_control_id=access.id,
            )
        ]
        ordered: list[aws.cloudfront.DistributionOrderedCacheBehaviorArgs] = []
        if args.media is not None:
            media_access = self._origin_access_control(f"{name}-media-oac", prefix, "media")
            origins.append(
                aws.cloudfront.DistributionOriginArgs(
                    origin_id=MEDIA_ORIGIN_ID,
                    domain_name=args.media.bucket.bucket_regional_domain_name,
                    origin_access_control_id=media_access.id,
                )
            )
            ordered.append(
                aws.cloudfront.DistributionOrderedCacheBehaviorArgs(
                    path_pattern=args.media.path_pattern, target_origin_id=MEDIA_ORIGIN_ID, **behaviour
                )
            )
        distribution = aws.cloudfront.Distribution(
            f"{name}-cdn",
            comment=f"{prefix} frontend",
            enabled=True,
            aliases=list(args.aliases),
            default_root_object="index.html",
            http_version="http2and3",
            is_ipv6_enabled=True,
            price_class=settings.price_class,
            web_acl_id=settings.web_acl_arn or (args.web_acl.arn if args.web_acl is not None else None),
            origins=origins,
            default_cache_behavior=aws.cloudfront.DistributionDefaultCacheBehaviorArgs(
                target_origin_id=ORIGIN_ID,
                function_associations=[
                    aws.cloudfront.DistributionDefaultCacheBehaviorFunctionAssociationArgs(
                        event_type="viewer-request", function_arn=spa_routes.arn
                    )
                ],
                **behaviour,
            ),
            ordered_cache_behaviors=ordered,
            restrictions=aws.cloudfront.DistributionRestrictionsArgs(
                geo_restriction=aws.cloudfront.DistributionRestrictionsGeoRestrictionArgs(
                    restriction_type=settings.geo_restriction.type,
                    locations=list(settings.geo_restriction.locations),
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
        args.log_bucket.log_access_of(f"{name}-assets", bucket, self)
        if args.media is not None:
            media = args.media.bucket
            bucket_policy(f"{name}-media", media, [origin_read_statement(media.arn, distribution.arn)], parent=self)
        self._access_logs(distribution)

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
            }
        )

    def _origin_access_control(
        self, resource_name: str, prefix: str, bucket: str
    ) -> aws.cloudfront.OriginAccessControl:
        """CloudFront signs every request to an S3 origin (SigV4), so the bucket policy can admit it alone."""
        return aws.cloudfront.OriginAccessControl(
            resource_name,
            name=f"{prefix}-{bucket}",
            description=f"{prefix}: CloudFront reads the {bucket} bucket with SigV4",
            origin_access_control_origin_type="s3",
            signing_behavior="always",
            signing_protocol="sigv4",
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _security_headers(self) -> aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigArgs:
        args = self._args
        policy: pulumi.Input[str] = args.settings.content_security_policy or pulumi.Output.all(
            *args.connect_origins
        ).apply(default_content_security_policy)
        return aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigArgs(
            strict_transport_security=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigStrictTransportSecurityArgs(
                access_control_max_age_sec=args.settings.hsts_max_age_seconds,
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

    def _access_logs(self, distribution: aws.cloudfront.Distribution) -> None:
        """Standard logging v2: CloudFront -> CloudWatch Logs delivery (in us-east-1) -> the log bucket's
        `cloudfront/` prefix. Unlike legacy logging it needs no bucket ACLs."""
        name, args = self._name, self._args
        child = pulumi.ResourceOptions(parent=self)
        target = args.log_bucket.target(CLOUDFRONT_PREFIX)
        source = aws.cloudwatch.LogDeliverySource(
            f"{name}-access-logs",
            name=f"{args.name_prefix}-frontend-cdn",
            log_type="ACCESS_LOGS",
            resource_arn=distribution.arn,
            region=CLOUDFRONT_REGION,
            opts=child,
        )
        destination = aws.cloudwatch.LogDeliveryDestination(
            f"{name}-access-logs",
            name=f"{args.name_prefix}-frontend-cdn-s3",
            output_format="json",
            delivery_destination_configuration=aws.cloudwatch.LogDeliveryDestinationDeliveryDestinationConfigurationArgs(
                destination_resource_arn=pulumi.Output.concat(target.bucket_arn, "/", target.prefix)
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
            opts=pulumi.ResourceOptions(parent=self, depends_on=[target.ready]),
        )

    def _kms_through_s3(self, actions: Sequence[str]) -> Statement:
        return statement(
            actions,
            [self._args.kms_key_arn],
            sid="KeyThroughS3",
            conditions={"StringEquals": {"kms:ViaService": self._args.context.service_endpoint("s3")}},
        )

    def grant_read(self, role: aws.iam.Role, label: str) -> aws.iam.RolePolicy:
        """Let `role` read the built assets (the backend reads the frontend bucket, docs/requirements.md §2.1)."""
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

"""Edge: the web ACLs, the CDN site, the public DNS records and the health checks (docs/requirements.md §2.2, §5.4)."""

from __future__ import annotations

from dataclasses import dataclass

from components.cdn_site import CdnSite, CdnSiteArgs, MediaOrigin
from components.dns_zone import AliasTarget
from components.health_checks import SiteHealthChecks, SiteHealthChecksArgs
from components.web_acl import API_RULE_GROUPS, EDGE_RULE_GROUPS, WebAcl, WebAclArgs
from stackconfig.aws_facts import CLOUDFRONT_REGION
from tiers.backend import Backend
from tiers.dns import Dns
from tiers.foundation import Foundation
from tiers.storage import Storage


@dataclass(frozen=True)
class Edge:
    site: CdnSite
    health_checks: SiteHealthChecks


def _frontend_acl(base: Foundation, backend: Backend) -> WebAcl | None:
    """AWS WAF on both entry points: the ALB's ACL is regional; CloudFront's lives in us-east-1, where the stack key
    can encrypt its logs only if the stack lives there too (keys are regional). `frontend.webAclArn` names an
    existing CloudFront ACL instead of this stack's. Returns the CloudFront ACL this stack creates, if any."""
    config, env_name, kms = base.config, base.env_name, base.kms
    if not config.waf.enabled:
        return None
    api_acl = WebAcl(
        "waf-api",
        WebAclArgs(
            name=f"{env_name}-api",
            scope="REGIONAL",
            kms_key_arn=kms.arn,
            rule_groups=API_RULE_GROUPS,
            settings=config.waf,
        ),
        base.opts,
    )
    backend.alb.attach_web_acl(api_acl.arn)
    if config.frontend.web_acl_arn is not None:
        return None
    return WebAcl(
        "waf-frontend",
        WebAclArgs(
            name=f"{env_name}-frontend",
            scope="CLOUDFRONT",
            kms_key_arn=kms.arn if config.region == CLOUDFRONT_REGION else None,
            rule_groups=EDGE_RULE_GROUPS,
            settings=config.waf,
        ),
        base.opts,
    )


def build_edge(base: Foundation, dns: Dns, storage: Storage, backend: Backend) -> Edge:
    config, opts = base.config, base.opts
    site = CdnSite(
        "frontend",
        CdnSiteArgs(
            context=base.context,
            name_prefix=base.env_name,
            aliases=[dns.app_host, dns.cdn_host],
            certificate_arn=dns.certificates.cloudfront_certificate_arn,
            kms_key_arn=base.kms.arn,
            log_bucket=storage.logs,
            media=MediaOrigin(storage.assets.bucket, config.storage.media_path),
            web_acl=_frontend_acl(base, backend),
            # The app's scripts call the API and PUT media to the assets bucket with presigned URLs.
            connect_origins=[f"https://{dns.api_host}", storage.assets.upload_origin],
            settings=config.frontend,
        ),
        opts,
    )
    site.grant_read(backend.service.task_role, "backend")
    hosts = config.dns.hosts
    to_cloudfront = AliasTarget(site.distribution_domain_name, site.distribution_hosted_zone_id)
    dns.zone.alias("app", hosts.app, to_cloudfront)
    dns.zone.alias("cdn", hosts.cdn, to_cloudfront)
    # The api host points straight at the ALB, not through CloudFront (docs/requirements.md §5.4); IPv4 only.
    dns.zone.alias("api", hosts.api, AliasTarget(backend.alb.dns_name, backend.alb.zone_id), ipv6=False)
    health_checks = SiteHealthChecks(
        "health",
        SiteHealthChecksArgs(api_host=dns.api_host, frontend_host=dns.app_host, settings=config.dns.health_checks),
        opts,
    )
    return Edge(site, health_checks)

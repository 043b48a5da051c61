"""SiteHealthChecks: Route 53 HTTPS health checks of the API and the frontend, as the public sees them.

Route 53 publishes their status as CloudWatch metrics in us-east-1 (namespace AWS/Route53, HealthCheckStatus,
dimension HealthCheckId); alarms on them live there, whatever the stack's region.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import get_args

import pulumi
import pulumi_aws as aws

from stackconfig.aws_facts import HEALTH_CHECK_FAILURE_THRESHOLD_MAX, HealthCheckInterval


@dataclass(frozen=True)
class HttpsEndpoint:
    fqdn: str
    path: str
    """Must answer 2xx or 3xx within four seconds of the connection (Route 53's rule)."""


@dataclass(frozen=True)
class SiteHealthChecksArgs:
    api: HttpsEndpoint
    frontend: HttpsEndpoint
    request_interval: int = 30
    """10 or 30 seconds between checks from each checker region (default 30)."""
    failure_threshold: int = 3
    """Consecutive failures before an endpoint is unhealthy (default 3, 1-10)."""
    regions: Sequence[str] = ()
    """Checker regions (at least three); empty (default) means Route 53's default set."""


class SiteHealthChecks(pulumi.ComponentResource):
    api_health_check_id: pulumi.Output[str]
    frontend_health_check_id: pulumi.Output[str]

    def __init__(self, name: str, args: SiteHealthChecksArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("socialclub:edge:SiteHealthChecks", name, None, opts)
        if args.request_interval not in get_args(HealthCheckInterval):
            raise ValueError(
                f"SiteHealthChecks {name}: request_interval must be one of {get_args(HealthCheckInterval)}"
            )
        if not 1 <= args.failure_threshold <= HEALTH_CHECK_FAILURE_THRESHOLD_MAX:
            raise ValueError(
                f"SiteHealthChecks {name}: failure_threshold must be 1-{HEALTH_CHECK_FAILURE_THRESHOLD_MAX}"
            )

        def check(label: str, endpoint: HttpsEndpoint) -> aws.route53.HealthCheck:
            return aws.route53.HealthCheck(
                f"{name}-{label}",
                type="HTTPS",
                fqdn=endpoint.fqdn,
                port=443,
                resource_path=endpoint.path,
                # CloudFront and the ALB pick the certificate by SNI; without it the TLS handshake fails.
                enable_sni=True,
                request_interval=args.request_interval,
                failure_threshold=args.failure_threshold,
                regions=list(args.regions) or None,
                opts=pulumi.ResourceOptions(parent=self),
            )

        self.api_health_check_id = check("api", args.api).id
        self.frontend_health_check_id = check("frontend", args.frontend).id
        self.register_outputs(
            {"apiHealthCheckId": self.api_health_check_id, "frontendHealthCheckId": self.frontend_health_check_id}
        )

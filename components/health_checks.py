"""SiteHealthChecks: Route 53 HTTPS health checks of the API and the frontend, as the public sees them.

Route 53 publishes their status as CloudWatch metrics in us-east-1 (namespace AWS/Route53, HealthCheckStatus,
dimension HealthCheckId); alarms on them live there, whatever the stack's region.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from stackconfig.edge import SiteHealthChecksSettings


@dataclass(frozen=True)
class SiteHealthChecksArgs:
    api_host: str
    """The API's host name, e.g. `api.socialclub.example.com`; probed on `settings.api_path`."""
    frontend_host: str
    """The app's host name, e.g. `app.socialclub.example.com`; probed on `settings.frontend_path`."""
    settings: SiteHealthChecksSettings = field(default_factory=SiteHealthChecksSettings)
    """Paths, interval, failure threshold and checker regions (default: /api/health and /, every 30 s, unhealthy
    after 3 failures, Route 53's default regions). A path must answer 2xx or 3xx within four seconds of the
    connection (Route 53's rule)."""


class SiteHealthChecks(pulumi.ComponentResource):
    api_health_check_id: pulumi.Output[str]
    frontend_health_check_id: pulumi.Output[str]

    def __init__(self, name: str, args: SiteHealthChecksArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("socialclub:edge:SiteHealthChecks", name, None, opts)
        settings = args.settings

        def check(label: str, host: str, path: str) -> aws.route53.HealthCheck:
            return aws.route53.HealthCheck(
                f"{name}-{label}",
                type="HTTPS",
                fqdn=host,
                port=443,
                resource_path=path,
                # CloudFront and the ALB pick the certificate by SNI; without it the TLS handshake fails.
                enable_sni=True,
                request_interval=settings.request_interval,
                failure_threshold=settings.failure_threshold,
                regions=list(settings.regions) or None,
                opts=pulumi.ResourceOptions(parent=self),
            )

        self.api_health_check_id = check("api", args.api_host, settings.api_path).id
        self.frontend_health_check_id = check("frontend", args.frontend_host, settings.frontend_path).id
        self.register_outputs(
            {"apiHealthCheckId": self.api_health_check_id, "frontendHealthCheckId": self.frontend_health_check_id}
        )

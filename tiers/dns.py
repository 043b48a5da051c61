"""DNS and certificates: the bootstrap's zone and the stack's certificate (docs/requirements.md §5.4, §6.2)."""

from __future__ import annotations

from dataclasses import dataclass

from components.certificate import EdgeCertificates, EdgeCertificatesArgs
from components.dns_zone import DnsZone, DnsZoneArgs
from tiers.foundation import Foundation


@dataclass(frozen=True)
class Dns:
    zone: DnsZone
    certificates: EdgeCertificates
    """One wildcard certificate for every host; `regional_certificate_arn` is the ALB's, `cloudfront_certificate_arn`
    the us-east-1 one (the same certificate when the stack lives in us-east-1). Both are the validated ARNs."""
    app_host: str
    api_host: str
    cdn_host: str


def build_dns(base: Foundation) -> Dns:
    config = base.config
    zone = DnsZone("dns", DnsZoneArgs(settings=config.dns), base.opts)
    certificates = EdgeCertificates(
        "certs", EdgeCertificatesArgs(zone=zone, region=config.region, settings=config.dns.certificates), base.opts
    )
    hosts = config.dns.hosts
    return Dns(zone, certificates, zone.fqdn(hosts.app), zone.fqdn(hosts.api), zone.fqdn(hosts.cdn))

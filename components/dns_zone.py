"""DnsZone: the public Route 53 hosted zone, created by the stack that owns it and looked up by the others,
with verbs that publish records in it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class AliasTarget:
    """What an alias record points at: a CloudFront distribution, a load balancer..."""

    dns_name: pulumi.Input[str]
    hosted_zone_id: pulumi.Input[str]
    """The target's own hosted zone id (CloudFront's Z2FDTNDATAQYW2, an ALB's regional zone)."""
    evaluate_target_health: bool = False
    """Only useful with several records to fail over between; a single alias answers either way."""


@dataclass(frozen=True)
class MxHost:
    priority: int
    host: str


def fqdn(domain: str, label: str) -> str:
    """`app` -> `app.<domain>`; "" is the apex."""
    return f"{label}.{domain}" if label else domain


def mx_values(hosts: Sequence[MxHost]) -> list[str]:
    """Route 53's MX value form, `<priority> <host>`, most preferred first."""
    return [f"{h.priority} {h.host}" for h in sorted(hosts, key=lambda h: (h.priority, h.host))]


@dataclass(frozen=True)
class DnsZoneArgs:
    domain: str
    """e.g. `socialclub.example.com`."""
    create: bool = False
    """True: this stack creates and owns the public zone. False (default): it is looked up by name."""
    protect: bool = True
    """Pulumi `protect` on a created zone (production): a new zone gets new name servers, which breaks the
    registrar's delegation until someone updates it."""
    comment: str = "Managed by Pulumi"


class DnsZone(pulumi.ComponentResource):
    """A public hosted zone; `alias` and `mx` publish records in it as children of this component."""

    zone_id: pulumi.Output[str]
    name: pulumi.Output[str]
    name_servers: pulumi.Output[Sequence[str]]
    domain: str

    def __init__(self, name: str, args: DnsZoneArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("socialclub:edge:DnsZone", name, None, opts)
        self._name = name
        self.domain = args.domain
        if args.create:
            zone = aws.route53.Zone(
                f"{name}-zone",
                name=args.domain,
                comment=args.comment,
                force_destroy=False,
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
            )
            self.zone_id = zone.zone_id
            self.name = zone.name
            self.name_servers = zone.name_servers
        else:
            found = aws.route53.get_zone_output(
                name=args.domain, private_zone=False, opts=pulumi.InvokeOutputOptions(parent=self)
            )
            self.zone_id = found.zone_id
            self.name = found.name
            self.name_servers = found.name_servers
        self.register_outputs({"zoneId": self.zone_id, "name": self.name, "nameServers": self.name_servers})

    def fqdn(self, label: str) -> str:
        return fqdn(self.domain, label)

    def alias(self, label: str, host: str, target: AliasTarget, *, ipv6: bool = True) -> list[aws.route53.Record]:
        """An A alias (and an AAAA alias when the target answers on IPv6) from `host` to `target`."""
        alias = aws.route53.RecordAliasArgs(
            name=target.dns_name,
            zone_id=target.hosted_zone_id,
            evaluate_target_health=target.evaluate_target_health,
        )
        types = ("A", "AAAA") if ipv6 else ("A",)
        return [
            aws.route53.Record(
                f"{self._name}-{label}-{record_type.lower()}",
                zone_id=self.zone_id,
                name=self.fqdn(host),
                type=record_type,
                aliases=[alias],
                opts=pulumi.ResourceOptions(parent=self),
            )
            for record_type in types
        ]

    def mx(self, label: str, host: str, hosts: Sequence[MxHost], ttl: int = 3600) -> aws.route53.Record:
        return aws.route53.Record(
            f"{self._name}-{label}-mx",
            zone_id=self.zone_id,
            name=self.fqdn(host),
            type="MX",
            ttl=ttl,
            records=mx_values(hosts),
            opts=pulumi.ResourceOptions(parent=self),
        )

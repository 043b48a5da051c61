"""DnsZone: the public Route 53 hosted zone, created by the stack that owns it and looked up by the others,
with verbs that publish records in it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from stackconfig.aws_facts import ROUTE53_GLOBAL_REGION
from stackconfig.edge import DnsZoneSettings, MxConfig, MxHost

DNSSEC_SERVICE = "dnssec-route53.amazonaws.com"


@dataclass(frozen=True)
class AliasTarget:
    """What an alias record points at: a CloudFront distribution, a load balancer..."""

    dns_name: pulumi.Input[str]
    """The target's DNS name, e.g. the distribution's `d111.cloudfront.net` or the ALB's DNS name."""
    hosted_zone_id: pulumi.Input[str]
    """The target's own hosted zone id (CloudFront's Z2FDTNDATAQYW2, an ALB's regional zone)."""
    evaluate_target_health: bool = False
    """Only useful with several records to fail over between; a single alias answers either way."""


def fqdn(domain: str, label: str) -> str:
    """`app` -> `app.<domain>`; "" is the apex."""
    return f"{label}.{domain}" if label else domain


def dnssec_key_policy(account_id: str, partition: str, zone_arn: str) -> dict[str, Any]:
    """The key policy of a DNSSEC key-signing key, as the Route 53 developer guide writes it ("Working with customer
    managed keys for DNSSEC"): Route 53's DNSSEC service may read and sign for this account's zone only, and create
    the grant it keeps on the key; the account administers the key through IAM."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountAdministersKey",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "Route53DnssecSignsThisZone",
                "Effect": "Allow",
                "Principal": {"Service": DNSSEC_SERVICE},
                "Action": ["kms:DescribeKey", "kms:GetPublicKey", "kms:Sign"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account_id},
                    "ArnLike": {"aws:SourceArn": zone_arn},
                },
            },
            {
                "Sid": "Route53DnssecGrantsItself",
                "Effect": "Allow",
                "Principal": {"Service": DNSSEC_SERVICE},
                "Action": "kms:CreateGrant",
                "Resource": "*",
                "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
            },
        ],
    }


def query_log_policy(account_id: str, log_group_arn: str, zone_arn: str) -> dict[str, Any]:
    """The CloudWatch Logs resource policy that lets Route 53 write this zone's query logs into one log group."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Route53WritesQueryLogs",
                "Effect": "Allow",
                "Principal": {"Service": "route53.amazonaws.com"},
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"{log_group_arn}:*",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account_id},
                    "ArnLike": {"aws:SourceArn": zone_arn},
                },
            }
        ],
    }


def mx_values(hosts: Sequence[MxHost]) -> list[str]:
    """Route 53's MX value form, `<priority> <host>`, most preferred first."""
    return [f"{h.priority} {h.host}" for h in sorted(hosts, key=lambda h: (h.priority, h.host))]


@dataclass(frozen=True)
class DnsZoneArgs:
    settings: DnsZoneSettings
    """The domain, whether this stack creates the zone (and protects it), and the MX record a creating stack
    publishes; no default: the domain has none."""


class DnsZone(pulumi.ComponentResource):
    """A public hosted zone; `alias` and `mx` publish records in it as children of this component, `sign` and
    `log_queries` turn on DNSSEC and query logging."""

    zone_id: pulumi.Output[str]
    arn: pulumi.Output[str]
    name: pulumi.Output[str]
    name_servers: pulumi.Output[Sequence[str]]
    domain: str

    def __init__(self, name: str, args: DnsZoneArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("socialclub:edge:DnsZone", name, None, opts)
        self._name = name
        settings = args.settings
        self.domain = settings.domain
        if settings.create_zone:
            zone = aws.route53.Zone(
                f"{name}-zone",
                name=settings.domain,
                comment=settings.comment,
                force_destroy=False,
                opts=pulumi.ResourceOptions(parent=self, protect=settings.protect),
            )
            self.zone_id = zone.zone_id
            self.arn = zone.arn
            self.name = zone.name
            self.name_servers = zone.name_servers
        else:
            found = aws.route53.get_zone_output(
                name=settings.domain, private_zone=False, opts=pulumi.InvokeOutputOptions(parent=self)
            )
            self.zone_id = found.zone_id
            self.arn = found.arn
            self.name = found.name
            self.name_servers = found.name_servers
        if settings.mx is not None:
            self.mx("mail", settings.mx)
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

    def mx(self, label: str, mx: MxConfig) -> aws.route53.Record:
        """The MX record `mx` describes, named `<component>-<label>-mx`."""
        return aws.route53.Record(
            f"{self._name}-{label}-mx",
            zone_id=self.zone_id,
            name=self.fqdn(mx.name),
            type="MX",
            ttl=mx.ttl,
            records=mx_values(mx.hosts),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def sign(self, account_id: pulumi.Input[str], *, deletion_window_days: int = 30) -> aws.route53.HostedZoneDnsSec:
        """DNSSEC: an ECC_NIST_P256 signing key in us-east-1, the zone's key-signing key on it, signing on.

        Resolvers validate the signatures only once the registrar publishes the DS record (`aws route53 get-dnssec
        --hosted-zone-id <id>`). From then on the key and the signing must outlive every change: without them the
        domain stops resolving for validating resolvers, so the key is protected and waits 30 days to be deleted.
        """
        protected = pulumi.ResourceOptions(parent=self, protect=True)
        policy = pulumi.Output.all(account_id, self.arn).apply(
            lambda values: json.dumps(dnssec_key_policy(values[0], values[1].split(":")[1], values[1]))
        )
        key = aws.kms.Key(
            f"{self._name}-dnssec-key",
            description=f"DNSSEC key-signing key of {self.domain} (Route 53)",
            customer_master_key_spec="ECC_NIST_P256",
            key_usage="SIGN_VERIFY",
            deletion_window_in_days=deletion_window_days,
            policy=policy,
            region=ROUTE53_GLOBAL_REGION,
            opts=protected,
        )
        signing_key = aws.route53.KeySigningKey(
            f"{self._name}-ksk",
            hosted_zone_id=self.zone_id,
            key_management_service_arn=key.arn,
            name="ksk-1",
            status="ACTIVE",
            opts=pulumi.ResourceOptions(parent=self, protect=True),
        )
        return aws.route53.HostedZoneDnsSec(
            f"{self._name}-dnssec",
            hosted_zone_id=self.zone_id,
            signing_status="SIGNING",
            opts=pulumi.ResourceOptions(parent=self, protect=True, depends_on=[signing_key]),
        )

    def log_queries(self, account_id: pulumi.Input[str], retention_days: int) -> aws.route53.QueryLog:
        """Route 53 query logging into `/aws/route53/<domain>` (us-east-1), kept `retention_days`.

        The group keeps CloudWatch Logs' own encryption: the account's only customer key here is the state key,
        which no service may use.
        """
        child = pulumi.ResourceOptions(parent=self)
        group = aws.cloudwatch.LogGroup(
            f"{self._name}-query-logs",
            name=f"/aws/route53/{self.domain}",
            retention_in_days=retention_days,
            region=ROUTE53_GLOBAL_REGION,
            opts=child,
        )
        policy = aws.cloudwatch.LogResourcePolicy(
            f"{self._name}-query-logs",
            policy_name=f"route53-query-logs-{self.domain}",
            policy_document=pulumi.Output.all(account_id, group.arn, self.arn).apply(
                lambda values: json.dumps(query_log_policy(values[0], values[1], values[2]))
            ),
            region=ROUTE53_GLOBAL_REGION,
            opts=child,
        )
        return aws.route53.QueryLog(
            f"{self._name}-query-log",
            zone_id=self.zone_id,
            cloudwatch_log_group_arn=group.arn,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )

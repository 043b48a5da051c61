"""DNS-validated ACM certificates: `Certificate` (one region) and `EdgeCertificates` (the ALB's region and the
us-east-1 copy CloudFront requires)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

import pulumi
import pulumi_aws as aws

from components.dns_zone import DnsZone
from stackconfig.aws_facts import CLOUDFRONT_REGION
from stackconfig.edge import EdgeCertificatesSettings


def validated_names(names: Sequence[str]) -> list[str]:
    """The distinct names ACM asks validation records for: `*.x` is validated by the same record as `x`."""
    return sorted({n.removeprefix("*.") for n in names})


def _option_for(
    options: Sequence[aws.acm.outputs.CertificateDomainValidationOption], name: str
) -> aws.acm.outputs.CertificateDomainValidationOption:
    for option in options:
        if option.domain_name in (name, f"*.{name}"):
            return option
    raise ValueError(f"ACM returned no validation option for {name}")


@dataclass(frozen=True)
class CertificateArgs:
    domain: str
    """The apex, e.g. `socialclub.example.com`."""
    zone_id: pulumi.Input[str]
    """Public hosted zone that receives the validation records."""
    wildcard: bool = True
    """Also cover `*.domain` (default), so every host of the stack shares one certificate."""
    region: str | None = None
    """None (default): the provider's region. `us-east-1` for CloudFront."""
    settings: EdgeCertificatesSettings = field(default_factory=EdgeCertificatesSettings)
    """Key algorithm, validation record TTL and how long to wait for issuance (default RSA_2048, 300 s,
    20 minutes)."""


class Certificate(pulumi.ComponentResource):
    """A public certificate, its DNS validation records and the validation that waits until it is issued."""

    arn: pulumi.Output[str]
    """The ARN once ACM has issued the certificate: consumers wait for validation through it."""
    domain: str
    validation_record_fqdns: list[pulumi.Output[str]]

    def __init__(self, name: str, args: CertificateArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("socialclub:edge:Certificate", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        names = [args.domain, f"*.{args.domain}"] if args.wildcard else [args.domain]
        certificate = aws.acm.Certificate(
            f"{name}-cert",
            domain_name=args.domain,
            subject_alternative_names=names[1:],
            validation_method="DNS",
            key_algorithm=args.settings.key_algorithm,
            options=aws.acm.CertificateOptionsArgs(certificate_transparency_logging_preference="ENABLED"),
            region=args.region,
            opts=child,
        )
        self.validation_record_fqdns = []
        for index, validated in enumerate(validated_names(names)):
            option = certificate.domain_validation_options.apply(partial(_option_for, name=validated))
            record = aws.route53.Record(
                f"{name}-validation-{index}",
                zone_id=args.zone_id,
                name=option.apply(lambda o: o.resource_record_name or ""),
                type=option.apply(lambda o: o.resource_record_type or "CNAME"),
                records=[option.apply(lambda o: o.resource_record_value or "")],
                ttl=args.settings.validation_ttl,
                # ACM gives every certificate for the same name in an account the same validation record: the
                # other region's certificate and the other stack's reuse it. Overwrite instead of failing, and
                # keep it on delete so their renewals do not break when this stack goes away.
                allow_overwrite=True,
                opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
            )
            self.validation_record_fqdns.append(record.fqdn)
        validation = aws.acm.CertificateValidation(
            f"{name}-validation",
            certificate_arn=certificate.arn,
            validation_record_fqdns=self.validation_record_fqdns,
            region=args.region,
            # ACM issues within minutes once the zone answers for the domain. The provider's default wait (75
            # minutes) only delays the failure when the registrar does not delegate to the zone yet: fail in
            # `validation_timeout_minutes` and say why (docs/first-deploy.md checks the delegation before the first up).
            opts=pulumi.ResourceOptions(
                parent=self,
                custom_timeouts=pulumi.CustomTimeouts(create=f"{args.settings.validation_timeout_minutes}m"),
            ),
        )
        self.arn = validation.certificate_arn
        self.domain = args.domain
        self.register_outputs({"arn": self.arn, "validationRecordFqdns": self.validation_record_fqdns})


@dataclass(frozen=True)
class EdgeCertificatesArgs:
    zone: DnsZone
    """The public zone: its domain (and `*.domain`) is certified, its records validate."""
    region: str
    """The stack's region, where the load balancer's certificate must live."""
    settings: EdgeCertificatesSettings = field(default_factory=EdgeCertificatesSettings)
    """Key algorithm and validation (the `dns.certificates` section; default RSA_2048, 20 minutes' wait)."""


class EdgeCertificates(pulumi.ComponentResource):
    """The certificate of the load balancer (stack region) and of CloudFront (us-east-1).

    In us-east-1 one certificate serves both: a second one would be an identical copy sharing its validation
    record, with nothing gained.
    """

    regional_certificate_arn: pulumi.Output[str]
    cloudfront_certificate_arn: pulumi.Output[str]
    domain: str

    def __init__(self, name: str, args: EdgeCertificatesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("socialclub:edge:EdgeCertificates", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        domain, zone_id = args.zone.domain, args.zone.zone_id
        regional = Certificate(
            f"{name}-regional", CertificateArgs(domain=domain, zone_id=zone_id, settings=args.settings), child
        )
        cloudfront = (
            regional
            if args.region == CLOUDFRONT_REGION
            else Certificate(
                f"{name}-cloudfront",
                CertificateArgs(domain=domain, zone_id=zone_id, region=CLOUDFRONT_REGION, settings=args.settings),
                child,
            )
        )
        self.regional_certificate_arn = regional.arn
        self.cloudfront_certificate_arn = cloudfront.arn
        self.domain = domain
        self.register_outputs(
            {
                "regionalCertificateArn": self.regional_certificate_arn,
                "cloudfrontCertificateArn": self.cloudfront_certificate_arn,
            }
        )

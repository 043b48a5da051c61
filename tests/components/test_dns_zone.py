"""DnsZone, the DNS-validated certificates and the Route 53 health checks under mocks."""

from __future__ import annotations

import pytest

from components.certificate import EdgeCertificates, EdgeCertificatesArgs, validated_names
from components.dns_zone import AliasTarget, DnsZone, DnsZoneArgs, MxHost, mx_values
from components.health_checks import HttpsEndpoint, SiteHealthChecks, SiteHealthChecksArgs
from offline import fakes
from offline.harness import Plan
from tests.support import inputs, run_component
from tests.support.edge import DOMAIN, RECORD

CERTIFICATE = "aws:acm/certificate:Certificate"
VALIDATION = "aws:acm/certificateValidation:CertificateValidation"
ZONE = "aws:route53/zone:Zone"
HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck"


def zone_and_certificates(*, create: bool, region: str) -> Plan:
    def program() -> None:
        zone = DnsZone("dns", DnsZoneArgs(domain=DOMAIN, create=create, protect=create))
        EdgeCertificates("certs", EdgeCertificatesArgs(domain=DOMAIN, zone_id=zone.zone_id, region=region))

    return run_component(program)


def test_wildcard_and_apex_share_one_validation_name() -> None:
    assert validated_names([DOMAIN, f"*.{DOMAIN}"]) == [DOMAIN]
    assert validated_names(["a.x", "*.b.x"]) == ["a.x", "b.x"]


def test_created_zone_is_public_protected_and_owns_the_records() -> None:
    plan = zone_and_certificates(create=True, region="us-east-1")
    zone = plan.one(ZONE)
    assert inputs(zone)["name"] == DOMAIN
    assert inputs(zone)["forceDestroy"] is False
    assert "vpcs" not in inputs(zone)
    assert zone.protect
    zone_id = zone.outputs["zoneId"]
    assert all(inputs(r)["zoneId"] == zone_id for r in plan.of_type(RECORD))


def test_looked_up_zone_creates_nothing_and_its_id_reaches_the_records() -> None:
    plan = zone_and_certificates(create=False, region="us-east-1")
    assert plan.of_type(ZONE) == []
    assert [r for r in plan.resources if r.parent == plan.one("socialclub:edge:DnsZone").urn] == []
    # The fake answers a lookup with an id derived from the name asked for: the lookup asked for DOMAIN.
    looked_up = fakes.CALLS["aws:route53/getZone:getZone"]({"name": DOMAIN})["zoneId"]
    assert {inputs(r)["zoneId"] for r in plan.of_type(RECORD)} == {looked_up}


def test_in_us_east_1_one_certificate_serves_alb_and_cloudfront() -> None:
    plan = zone_and_certificates(create=True, region="us-east-1")
    cert = plan.one(CERTIFICATE)
    assert inputs(cert)["domainName"] == DOMAIN
    assert inputs(cert)["subjectAlternativeNames"] == [f"*.{DOMAIN}"]
    assert inputs(cert)["validationMethod"] == "DNS"
    validation = plan.one(VALIDATION)
    assert inputs(validation)["certificateArn"] == cert.outputs["arn"]


def test_elsewhere_a_second_certificate_is_requested_in_us_east_1() -> None:
    plan = zone_and_certificates(create=True, region="eu-west-1")
    certs = {c.name: inputs(c) for c in plan.of_type(CERTIFICATE)}
    assert set(certs) == {"certs-regional-cert", "certs-cloudfront-cert"}
    assert "region" not in certs["certs-regional-cert"]  # the provider's region: the ALB's
    assert certs["certs-cloudfront-cert"]["region"] == "us-east-1"
    validations = {v.name: inputs(v) for v in plan.of_type(VALIDATION)}
    assert validations["certs-cloudfront-validation"]["region"] == "us-east-1"
    assert "region" not in validations["certs-regional-validation"]


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])
def test_each_certificate_has_one_validation_record_waited_on_by_its_validation(region: str) -> None:
    plan = zone_and_certificates(create=True, region=region)
    for cert in plan.of_type(CERTIFICATE):
        prefix = cert.name.removesuffix("-cert")
        records = [r for r in plan.of_type(RECORD) if r.name.startswith(f"{prefix}-validation-")]
        assert len(records) == 1, "the wildcard and the apex share one CNAME"
        record = inputs(records[0])
        option = cert.outputs["domainValidationOptions"][0]
        assert (record["name"], record["type"], record["records"]) == (
            option["resourceRecordName"],
            "CNAME",
            [option["resourceRecordValue"]],
        )
        assert record["allowOverwrite"] is True
        validation = next(v for v in plan.of_type(VALIDATION) if v.name == f"{prefix}-validation")
        assert inputs(validation)["validationRecordFqdns"] == [records[0].outputs["fqdn"]]


def records_program(*, mx: bool) -> Plan:
    def program() -> None:
        zone = DnsZone("dns", DnsZoneArgs(domain=DOMAIN, create=True))
        target = AliasTarget("d111.cloudfront.net", "Z2FDTNDATAQYW2")
        zone.alias("app", "staging-app", target)
        zone.alias("api", "staging-api", AliasTarget("alb-1.us-east-1.elb.amazonaws.com", "Z35SXDOTRQ7X7K"), ipv6=False)
        if mx:
            zone.mx("mail", "", [MxHost(20, "b.mx.example.net"), MxHost(10, "a.mx.example.net")])

    return run_component(program)


def test_alias_records_a_and_aaaa_with_the_target_zone() -> None:
    plan = records_program(mx=False)
    records = {(inputs(r)["name"], inputs(r)["type"]): inputs(r) for r in plan.of_type(RECORD)}
    assert set(records) == {
        (f"staging-app.{DOMAIN}", "A"),
        (f"staging-app.{DOMAIN}", "AAAA"),
        (f"staging-api.{DOMAIN}", "A"),
    }
    assert records[(f"staging-app.{DOMAIN}", "AAAA")]["aliases"] == [
        {"name": "d111.cloudfront.net", "zoneId": "Z2FDTNDATAQYW2", "evaluateTargetHealth": False}
    ]
    assert all("ttl" not in r and "records" not in r for r in records.values())


def test_mx_is_optional_and_sorted_by_priority() -> None:
    assert not [r for r in records_program(mx=False).of_type(RECORD) if inputs(r)["type"] == "MX"]
    mx = [inputs(r) for r in records_program(mx=True).of_type(RECORD) if inputs(r)["type"] == "MX"]
    assert mx == [
        {
            "zoneId": mx[0]["zoneId"],
            "name": DOMAIN,
            "type": "MX",
            "ttl": 3600,
            "records": ["10 a.mx.example.net", "20 b.mx.example.net"],
        }
    ]
    assert mx_values([MxHost(5, "z"), MxHost(5, "a")]) == ["5 a", "5 z"]


def health_checks(**overrides: object) -> Plan:
    def program() -> None:
        SiteHealthChecks(
            "health",
            SiteHealthChecksArgs(
                api=HttpsEndpoint(f"api.{DOMAIN}", "/api/health"),
                frontend=HttpsEndpoint(f"app.{DOMAIN}", "/"),
                **overrides,  # type: ignore[arg-type]
            ),
        )

    return run_component(program)


def test_health_checks_probe_both_hosts_over_https_every_30s_three_strikes() -> None:
    checks = {c.name: inputs(c) for c in health_checks().of_type(HEALTH_CHECK)}
    assert {n: (c["fqdn"], c["resourcePath"]) for n, c in checks.items()} == {
        "health-api": (f"api.{DOMAIN}", "/api/health"),
        "health-frontend": (f"app.{DOMAIN}", "/"),
    }
    for check in checks.values():
        assert (check["type"], check["port"], check["enableSni"]) == ("HTTPS", 443, True)
        assert (check["requestInterval"], check["failureThreshold"]) == (30, 3)


@pytest.mark.parametrize("overrides", [{"request_interval": 15}, {"failure_threshold": 11}])
def test_health_check_numbers_route53_refuses_are_refused(overrides: dict[str, int]) -> None:
    with pytest.raises(Exception, match=r"request_interval|failure_threshold"):
        health_checks(**overrides)

"""EdgeCertificates under mocks: DNS-validated, one certificate in us-east-1 or a second one there for CloudFront."""

from __future__ import annotations

import pytest

from components.certificate import validated_names
from tests.support import inputs
from tests.support.edge import DOMAIN, RECORD, zone_and_certificates

CERTIFICATE = "aws:acm/certificate:Certificate"
VALIDATION = "aws:acm/certificateValidation:CertificateValidation"


def test_wildcard_and_apex_share_one_validation_name() -> None:
    assert validated_names([DOMAIN, f"*.{DOMAIN}"]) == [DOMAIN]
    assert validated_names(["a.x", "*.b.x"]) == ["a.x", "b.x"]


def test_in_us_east_1_one_certificate_serves_alb_and_cloudfront() -> None:
    plan = zone_and_certificates(create=True, region="us-east-1")
    cert = plan.one(CERTIFICATE)
    assert inputs(cert)["domainName"] == DOMAIN
    assert inputs(cert)["subjectAlternativeNames"] == [f"*.{DOMAIN}"]
    assert inputs(cert)["validationMethod"] == "DNS"
    # Browsers refuse a certificate missing from the Certificate Transparency logs.
    assert inputs(cert)["options"] == {"certificateTransparencyLoggingPreference": "ENABLED"}
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

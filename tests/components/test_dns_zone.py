"""DnsZone under mocks: a created zone or a looked-up one, alias and MX records."""

from __future__ import annotations

from components.dns_zone import AliasTarget, DnsZone, DnsZoneArgs, mx_values
from offline import fakes
from offline.harness import Plan
from stackconfig.edge import DnsZoneSettings, MxConfig, MxHost
from tests.support import inputs, run_component
from tests.support.edge import DOMAIN, RECORD, zone_and_certificates

ZONE = "aws:route53/zone:Zone"


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


def records_program(*, mx: bool) -> Plan:
    def program() -> None:
        hosts = [MxHost(priority=20, host="b.mx.example.net"), MxHost(priority=10, host="a.mx.example.net")]
        settings = DnsZoneSettings(domain=DOMAIN, create_zone=True, mx=MxConfig(hosts=hosts) if mx else None)
        zone = DnsZone("dns", DnsZoneArgs(settings))
        target = AliasTarget("d111.cloudfront.net", "Z2FDTNDATAQYW2")
        zone.alias("app", "staging-app", target)
        zone.alias("api", "staging-api", AliasTarget("alb-1.us-east-1.elb.amazonaws.com", "Z35SXDOTRQ7X7K"), ipv6=False)

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
    assert mx_values([MxHost(priority=5, host="z.example"), MxHost(priority=5, host="a.example")]) == [
        "5 a.example",
        "5 z.example",
    ]

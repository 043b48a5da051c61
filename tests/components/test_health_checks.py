"""SiteHealthChecks under mocks: both hosts probed over HTTPS, and the numbers Route 53 refuses."""

from __future__ import annotations

import pytest

from components.health_checks import SiteHealthChecks, SiteHealthChecksArgs
from offline.harness import Plan
from stackconfig.edge import SiteHealthChecksSettings
from tests.support import inputs, run_component
from tests.support.edge import DOMAIN

HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck"


def health_checks(**overrides: object) -> Plan:
    def program() -> None:
        SiteHealthChecks(
            "health",
            SiteHealthChecksArgs(
                api_host=f"api.{DOMAIN}",
                frontend_host=f"app.{DOMAIN}",
                settings=SiteHealthChecksSettings.model_validate(overrides),
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


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"request_interval": 15}, r"request_interval\n  Input should be 10 or 30"),
        ({"failure_threshold": 0}, r"failure_threshold\n  Input should be greater than or equal to 1"),
        ({"failure_threshold": 11}, r"failure_threshold\n  Input should be less than or equal to 10"),
    ],
)
def test_health_check_numbers_route53_refuses_are_refused(overrides: dict[str, int], message: str) -> None:
    """Route 53 checks every 10 or 30 seconds and marks an endpoint unhealthy after 1 to 10 failures."""
    with pytest.raises(Exception, match=message):
        health_checks(**overrides)


@pytest.mark.parametrize("interval", [10, 30])
def test_both_intervals_route53_offers_are_accepted(interval: int) -> None:
    checks = health_checks(request_interval=interval, failure_threshold=10).of_type(HEALTH_CHECK)
    assert {(inputs(c)["requestInterval"], inputs(c)["failureThreshold"]) for c in checks} == {(interval, 10)}


def test_checker_regions_are_route53s_default_unless_given() -> None:
    assert all("regions" not in inputs(c) for c in health_checks().of_type(HEALTH_CHECK))
    regions = ["us-east-1", "eu-west-1", "ap-southeast-1"]
    assert [inputs(c)["regions"] for c in health_checks(regions=regions).of_type(HEALTH_CHECK)] == [regions] * 2

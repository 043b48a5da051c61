"""SiteHealthChecks under mocks: both hosts probed over HTTPS, and the numbers Route 53 refuses."""

from __future__ import annotations

import pytest

from components.health_checks import HttpsEndpoint, SiteHealthChecks, SiteHealthChecksArgs
from offline.harness import Plan
from tests.support import inputs, run_component
from tests.support.edge import DOMAIN

HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck"


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

"""The `socialclub:dns`, `socialclub:frontend` and `socialclub:deploy` sections: every bad value is named."""

from __future__ import annotations

from typing import Any

import pytest

from stackconfig.edge import CdnSiteSettings, DnsZoneSettings, GithubDeployRolesSettings
from tests.support.config import errors_for, set_path

BAD = [
    (
        "domain not a host name",
        set_path("dns.domain", "socialclub"),
        "socialclub:dns.domain = 'socialclub': String should match pattern",
    ),
    (
        "two hosts on one label",
        set_path("dns.hosts", {"app": "app", "api": "app", "cdn": "cdn"}),
        "socialclub:dns.hosts.api = 'app': same label as app; accepted: distinct labels",
    ),
    (
        "MX from the stack that does not own the zone",
        set_path(
            "dns", {"domain": "socialclub.example.com", "mx": {"hosts": [{"priority": 10, "host": "mx.example.net"}]}}
        ),
        'socialclub:dns.mx = {"name": "", "hosts": [{"priority": 10, "host": "mx.example.net"}], "ttl": 3600}: '
        "MX belongs to the zone's owner: set it in the bootstrap (socialclub-bootstrap:dns.mx), or here only "
        "with createZone: true",
    ),
    (
        "health check interval Route 53 does not offer",
        set_path("dns.healthChecks", {"requestInterval": 15}),
        "socialclub:dns.healthChecks.requestInterval = 15: Input should be 10 or 30",
    ),
    (
        "default TTL above the maximum",
        set_path("frontend", {"defaultTtlSeconds": 7200, "maxTtlSeconds": 3600}),
        "socialclub:frontend.defaultTtlSeconds = 7200: accepted: at most maxTtlSeconds (3600)",
    ),
    (
        "minimum TTL above the default",
        set_path("frontend", {"defaultTtlSeconds": 3600, "minTtlSeconds": 7200}),
        "socialclub:frontend.minTtlSeconds = 7200: accepted: at most defaultTtlSeconds (3600)",
    ),
    (
        "geo whitelist without countries",
        set_path("frontend.geoRestriction", {"type": "whitelist"}),
        "socialclub:frontend.geoRestriction.locations = []: accepted: at least one code for whitelist",
    ),
    (
        "geo code not ISO alpha-2",
        set_path("frontend.geoRestriction", {"type": "blacklist", "locations": ["USA"]}),
        "socialclub:frontend.geoRestriction.locations[0] = 'USA': accepted: an ISO 3166-1 alpha-2 code such as US",
    ),
    (
        "price class misspelled",
        set_path("frontend.priceClass", "PriceClass_50"),
        "socialclub:frontend.priceClass = 'PriceClass_50': Input should be",
    ),
    (
        "regional web ACL",
        set_path("frontend.webAclArn", "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/x/1"),
        "socialclub:frontend.webAclArn = 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/x/1': String should",
    ),
    (
        "subject with both environment and branch",
        set_path("deploy.appDeploy", {"repository": "org/app", "environment": "production", "branch": "main"}),
        'socialclub:deploy.appDeploy = {"environment": "production", "branch": "main"}: accepted: exactly one',
    ),
    (
        "repository without owner",
        set_path("deploy.infraDeploy", {"repository": "socialclub-infra", "environment": "production"}),
        "socialclub:deploy.infraDeploy.repository = 'socialclub-infra': String should match pattern",
    ),
    (
        "one subject for both roles",
        set_path(
            "deploy.infraDeploy", {"repository": "example-org/socialclub-client-web", "environment": "production"}
        ),
        "socialclub:deploy.infraDeploy = 'repo:example-org/socialclub-client-web:environment:production': "
        "same subject as appDeploy",
    ),
    (
        "wildcard environment",
        set_path("deploy.appDeploy", {"repository": "org/app", "environment": "*"}),
        "socialclub:deploy.appDeploy.environment = '*': String should match pattern",
    ),
]


@pytest.mark.parametrize(("case", "mutate", "expected"), BAD, ids=[b[0] for b in BAD])
def test_bad_edge_config_is_named_by_key_path(case: str, mutate: Any, expected: str) -> None:
    lines = errors_for(mutate)
    assert any(line.startswith(expected) for line in lines), f"{case}: {lines}"


def test_sections_are_required() -> None:
    for section in ("dns", "frontend", "deploy"):
        lines = errors_for(lambda s, key=section: s.pop(key))
        assert f"socialclub:{section}: required key is missing" in lines


def test_defaults() -> None:
    dns = DnsZoneSettings.model_validate({"domain": "x.example"})
    assert (dns.create_zone, dns.hosts.app, dns.hosts.api, dns.hosts.cdn, dns.mx) == (False, "app", "api", "cdn", None)
    assert (dns.health_checks.request_interval, dns.health_checks.failure_threshold) == (30, 3)
    web = CdnSiteSettings.model_validate({"defaultTtlSeconds": 60})
    assert (web.price_class, web.geo_restriction.type, web.web_acl_arn) == ("PriceClass_100", "none", None)
    deploy = GithubDeployRolesSettings.model_validate(
        {"appDeploy": {"repository": "o/a", "branch": "main"}, "infraDeploy": {"repository": "o/i", "environment": "p"}}
    )
    assert deploy.create_oidc_provider is False
    assert deploy.app_deploy.claim == "repo:o/a:ref:refs/heads/main"
    assert deploy.infra_deploy.claim == "repo:o/i:environment:p"

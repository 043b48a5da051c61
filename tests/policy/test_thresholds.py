"""Each numeric limit of the pack at its edge, on the production plan: one below the limit is reported, the limit
itself passes. The limits are the requirements' (docs/requirements.md) or AWS's, written here as figures."""

from __future__ import annotations

from typing import Any

import pytest

from tests.policy.conftest import Introduced, Planned
from tests.policy.insecure import CACHE, CDN, DB, JWT_SECRET, KEY, SERVICE
from tests.policy.planned_stack import Change, PlannedStack, Ref

M = "mandatory"


def _set(resource: tuple[str, str], key: str, value: Any) -> Change:
    return lambda b: b.set(*resource, key, value)


def _desired(count: int) -> Change:
    return _set(SERVICE, "desiredCount", count)


def _api_origin(protocols: list[str]) -> Change:
    origin = {
        "originId": "api",
        "domainName": "api.socialclub.example.com",
        "customOriginConfig": {
            "httpPort": 80,
            "httpsPort": 443,
            "originProtocolPolicy": "https-only",
            "originSslProtocols": protocols,
        },
    }
    return lambda b: b.edit(*CDN, "origins", lambda origins: origins.append(origin))


def _world_source(cidr: str) -> Change:
    """The backend's ingress rule from the load balancer's group replaced by one from `cidr`."""

    def change(b: PlannedStack) -> None:
        rule = ("vpc/securityGroupIngressRule", "backend-in-alb")
        b.drop(*rule, "referencedSecurityGroupId")
        b.set(*rule, "cidrIpv6" if ":" in cidr else "cidrIpv4", cidr)

    return change


# name -> (change, (rule, resource) it must add) and the same thing at the limit, which passes
EDGES: dict[str, tuple[Change, tuple[str, str], Change]] = {
    "RDS backups: 29 days, 30 required (§4.1)": (
        _set(DB, "backupRetentionPeriod", 29),
        ("rds-backup-retention", "db-instance"),
        _set(DB, "backupRetentionPeriod", 30),
    ),
    "Redis snapshots: 6 days, 7 in production (policy/production.json)": (
        _set(CACHE, "snapshotRetentionLimit", 6),
        ("elasticache-snapshot-retention", "cache-group"),
        _set(CACHE, "snapshotRetentionLimit", 7),
    ),
    "secret recovery window: 6 days, AWS's shortest is 7": (
        _set(JWT_SECRET, "recoveryWindowInDays", 6),
        ("secret-recovery-window", "secrets-auth-jwt-secret"),
        _set(JWT_SECRET, "recoveryWindowInDays", 7),
    ),
    "KMS deletion window: 29 days, 30 required (§10.12)": (
        _set(KEY, "deletionWindowInDays", 29),
        ("kms-key-deletion-window", "kms-key"),
        _set(KEY, "deletionWindowInDays", 30),
    ),
    "ECS service: 1 task cannot cover 2 AZs": (
        _desired(1),
        ("ecs-service-multi-az", "backend-service"),
        _desired(2),
    ),
    "a public IPv4 /8 is the world, a /9 is not": (
        _world_source("3.0.0.0/8"),
        ("security-group-world-ingress", "backend-sg"),
        _world_source("3.0.0.0/9"),
    ),
    "a public IPv6 /32 is the world, a /33 is not": (
        _world_source("2600:1f00::/32"),
        ("security-group-world-ingress", "backend-sg"),
        _world_source("2600:1f00::/33"),
    ),
    "a CloudFront origin that still allows TLS 1.1": (
        _api_origin(["TLSv1.2", "TLSv1.1"]),
        ("cloudfront-origin-tls", "frontend-cdn"),
        _api_origin(["TLSv1.2"]),
    ),
}


@pytest.mark.parametrize("case", sorted(EDGES))
def test_one_below_the_limit_is_reported(introduced: Introduced, planned: Planned, case: str) -> None:
    change, (rule, name), _ = EDGES[case]
    b = planned("production")
    change(b)
    assert introduced(b) == {(rule, M, name)}


@pytest.mark.parametrize("case", sorted(EDGES))
def test_the_limit_itself_passes(introduced: Introduced, planned: Planned, case: str) -> None:
    _, _, at_limit = EDGES[case]
    b = planned("production")
    at_limit(b)
    assert introduced(b) == set()


def test_a_single_unpinned_cluster_instance_is_one_az(introduced: Introduced, planned: Planned) -> None:
    # No AZ set on the only instance: nothing says it is pinned, but one instance is one AZ all the same.
    b = planned("production")
    cluster = b.add(
        "aws:rds/cluster:Cluster",
        "aurora",
        {
            "engine": "aurora-postgresql",
            "storageEncrypted": True,
            "kmsKeyId": Ref(b.get(*KEY), "arn"),
            "manageMasterUserPassword": True,
            "deletionProtection": True,
            "backupRetentionPeriod": 30,
            "finalSnapshotIdentifier": "aurora-final",
            "iamDatabaseAuthenticationEnabled": True,
            "copyTagsToSnapshot": True,
            "dbClusterParameterGroupName": Ref(b.get("rds/parameterGroup", "db-params")),
        },
        protect=True,
    )
    member = {"clusterIdentifier": Ref(cluster), "instanceClass": "db.r6g.large", "copyTagsToSnapshot": True}
    b.add("aws:rds/clusterInstance:ClusterInstance", "aurora-0", {**member, "monitoringInterval": 60})
    assert ("rds-multi-az", M, "aurora") in introduced(b)

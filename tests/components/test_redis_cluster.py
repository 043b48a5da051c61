"""RedisCluster under mocks: single node, replicated, valkey, and what the AUTH token may never do."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pulumi_aws as aws
import pytest
from pydantic import ValidationError

from components.naming import check_identifier
from components.redis_cluster import AUTH_TOKEN_LENGTH, RedisCluster, RedisClusterArgs, redis_url
from offline.harness import Plan
from stackconfig.data import RedisClusterSettings
from tests.support import aws_context, group_id, inputs, rules_of, run_component
from tests.support.data import (
    EGRESS,
    INGRESS,
    KEY_ARN,
    NETWORK,
    SECRET_VERSION,
    VPC_ID,
    StandInClient,
    is_secret,
    secret_set,
)

GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"


def build(**overrides: Any) -> Callable[[], None]:
    def program() -> None:
        cache = RedisCluster(
            "cache",
            RedisClusterArgs(
                replication_group_id="socialclub-test-redis",
                network=NETWORK,
                kms_key_arn=KEY_ARN,
                secrets=secret_set(aws_context()),
                log_group_prefix="/aws/elasticache/socialclub-test",
                settings=RedisClusterSettings(**overrides),
            ),
        )
        backend = aws.ec2.SecurityGroup("backend", vpc_id=VPC_ID, description="the API tasks")
        cache.ingress_rule(StandInClient(backend.id))

    return program


@pytest.fixture(scope="module")
def single() -> Plan:
    return run_component(build())


@pytest.fixture(scope="module")
def replicated() -> Plan:
    return run_component(build(node_type="cache.r6g.xlarge", nodes=3, snapshot_retention_days=7))


def test_defaults_are_the_staging_cache(single: Plan) -> None:
    group = inputs(single.one(GROUP))
    assert (group["engine"], group["engineVersion"], group["parameterGroupName"]) == ("redis", "7.1", "default.redis7")
    assert (group["nodeType"], group["numCacheClusters"], group["port"]) == ("cache.t3.small", 1, 6379)
    assert group["replicationGroupId"] == "socialclub-test-redis"
    assert group["description"]
    assert group["subnetGroupName"] == "cache-subnets"
    assert group["autoMinorVersionUpgrade"] is True
    assert (group["snapshotRetentionLimit"], group["snapshotWindow"]) == (1, "02:00-03:00")
    assert group["maintenanceWindow"] == "sun:05:00-sun:06:00"
    # A suffix drawn at creation, so a second stack with the same identifier can still be destroyed.
    assert re.fullmatch(r"socialclub-test-redis-final-[0-9a-f]{8}", group["finalSnapshotIdentifier"])
    assert single.one(GROUP).protect is True


def test_one_node_never_asks_for_multi_az_or_failover(single: Plan) -> None:
    group = inputs(single.one(GROUP))
    assert group["multiAzEnabled"] is False
    assert group["automaticFailoverEnabled"] is False


def test_replicated_group_is_multi_az_with_failover(replicated: Plan) -> None:
    group = inputs(replicated.one(GROUP))
    assert (group["nodeType"], group["numCacheClusters"]) == ("cache.r6g.xlarge", 3)
    assert group["multiAzEnabled"] is True
    assert group["automaticFailoverEnabled"] is True
    assert group["snapshotRetentionLimit"] == 7


@pytest.mark.parametrize("fixture", ["single", "replicated"])
def test_encrypted_at_rest_and_in_transit(fixture: str, request: pytest.FixtureRequest) -> None:
    group = inputs(request.getfixturevalue(fixture).one(GROUP))
    assert group["atRestEncryptionEnabled"] is True
    assert group["kmsKeyId"] == KEY_ARN
    assert group["transitEncryptionEnabled"] is True
    assert group["transitEncryptionMode"] == "required"


def test_auth_token_is_generated_secret_and_lands_only_in_the_url_secret(single: Plan) -> None:
    resource = single.one(GROUP)
    assert is_secret(resource.inputs["authToken"])
    # SET unless a rotation is under way: ROTATE would leave every earlier token valid forever.
    assert resource.inputs["authTokenUpdateStrategy"] == "SET"
    token = inputs(resource)["authToken"]
    assert len(token) == AUTH_TOKEN_LENGTH and token.isalnum()
    version = single.one(SECRET_VERSION, "secrets-database-redis-url-value")
    assert is_secret(version.inputs["secretString"])
    primary = resource.outputs["primaryEndpointAddress"]
    assert inputs(version)["secretString"] == redis_url(token, primary, 6379)
    assert inputs(version)["secretString"].startswith("rediss://:")
    # Nowhere else: no other input, no plan document, no output carries it in clear.
    for other in single.resources:
        if other not in (resource, version):
            assert token not in json.dumps(inputs(other)), other.name
    assert token not in json.dumps(single.to_document())


def test_logs_go_to_encrypted_groups_with_the_required_retention(single: Plan) -> None:
    groups = {inputs(g)["name"]: inputs(g) for g in single.of_type("aws:cloudwatch/logGroup:LogGroup")}
    assert set(groups) == {"/aws/elasticache/socialclub-test/slow-log", "/aws/elasticache/socialclub-test/engine-log"}
    for group in groups.values():
        assert (group["retentionInDays"], group["kmsKeyId"]) == (3, KEY_ARN)
    deliveries = inputs(single.one(GROUP))["logDeliveryConfigurations"]
    assert sorted((d["logType"], d["destination"], d["destinationType"]) for d in deliveries) == [
        ("engine-log", "/aws/elasticache/socialclub-test/engine-log", "cloudwatch-logs"),
        ("slow-log", "/aws/elasticache/socialclub-test/slow-log", "cloudwatch-logs"),
    ]


def test_allow_from_opens_6379_to_exactly_that_group(single: Plan) -> None:
    cache_group = group_id(single, "cache-sg")
    assert rules_of(single, INGRESS, cache_group) == [
        {
            "securityGroupId": cache_group,
            "referencedSecurityGroupId": group_id(single, "backend"),
            "ipProtocol": "tcp",
            "fromPort": 6379,
            "toPort": 6379,
            "description": "redis from backend",
        }
    ]
    assert rules_of(single, EGRESS, cache_group) == []
    assert inputs(single.one(GROUP))["securityGroupIds"] == [cache_group]


def test_valkey_gets_its_own_version_and_parameter_family() -> None:
    group = inputs(run_component(build(engine="valkey")).one(GROUP))
    assert (group["engine"], group["engineVersion"], group["parameterGroupName"]) == (
        "valkey",
        "8.0",
        "default.valkey8",
    )


def test_protect_can_be_turned_off() -> None:
    assert run_component(build(protect=False)).one(GROUP).protect is False


@pytest.mark.parametrize(("nodes", "bound"), [(0, "greater than or equal to 1"), (7, "less than or equal to 6")])
def test_node_count_outside_what_elasticache_allows_is_refused(nodes: int, bound: str) -> None:
    # ElastiCache: a replication group without cluster mode has 1 primary and at most 5 replicas.
    with pytest.raises(ValidationError, match=bound):
        RedisClusterSettings(nodes=nodes)


def test_replication_group_ids_are_limited_to_40_characters() -> None:
    check_identifier("socialclub-production-redis", 40, "x")
    with pytest.raises(ValueError, match="1-40"):
        check_identifier("a" * 41, 40, "ElastiCache replication group id")


def test_two_nodes_are_enough_for_multi_az_with_failover() -> None:
    # ElastiCache: Multi-AZ and automatic failover need one replica, so a primary and one replica (2 nodes).
    group = inputs(run_component(build(nodes=2)).one(GROUP))
    assert (group["numCacheClusters"], group["multiAzEnabled"], group["automaticFailoverEnabled"]) == (2, True, True)

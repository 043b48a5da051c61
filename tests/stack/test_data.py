"""The data tier as the two real stacks declare it (the whole program under mocks)."""

from __future__ import annotations

import json

import pytest

from offline.harness import Plan
from tests.support import group_id, inputs, key_arn, rules_of, stack_plan
from tests.support.data import EGRESS, INGRESS, SECRET_VERSION, is_secret

INSTANCE = "aws:rds/instance:Instance"
GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
TABLE = "aws:dynamodb/table:Table"
STACKS = ["staging", "production"]


def component_of(plan: Plan, resource_type: str) -> str:
    resource = plan.one(resource_type)
    return plan.by_urn(resource.parent).type


@pytest.mark.parametrize("stack", STACKS)
def test_one_multi_az_encrypted_gp3_database_in_the_data_subnets(stack: str) -> None:
    plan = stack_plan(stack)
    db = inputs(plan.one(INSTANCE))
    assert db["identifier"] == f"socialclub-{stack}-postgres"
    assert db["instanceClass"] == {"staging": "db.t3.small", "production": "db.r6g.xlarge"}[stack]
    assert (db["multiAz"], db["storageType"], db["allocatedStorage"], db["maxAllocatedStorage"]) == (
        True,
        "gp3",
        100,
        1000,
    )
    assert (db["storageEncrypted"], db["kmsKeyId"], db["masterUserSecretKmsKeyId"]) == (
        True,
        key_arn(plan),
        key_arn(plan),
    )
    assert db["backupRetentionPeriod"] == 30
    assert db["publiclyAccessible"] is False
    assert db["dbSubnetGroupName"] == plan.one("aws:rds/subnetGroup:SubnetGroup").outputs["name"]
    assert component_of(plan, INSTANCE) == "socialclub:data:PostgresDb"
    params = {p["name"]: p["value"] for p in inputs(plan.one("aws:rds/parameterGroup:ParameterGroup"))["parameters"]}
    assert params["rds.force_ssl"] == "1"


def test_production_database_cannot_be_deleted_by_accident() -> None:
    instance = stack_plan("production").one(INSTANCE)
    assert inputs(instance)["deletionProtection"] is True
    assert inputs(instance)["skipFinalSnapshot"] is False
    assert instance.protect is True


def test_staging_database_can_be_torn_down() -> None:
    instance = stack_plan("staging").one(INSTANCE)
    assert inputs(instance)["deletionProtection"] is False
    assert instance.protect is False


@pytest.mark.parametrize(
    ("stack", "nodes", "node_type"), [("staging", 1, "cache.t3.small"), ("production", 3, "cache.r6g.xlarge")]
)
def test_cache_nodes_and_multi_az(stack: str, nodes: int, node_type: str) -> None:
    plan = stack_plan(stack)
    group = inputs(plan.one(GROUP))
    assert (group["numCacheClusters"], group["nodeType"]) == (nodes, node_type)
    assert group["multiAzEnabled"] is (nodes > 1)
    assert group["automaticFailoverEnabled"] is (nodes > 1)
    assert (group["atRestEncryptionEnabled"], group["kmsKeyId"]) == (True, key_arn(plan))
    assert (group["transitEncryptionEnabled"], group["transitEncryptionMode"]) == (True, "required")
    assert is_secret(plan.one(GROUP).inputs["authToken"])
    assert group["subnetGroupName"] == plan.one("aws:elasticache/subnetGroup:SubnetGroup").outputs["name"]
    assert plan.one(GROUP).protect is (stack == "production")


@pytest.mark.parametrize("stack", STACKS)
def test_four_required_tables_with_pitr_and_the_key(stack: str) -> None:
    """docs/requirements.md §4.2: user-sessions, real-time-presence, message-cache, activity-log."""
    plan = stack_plan(stack)
    tables = {inputs(t)["name"]: inputs(t) for t in plan.of_type(TABLE)}
    assert set(tables) == {
        f"socialclub-{stack}-{name}"
        for name in ("user-sessions", "real-time-presence", "message-cache", "activity-log")
    }
    for table in tables.values():
        assert table["pointInTimeRecovery"]["enabled"] is True
        assert table["serverSideEncryption"] == {"enabled": True, "kmsKeyArn": key_arn(plan)}
        assert table["ttl"] == {"attributeName": "expiresAt", "enabled": True}
        assert table["billingMode"] == {"staging": "PAY_PER_REQUEST", "production": "PROVISIONED"}[stack]
        assert table["deletionProtectionEnabled"] is (stack == "production")
    scaling = plan.of_type("aws:appautoscaling/policy:Policy")
    assert len([p for p in scaling if inputs(p)["serviceNamespace"] == "dynamodb"]) == (
        8 if stack == "production" else 0
    )


@pytest.mark.parametrize("stack", STACKS)
def test_url_secrets_and_master_rotation(stack: str) -> None:
    plan = stack_plan(stack)
    database_url = inputs(plan.one(SECRET_VERSION, "secrets-database-database-url-value"))["secretString"]
    assert database_url.startswith(f"postgresql://socialclub_app@socialclub-{stack}-postgres.")
    redis = plan.one(SECRET_VERSION, "secrets-database-redis-url-value")
    assert is_secret(redis.inputs["secretString"])
    token = inputs(plan.one(GROUP))["authToken"]
    assert (
        inputs(redis)["secretString"] == f"rediss://:{token}@{plan.one(GROUP).outputs['primaryEndpointAddress']}:6379"
    )
    rotation = inputs(plan.one("aws:secretsmanager/secretRotation:SecretRotation"))
    assert rotation["secretId"] == plan.one(INSTANCE).outputs["masterUserSecrets"][0]["secretArn"]
    assert rotation["rotationRules"]["automaticallyAfterDays"] == 30
    # Not even as a secret: no stack output carries the token.
    assert token not in json.dumps(plan.outputs)


@pytest.mark.parametrize("stack", STACKS)
def test_data_log_groups_are_inside_the_keys_log_prefixes(stack: str) -> None:
    plan = stack_plan(stack)
    names = {inputs(g)["name"]: inputs(g) for g in plan.of_type("aws:cloudwatch/logGroup:LogGroup")}
    expected = {
        f"/aws/rds/instance/socialclub-{stack}-postgres/postgresql": 7,
        f"/aws/rds/instance/socialclub-{stack}-postgres/upgrade": 7,
        f"/aws/elasticache/socialclub-{stack}/slow-log": 3,
        f"/aws/elasticache/socialclub-{stack}/engine-log": 3,
    }
    for name, days in expected.items():
        assert (names[name]["retentionInDays"], names[name]["kmsKeyId"]) == (days, key_arn(plan))
    key_policy = inputs(plan.one("aws:kms/key:Key"))["policy"]
    assert f"log-group:/aws/rds/instance/socialclub-{stack}*" in key_policy
    assert f"log-group:/aws/elasticache/socialclub-{stack}*" in key_policy


@pytest.mark.parametrize("stack", STACKS)
def test_data_security_groups_open_one_port_to_groups_only_and_never_egress(stack: str) -> None:
    plan = stack_plan(stack)
    for component, name, port in (("db", "db-sg", 5432), ("cache", "cache-sg", 6379)):
        group = group_id(plan, name)
        ingress = rules_of(plan, INGRESS, group)
        assert ingress, f"nothing reaches the {component}"
        for rule in ingress:
            assert (rule["ipProtocol"], rule["fromPort"], rule["toPort"]) == ("tcp", port, port)
            assert rule["referencedSecurityGroupId"].startswith("sg-")
            assert not {"cidrIpv4", "cidrIpv6", "prefixListId"} & set(rule)
        assert rules_of(plan, EGRESS, group) == []

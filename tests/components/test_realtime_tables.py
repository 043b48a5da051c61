"""RealtimeTables under mocks: the four tables of docs/requirements.md §4.2, both billing modes, grant_read_write."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from components.iam_documents import service_trust
from components.realtime_tables import (
    READ_WRITE_ACTIONS,
    REALTIME_TABLES,
    RealtimeTables,
    RealtimeTablesArgs,
    ttl_label,
)
from offline.harness import Plan
from stackconfig.data import CapacityRange, RealtimeTablesSettings
from tests.support import aws_context, inputs, run_component
from tests.support.data import KEY_ARN

TABLE = "aws:dynamodb/table:Table"
TARGET = "aws:appautoscaling/target:Target"
POLICY = "aws:appautoscaling/policy:Policy"

REQUIRED = {
    "user-sessions": ("userId", "sessionId", "24h", 86_400),
    "real-time-presence": ("venueId", "userId", "1h", 3_600),
    "message-cache": ("conversationId", "timestamp", "7d", 604_800),
    "activity-log": ("userId", "timestamp", "30d", 2_592_000),
}


def build(**overrides: Any) -> Callable[[], None]:
    def program() -> None:
        tables = RealtimeTables(
            "tables",
            RealtimeTablesArgs(
                context=aws_context(),
                name_prefix="socialclub-test",
                kms_key_arn=KEY_ARN,
                settings=RealtimeTablesSettings(**overrides),
            ),
        )
        role = aws.iam.Role("backend-task", assume_role_policy=service_trust("ecs-tasks.amazonaws.com"))
        tables.grant_read_write(role, "backend")
        pulumi.export("ttlSeconds", tables.default_ttl_seconds)

    return program


@pytest.fixture(scope="module")
def on_demand() -> Plan:
    return run_component(build())


@pytest.fixture(scope="module")
def provisioned() -> Plan:
    return run_component(
        build(
            billing_mode="PROVISIONED",
            read_capacity=CapacityRange(min=10, max=500),
            write_capacity=CapacityRange(min=20, max=400),
            target_utilization_percent=70,
        )
    )


def tables_by_name(plan: Plan) -> dict[str, dict[str, Any]]:
    return {inputs(t)["name"].removeprefix("socialclub-test-"): inputs(t) for t in plan.of_type(TABLE)}


def test_the_required_tables_with_their_keys_and_ttl(on_demand: Plan) -> None:
    tables = tables_by_name(on_demand)
    assert set(tables) == set(REQUIRED)
    for name, (partition, sort, label, _) in REQUIRED.items():
        table = tables[name]
        assert (table["hashKey"], table["rangeKey"]) == (partition, sort)
        assert sorted(a["name"] for a in table["attributes"]) == sorted({partition, sort})
        assert table["ttl"] == {"attributeName": "expiresAt", "enabled": True}
        assert table["tags"] == {"TtlAttribute": "expiresAt", "DefaultTtl": label}


def test_default_lifetimes_are_exposed_for_the_backend(on_demand: Plan) -> None:
    assert on_demand.outputs["ttlSeconds"] == {name: table[3] for name, table in REQUIRED.items()}
    assert [ttl_label(t.default_ttl) for t in REALTIME_TABLES] == ["24h", "1h", "7d", "30d"]


@pytest.mark.parametrize("fixture", ["on_demand", "provisioned"])
def test_pitr_kms_and_deletion_protection_by_default(fixture: str, request: pytest.FixtureRequest) -> None:
    plan: Plan = request.getfixturevalue(fixture)
    for resource in plan.of_type(TABLE):
        table = inputs(resource)
        assert table["pointInTimeRecovery"] == {"enabled": True, "recoveryPeriodInDays": 35}
        assert table["serverSideEncryption"] == {"enabled": True, "kmsKeyArn": KEY_ARN}
        assert table["deletionProtectionEnabled"] is True
        assert resource.protect is True


def test_on_demand_has_no_capacity_and_no_autoscaling(on_demand: Plan) -> None:
    for table in tables_by_name(on_demand).values():
        assert table["billingMode"] == "PAY_PER_REQUEST"
        assert "readCapacity" not in table and "writeCapacity" not in table
    assert on_demand.of_type(TARGET) == [] and on_demand.of_type(POLICY) == []


def test_provisioned_tables_start_at_the_floor_and_track_70_percent(provisioned: Plan) -> None:
    tables = tables_by_name(provisioned)
    for table in tables.values():
        assert (table["billingMode"], table["readCapacity"], table["writeCapacity"]) == ("PROVISIONED", 10, 20)
    targets = {
        (inputs(t)["resourceId"], inputs(t)["scalableDimension"]): inputs(t) for t in provisioned.of_type(TARGET)
    }
    policies = {
        (inputs(p)["resourceId"], inputs(p)["scalableDimension"]): inputs(p) for p in provisioned.of_type(POLICY)
    }
    assert len(targets) == len(policies) == 8
    for name in REQUIRED:
        for kind, (low, high) in (("Read", (10, 500)), ("Write", (20, 400))):
            key = (f"table/socialclub-test-{name}", f"dynamodb:table:{kind}CapacityUnits")
            assert (targets[key]["serviceNamespace"], targets[key]["minCapacity"], targets[key]["maxCapacity"]) == (
                "dynamodb",
                low,
                high,
            )
            policy = policies[key]
            assert policy["policyType"] == "TargetTrackingScaling"
            tracking = policy["targetTrackingScalingPolicyConfiguration"]
            assert tracking["targetValue"] == 70
            assert tracking["predefinedMetricSpecification"] == {
                "predefinedMetricType": f"DynamoDB{kind}CapacityUtilization"
            }


def test_deletion_protection_and_protect_can_be_turned_off() -> None:
    plan = run_component(build(deletion_protection=False, protect=False))
    for resource in plan.of_type(TABLE):
        assert inputs(resource)["deletionProtectionEnabled"] is False
        assert resource.protect is False


def test_grant_read_write_is_scoped_to_these_tables_and_their_indexes(on_demand: Plan) -> None:
    policy = inputs(on_demand.one("aws:iam/rolePolicy:RolePolicy"))
    assert policy["role"] == on_demand.one("aws:iam/role:Role", "backend-task").outputs["id"]
    statements = json.loads(policy["policy"])["Statement"]
    items = next(s for s in statements if s["Sid"] == "ReadWriteRealtimeTables")
    assert items["Action"] == sorted(READ_WRITE_ACTIONS)
    assert "dynamodb:Scan" not in items["Action"]
    arns = [t.outputs["arn"] for t in on_demand.of_type(TABLE)]
    assert sorted(items["Resource"]) == sorted(arns + [f"{arn}/index/*" for arn in arns])
    key = next(s for s in statements if s["Sid"] == "TableKeyThroughDynamoDb")
    assert key["Resource"] == [KEY_ARN]
    assert key["Condition"] == {"StringEquals": {"kms:ViaService": "dynamodb.us-east-1.amazonaws.com"}}
    for st in statements:
        assert all("*" not in action for action in st["Action"])

"""Vpc under mocks, built from hand-made arguments: the VPC's DNS, the NAT gateways, the flow logs and their role,
and the pure NAT helpers."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest

from components.vpc import Vpc, VpcArgs, nat_azs, nat_for_az
from offline.harness import Plan
from stackconfig.network import NatStrategy, VpcSettings
from tests.support import aws_context, inputs, run_component
from tests.support.iam import policy

AZS = ["us-east-1a", "us-east-1b", "us-east-1c"]
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/test-key"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
ROLE = "aws:iam/role:Role"


@cache
def network(strategy: NatStrategy = "one-per-az") -> Plan:
    """The three tiers of docs/requirements.md §5.1 in three AZs."""

    def program() -> None:
        Vpc(
            "net",
            VpcArgs(
                context=aws_context(),
                kms_key_arn=KEY_ARN,
                flow_log_group_name="/aws/vpc/test/flow-logs",
                settings=VpcSettings.model_validate(
                    {
                        "availabilityZones": AZS,
                        "publicSubnets": ["10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"],
                        "privateSubnets": ["10.0.11.0/24", "10.0.12.0/24", "10.0.13.0/24"],
                        "dataSubnets": ["10.0.21.0/24", "10.0.22.0/24", "10.0.23.0/24"],
                        "natGateways": strategy,
                    }
                ),
            ),
        )

    return run_component(program)


def test_the_vpc_is_the_requirements_block_with_dns_names_on() -> None:
    """docs/requirements.md §5.1: 10.0.0.0/16. RDS and ElastiCache endpoints are DNS names that resolve inside the
    VPC only with DNS support and DNS hostnames both on."""
    vpc = inputs(network().one("aws:ec2/vpc:Vpc"))
    assert vpc["cidrBlock"] == "10.0.0.0/16"
    assert (vpc["enableDnsSupport"], vpc["enableDnsHostnames"]) == (True, True)


@pytest.mark.parametrize(("strategy", "azs"), [("one-per-az", AZS), ("single", ["us-east-1a"])])
def test_nat_gateways_are_public_one_per_az_or_one(strategy: NatStrategy, azs: list[str]) -> None:
    plan = network(strategy)
    nats = plan.of_type("aws:ec2/natGateway:NatGateway")
    assert sorted(n.name for n in nats) == [f"net-nat-{az}" for az in azs]
    assert all(inputs(n)["connectivityType"] == "public" for n in nats)
    # A NAT gateway created before the internet gateway has no way out.
    igw = plan.one("aws:ec2/internetGateway:InternetGateway").urn
    assert all(igw in n.dependencies for n in nats)


@pytest.mark.parametrize("strategy", ["one-per-az", "single"])
def test_public_tables_go_out_through_the_internet_gateway_private_through_a_nat_data_nowhere(
    strategy: NatStrategy,
) -> None:
    plan = network(strategy)
    igw = plan.one("aws:ec2/internetGateway:InternetGateway").outputs["id"]
    nats = {n.outputs["id"]: n.name for n in plan.of_type("aws:ec2/natGateway:NatGateway")}
    tables = {t.outputs["id"]: t.name for t in plan.of_type("aws:ec2/routeTable:RouteTable")}
    routes: dict[str, tuple[str, str]] = {}
    for route in plan.of_type("aws:ec2/route:Route"):
        r = inputs(route)
        routes[tables[r["routeTableId"]]] = (r["destinationCidrBlock"], r.get("gatewayId") or nats[r["natGatewayId"]])
    through = {az: f"net-nat-{az if strategy == 'one-per-az' else 'us-east-1a'}" for az in AZS}
    assert routes == {
        "net-public": ("0.0.0.0/0", igw),
        **{f"net-private-{az}": ("0.0.0.0/0", through[az]) for az in AZS},
    }
    assert "net-data" in tables.values()


def test_flow_logs_record_all_traffic_every_minute_into_the_encrypted_group() -> None:
    plan = network()
    flow = inputs(plan.one(FLOW_LOG))
    group = plan.one("aws:cloudwatch/logGroup:LogGroup")
    assert (flow["trafficType"], flow["maxAggregationInterval"]) == ("ALL", 60)
    assert (flow["logDestinationType"], flow["logDestination"]) == ("cloud-watch-logs", group.outputs["arn"])
    assert (inputs(group)["kmsKeyId"], inputs(group)["retentionInDays"]) == (KEY_ARN, 30)


def test_the_flow_log_role_is_trusted_by_this_accounts_flow_logs_and_writes_only_its_group() -> None:
    plan = network()
    role = plan.one(ROLE, "net-flow-logs")
    assert inputs(plan.one(FLOW_LOG))["iamRoleArn"] == role.outputs["arn"]
    (trust,) = json.loads(inputs(role)["assumeRolePolicy"])["Statement"]
    assert trust == {
        "Effect": "Allow",
        "Action": ["sts:AssumeRole"],
        "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
        "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
    }
    (write,) = policy(plan.one("aws:iam/rolePolicy:RolePolicy", "net-flow-logs"))
    group_arn = plan.one("aws:cloudwatch/logGroup:LogGroup").outputs["arn"]
    assert write["Action"] == ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
    assert write["Resource"] == [group_arn, f"{group_arn}:*"]


def test_the_rds_and_elasticache_subnet_groups_use_the_data_subnets() -> None:
    plan = network()
    data = sorted(s.outputs["id"] for s in plan.of_type("aws:ec2/subnet:Subnet") if s.inputs["tags"]["Tier"] == "data")
    assert len(data) == 3
    for token in ("aws:rds/subnetGroup:SubnetGroup", "aws:elasticache/subnetGroup:SubnetGroup"):
        assert sorted(inputs(network().one(token))["subnetIds"]) == data


def test_nat_helpers() -> None:
    assert nat_azs(AZS, "one-per-az") == AZS
    assert nat_azs(AZS, "single") == ["us-east-1a"]
    assert nat_for_az("us-east-1c", AZS, "one-per-az") == "us-east-1c"
    assert nat_for_az("us-east-1c", AZS, "single") == "us-east-1a"


def test_every_child_is_parented_to_the_component() -> None:
    plan = network()
    component = plan.one("socialclub:network:Vpc").urn
    custom: list[Any] = [r for r in plan.resources if r.custom]
    assert custom and all(r.parent == component for r in custom)

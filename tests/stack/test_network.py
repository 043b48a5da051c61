"""The Vpc as both stacks declare it: the subnets of docs/requirements.md §5.1, NAT gateways, routes, endpoints and
flow logs."""

from __future__ import annotations

import pytest

from offline.harness import Plan, Resource
from tests.support import inputs, stack_plan

AZS = ["us-east-1a", "us-east-1b", "us-east-1c"]
SUBNETS = {
    "public": ["10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"],
    "private": ["10.0.11.0/24", "10.0.12.0/24", "10.0.13.0/24"],
    "data": ["10.0.21.0/24", "10.0.22.0/24", "10.0.23.0/24"],
}


def by_id(plan: Plan, type_token: str) -> dict[str, Resource]:
    return {r.outputs["id"]: r for r in plan.of_type(type_token)}


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_nine_subnets_with_the_required_cidrs_across_three_azs(stack: str) -> None:
    plan = stack_plan(stack)
    subnets = plan.of_type("aws:ec2/subnet:Subnet")
    assert len(subnets) == 9
    for tier, cidrs in SUBNETS.items():
        tier_subnets = sorted(
            (inputs(s)["availabilityZone"], inputs(s)["cidrBlock"])
            for s in subnets
            if inputs(s)["tags"]["Tier"] == tier
        )
        assert tier_subnets == list(zip(AZS, cidrs, strict=True))
    # No tier auto-assigns public IPs (FSBP EC2.15).
    assert all(inputs(s)["mapPublicIpOnLaunch"] is False for s in subnets)
    assert {inputs(s)["vpcId"] for s in subnets} == {plan.one("aws:ec2/vpc:Vpc").outputs["id"]}


@pytest.mark.parametrize(("stack", "nat_count"), [("staging", 1), ("production", 3)])
def test_nat_gateways_follow_the_strategy(stack: str, nat_count: int) -> None:
    plan = stack_plan(stack)
    nats = plan.of_type("aws:ec2/natGateway:NatGateway")
    assert len(nats) == nat_count
    public_ids = {
        s.outputs["id"] for s in plan.of_type("aws:ec2/subnet:Subnet") if s.inputs["tags"]["Tier"] == "public"
    }
    eips = {e.outputs["id"] for e in plan.of_type("aws:ec2/eip:Eip")}
    for nat in nats:
        assert inputs(nat)["subnetId"] in public_ids
        assert inputs(nat)["allocationId"] in eips


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_private_subnets_route_through_their_nat_and_data_subnets_nowhere(stack: str) -> None:
    plan = stack_plan(stack)
    subnets = by_id(plan, "aws:ec2/subnet:Subnet")
    nats = by_id(plan, "aws:ec2/natGateway:NatGateway")
    igw = plan.one("aws:ec2/internetGateway:InternetGateway").outputs["id"]
    routes_by_table: dict[str, list[Resource]] = {}
    for route in plan.of_type("aws:ec2/route:Route"):
        routes_by_table.setdefault(inputs(route)["routeTableId"], []).append(route)
    # docs/requirements.md §5.1 and §1: production keeps egress when an AZ fails (a NAT gateway per AZ); staging
    # saves two gateways and sends every private subnet through the one in the first AZ.
    nat_az = {"staging": dict.fromkeys(AZS, "us-east-1a"), "production": {az: az for az in AZS}}[stack]

    for assoc in plan.of_type("aws:ec2/routeTableAssociation:RouteTableAssociation"):
        subnet = subnets[inputs(assoc)["subnetId"]]
        tier, az = inputs(subnet)["tags"]["Tier"], inputs(subnet)["availabilityZone"]
        routes = routes_by_table.get(inputs(assoc)["routeTableId"], [])
        if tier == "public":
            assert [inputs(r)["gatewayId"] for r in routes] == [igw]
        elif tier == "private":
            (route,) = routes
            assert inputs(route)["destinationCidrBlock"] == "0.0.0.0/0"
            nat = nats[inputs(route)["natGatewayId"]]
            nat_subnet = subnets[inputs(nat)["subnetId"]]
            assert inputs(nat_subnet)["availabilityZone"] == nat_az[az]
        else:
            assert routes == [], "data subnets must have no route out of the VPC"


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_gateway_endpoints_serve_private_and_data_route_tables(stack: str) -> None:
    plan = stack_plan(stack)
    endpoints = plan.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
    assert sorted(inputs(e)["serviceName"] for e in endpoints) == [
        "com.amazonaws.us-east-1.dynamodb",
        "com.amazonaws.us-east-1.s3",
    ]
    tables = by_id(plan, "aws:ec2/routeTable:RouteTable")
    non_public = {rid for rid, t in tables.items() if not inputs(t)["tags"]["Name"].endswith("-public")}
    for endpoint in endpoints:
        assert inputs(endpoint)["vpcEndpointType"] == "Gateway"
        assert set(inputs(endpoint)["routeTableIds"]) == non_public
        assert len(non_public) == 4  # three private (one per AZ) and one data table


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_flow_logs_go_to_an_encrypted_group_with_retention(stack: str) -> None:
    plan = stack_plan(stack)
    flow = inputs(plan.one("aws:ec2/flowLog:FlowLog"))
    groups = {g.outputs["arn"]: g for g in plan.of_type("aws:cloudwatch/logGroup:LogGroup")}
    group = inputs(groups[flow["logDestination"]])
    key_arn = plan.one("aws:kms/key:Key").outputs["arn"]
    assert flow["trafficType"] == "ALL"
    assert flow["vpcId"] == plan.one("aws:ec2/vpc:Vpc").outputs["id"]
    assert group["kmsKeyId"] == key_arn
    assert group["retentionInDays"] == (30 if stack == "staging" else 90)
    assert group["name"] == f"/aws/vpc/socialclub-{stack}/flow-logs"


def test_default_security_group_is_stripped() -> None:
    sg = inputs(stack_plan("production").one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"))
    assert "ingress" not in sg and "egress" not in sg


def test_every_network_child_is_parented_to_the_component() -> None:
    plan = stack_plan("production")
    vpc_component = plan.one("socialclub:network:Vpc")
    for r in plan.of_type("aws:ec2/subnet:Subnet") + plan.of_type("aws:ec2/natGateway:NatGateway"):
        assert r.parent == vpc_component.urn
        assert r.name.startswith("network-")

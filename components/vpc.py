"""Vpc: the three-tier network of docs/requirements.md §5.1 (public, private, data) across several AZs, with NAT,
flow logs and gateway endpoints."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from ipaddress import IPv4Network
from typing import Protocol

import pulumi
import pulumi_aws as aws

from components.aws_context import AwsContext
from components.iam_documents import document, service_trust, statement
from stackconfig.network import NatStrategy, VpcSettings


def nat_azs(azs: Sequence[str], strategy: NatStrategy) -> list[str]:
    """The AZs that get a NAT gateway: all of them, or the first one only."""
    return list(azs) if strategy == "one-per-az" else list(azs[:1])


def nat_for_az(az: str, azs: Sequence[str], strategy: NatStrategy) -> str:
    """The AZ whose NAT gateway a private subnet in `az` routes through (its own, or the single one)."""
    return az if strategy == "one-per-az" else azs[0]


class DataSubnets(Protocol):
    """What a data store needs of the network (a `Vpc`): the VPC of its security group and the subnet groups on the
    data subnets, which have no route to the internet."""

    @property
    def vpc_id(self) -> pulumi.Input[str]: ...

    @property
    def db_subnet_group_name(self) -> pulumi.Input[str]: ...

    @property
    def cache_subnet_group_name(self) -> pulumi.Input[str]: ...


@dataclass(frozen=True)
class VpcArgs:
    context: AwsContext
    """The region of the gateway endpoints and the account of the flow-log role."""
    kms_key_arn: pulumi.Input[str]
    """Encrypts the flow-log group."""
    flow_log_group_name: str
    """e.g. `/aws/vpc/socialclub-production/flow-logs`."""
    settings: VpcSettings
    """CIDR, AZs, subnets per tier, NAT strategy and flow logs (stackconfig/network.py, section
    `socialclub:network`); no default, the AZs depend on the region."""


class Vpc(pulumi.ComponentResource):
    """The network. Data subnets have no route to the internet; only gateway endpoints reach S3/DynamoDB."""

    vpc_id: pulumi.Output[str]
    cidr_block: pulumi.Output[str]
    availability_zones: list[str]
    public_subnet_ids: list[pulumi.Output[str]]
    private_subnet_ids: list[pulumi.Output[str]]
    data_subnet_ids: list[pulumi.Output[str]]
    db_subnet_group_name: pulumi.Output[str]
    cache_subnet_group_name: pulumi.Output[str]
    nat_gateway_ids: list[pulumi.Output[str]]

    def __init__(self, name: str, args: VpcArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("socialclub:network:Vpc", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        settings = args.settings
        azs = list(settings.availability_zones)

        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=str(settings.cidr),
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={"Name": name},
            opts=child,
        )
        # Adopting the default security group with no rules strips AWS's allow-all defaults (EC2.2).
        aws.ec2.DefaultSecurityGroup(f"{name}-default-sg", vpc_id=vpc.id, tags={"Name": f"{name}-default"}, opts=child)
        igw = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags={"Name": name}, opts=child)

        def subnets(tier: str, cidrs: Sequence[IPv4Network]) -> list[aws.ec2.Subnet]:
            return [
                aws.ec2.Subnet(
                    f"{name}-{tier}-{az}",
                    vpc_id=vpc.id,
                    cidr_block=str(cidr),
                    availability_zone=az,
                    # No tier needs instance public IPs: the ALB and NAT gateways bring their own (EC2.15).
                    map_public_ip_on_launch=False,
                    tags={"Name": f"{name}-{tier}-{az}", "Tier": tier},
                    opts=child,
                )
                for az, cidr in zip(azs, cidrs, strict=True)
            ]

        public = subnets("public", settings.public_subnets)
        private = subnets("private", settings.private_subnets)
        data = subnets("data", settings.data_subnets)

        public_rt = aws.ec2.RouteTable(f"{name}-public", vpc_id=vpc.id, tags={"Name": f"{name}-public"}, opts=child)
        aws.ec2.Route(
            f"{name}-public-internet",
            route_table_id=public_rt.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=igw.id,
            opts=child,
        )
        for az, subnet in zip(azs, public, strict=True):
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{az}", subnet_id=subnet.id, route_table_id=public_rt.id, opts=child
            )

        nats: dict[str, aws.ec2.NatGateway] = {}
        for az in nat_azs(azs, settings.nat_gateways):
            eip = aws.ec2.Eip(f"{name}-nat-{az}", domain="vpc", tags={"Name": f"{name}-nat-{az}"}, opts=child)
            nats[az] = aws.ec2.NatGateway(
                f"{name}-nat-{az}",
                allocation_id=eip.id,
                subnet_id=public[azs.index(az)].id,
                connectivity_type="public",
                tags={"Name": f"{name}-nat-{az}"},
                opts=pulumi.ResourceOptions(parent=self, depends_on=[igw]),
            )

        private_rts: list[aws.ec2.RouteTable] = []
        for az, subnet in zip(azs, private, strict=True):
            rt = aws.ec2.RouteTable(
                f"{name}-private-{az}", vpc_id=vpc.id, tags={"Name": f"{name}-private-{az}"}, opts=child
            )
            aws.ec2.Route(
                f"{name}-private-{az}-egress",
                route_table_id=rt.id,
                destination_cidr_block="0.0.0.0/0",
                nat_gateway_id=nats[nat_for_az(az, azs, settings.nat_gateways)].id,
                opts=child,
            )
            aws.ec2.RouteTableAssociation(f"{name}-private-{az}", subnet_id=subnet.id, route_table_id=rt.id, opts=child)
            private_rts.append(rt)

        # Data subnets share one table with no default route: databases never reach the internet.
        data_rt = aws.ec2.RouteTable(f"{name}-data", vpc_id=vpc.id, tags={"Name": f"{name}-data"}, opts=child)
        for az, subnet in zip(azs, data, strict=True):
            aws.ec2.RouteTableAssociation(
                f"{name}-data-{az}", subnet_id=subnet.id, route_table_id=data_rt.id, opts=child
            )

        # Gateway endpoints are free and keep S3/DynamoDB traffic off the NAT gateways.
        for service in ("s3", "dynamodb"):
            aws.ec2.VpcEndpoint(
                f"{name}-{service}",
                vpc_id=vpc.id,
                service_name=f"com.amazonaws.{args.context.region}.{service}",
                vpc_endpoint_type="Gateway",
                route_table_ids=[*(rt.id for rt in private_rts), data_rt.id],
                tags={"Name": f"{name}-{service}"},
                opts=child,
            )

        self._flow_logs(name, args, vpc)

        db_group = aws.rds.SubnetGroup(
            f"{name}-db",
            description=f"{name} data subnets for RDS",
            subnet_ids=[s.id for s in data],
            opts=child,
        )
        cache_group = aws.elasticache.SubnetGroup(
            f"{name}-cache",
            description=f"{name} data subnets for ElastiCache",
            subnet_ids=[s.id for s in data],
            opts=child,
        )

        self.vpc_id = vpc.id
        self.cidr_block = vpc.cidr_block
        self.availability_zones = azs
        self.public_subnet_ids = [s.id for s in public]
        self.private_subnet_ids = [s.id for s in private]
        self.data_subnet_ids = [s.id for s in data]
        self.db_subnet_group_name = db_group.name
        self.cache_subnet_group_name = cache_group.name
        self.nat_gateway_ids = [n.id for n in nats.values()]
        self.register_outputs(
            {
                "vpcId": self.vpc_id,
                "cidrBlock": self.cidr_block,
                "availabilityZones": self.availability_zones,
                "publicSubnetIds": self.public_subnet_ids,
                "privateSubnetIds": self.private_subnet_ids,
                "dataSubnetIds": self.data_subnet_ids,
                "dbSubnetGroupName": self.db_subnet_group_name,
                "cacheSubnetGroupName": self.cache_subnet_group_name,
                "natGatewayIds": self.nat_gateway_ids,
            }
        )

    def _flow_logs(self, name: str, args: VpcArgs, vpc: aws.ec2.Vpc) -> None:
        child = pulumi.ResourceOptions(parent=self)
        group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs",
            name=args.flow_log_group_name,
            retention_in_days=args.settings.flow_logs_retention_days,
            kms_key_id=args.kms_key_arn,
            opts=child,
        )
        role = args.context.role(
            f"{name}-flow-logs",
            assume_role_policy=service_trust("vpc-flow-logs.amazonaws.com", source_account=args.context.account_id),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-flow-logs",
            role=role.id,
            policy=document(
                statement(
                    ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                    [group.arn, pulumi.Output.concat(group.arn, ":*")],
                )
            ),
            opts=child,
        )
        aws.ec2.FlowLog(
            f"{name}-flow-logs",
            vpc_id=vpc.id,
            traffic_type=args.settings.flow_logs_traffic,
            log_destination_type="cloud-watch-logs",
            log_destination=group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            tags={"Name": f"{name}-flow-logs"},
            opts=child,
        )

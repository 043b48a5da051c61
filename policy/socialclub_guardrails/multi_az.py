"""Multi-AZ: data stores that fail over, subnets and NAT in every AZ, the service and the ALB across AZs.

Which of these are mandatory in a stack is the stack's pack config (policy/<stack>.json), not code: staging
runs one Redis node and one NAT gateway by design and downgrades those two rules to advisory.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator

from pulumi_policy import Policy, PolicyResource, ResourceValidationArgs

from .encryption import cache_spec
from .helpers import (
    ECS_SERVICE,
    LOAD_BALANCERS,
    NAT_GATEWAY,
    RDS_INSTANCE,
    SUBNET,
    VPC,
    Config,
    Props,
    Rule,
    Stack,
    availability_zones,
    family,
    findings,
    get,
    resource_rule,
    stack_rule,
    true_flag,
)
from .stores import DATABASES

AZ_SCHEMA = {
    "type": "integer",
    "minimum": 1,
    "maximum": 6,
    "description": "Smallest number of distinct availability zones accepted.",
}

RDS_MULTI_AZ = Rule(
    name="rds-multi-az",
    control="RDS.5, RDS.15",
    description="Databases fail over to another AZ: RDS instances run Multi-AZ; Aurora, DocumentDB and Neptune "
    "clusters have instances in at least two AZs.",
    fix="set multi_az=True on an RDS instance; give a cluster at least two cluster instances (in different AZs).",
)


# RDS instances (the multiAz flag) and the clusters whose instances give them their AZs.
MULTI_AZ_DATABASES = [t for t, d in DATABASES.items() if d.members or t == RDS_INSTANCE]
MINIMUM_CLUSTER_INSTANCES = 2  # a writer and one reader to fail over to


def _rds_multi_az(database: PolicyResource, stack: Stack, _: Config) -> Iterator[str]:
    members = DATABASES[database.resource_type].members
    if members is None:
        if get(database.props, "replicateSourceDb"):
            return  # a read replica's availability comes from its source
        if get(database.props, "multiAz") is not True:
            yield "multiAz is not true: one AZ outage takes the database down."
        return
    if get(database.props, "dbClusterInstanceClass") or get(database.props, "engineMode") == "serverless":
        return  # a Multi-AZ DB cluster (three AZs) or Aurora Serverless v1: AWS places it across AZs itself
    instances = stack.referencing(database, "clusterIdentifier", members)
    zones = {get(i.props, "availabilityZone") for i in instances} - {None}
    if len(instances) < 2:
        yield f"{len(instances)} cluster instance(s): one AZ outage takes the database down."
    elif len(zones) == 1:
        yield f"every cluster instance is pinned to {zones.pop()}."


REDIS_MULTI_AZ = Rule(
    name="elasticache-multi-az",
    control="ElastiCache.3; docs/requirements.md §4.3 (3 nodes, Multi-AZ in production)",
    description="Caches have replicas in several AZs with automatic failover (ElastiCache replication groups, "
    "MemoryDB replicas per shard; a standalone cache node never does).",
    fix="set num_cache_clusters >= the configured minimum, automatic_failover_enabled=True and "
    "multi_az_enabled=True (AWS rejects both flags on a single node).",
    schema={"minimumNodes": {**AZ_SCHEMA, "default": 2, "description": "Smallest node count (primary + replicas)."}},
)


def _node_count(props: Props) -> float:
    if get(props, "numNodeGroups") is not None or get(props, "replicasPerNodeGroup") is not None:
        return float(get(props, "replicasPerNodeGroup", default=1) + 1)
    return float(get(props, "numCacheClusters", default=1))


def _redis_multi_az(args: ResourceValidationArgs, config: Config) -> Iterator[str]:
    spec = cache_spec(args.resource_type, args.props)
    if spec is None or spec.spread == "always":
        return
    if spec.spread == "single":
        yield "a standalone cache node lives in one AZ; use a replication group with replicas."
        return
    if spec.spread == "replicas":
        nodes = float(get(args.props, "numReplicasPerShard", default=1) + 1)
        if nodes < config["minimumNodes"]:
            yield f"{nodes:g} node(s) per shard, below {config['minimumNodes']:g}."
        return
    nodes = _node_count(args.props)
    yield from findings(
        (nodes >= config["minimumNodes"], f"{nodes:g} node(s) per shard, below {config['minimumNodes']:g}."),
        true_flag(args.props, "automaticFailoverEnabled"),
        true_flag(args.props, "multiAzEnabled"),
    )


SUBNET_TIERS = Rule(
    name="subnet-tiers-span-azs",
    control="docs/requirements.md §5.1 (3 AZs, a public, a private and a data subnet in each)",
    description="Each subnet tier of a VPC spreads over at least the configured number of AZs.",
    fix="declare one subnet per AZ in every tier (the network config lists the AZs and one CIDR per AZ).",
    schema={"minimumAzs": {**AZ_SCHEMA, "default": 2}},
    project={"minimumAzs": 3},
)

_INDEX_SUFFIX = re.compile(r"-\d+$")


def tier_of(subnet: PolicyResource) -> str:
    """A subnet's tier: its name without the AZ (or index) suffix, e.g. 'net-private-us-east-1a' -> 'net-private'."""
    zone = str(get(subnet.props, "availabilityZone", default=""))
    name = subnet.name
    if zone and name.endswith(f"-{zone}"):
        return name.removesuffix(f"-{zone}")
    if zone and name.endswith(f"-{zone[-1]}"):
        return name.removesuffix(f"-{zone[-1]}")
    return _INDEX_SUFFIX.sub("", name)


def _subnet_tiers(vpc: PolicyResource, stack: Stack, config: Config) -> Iterator[str]:
    tiers: dict[str, list[PolicyResource]] = defaultdict(list)
    for subnet in stack.referencing(vpc, "vpcId", SUBNET):
        tiers[tier_of(subnet)].append(subnet)
    for tier, subnets in sorted(tiers.items()):
        zones = availability_zones(subnets)
        if len(zones) < config["minimumAzs"]:
            yield f"tier '{tier}' spans {len(zones)} AZ(s) {sorted(zones)}, below {config['minimumAzs']:g}."


NAT_PER_AZ = Rule(
    name="nat-gateway-per-az",
    control="docs/requirements.md §5.1 (NAT gateways in the public subnets, one per AZ: AWS NAT gateway resilience "
    "guidance)",
    description="A VPC with NAT gateways has one in every AZ its subnets use, so egress survives an AZ outage.",
    fix="create a NAT gateway in the public subnet of each AZ and route each private subnet to the one in "
    "its own AZ (network natGateways: one-per-az).",
)


def _nat_per_az(vpc: PolicyResource, stack: Stack, _: Config) -> Iterator[str]:
    subnets = stack.referencing(vpc, "vpcId", SUBNET)
    subnet_urns = {s.urn for s in subnets}
    gateways = [
        g
        for g in stack.of_type(NAT_GATEWAY)
        if any(s.urn in subnet_urns for s in stack.related(g, "subnetId"))
        or any(v.urn == vpc.urn for v in stack.related(g, "vpcId"))
    ]
    if not gateways or any(get(g.props, "availabilityMode") == "regional" for g in gateways):
        return  # no NAT at all is a design choice; a regional NAT gateway spans every AZ by itself
    covered = availability_zones(s for g in gateways for s in stack.related(g, "subnetId", SUBNET))
    missing = availability_zones(subnets) - covered
    if missing:
        yield f"no NAT gateway in {sorted(missing)}: their private subnets lose egress with the NAT's AZ."


def _spread(subnets: list[PolicyResource], minimum: float, what: str) -> Iterator[str]:
    zones = availability_zones(subnets)
    if len(zones) < minimum:
        yield f"{what} spans {len(zones)} AZ(s) {sorted(zones)}, below {minimum:g}."


ECS_MULTI_AZ = Rule(
    name="ecs-service-multi-az",
    control="docs/requirements.md §1, §3.1 (Multi-AZ and highly available: the ECS service spread across AZs)",
    description="ECS services place tasks in subnets of several AZs and run at least one task per AZ.",
    fix="pass the private subnets of every AZ in network_configuration.subnets and a desired_count of at least "
    "the configured minimum.",
    schema={"minimumAzs": {**AZ_SCHEMA, "default": 2}},
)


def _ecs_multi_az(service: PolicyResource, stack: Stack, config: Config) -> Iterator[str]:
    subnets = stack.related(service, "networkConfiguration", SUBNET)
    yield from _spread(subnets, config["minimumAzs"], "the service's subnets")
    desired = get(service.props, "desiredCount")
    if desired is not None and desired < config["minimumAzs"]:
        yield f"desiredCount {desired:g} cannot cover {config['minimumAzs']:g} AZs."


ALB_MULTI_AZ = Rule(
    name="alb-multi-az",
    control="ELB.13",
    description="Load balancers are attached to subnets in several AZs.",
    fix="pass the public subnets of every AZ as subnets (or subnet_mappings).",
    schema={"minimumAzs": {**AZ_SCHEMA, "default": 2}},
)


def _alb_multi_az(balancer: PolicyResource, stack: Stack, config: Config) -> Iterator[str]:
    subnets = stack.related(balancer, "subnets", SUBNET) + stack.related(balancer, "subnetMappings", SUBNET)
    yield from _spread(subnets, config["minimumAzs"], "the load balancer")


POLICIES: list[Policy] = [
    stack_rule(RDS_MULTI_AZ, MULTI_AZ_DATABASES, _rds_multi_az),
    resource_rule(REDIS_MULTI_AZ, family("caches"), _redis_multi_az),
    stack_rule(SUBNET_TIERS, [VPC], _subnet_tiers),
    stack_rule(NAT_PER_AZ, [VPC], _nat_per_az),
    stack_rule(ECS_MULTI_AZ, [ECS_SERVICE], _ecs_multi_az),
    stack_rule(ALB_MULTI_AZ, LOAD_BALANCERS, _alb_multi_az),
]

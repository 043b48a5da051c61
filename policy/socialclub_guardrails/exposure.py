"""No public exposure: private buckets, private databases and tasks, closed security groups, an edge that hides
its origin. The ALB on 80/443 is the only thing the internet may reach."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import Policy, PolicyResource, ResourceValidationArgs

from .helpers import (
    ADVISORY,
    BUCKET,
    BUCKET_PUBLIC_ACCESS_BLOCK,
    DEFAULT_SECURITY_GROUP,
    DISTRIBUTION,
    ECS_SERVICE,
    INGRESS_RULE,
    LOAD_BALANCERS,
    NAT_GATEWAY,
    RDS_INSTANCE,
    REPLICATION_GROUP,
    SECURITY_GROUP,
    SUBNET,
    VPC,
    Config,
    Rule,
    Stack,
    findings,
    get,
    is_set,
    items,
    resource_rule,
    stack_rule,
    true_flag,
)

BLOCK_SETTINGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")

PUBLIC_ACCESS_BLOCK = Rule(
    name="s3-block-public-access",
    control="S3.8",
    description="Every S3 bucket has a public access block with all four settings on "
    "(CloudFront reads through Origin Access Control, which needs none of them off).",
    fix="add aws.s3.BucketPublicAccessBlock(bucket=<bucket>.id, block_public_acls=True, block_public_policy=True, "
    "ignore_public_acls=True, restrict_public_buckets=True).",
)


def _public_access_block(bucket: PolicyResource, stack: Stack, _: Config) -> Iterator[str]:
    blocks = stack.referencing(bucket, "bucket", BUCKET_PUBLIC_ACCESS_BLOCK)
    if not blocks:
        yield "no BucketPublicAccessBlock targets this bucket."
    for block in blocks:
        off = [key for key in BLOCK_SETTINGS if get(block.props, key) is not True]
        if off:
            yield f"public access block '{block.name}' leaves {off} off."


RDS_PRIVATE = Rule(
    name="rds-not-public",
    control="RDS.2",
    description="RDS instances are not publicly accessible.",
    fix="set publicly_accessible=False and place the instance in the data subnets.",
)


def _rds_private(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    if get(args.props, "publiclyAccessible") is True:
        yield "publiclyAccessible is true."


WORLD = ("0.0.0.0/0", "::/0")

WORLD_INGRESS = Rule(
    name="security-group-world-ingress",
    control="EC2.18, EC2.19",
    description="Only an internet-facing load balancer's security group accepts traffic from anywhere, and only "
    "on the allowed ports.",
    fix="reference the source security group (referenced_security_group_id) instead of 0.0.0.0/0, or restrict "
    "the world-open rule to the load balancer's group and ports 80/443.",
    schema={
        "allowedPorts": {
            "type": "array",
            "items": {"type": "integer", "minimum": 0, "maximum": 65535},
            "uniqueItems": True,
            "default": [80, 443],
            "description": "Ports a load balancer may open to 0.0.0.0/0 and ::/0.",
        }
    },
)


def _world_rules(group: PolicyResource, stack: Stack) -> list[tuple[str, float, float]]:
    """(protocol, from, to) of the ingress rules that admit 0.0.0.0/0 or ::/0 into `group`."""
    found: list[tuple[str, float, float]] = []
    for rule in stack.referencing(group, "securityGroupId", INGRESS_RULE):
        if get(rule.props, "cidrIpv4") in WORLD or get(rule.props, "cidrIpv6") in WORLD:
            protocol = str(get(rule.props, "ipProtocol", default="-1"))
            found.append((protocol, get(rule.props, "fromPort", default=0), get(rule.props, "toPort", default=65535)))
    for inline in items(get(group.props, "ingress")):
        cidrs = [str(c) for c in items(get(inline, "cidrBlocks")) + items(get(inline, "ipv6CidrBlocks"))]
        if any(c in WORLD for c in cidrs):
            found.append(
                (
                    str(get(inline, "protocol", default="-1")),
                    get(inline, "fromPort", default=0),
                    get(inline, "toPort", default=0),
                )
            )
    return found


def _world_ingress(group: PolicyResource, stack: Stack, config: Config) -> Iterator[str]:
    rules = _world_rules(group, stack)
    if not rules:
        return
    facing = [
        lb
        for lb in stack.of_type(*LOAD_BALANCERS)
        if get(lb.props, "internal") is not True
        and any(g.urn == group.urn for g in stack.related(lb, "securityGroups"))
    ]
    allowed = set(config["allowedPorts"])
    for protocol, low, high in rules:
        ports = "all ports" if protocol in ("-1", "all") else f"{protocol} {low:g}-{high:g}"
        if not facing:
            yield f"{ports} open to the internet on a group no internet-facing load balancer uses."
        elif protocol in ("-1", "all") or low != high or low not in allowed:
            yield f"{ports} open to the internet; allowed: {sorted(allowed)}."


DEFAULT_SG = Rule(
    name="default-security-group-closed",
    control="EC2.2",
    description="Every VPC's default security group is adopted by the stack and stripped of all rules.",
    fix="declare aws.ec2.DefaultSecurityGroup(vpc_id=<vpc>.id) with no ingress and no egress.",
)


def _default_sg(vpc: PolicyResource, stack: Stack, _: Config) -> Iterator[str]:
    groups = stack.referencing(vpc, "vpcId", DEFAULT_SECURITY_GROUP)
    if not groups:
        yield "the default security group is not managed, so AWS's allow-all-within-group rules stay."
    for group in groups:
        if items(get(group.props, "ingress")) or items(get(group.props, "egress")):
            yield f"default security group '{group.name}' still has rules."


ECS_PUBLIC_IP = Rule(
    name="ecs-no-public-ip",
    control="ECS.2",
    description="ECS services do not give their tasks public IP addresses.",
    fix="set network_configuration.assign_public_ip=False and run the tasks in the private subnets.",
)


def _ecs_public_ip(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    if get(args.props, "networkConfiguration", "assignPublicIp") is True:
        yield "assignPublicIp is true."


SUBNET_PUBLIC_IP = Rule(
    name="subnet-public-ip-public-tier-only",
    control="EC2.15",
    description="Only public-tier subnets (those holding a NAT gateway or an internet-facing load balancer) "
    "assign public IPs on launch.",
    fix="set map_public_ip_on_launch=False on private and data subnets.",
)


def _subnet_public_ip(subnet: PolicyResource, stack: Stack, _: Config) -> Iterator[str]:
    if get(subnet.props, "mapPublicIpOnLaunch") is not True:
        return
    nat = stack.referencing(subnet, "subnetId", NAT_GATEWAY)
    edge = [
        lb
        for lb in stack.referencing(subnet, "subnets", *LOAD_BALANCERS)
        + stack.referencing(subnet, "subnetMappings", *LOAD_BALANCERS)
        if get(lb.props, "internal") is not True
    ]
    if not nat and not edge:
        yield "mapPublicIpOnLaunch is true on a subnet that is not in the public tier."


ORIGIN_ACCESS = Rule(
    name="cloudfront-origin-access-control",
    control="CloudFront.13",
    description="CloudFront reads S3 origins through Origin Access Control (sigv4), never a public bucket or a "
    "legacy origin access identity.",
    fix="create an aws.cloudfront.OriginAccessControl (origin type s3, signing sigv4 always) and set "
    "origin_access_control_id on the S3 origin.",
)


def _origin_access(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    for origin in items(get(args.props, "origins")):
        # An origin without a custom or VPC origin config is an S3 origin (its domain is often unknown in preview).
        is_s3 = get(origin, "customOriginConfig") is None and get(origin, "vpcOriginConfig") is None
        if is_s3 and not is_set(origin, "originAccessControlId"):
            yield f"S3 origin '{get(origin, 'originId', default='?')}' has no originAccessControlId."


WAF = Rule(
    name="cloudfront-waf",
    control="CloudFront.6",
    description="CloudFront distributions are protected by an AWS WAF web ACL.",
    fix="create an aws.wafv2.WebAcl (scope CLOUDFRONT, in us-east-1) with the AWS managed rule groups and set "
    "web_acl_id.",
    level=ADVISORY,  # the seed has no WAF; shown so the gap is visible, not blocking
)


def _waf(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    if not is_set(args.props, "webAclId"):
        yield "no webAclId."


ROOT_OBJECT = Rule(
    name="cloudfront-default-root-object",
    control="CloudFront.1",
    description="CloudFront distributions answer the bare domain with a default root object, never a bucket listing.",
    fix="set default_root_object='index.html'.",
)


def _root_object(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    if not is_set(args.props, "defaultRootObject"):
        yield "no defaultRootObject."


REDIS_AUTH = Rule(
    name="elasticache-auth",
    control="ElastiCache.6; seed: Redis 'Auth token: AWS Secrets Manager'",
    description="ElastiCache replication groups require clients to authenticate (AUTH token or RBAC user group).",
    fix="set auth_token from a generated secret (stored in Secrets Manager) or user_group_ids; both need "
    "transit encryption.",
)


def _redis_auth(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    if not is_set(args.props, "authToken") and not is_set(args.props, "userGroupIds"):
        yield "neither authToken nor userGroupIds: any client in the network can connect."


INVALID_HEADERS = Rule(
    name="alb-drop-invalid-headers",
    control="ELB.4",
    description="Application load balancers drop HTTP headers with invalid names (request smuggling).",
    fix="set drop_invalid_header_fields=True.",
)


def _invalid_headers(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    if get(args.props, "loadBalancerType", default="application") != "application":
        return
    yield from findings(true_flag(args.props, "dropInvalidHeaderFields"))


POLICIES: list[Policy] = [
    stack_rule(PUBLIC_ACCESS_BLOCK, [BUCKET], _public_access_block),
    resource_rule(RDS_PRIVATE, [RDS_INSTANCE], _rds_private),
    stack_rule(WORLD_INGRESS, [SECURITY_GROUP], _world_ingress),
    stack_rule(DEFAULT_SG, [VPC], _default_sg),
    resource_rule(ECS_PUBLIC_IP, [ECS_SERVICE], _ecs_public_ip),
    stack_rule(SUBNET_PUBLIC_IP, [SUBNET], _subnet_public_ip),
    resource_rule(ORIGIN_ACCESS, [DISTRIBUTION], _origin_access),
    resource_rule(WAF, [DISTRIBUTION], _waf),
    resource_rule(ROOT_OBJECT, [DISTRIBUTION], _root_object),
    resource_rule(REDIS_AUTH, [REPLICATION_GROUP], _redis_auth),
    resource_rule(INVALID_HEADERS, LOAD_BALANCERS, _invalid_headers),
]

"""No public exposure: private buckets, private databases and tasks, closed security groups, an edge that hides
its origin. The ALB on 80/443 is the only thing the internet may reach."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from pulumi_policy import Policy, PolicyResource, ResourceValidationArgs

from . import address_ranges, cdn, iam_documents
from .encryption import cache_spec
from .helpers import (
    ADVISORY,
    DEFAULT_SECURITY_GROUP,
    ECS_SERVICE,
    LOAD_BALANCERS,
    NAT_GATEWAY,
    SECURITY_GROUP_RULE,
    SUBNET,
    VPC,
    Config,
    Rule,
    Stack,
    family,
    findings,
    get,
    is_set,
    items,
    resource_rule,
    stack_rule,
    true_flag,
)
from .stores import DATABASES

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
    blocks = stack.referencing(bucket, "bucket", *family("bucket-public-access-blocks"))
    if not blocks:
        yield "no BucketPublicAccessBlock targets this bucket."
    for block in blocks:
        off = [key for key in BLOCK_SETTINGS if get(block.props, key) is not True]
        if off:
            yield f"public access block '{block.name}' leaves {off} off."


PUBLIC_CANNED_ACLS = frozenset({"public-read", "public-read-write", "authenticated-read"})
PUBLIC_GROUPS = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)

PUBLIC_ACL = Rule(
    name="s3-no-public-acl",
    control="S3.2, S3.3, S3.12",
    description="No bucket or object is made public through an ACL, whichever resource sets it (bucket ACL "
    "resources, a bucket's inline acl or grants, object ACLs).",
    fix="drop the ACL (keep object ownership BucketOwnerEnforced) and serve public content through CloudFront "
    "with Origin Access Control.",
)


def _public_grants(grants: list[Any], uri_path: tuple[str, ...]) -> Iterator[str]:
    for grant in grants:
        uri = get(grant, *uri_path)
        if uri in PUBLIC_GROUPS:
            granted = get(grant, "permission", default=get(grant, "permissions", default="access"))
            yield f"a grant gives {granted} to {uri.rsplit('/', 1)[-1]}."


def _public_acl(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    props = args.props
    acl = get(props, "acl")
    if acl in PUBLIC_CANNED_ACLS:
        yield f"acl is '{acl}'."
    yield from _public_grants(items(get(props, "accessControlPolicy", "grants")), ("grantee", "uri"))
    yield from _public_grants(items(get(props, "grants")), ("uri",))


PUBLIC_PRINCIPAL = Rule(
    name="resource-policy-no-public-principal",
    control="S3.2, S3.3, KMS.5 (IAM Access Analyzer public access)",
    description="Key, bucket and other resource policies (every KMS key, bucket, topic, queue, secret, repository "
    "... spelling, inline or separate) never allow '*' unless a condition pins the account, organisation or "
    "source (aws:PrincipalAccount, aws:SourceAccount, aws:SourceArn, aws:PrincipalOrgID, kms:CallerAccount, ...).",
    fix="name the principals (account root, role ARNs, service principals), or add a condition such as "
    "StringEquals kms:CallerAccount / aws:SourceAccount / aws:PrincipalOrgID.",
)


# Where each policy-holding type keeps its resource policy document: every member of the key-policies,
# bucket-policies, buckets and resource-policies families.
POLICY_INPUTS: dict[str, tuple[str, ...]] = {
    **{t: ("policy",) for t in family("key-policies") + family("bucket-policies") + family("buckets")},
    **{t: ("policy",) for t in family("resource-policies")},
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": ("policyDocument",),
    "aws:codeartifact/repositoryPermissionsPolicy:RepositoryPermissionsPolicy": ("policyDocument",),
    "aws:s3control/multiRegionAccessPointPolicy:MultiRegionAccessPointPolicy": ("details", "policy"),
    "aws:s3tables/tableBucketPolicy:TableBucketPolicy": ("resourcePolicy",),
    "aws:s3tables/tablePolicy:TablePolicy": ("resourcePolicy",),
}


def _public_principal(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    policy = get(args.props, *POLICY_INPUTS[args.resource_type])
    if policy is None:
        return
    for where, statement in iam_documents.statements_of([("policy", policy)]):
        if isinstance(statement, str):
            yield f"{where} {statement}."
        else:
            yield from (f"{p}." for p in iam_documents.public_principal_problems(statement))


RDS_PRIVATE = Rule(
    name="rds-not-public",
    control="RDS.2, Redshift.1",
    description="Database instances and endpoints (RDS, Aurora cluster instances, Neptune, Redshift, in any "
    "resource spelling) are not publicly accessible.",
    fix="set publicly_accessible=False (public_connectivity=False) and place the database in the data subnets.",
)


def _rds_private(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    key = DATABASES[args.resource_type].public
    if key and get(args.props, key) is True:
        yield f"{key} is true."


WORLD_INGRESS = Rule(
    name="security-group-world-ingress",
    control="EC2.18, EC2.19",
    description="Only an internet-facing load balancer's security group accepts traffic from anywhere, and only "
    "on the allowed ports its listeners serve. Sources are compared as address ranges across every rule of the "
    "group, whatever resource type declares them.",
    fix="reference the source security group (referenced_security_group_id) instead of 0.0.0.0/0, or restrict "
    "the world-open rule to the load balancer's group and the ports of its listeners (80/443).",
    schema={
        "allowedPorts": {
            "type": "array",
            "items": {"type": "integer", "minimum": 0, "maximum": 65535},
            "uniqueItems": True,
            "default": [80, 443],
            "description": "Ports a load balancer may open to the world.",
        },
        "worldIpv4PrefixLength": {
            "type": "integer",
            "minimum": 1,
            "maximum": 32,
            "default": 8,
            "description": "Sources that admit at least as many public IPv4 addresses as one network of this "
            "prefix length count as the world.",
        },
        "worldIpv6PrefixLength": {
            "type": "integer",
            "minimum": 1,
            "maximum": 128,
            "default": 32,
            "description": "The same for IPv6.",
        },
    },
)

ALL_PROTOCOLS = "all"
_PROTOCOL_NAMES = {"-1": ALL_PROTOCOLS, "all": ALL_PROTOCOLS, "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}
_ALL_PORTS = (0, 65535)


@dataclass(frozen=True)
class Ingress:
    protocol: str
    low: int
    high: int
    source: address_ranges.Network


def _port(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _entries(protocol: Any, low: Any, high: Any, cidrs: list[Any]) -> Iterator[Ingress]:
    name = _PROTOCOL_NAMES.get(str(protocol).lower(), str(protocol).lower())
    first, last = _port(low), _port(high)
    # ICMP, all protocols, or ports AWS would reject: judged as every port, so nothing slips through.
    ports = (first, last) if name in ("tcp", "udp") and first is not None and last is not None and first >= 0 else None
    ports = ports or _ALL_PORTS
    for cidr in cidrs:
        network = address_ranges.parse(str(cidr))
        if network is not None:
            yield Ingress(name, ports[0], ports[1], network)


PREFIX_LIST = "aws:ec2/managedPrefixList:ManagedPrefixList"
PREFIX_LIST_ENTRY = "aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry"


def _prefix_list_cidrs(rule: PolicyResource, key: str, stack: Stack) -> list[Any]:
    """The CIDRs of the stack's managed prefix lists that input `key` of `rule` depends on (inline entries and
    separate entry resources). AWS-managed lists (pl-... literals) hold AWS service ranges and are left out."""
    cidrs: list[Any] = []
    for prefix_list in stack.related(rule, key, PREFIX_LIST):
        cidrs += [get(entry, "cidr") for entry in items(get(prefix_list.props, "entries"))]
        cidrs += [get(e.props, "cidr") for e in stack.referencing(prefix_list, "prefixListId", PREFIX_LIST_ENTRY)]
    return [c for c in cidrs if c]


def _ingress(group: PolicyResource, stack: Stack) -> list[Ingress]:
    """Every CIDR-sourced ingress of `group`: inline, ec2.SecurityGroupRule and vpc.SecurityGroupIngressRule,
    with the CIDRs of the managed prefix lists they name."""
    found: list[Ingress] = []
    for inline in items(get(group.props, "ingress")):
        cidrs = items(get(inline, "cidrBlocks")) + items(get(inline, "ipv6CidrBlocks"))
        if items(get(inline, "prefixListIds")):
            # Dependencies are recorded per top-level input: every list the inline rules use counts for each.
            cidrs += _prefix_list_cidrs(group, "ingress", stack)
        found += _entries(get(inline, "protocol"), get(inline, "fromPort"), get(inline, "toPort"), cidrs)
    for rule in stack.referencing(group, "securityGroupId", *family("ingress-rules")):
        found += _rule_ingress(rule, stack)
    return found


def _rule_ingress(rule: PolicyResource, stack: Stack) -> list[Ingress]:
    props = rule.props
    if rule.resource_type == SECURITY_GROUP_RULE:
        if get(props, "type") != "ingress":
            return []
        cidrs = items(get(props, "cidrBlocks")) + items(get(props, "ipv6CidrBlocks"))
        cidrs += _prefix_list_cidrs(rule, "prefixListIds", stack)
        return list(_entries(get(props, "protocol"), get(props, "fromPort"), get(props, "toPort"), cidrs))
    cidrs = [c for c in (get(props, "cidrIpv4"), get(props, "cidrIpv6")) if c]
    cidrs += _prefix_list_cidrs(rule, "prefixListId", stack)
    return list(_entries(get(props, "ipProtocol"), get(props, "fromPort"), get(props, "toPort"), cidrs))


def world_open(entries: list[Ingress], threshold: address_ranges.WorldThreshold) -> list[tuple[str, int, int]]:
    """(protocol, from, to) ranges the entries together open to the world, port by port and protocol by protocol."""
    opened: list[tuple[str, int, int]] = []
    protocols = sorted({e.protocol for e in entries} - {ALL_PROTOCOLS})
    for protocol in [ALL_PROTOCOLS, *protocols]:
        relevant = [e for e in entries if e.protocol in (protocol, ALL_PROTOCOLS)]
        cuts = sorted({e.low for e in relevant} | {e.high + 1 for e in relevant})
        for low, next_low in pairwise(cuts):
            sources = [e.source for e in relevant if e.low <= low and next_low - 1 <= e.high]
            if not sources or not threshold.is_world(sources):
                continue
            if opened and opened[-1][0] == protocol and opened[-1][2] == low - 1:
                opened[-1] = (protocol, opened[-1][1], next_low - 1)
            else:
                opened.append((protocol, low, next_low - 1))
        if protocol == ALL_PROTOCOLS and opened:
            return opened  # every protocol is open already; the per-protocol ranges would repeat it
    return opened


def _world_ingress(resource: PolicyResource, stack: Stack, config: Config) -> Iterator[str]:
    # Config numbers arrive as floats.
    threshold = address_ranges.WorldThreshold(
        int(config["worldIpv4PrefixLength"]), int(config["worldIpv6PrefixLength"])
    )
    if resource.resource_type in family("ingress-rules"):
        if stack.related(resource, "securityGroupId", *family("security-groups")):
            return  # judged with every other rule of its group
        # A rule added to a group outside this stack (an id literal): no load balancer of the stack vouches for it.
        entries = _rule_ingress(resource, stack)
    else:
        entries = _ingress(resource, stack)
    opened = world_open(entries, threshold)
    if not opened:
        return
    facing = [
        lb
        for lb in stack.of_type(*LOAD_BALANCERS, *family("classic-load-balancers"))
        if get(lb.props, "internal") is not True
        and any(g.urn == resource.urn for g in stack.related(lb, "securityGroups"))
    ]
    allowed = {int(port) for port in config["allowedPorts"]}
    served = _served_tcp_ports(facing, stack)
    for protocol, low, high in opened:
        ports = "all traffic" if protocol == ALL_PROTOCOLS else f"{protocol} {low}-{high}"
        if not facing:
            yield f"{ports} open to the internet on a group no internet-facing load balancer uses."
        elif protocol != "tcp" or low != high or low not in allowed:
            yield f"{ports} open to the internet; allowed: {sorted(allowed)}."
        elif low not in served:
            yield f"{ports} open to the internet, but no listener of the group's load balancers serves port {low}."


def _served_tcp_ports(balancers: list[PolicyResource], stack: Stack) -> set[int]:
    """The TCP ports the load balancers' listeners accept connections on (a UDP listener opens none)."""
    listeners: list[tuple[Any, Any]] = []
    for balancer in balancers:
        if balancer.resource_type in family("classic-load-balancers"):
            inline = items(get(balancer.props, "listeners"))
            listeners += [(get(entry, "lbProtocol"), get(entry, "lbPort")) for entry in inline]
        else:
            found = stack.referencing(balancer, "loadBalancerArn", *family("listeners"))
            listeners += [(get(listener.props, "protocol"), get(listener.props, "port")) for listener in found]
    ports = {_port(port) for protocol, port in listeners if str(protocol).upper() != "UDP"}
    return {port for port in ports if port is not None}


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
    for origin in cdn.origins(args.resource_type, args.props):
        # An origin without a custom or VPC origin config is an S3 origin (its domain is often unknown in preview).
        is_s3 = origin.custom is None and origin.vpc is None
        if is_s3 and not is_set(origin.props, "originAccessControlId"):
            yield f"S3 origin '{origin.name}' has no originAccessControlId."


WAF = Rule(
    name="cloudfront-waf",
    control="CloudFront.6",
    description="CloudFront distributions are protected by an AWS WAF web ACL.",
    fix="create an aws.wafv2.WebAcl (scope CLOUDFRONT, in us-east-1) with the AWS managed rule groups and set "
    "web_acl_id.",
    level=ADVISORY,  # the requirements have no WAF (docs/requirements.md §10.14 adds one); shown, not blocking
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
    control="ElastiCache.6; docs/requirements.md §4.3 (the AUTH token kept in Secrets Manager)",
    description="Caches (ElastiCache, serverless caches, MemoryDB) require clients to authenticate (AUTH token, "
    "RBAC user group or ACL).",
    fix="set auth_token from a generated secret (stored in Secrets Manager) or user_group_ids / user_group_id / "
    "an acl_name other than open-access; all need transit encryption.",
)


def _redis_auth(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    spec = cache_spec(args.resource_type, args.props)
    if spec is None:
        return
    if spec.standalone_limits:
        yield f"{spec.standalone_limits}."
        return
    if spec.open_access and get(args.props, spec.open_access[0]) == spec.open_access[1]:
        yield f"{spec.open_access[0]} is '{spec.open_access[1]}': any client in the network can connect."
    elif spec.auth and not any(is_set(args.props, key) for key in spec.auth):
        yield f"none of {list(spec.auth)} is set: any client in the network can connect."


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
    resource_rule(PUBLIC_ACL, family("buckets") + family("bucket-acls") + family("object-acls"), _public_acl),
    resource_rule(PUBLIC_PRINCIPAL, list(POLICY_INPUTS), _public_principal),
    stack_rule(PUBLIC_ACCESS_BLOCK, family("buckets"), _public_access_block),
    resource_rule(RDS_PRIVATE, family("database-endpoints"), _rds_private),
    stack_rule(WORLD_INGRESS, family("security-groups") + family("ingress-rules"), _world_ingress),
    stack_rule(DEFAULT_SG, [VPC], _default_sg),
    resource_rule(ECS_PUBLIC_IP, [ECS_SERVICE], _ecs_public_ip),
    stack_rule(SUBNET_PUBLIC_IP, [SUBNET], _subnet_public_ip),
    resource_rule(ORIGIN_ACCESS, family("distributions"), _origin_access),
    resource_rule(WAF, family("distributions"), _waf),
    resource_rule(ROOT_OBJECT, family("distributions"), _root_object),
    resource_rule(REDIS_AUTH, family("caches"), _redis_auth),
    resource_rule(INVALID_HEADERS, LOAD_BALANCERS, _invalid_headers),
]

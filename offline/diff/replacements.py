"""Which input changes make the provider replace a resource, and which resources hold data.

pulumi-aws is a bridge of terraform-provider-aws: a change to an attribute marked `ForceNew: true` in the
Terraform schema makes `pulumi preview` plan a replacement (create the new resource, then delete the old one).
Each entry below names the provider file it was read from (hashicorp/terraform-provider-aws, the schema of
`resource<Name>()`), and lists the Terraform attributes as the plan spells them: camelCase of the snake_case
name, nested blocks as `block.attribute` (the plan holds a block as a list of objects; the index is ignored).

Only what the schema says is listed. Conditional replacements decided in `CustomizeDiff` (ElastiCache engine or
engine-version downgrades, a changed `nodeGroupConfigurations`, a subnet's IPv6 block) are listed where the
program can trigger them, with the condition in `conditional`. Notable non-entries, also read from the source:
an RDS instance's `identifier`, `dbSubnetGroupName`, `engineVersion`, `instanceClass` and
`masterUserSecretKmsKeyId` update in place (a new identifier renames the instance and its endpoint); a log
group's `kmsKeyId` and a secret's `kmsKeyId` update in place; an ElastiCache `nodeType` and
`transitEncryptionEnabled` update in place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

PROVIDER_REPO = "hashicorp/terraform-provider-aws"


@dataclass(frozen=True)
class ForceNew:
    source: str
    """Path of the resource's schema in the provider repository."""
    properties: frozenset[str]
    conditional: dict[str, str] = field(default_factory=dict)
    """Properties that force a replacement only in some cases: property -> the case."""


def _entry(source: str, *properties: str, conditional: dict[str, str] | None = None) -> ForceNew:
    return ForceNew(f"internal/service/{source}", frozenset(properties), conditional or {})


FORCE_NEW: dict[str, ForceNew] = {
    # Stateful types first.
    "aws:rds/instance:Instance": _entry(
        "rds/instance.go",
        "availabilityZone",
        "backupTarget",
        "characterSetName",
        "customIamInstanceProfile",
        "dbName",
        "engine",
        "kmsKeyId",
        "ncharCharacterSetName",
        "restoreToPointInTime",
        "s3Import",
        "snapshotIdentifier",
        "storageEncrypted",
        "timezone",
        "username",
    ),
    "aws:elasticache/replicationGroup:ReplicationGroup": _entry(
        "elasticache/replication_group.go",
        "atRestEncryptionEnabled",
        "dataTieringEnabled",
        "globalReplicationGroupId",
        "kmsKeyId",
        "networkType",
        "port",
        "replicationGroupId",
        "securityGroupNames",
        "snapshotArns",
        "snapshotName",
        "subnetGroupName",
        conditional={
            "engine": "only a change back from valkey to redis (customizeDiffEngineForceNewOnDowngrade)",
            "engineVersion": "only a downgrade (customizeDiffEngineVersionForceNewOnDowngrade)",
            "nodeGroupConfigurations": "a significant node group change (customdiff.ForceNewIf)",
        },
    ),
    "aws:dynamodb/table:Table": _entry(
        "dynamodb/table.go",
        "hashKey",
        "localSecondaryIndexes",
        "name",
        "rangeKey",
        "restoreDateTime",
        "restoreSourceName",
        "restoreToLatestTime",
    ),
    "aws:s3/bucket:Bucket": _entry("s3/bucket.go", "bucket", "bucketPrefix"),
    "aws:kms/key:Key": _entry(
        "kms/key.go", "customKeyStoreId", "customerMasterKeySpec", "keyUsage", "multiRegion", "xksKeyId"
    ),
    "aws:secretsmanager/secret:Secret": _entry("secretsmanager/secret.go", "name", "namePrefix"),
    "aws:ecr/repository:Repository": _entry(
        "ecr/repository.go",
        "encryptionConfigurations",
        "encryptionConfigurations.encryptionType",
        "encryptionConfigurations.kmsKey",
        "name",
    ),
    "aws:cloudwatch/logGroup:LogGroup": _entry("logs/group.go", "logGroupClass", "name", "namePrefix"),
    "aws:ec2/vpc:Vpc": _entry("ec2/vpc_.go", "cidrBlock", "ipv4IpamPoolId", "ipv4NetmaskLength"),
    "aws:ec2/subnet:Subnet": _entry(
        "ec2/vpc_subnet.go",
        "availabilityZone",
        "availabilityZoneId",
        "cidrBlock",
        "ipv4IpamPoolId",
        "ipv4NetmaskLength",
        "ipv6IpamPoolId",
        "ipv6Native",
        "ipv6NetmaskLength",
        "outpostArn",
        "vpcId",
        conditional={"ipv6CidrBlock": "only when assignIpv6AddressOnCreation was true"},
    ),
    "aws:route53/zone:Zone": _entry("route53/zone.go", "delegationSetId", "name"),
    # Then the types whose replacement interrupts traffic or access.
    "aws:ec2/securityGroup:SecurityGroup": _entry(
        "ec2/vpc_security_group.go", "description", "name", "namePrefix", "vpcId"
    ),
    "aws:lb/loadBalancer:LoadBalancer": _entry(
        "elbv2/load_balancer.go", "customerOwnedIpv4Pool", "internal", "loadBalancerType", "name", "namePrefix"
    ),
    "aws:lb/targetGroup:TargetGroup": _entry(
        "elbv2/target_group.go",
        "ipAddressType",
        "name",
        "namePrefix",
        "port",
        "protocol",
        "protocolVersion",
        "targetType",
        "vpcId",
    ),
    "aws:ecs/cluster:Cluster": _entry("ecs/cluster.go", "name"),
    # A new image is a new task definition revision: Pulumi replaces the resource and the service rolls to it.
    "aws:ecs/taskDefinition:TaskDefinition": _entry("ecs/task_definition.go", "containerDefinitions", "family"),
    "aws:ecs/service:Service": _entry(
        "ecs/service.go",
        "cluster",
        "deploymentController.type",
        "iamRole",
        "launchType",
        "name",
        "schedulingStrategy",
        conditional={
            "capacityProviderStrategies": "unless forceNewDeployment is set and neither list is empty "
            "(capacityProviderStrategyCustomizeDiff)"
        },
    ),
    "aws:route53/record:Record": _entry("route53/record.go", "name", "zoneId"),
    # Every other input, origins and behaviours included, updates in place (UpdateDistribution).
    "aws:cloudfront/distribution:Distribution": _entry("cloudfront/distribution.go", "staging"),
    "aws:acm/certificate:Certificate": _entry(
        "acm/certificate.go",
        "certificateAuthorityArn",
        "domainName",
        "keyAlgorithm",
        "subjectAlternativeNames",
        "validationMethod",
        "validationOptions",
        "validationOptions.domainName",
        "validationOptions.validationDomain",
    ),
    "aws:iam/role:Role": _entry("iam/role.go", "name", "namePrefix", "path"),
}

# Types that hold data or state other resources are built on: replacing or deleting one loses it. The value says
# what is lost, for the report.
STATEFUL: dict[str, str] = {
    "aws:rds/instance:Instance": "the PostgreSQL database",
    "aws:elasticache/replicationGroup:ReplicationGroup": "the Redis/Valkey data",
    "aws:dynamodb/table:Table": "the table's items",
    "aws:s3/bucket:Bucket": "the bucket's objects",
    "aws:kms/key:Key": "the key: whatever it encrypted becomes unreadable once it is deleted",
    "aws:secretsmanager/secret:Secret": "the secret's value",
    "aws:ecr/repository:Repository": "the images",
    "aws:cloudwatch/logGroup:LogGroup": "the logs",
    "aws:ec2/vpc:Vpc": "the network: everything in it must be recreated",
    "aws:ec2/subnet:Subnet": "the subnet: the databases, caches and tasks in it must move",
    "aws:route53/zone:Zone": "the zone: new name servers, the domain's delegation breaks",
}

# Since provider v6 every regional resource has a top-level `region`, and "changing the value of `region` will
# force resource replacement" (website/docs/guides/enhanced-region-support.html.markdown). The guide's global
# services have none.
REGION = "region"
GLOBAL_SERVICES = frozenset({"cloudfront", "iam", "route53"})

_INDEX = re.compile(r"\[[^\]]*\]")


def schema_path(path: str) -> str:
    """`encryptionConfigurations[0].kmsKey` -> `encryptionConfigurations.kmsKey`: a path as the table spells it."""
    return _INDEX.sub("", path)


def forced_by(type_token: str, path: str) -> str | None:
    """The table entry that makes a change at `path` replace a resource of this type, or None.

    A nested path is forced by its own entry or by any enclosing block's entry (a ForceNew block replaces the
    resource whatever changes inside it).
    """
    parts = schema_path(path).split(".")
    if parts == [REGION] and type_token.split(":")[1].split("/", maxsplit=1)[0] not in GLOBAL_SERVICES:
        return REGION
    entry = FORCE_NEW.get(type_token)
    if entry is None:
        return None
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in entry.properties:
            return candidate
    return None


def conditionally_forced_by(type_token: str, path: str) -> tuple[str, str] | None:
    """(property, case) when a change at `path` replaces the resource only in some cases."""
    entry = FORCE_NEW.get(type_token)
    if entry is None:
        return None
    top = schema_path(path).split(".")[0]
    case = entry.conditional.get(top)
    return (top, case) if case else None

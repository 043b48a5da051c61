"""Rule families: which pulumi-aws resource types create the same thing, so a rule covers every spelling of it.

Each family says what its members mean and how to recognise them in the provider's type list: token patterns
(regular expressions over `aws:<module>/<name>:<Class>`) and the tokens those patterns match that mean something
else. The members themselves are not written here: `policy/generate_aws_types.py` applies these patterns to the
installed pulumi-aws and writes `aws_types.py`, and a test regenerates it, so a provider release that adds a type
of the same kind fails the tests until it is classified (a member the rules know, or an exclusion with a reason).

Patterns accept a version suffix (bucketV2, bucketObjectv2, a future listenerV2): providers add spellings that way.

Pure data and functions: the pack imports this module, so it must not import pulumi_aws.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Family:
    meaning: str
    patterns: tuple[str, ...]
    excluded: Mapping[str, str] = field(default_factory=dict)
    """Token -> why it matches a pattern but does not create the family's thing."""

    def matches(self, token: str) -> bool:
        return any(re.search(pattern, token) for pattern in self.patterns)


FAMILIES: dict[str, Family] = {
    "database-storage": Family(
        "a managed database that stores data: at-rest encryption, deletion protection, backups, credentials",
        (
            r"^aws:(rds|docdb|neptune|redshift|redshiftserverless|neptunegraph|dsql)/"
            r"(instance|cluster|globalCluster|elasticCluster|namespace|graph)(V\d+)?:",
        ),
    ),
    "database-endpoints": Family(
        "a database instance or endpoint that accepts connections: public accessibility",
        (
            r"^aws:(rds|docdb|neptune)/(instance|cluster|clusterInstance)(V\d+)?:",
            r"^aws:redshift/cluster(V\d+)?:",
            r"^aws:redshiftserverless/workgroup(V\d+)?:",
            r"^aws:neptunegraph/graph(V\d+)?:",
        ),
    ),
    "caches": Family(
        "an in-memory cache or store (Redis, Valkey, Memcached): encryption at rest and in transit, authentication",
        (
            r"^aws:(elasticache|memorydb)/(cluster|replicationGroup|globalReplicationGroup|serverlessCache|"
            r"multiRegionCluster)(V\d+)?:",
        ),
    ),
    "buckets": Family(
        "a general-purpose S3 bucket",
        (r"^aws:s3/(bucket|directoryBucket)(V\d+)?:",),
        {
            "aws:s3/directoryBucket:DirectoryBucket": "S3 Express directory buckets: public access always blocked, "
            "no ACLs, no versioning, SSE always on",
        },
    ),
    "bucket-encryption": Family("a bucket's default encryption", (r"^aws:s3/bucketServerSideEncryptionConfiguration",)),
    "bucket-versioning": Family("a bucket's versioning", (r"^aws:s3/bucketVersioning",)),
    "bucket-public-access-blocks": Family(
        "a bucket's public access block", (r"^aws:s3/bucketPublicAccessBlock(V\d+)?:",)
    ),
    "bucket-policies": Family("a bucket's resource policy", (r"^aws:s3/bucketPolicy(V\d+)?:",)),
    "bucket-acls": Family("a bucket's access control list", (r"^aws:s3/bucketAcl",)),
    "object-acls": Family("an S3 object with a canned ACL", (r"^aws:s3/(bucketObject|objectCopy)([Vv]\d+)?:",)),
    "security-groups": Family(
        "a security group with inline rules", (r"^aws:ec2/(securityGroup|defaultSecurityGroup)(V\d+)?:",)
    ),
    "ingress-rules": Family(
        "one ingress rule of a security group",
        (r"^aws:ec2/securityGroupRule(V\d+)?:", r"^aws:vpc/securityGroupIngressRule(V\d+)?:"),
    ),
    "managed-policy-attachments": Family(
        "attaches a managed policy (by ARN) to a role, user or group",
        (r"^aws:iam/(\w*P|p)olicyAttachments?(Exclusive)?(V\d+)?:", r"^aws:iam/role(V\d+)?:"),
    ),
    "permission-documents": Family(
        "an identity-based IAM policy document (managed, inline, or a role's inline policies)",
        (r"^aws:iam/(policy|rolePolicy|userPolicy|groupPolicy|role)(V\d+)?:",),
    ),
    "key-policies": Family(
        "a KMS key's resource policy", (r"^aws:kms/(key|keyPolicy|externalKey|replicaKey|replicaExternalKey)(V\d+)?:",)
    ),
    "resource-policies": Family(
        "another service's resource policy (who may use a topic, queue, secret, repository, file system, ...)",
        (
            r"^aws:(sns/topic|sqs/queue|secretsmanager/secret)(Policy)?(V\d+)?:",
            r"^aws:(ecr|ecrpublic)/(repository|registry)Policy(V\d+)?:",
            r"^aws:(efs/fileSystem|backup/vault|cloudwatch/eventBus|apigateway/restApi|mediastore/container|"
            r"schemas/registry|vpclattice/auth|ses/identity|sesv2/emailIdentity|s3/vectorsVectorBucket|"
            r"s3control/(accessPoint|bucket|multiRegionAccessPoint|objectLambdaAccessPoint)|"
            r"s3tables/(tableBucket|table)|dsql/cluster|codeartifact/repositoryPermissions)Policy(V\d+)?:",
            r"^aws:(dynamodb|kinesis|glue|lambda|redshift|redshiftserverless|vpclattice|networkfirewall|"
            r"cloudwatch/log)/?[rR]esourcePolicy(V\d+)?:",
            r"^aws:acmpca/policy(V\d+)?:",
            r"^aws:(opensearch|elasticsearch)/domainPolicy(V\d+)?:",
        ),
        {
            "aws:opensearch/domainPolicy:DomainPolicy": "domain access policies pair '*' with aws:SourceIp or a VPC "
            "endpoint; network exposure rules judge them",
            "aws:elasticsearch/domainPolicy:DomainPolicy": "as opensearch/domainPolicy",
        },
    ),
    "distributions": Family(
        "a CloudFront distribution serving viewers",
        (r"^aws:cloudfront/(distribution|multitenantDistribution)(V\d+)?:",),
    ),
    "load-balancers": Family("an application or network load balancer", (r"^aws:(lb|alb)/loadBalancer(V\d+)?:",)),
    "classic-load-balancers": Family(
        "a classic load balancer, its listeners inline", (r"^aws:elb/loadBalancer(V\d+)?:",)
    ),
    "listeners": Family("a load balancer listener", (r"^aws:(lb|alb)/listener(V\d+)?:",)),
    "listener-rules": Family("a rule of a load balancer listener", (r"^aws:(lb|alb)/listenerRule(V\d+)?:",)),
    "workload-environments": Family(
        "a container or function definition with environment variables",
        (
            r"^aws:ecs/(taskDefinition|daemonTaskDefinition|expressGatewayService)(V\d+)?:",
            r"^aws:batch/jobDefinition(V\d+)?:",
            r"^aws:lambda/function(V\d+)?:",
            r"^aws:apprunner/service(V\d+)?:",
        ),
    ),
    "ec2-compute": Family(
        "an EC2 instance, or a template instances are launched from",
        (r"^aws:ec2/(instance|spotInstanceRequest|launchTemplate|launchConfiguration|spotFleetRequest)(V\d+)?:",),
    ),
}


def classify(tokens: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Family name -> the sorted tokens of `tokens` that belong to it."""
    known = sorted(set(tokens))
    return {
        name: tuple(t for t in known if family.matches(t) and t not in family.excluded)
        for name, family in FAMILIES.items()
    }

"""One insecure change per rule, each a small change to a real resource of the production plan.

Each case changes something no other case changes, so that every case can be checked alone (only its rule fires)
and all of them together (every rule fires). Where the program declares no resource a rule looks at (EC2
instances, ECR repositories live in the bootstrap, ACLs, users), the case adds one the way a program would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.policy.planned_stack import ACCOUNT, Change, PlannedStack, Ref, policy_document, secret

DB = ("rds/instance", "db-instance")
CACHE = ("elasticache/replicationGroup", "cache-group")
TABLE = ("dynamodb/table", "tables-user-sessions")
KEY = ("kms/key", "kms-key")
ALB = ("lb/loadBalancer", "api-alb")
CDN = ("cloudfront/distribution", "frontend-cdn")
TASK = ("ecs/taskDefinition", "backend-task")
SERVICE = ("ecs/service", "backend-service")
JWT_SECRET = ("secretsmanager/secret", "secrets-auth-jwt-secret")
OIDC_HOST = "token.actions.githubusercontent.com"


def set_(resource: tuple[str, str], key: str, value: Any) -> Change:
    return lambda b: b.set(*resource, key, value)


def drop(resource: tuple[str, str], key: str) -> Change:
    return lambda b: b.drop(*resource, key)


def put(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda target: target.__setitem__(key, value)


def container(change: Callable[[dict[str, Any]], None]) -> Change:
    return lambda b: b.edit_json(*TASK, "containerDefinitions", lambda containers: change(containers[0]))


def statement(resource: tuple[str, str], added: dict[str, Any]) -> Change:
    return lambda b: b.edit_json(*resource, "policy", lambda document: document["Statement"].append(added))


def _master_password_in_program(b: PlannedStack) -> None:
    b.set(*DB, "manageMasterUserPassword", False)
    b.drop(*DB, "masterUserSecretKmsKeyId")
    b.set(*DB, "password", secret("hunter2hunter2"))


def _single_node_cache(b: PlannedStack) -> None:
    # What staging runs by design: one node, so AWS refuses failover and Multi-AZ.
    b.set(*CACHE, "numCacheClusters", 1)
    b.set(*CACHE, "automaticFailoverEnabled", False)
    b.set(*CACHE, "multiAzEnabled", False)


def _service_in_one_az(b: PlannedStack) -> None:
    subnet = b.get("ec2/subnet", "network-private-us-east-1a")
    network = dict(b.get(*SERVICE).inputs["networkConfiguration"])
    groups = b.get(*SERVICE).property_dependencies["networkConfiguration"]
    group = next(r for r in b.resources if r.urn in groups and r.type.endswith(":SecurityGroup"))
    b.set(*SERVICE, "networkConfiguration", {**network, "subnets": [Ref(subnet)], "securityGroups": [Ref(group)]})


def _alb_in_one_az(b: PlannedStack) -> None:
    b.set(*ALB, "subnets", [Ref(b.get("ec2/subnet", "network-public-us-east-1a"))])


def _backend_open_to_world(b: PlannedStack) -> None:
    b.set("vpc/securityGroupIngressRule", "backend-in-alb", "cidrIpv4", "0.0.0.0/0")
    b.drop("vpc/securityGroupIngressRule", "backend-in-alb", "referencedSecurityGroupId")


def _trust_condition(change: Callable[[dict[str, Any]], None]) -> Change:
    role = ("iam/role", "deploy-app-deploy")
    return lambda b: b.edit_json(*role, "assumeRolePolicy", lambda d: change(d["Statement"][0]["Condition"]))


def _repository(name: str, **change: Any) -> Change:
    """An ECR repository as the bootstrap declares it (the stacks use the bootstrap's), changed."""
    return lambda b: b.add("aws:ecr/repository:Repository", name, {**_repository_inputs(b), **change})


def _repository_inputs(b: PlannedStack) -> dict[str, Any]:
    return {
        "name": "socialclub/worker",
        "encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": Ref(b.get(*KEY), "arn")}],
        "imageScanningConfiguration": {"scanOnPush": True},
        "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
        "imageTagMutabilityExclusionFilters": [{"filter": "latest", "filterType": "WILDCARD"}],
    }


# rule -> its insecure change of the production plan
INSECURE: dict[str, Change] = {
    # encryption
    "rds-storage-encrypted": set_(DB, "storageEncrypted", False),
    "rds-managed-master-password": _master_password_in_program,
    "rds-performance-insights-kms": drop(DB, "performanceInsightsKmsKeyId"),
    "elasticache-encryption-at-rest": set_(CACHE, "atRestEncryptionEnabled", False),
    "dynamodb-kms-encryption": set_(TABLE, "serverSideEncryption", {"enabled": True}),
    "s3-bucket-kms-encryption": set_(
        ("s3/bucketServerSideEncryptionConfiguration", "assets-bucket"),
        "rules",
        [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}],
    ),
    "secretsmanager-kms": drop(JWT_SECRET, "kmsKeyId"),
    "log-group-kms": drop(("cloudwatch/logGroup", "backend-logs"), "kmsKeyId"),
    "sns-topic-kms": drop(("sns/topic", "alerts-topic"), "kmsMasterKeyId"),
    "ecr-kms-encryption": _repository("images-aes", encryptionConfigurations=[{"encryptionType": "AES256"}]),
    "kms-stack-key": set_(
        ("secretsmanager/secret", "secrets-integration-stripe-key"), "kmsKeyId", "alias/aws/secretsmanager"
    ),
    "kms-key-rotation": set_(KEY, "enableKeyRotation", False),
    "kms-key-deletion-window": set_(KEY, "deletionWindowInDays", 7),
    # transit
    "alb-http-redirects-to-https": lambda b: b.set(
        "lb/listener",
        "api-http",
        "defaultActions",
        [{"type": "forward", "targetGroupArn": Ref(b.get("lb/targetGroup", "api-backend-tg"), "arn")}],
    ),
    "alb-tls-policy": set_(("lb/listener", "api-https"), "sslPolicy", "ELBSecurityPolicy-2016-08"),
    "cloudfront-viewer-https": lambda b: b.edit(*CDN, "defaultCacheBehavior", put("viewerProtocolPolicy", "allow-all")),
    "cloudfront-viewer-tls": lambda b: b.edit(*CDN, "viewerCertificate", put("minimumProtocolVersion", "TLSv1")),
    "cloudfront-origin-tls": lambda b: b.edit(
        *CDN,
        "origins",
        lambda origins: origins.append(
            {
                "originId": "api",
                "domainName": "api.socialclub.example.com",
                "customOriginConfig": {
                    "httpPort": 80,
                    "httpsPort": 443,
                    "originProtocolPolicy": "http-only",
                    "originSslProtocols": ["TLSv1.2"],
                },
            }
        ),
    ),
    "rds-force-ssl": set_(("rds/parameterGroup", "db-params"), "parameters", [{"name": "rds.force_ssl", "value": "0"}]),
    "elasticache-encryption-in-transit": set_(CACHE, "transitEncryptionEnabled", False),
    "s3-deny-insecure-transport": lambda b: b.edit_json(
        "s3/bucketPolicy", "logs-bucket", "policy", lambda d: d["Statement"].pop(0)
    ),
    # multi-AZ
    "rds-multi-az": set_(DB, "multiAz", False),
    "elasticache-multi-az": _single_node_cache,
    "subnet-tiers-span-azs": lambda b: b.remove("ec2/subnet", "network-data-us-east-1c"),
    "nat-gateway-per-az": lambda b: b.remove("ec2/natGateway", "network-nat-us-east-1c"),
    "ecs-service-multi-az": _service_in_one_az,
    "alb-multi-az": _alb_in_one_az,
    # exposure
    "s3-block-public-access": set_(
        ("s3/bucketPublicAccessBlock", "backend-objects-bucket"), "restrictPublicBuckets", False
    ),
    "rds-not-public": set_(DB, "publiclyAccessible", True),
    "security-group-world-ingress": _backend_open_to_world,
    "default-security-group-closed": set_(
        ("ec2/defaultSecurityGroup", "network-default-sg"),
        "ingress",
        [{"protocol": "-1", "fromPort": 0, "toPort": 0, "self": True}],
    ),
    "ecs-no-public-ip": lambda b: b.edit(*SERVICE, "networkConfiguration", put("assignPublicIp", True)),
    "subnet-public-ip-public-tier-only": set_(
        ("ec2/subnet", "network-private-us-east-1a"), "mapPublicIpOnLaunch", True
    ),
    "cloudfront-origin-access-control": lambda b: b.edit(
        *CDN, "origins", lambda origins: origins[1].pop("originAccessControlId")
    ),
    "cloudfront-waf": drop(CDN, "webAclId"),
    "cloudfront-default-root-object": drop(CDN, "defaultRootObject"),
    "elasticache-auth": drop(CACHE, "authToken"),
    "alb-drop-invalid-headers": set_(ALB, "dropInvalidHeaderFields", False),
    # data protection
    "rds-backup-retention": set_(DB, "backupRetentionPeriod", 7),
    "rds-deletion-protection": set_(DB, "deletionProtection", False),
    "rds-final-snapshot": set_(DB, "skipFinalSnapshot", True),
    "stateful-resources-protected": lambda b: setattr(b["dynamodb/table", "tables-activity-log"], "protect", False),
    "dynamodb-pitr": set_(TABLE, "pointInTimeRecovery", {"enabled": False}),
    "dynamodb-deletion-protection": set_(TABLE, "deletionProtectionEnabled", False),
    "s3-versioning": set_(("s3/bucketVersioning", "logs-bucket"), "versioningConfiguration", {"status": "Suspended"}),
    "elasticache-snapshot-retention": set_(CACHE, "snapshotRetentionLimit", 0),
    "secret-recovery-window": set_(JWT_SECRET, "recoveryWindowInDays", 0),
    "secret-rotation": drop(JWT_SECRET, "tags"),
    "alb-deletion-protection": set_(ALB, "enableDeletionProtection", False),
    "auto-minor-version-upgrade": set_(CACHE, "autoMinorVersionUpgrade", False),
    "rds-copy-tags-to-snapshot": set_(DB, "copyTagsToSnapshot", False),
    # IAM
    "iam-no-wildcard-actions": statement(
        ("iam/rolePolicy", "backend-task"),
        {"Effect": "Allow", "Action": "dynamodb:*", "Resource": f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/x"},
    ),
    "iam-wildcard-resource-justified": statement(
        ("iam/rolePolicy", "backend-execution"), {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    ),
    "iam-oidc-trust-pinned": _trust_condition(
        lambda c: c.update(StringLike={f"{OIDC_HOST}:sub": "repo:example-org/*:*"})
    ),
    "iam-trust-no-wildcard-principal": set_(
        ("iam/role", "network-flow-logs"),
        "assumeRolePolicy",
        policy_document({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}),
    ),
    "rds-iam-auth": set_(DB, "iamDatabaseAuthenticationEnabled", False),
    "iam-no-admin-policy-attachment": lambda b: b.add(
        "aws:iam/userPolicyAttachment:UserPolicyAttachment",
        "ops-admin",
        {"user": "ops", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
    ),
    "iam-no-privilege-escalation": statement(
        ("iam/rolePolicy", "deploy-app-deploy-ecs"),
        {"Effect": "Allow", "Action": "iam:PutRolePolicy", "Resource": f"arn:aws:iam::{ACCOUNT}:role/*"},
    ),
    # logging
    "log-group-retention": drop(("cloudwatch/logGroup", "backend-logs"), "retentionInDays"),
    "vpc-flow-logs": lambda b: b.remove("ec2/flowLog", "network-flow-logs"),
    "alb-access-logs": lambda b: b.edit(*ALB, "accessLogs", put("enabled", False)),
    "cloudfront-access-logs": lambda b: b.remove("cloudwatch/logDeliverySource", "frontend-access-logs"),
    "rds-log-exports": set_(DB, "enabledCloudwatchLogsExports", ["postgresql"]),
    "rds-enhanced-monitoring": set_(DB, "monitoringInterval", 0),
    "ecs-container-insights": set_(
        ("ecs/cluster", "backend-cluster"), "settings", [{"name": "containerInsights", "value": "disabled"}]
    ),
    "elasticache-log-delivery": lambda b: b.edit(
        *CACHE, "logDeliveryConfigurations", lambda configs: configs[0].__setitem__("logType", "engine-log")
    ),
    # containers
    "ecs-task-read-only-root": container(put("readonlyRootFilesystem", False)),
    "ecs-task-non-root": container(put("user", "root")),
    "ecs-task-no-secrets-in-environment": container(
        lambda c: c.setdefault("environment", []).append({"name": "STRIPE_API_KEY", "value": "sk_live_x"})
    ),
    "ecr-image-scanning": _repository("images-unscanned", imageScanningConfiguration={"scanOnPush": False}),
    "ecr-tag-immutability": _repository("images-mutable", imageTagMutability="MUTABLE"),
    # compute
    "ec2-no-public-ip": lambda b: b.add(
        "aws:ec2/launchTemplate:LaunchTemplate",
        "workers",
        {"networkInterfaces": [{"associatePublicIpAddress": "true"}], "metadataOptions": {"httpTokens": "required"}},
    ),
    "ec2-imdsv2-required": lambda b: b.add(
        "aws:ec2/instance:Instance",
        "bastion",
        {"instanceType": "t4g.nano", "associatePublicIpAddress": False, "metadataOptions": {"httpTokens": "optional"}},
    ),
    # public access through ACLs and resource policies
    "s3-no-public-acl": lambda b: b.add(
        "aws:s3/bucketAclV2:BucketAclV2",
        "assets-acl",
        {"bucket": Ref(b.get("s3/bucket", "assets-bucket")), "acl": "public-read"},
    ),
    "resource-policy-no-public-principal": lambda b: b.edit_json(
        *KEY,
        "policy",
        lambda d: d["Statement"].append(
            {"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}
        ),
    ),
    # tagging: a resource created without the stack's provider
    "required-tags": lambda b: setattr(b["sns/topic", "alerts-topic"], "provider", ""),
}


def insecure(planned: PlannedStack, rules: list[str]) -> PlannedStack:
    """The planned stack with the insecure change of each rule."""
    for rule in rules:
        INSECURE[rule](planned)
    return planned

"""Synthetic resource sets for the policy tests: a builder, one fully compliant stack, and one insecure mutation per
rule.

Resources are `offline.harness.Resource` records in wire form, exactly what the harness records for a real program:
camelCase inputs, floats, a secret marker where a program would pass a secret, and `propertyDependencies` for every
input built from another resource (a `Ref`), which is what the stack rules follow.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from offline.harness import PROJECT, Resource
from offline.policy_run import PackResult
from offline.wire import SECRET_SIG, SIG_KEY

Analyze = Callable[[str, list[Resource]], PackResult]
"""The `analyze` fixture: (stack, resources) -> the pack's verdict."""

REGION = "us-east-1"
ACCOUNT = "123456789012"
AZS = ("us-east-1a", "us-east-1b", "us-east-1c")
TIERS = {"public": 1, "private": 11, "data": 21}
REPOSITORY = "socialclub/infra"
OIDC_HOST = "token.actions.githubusercontent.com"


@dataclass(frozen=True)
class Ref:
    """An input computed from another resource: becomes a fake value plus a property dependency."""

    resource: Resource
    attribute: str = "id"

    def value(self) -> str:
        kind = self.resource.type.split(":")[1]
        if self.attribute == "arn":
            return f"arn:aws:{kind.split('/')[0]}:{REGION}:{ACCOUNT}:{kind.split('/')[-1]}/{self.resource.name}"
        return f"{self.resource.name}-{self.attribute}"


def secret(value: Any) -> dict[str, Any]:
    """A secret as it appears on the wire."""
    return {SIG_KEY: SECRET_SIG, "value": value}


def _resolve(value: Any, refs: list[Resource]) -> Any:
    if isinstance(value, Ref):
        refs.append(value.resource)
        return value.value()
    if isinstance(value, dict):
        return {k: _resolve(v, refs) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_resolve(v, refs) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return float(value)  # numbers travel as floats
    raise TypeError(f"unsupported input {value!r}")


class StackBuilder:
    def __init__(self, stack: str) -> None:
        self.stack = stack
        self.resources: list[Resource] = []
        self.provider: Resource | None = None

    def urn(self, type_: str, name: str) -> str:
        return f"urn:pulumi:{self.stack}::{PROJECT}::{type_}::{name}"

    def add(
        self,
        type_: str,
        name: str,
        inputs: dict[str, Any] | None = None,
        *,
        protect: bool = False,
        default_provider: bool = False,
    ) -> Resource:
        dependencies: dict[str, list[str]] = {}
        wire: dict[str, Any] = {}
        for key, value in (inputs or {}).items():
            refs: list[Resource] = []
            wire[key] = _resolve(value, refs)
            dependencies[key] = [r.urn for r in refs]
        provider = "" if default_provider or self.provider is None else f"{self.provider.urn}::{self.provider.name}-id"
        resource = Resource(
            urn=self.urn(type_, name),
            type=type_,
            name=name,
            parent="",
            provider=provider,
            custom=True,
            protect=protect,
            dependencies=sorted({u for urns in dependencies.values() for u in urns}),
            property_dependencies=dependencies,
            inputs=wire,
        )
        self.resources.append(resource)
        return resource

    def __getitem__(self, name: str) -> Resource:
        found = [r for r in self.resources if r.name == name]
        if len(found) != 1:
            raise KeyError(name)
        return found[0]

    def remove(self, name: str) -> None:
        self.resources.remove(self[name])

    def set(self, name: str, key: str, value: Any) -> None:
        """Replace one top-level input (and its dependencies)."""
        resource = self[name]
        refs: list[Resource] = []
        resource.inputs[key] = _resolve(value, refs)
        resource.property_dependencies[key] = [r.urn for r in refs]

    def drop(self, name: str, key: str) -> None:
        resource = self[name]
        del resource.inputs[key]
        resource.property_dependencies.pop(key, None)

    def edit(self, name: str, key: str, change: Callable[[Any], None]) -> None:
        """Change a nested input in place (dependencies unchanged)."""
        change(self[name].inputs[key])

    def edit_json(self, name: str, key: str, change: Callable[[Any], None]) -> None:
        """Change an input that is a JSON document (policies, container definitions)."""
        document = json.loads(self[name].inputs[key])
        change(document)
        self[name].inputs[key] = json.dumps(document)


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _trust(service: str) -> str:
    return _policy({"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"})


def _deny_insecure(bucket: Resource) -> dict[str, Any]:
    arn = f"arn:aws:s3:::{bucket.name}"
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [arn, f"{arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def _bucket(b: StackBuilder, name: str, key: Resource | None, extra: dict[str, Any]) -> Resource:
    bucket = b.add("aws:s3/bucket:Bucket", name, {"bucket": name, "forceDestroy": False})
    default = {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": Ref(key, "arn")} if key else {"sseAlgorithm": "AES256"}
    b.add(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        f"{name}-encryption",
        {"bucket": Ref(bucket), "rules": [{"applyServerSideEncryptionByDefault": default, "bucketKeyEnabled": True}]},
    )
    b.add(
        "aws:s3/bucketVersioning:BucketVersioning",
        f"{name}-versioning",
        {"bucket": Ref(bucket), "versioningConfiguration": {"status": "Enabled"}},
    )
    b.add(
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        f"{name}-public-access",
        {
            "bucket": Ref(bucket),
            "blockPublicAcls": True,
            "blockPublicPolicy": True,
            "ignorePublicAcls": True,
            "restrictPublicBuckets": True,
        },
    )
    b.add(
        "aws:s3/bucketPolicy:BucketPolicy",
        f"{name}-policy",
        {"bucket": Ref(bucket), "policy": _policy(_deny_insecure(bucket), extra)},
    )
    return bucket


def compliant_stack(stack: str = "production") -> StackBuilder:
    """Every resource type the rules look at, each configured the way the rules want it."""
    b = StackBuilder(stack)
    tags = {"Project": "socialclub", "Environment": stack, "Owner": "platform-team", "ManagedBy": "pulumi"}
    # The Python SDK sends a provider's object inputs JSON-encoded, as the harness records them.
    b.provider = b.add("pulumi:providers:aws", "aws", {"region": REGION, "defaultTags": json.dumps({"tags": tags})})
    key = b.add("aws:kms/key:Key", "key", {"enableKeyRotation": True, "deletionWindowInDays": 30}, protect=True)

    vpc = b.add("aws:ec2/vpc:Vpc", "net-vpc", {"cidrBlock": "10.0.0.0/16", "enableDnsHostnames": True})
    b.add("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "net-default-sg", {"vpcId": Ref(vpc)})
    subnets: dict[str, list[Resource]] = {}
    for tier, base in TIERS.items():
        subnets[tier] = [
            b.add(
                "aws:ec2/subnet:Subnet",
                f"net-{tier}-{az}",
                {
                    "vpcId": Ref(vpc),
                    "availabilityZone": az,
                    "cidrBlock": f"10.0.{base + i}.0/24",
                    "mapPublicIpOnLaunch": tier == "public",
                },
            )
            for i, az in enumerate(AZS)
        ]
    for az, public in zip(AZS, subnets["public"], strict=True):
        eip = b.add("aws:ec2/eip:Eip", f"net-nat-ip-{az}", {"domain": "vpc"})
        b.add(
            "aws:ec2/natGateway:NatGateway",
            f"net-nat-{az}",
            {"subnetId": Ref(public), "allocationId": Ref(eip)},
        )
    flow_group = b.add(
        "aws:cloudwatch/logGroup:LogGroup", "net-flow-logs", {"kmsKeyId": Ref(key, "arn"), "retentionInDays": 30}
    )
    flow_role = b.add(
        "aws:iam/role:Role", "net-flow-logs-role", {"assumeRolePolicy": _trust("vpc-flow-logs.amazonaws.com")}
    )
    b.add(
        "aws:iam/rolePolicy:RolePolicy",
        "net-flow-logs-write",
        {
            "role": Ref(flow_role),
            "policy": _policy(
                {
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                    "Resource": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:net-flow-logs:*",
                }
            ),
        },
    )
    b.add(
        "aws:ec2/flowLog:FlowLog",
        "net-flow-log",
        {
            "vpcId": Ref(vpc),
            "trafficType": "ALL",
            "logDestination": Ref(flow_group, "arn"),
            "iamRoleArn": Ref(flow_role, "arn"),
        },
    )

    groups = {
        role: b.add("aws:ec2/securityGroup:SecurityGroup", f"{role}-sg", {"vpcId": Ref(vpc), "description": role})
        for role in ("alb", "app", "db", "cache")
    }
    for port in (80, 443):
        b.add(
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            f"alb-sg-in-{port}",
            {
                "securityGroupId": Ref(groups["alb"]),
                "cidrIpv4": "0.0.0.0/0",
                "ipProtocol": "tcp",
                "fromPort": port,
                "toPort": port,
            },
        )
    for target, source, port in (("app", "alb", 3001), ("db", "app", 5432), ("cache", "app", 6379)):
        b.add(
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            f"{target}-sg-in-{port}",
            {
                "securityGroupId": Ref(groups[target]),
                "referencedSecurityGroupId": Ref(groups[source]),
                "ipProtocol": "tcp",
                "fromPort": port,
                "toPort": port,
            },
        )

    logs = _bucket(
        b,
        "logs-bucket",
        None,  # ALB access logs accept SSE-S3 only
        {
            "Sid": "AlbLogDelivery",
            "Effect": "Allow",
            "Principal": {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": "arn:aws:s3:::logs-bucket/alb/*",
        },
    )
    site = _bucket(
        b,
        "site-bucket",
        key,
        {
            "Sid": "CloudFrontRead",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::site-bucket/*",
        },
    )

    alb = b.add(
        "aws:lb/loadBalancer:LoadBalancer",
        "web-alb",
        {
            "internal": False,
            "loadBalancerType": "application",
            "subnets": [Ref(s) for s in subnets["public"]],
            "securityGroups": [Ref(groups["alb"])],
            "dropInvalidHeaderFields": True,
            "enableDeletionProtection": True,
            "accessLogs": {"bucket": Ref(logs), "enabled": True, "prefix": "alb"},
        },
    )
    targets = b.add(
        "aws:lb/targetGroup:TargetGroup", "web-targets", {"port": 3001, "protocol": "HTTP", "targetType": "ip"}
    )
    b.add(
        "aws:lb/listener:Listener",
        "web-http",
        {
            "loadBalancerArn": Ref(alb, "arn"),
            "port": 80,
            "protocol": "HTTP",
            "defaultActions": [
                {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}
            ],
        },
    )
    b.add(
        "aws:lb/listener:Listener",
        "web-https",
        {
            "loadBalancerArn": Ref(alb, "arn"),
            "port": 443,
            "protocol": "HTTPS",
            "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
            "certificateArn": f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/api",
            "defaultActions": [{"type": "forward", "targetGroupArn": Ref(targets, "arn")}],
        },
    )

    oac = b.add(
        "aws:cloudfront/originAccessControl:OriginAccessControl",
        "site-oac",
        {"originAccessControlOriginType": "s3", "signingBehavior": "always", "signingProtocol": "sigv4"},
    )
    b.add(
        "aws:cloudfront/distribution:Distribution",
        "site-cdn",
        {
            "enabled": True,
            "defaultRootObject": "index.html",
            "webAclId": f"arn:aws:wafv2:us-east-1:{ACCOUNT}:global/webacl/site/1",
            "origins": [
                {
                    "originId": "site",
                    "domainName": Ref(site, "bucketRegionalDomainName"),
                    "originAccessControlId": Ref(oac),
                },
                {
                    "originId": "api",
                    "domainName": "api.socialclub.example.com",
                    "customOriginConfig": {
                        "httpPort": 80,
                        "httpsPort": 443,
                        "originProtocolPolicy": "https-only",
                        "originSslProtocols": ["TLSv1.2"],
                    },
                },
            ],
            "defaultCacheBehavior": {"targetOriginId": "site", "viewerProtocolPolicy": "redirect-to-https"},
            "orderedCacheBehaviors": [
                {"pathPattern": "/api/*", "targetOriginId": "api", "viewerProtocolPolicy": "https-only"}
            ],
            "viewerCertificate": {
                "acmCertificateArn": f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/app",
                "sslSupportMethod": "sni-only",
                "minimumProtocolVersion": "TLSv1.2_2021",
            },
            "loggingConfig": {"bucket": "logs-bucket.s3.amazonaws.com", "prefix": "cdn/"},
        },
    )

    b.add(
        "aws:ecr/repository:Repository",
        "api-images",
        {
            "name": "socialclub/backend",
            "encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": Ref(key, "arn")}],
            "imageScanningConfiguration": {"scanOnPush": True},
            "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
            "imageTagMutabilityExclusionFilters": [{"filter": "latest", "filterType": "WILDCARD"}],
        },
    )
    b.add("aws:ecs/cluster:Cluster", "api-cluster", {"settings": [{"name": "containerInsights", "value": "enhanced"}]})
    api_logs = b.add(
        "aws:cloudwatch/logGroup:LogGroup",
        "api-logs",
        {"name": "/aws/ecs/socialclub-backend", "kmsKeyId": Ref(key, "arn"), "retentionInDays": 30},
    )
    jwt = b.add(
        "aws:secretsmanager/secret:Secret",
        "jwt-secret",
        {"kmsKeyId": Ref(key, "arn"), "recoveryWindowInDays": 30, "tags": {"RotationOwner": "platform-team"}},
    )
    b.add(
        "aws:secretsmanager/secret:Secret", "stripe-key", {"kmsKeyId": Ref(key, "id"), "tags": {"RotationOwner": "x"}}
    )
    database_url = b.add("aws:secretsmanager/secret:Secret", "database-url", {"kmsKeyId": Ref(key, "arn")})
    b.add(
        "aws:secretsmanager/secretRotation:SecretRotation",
        "database-url-rotation",
        {"secretId": Ref(database_url), "rotationRules": {"automaticallyAfterDays": 30}},
    )
    b.add(
        "aws:ecs/taskDefinition:TaskDefinition",
        "api-task",
        {
            "family": "api",
            "cpu": "1024",
            "memory": "2048",
            "networkMode": "awsvpc",
            "containerDefinitions": json.dumps(
                [
                    {
                        "name": "api",
                        "image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/socialclub/backend@sha256:abc",
                        "user": "1000:1000",
                        "readonlyRootFilesystem": True,
                        "environment": [{"name": "NODE_ENV", "value": "production"}],
                        "secrets": [{"name": "JWT_SECRET", "valueFrom": jwt.name}],
                        "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": api_logs.name}},
                    }
                ]
            ),
        },
    )
    b.add(
        "aws:ecs/service:Service",
        "api-service",
        {
            "desiredCount": 3,
            "launchType": "FARGATE",
            "networkConfiguration": {
                "subnets": [Ref(s) for s in subnets["private"]],
                "securityGroups": [Ref(groups["app"])],
                "assignPublicIp": False,
            },
        },
    )

    parameters = b.add(
        "aws:rds/parameterGroup:ParameterGroup",
        "db-params",
        {"family": "postgres15", "parameters": [{"name": "rds.force_ssl", "value": "1"}]},
    )
    monitoring = b.add(
        "aws:iam/role:Role", "db-monitoring", {"assumeRolePolicy": _trust("monitoring.rds.amazonaws.com")}
    )
    b.add(
        "aws:rds/instance:Instance",
        "db",
        {
            "engine": "postgres",
            "engineVersion": "15",
            "instanceClass": "db.r6g.xlarge",
            "allocatedStorage": 100,
            "storageEncrypted": True,
            "kmsKeyId": Ref(key, "arn"),
            "manageMasterUserPassword": True,
            "masterUserSecretKmsKeyId": Ref(key, "arn"),
            "performanceInsightsEnabled": True,
            "performanceInsightsKmsKeyId": Ref(key, "arn"),
            "multiAz": True,
            "publiclyAccessible": False,
            "backupRetentionPeriod": 30,
            "deletionProtection": True,
            "skipFinalSnapshot": False,
            "finalSnapshotIdentifier": "db-final",
            "autoMinorVersionUpgrade": True,
            "copyTagsToSnapshot": True,
            "iamDatabaseAuthenticationEnabled": True,
            "enabledCloudwatchLogsExports": ["postgresql", "upgrade"],
            "monitoringInterval": 60,
            "monitoringRoleArn": Ref(monitoring, "arn"),
            "parameterGroupName": Ref(parameters),
            "vpcSecurityGroupIds": [Ref(groups["db"])],
        },
        protect=True,
    )
    b.add(
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "cache",
        {
            "description": "cache",
            "engine": "redis",
            "numCacheClusters": 3,
            "automaticFailoverEnabled": True,
            "multiAzEnabled": True,
            "atRestEncryptionEnabled": True,
            "kmsKeyId": Ref(key, "arn"),
            "transitEncryptionEnabled": True,
            "authToken": secret("generated-auth-token"),
            "snapshotRetentionLimit": 7,
            "autoMinorVersionUpgrade": True,
            "logDeliveryConfigurations": [
                {"destination": "/aws/elasticache/redis", "destinationType": "cloudwatch-logs", "logType": "slow-log"}
            ],
        },
        protect=True,
    )
    table = b.add(
        "aws:dynamodb/table:Table",
        "sessions",
        {
            "hashKey": "userId",
            "rangeKey": "sessionId",
            "billingMode": "PAY_PER_REQUEST",
            "serverSideEncryption": {"enabled": True, "kmsKeyArn": Ref(key, "arn")},
            "pointInTimeRecovery": {"enabled": True},
            "deletionProtectionEnabled": True,
        },
        protect=True,
    )
    b.add("aws:sns/topic:Topic", "alerts", {"kmsMasterKeyId": Ref(key)})

    task_role = b.add("aws:iam/role:Role", "api-task-role", {"assumeRolePolicy": _trust("ecs-tasks.amazonaws.com")})
    b.add(
        "aws:iam/rolePolicy:RolePolicy",
        "api-task-access",
        {
            "role": Ref(task_role),
            "policy": _policy(
                {
                    "Sid": "Tables",
                    "Effect": "Allow",
                    "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
                    "Resource": [Ref(table, "arn").value()],
                },
                {
                    "Sid": "Metrics",
                    "Effect": "Allow",
                    "Action": "cloudwatch:PutMetricData",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"cloudwatch:namespace": "SocialClub/Api"}},
                },
            ),
        },
    )
    b.add(
        "aws:iam/policy:Policy",
        "api-execution-access",
        {
            "policy": _policy(
                {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
                {
                    "Effect": "Allow",
                    "Action": ["secretsmanager:GetSecretValue"],
                    "Resource": [f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:jwt-secret-AbCdEf"],
                },
            )
        },
    )
    oidc = b.add(
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
        "github-oidc",
        {"url": f"https://{OIDC_HOST}", "clientIdLists": ["sts.amazonaws.com"]},
    )
    b.add(
        "aws:iam/role:Role",
        "deploy-role",
        {
            "assumeRolePolicy": json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Federated": Ref(oidc, "arn").value()},
                            "Action": "sts:AssumeRoleWithWebIdentity",
                            "Condition": {
                                "StringEquals": {
                                    f"{OIDC_HOST}:aud": "sts.amazonaws.com",
                                    f"{OIDC_HOST}:sub": f"repo:{REPOSITORY}:environment:{stack}",
                                }
                            },
                        }
                    ],
                }
            ),
            "inlinePolicies": [
                {
                    "name": "deploy",
                    "policy": _policy(
                        {
                            "Effect": "Allow",
                            "Action": ["ecs:UpdateService", "ecs:DescribeServices"],
                            "Resource": f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/api-cluster/api-service",
                        },
                        {"Effect": "Allow", "Action": "ecs:RegisterTaskDefinition", "Resource": "*"},
                    ),
                }
            ],
        },
    )
    return b


Mutation = Callable[[StackBuilder], object]
"""A change to a stack; what it returns (an added resource) is ignored."""


def _container(change: Callable[[dict[str, Any]], None]) -> Mutation:
    return lambda b: b.edit_json("api-task", "containerDefinitions", lambda containers: change(containers[0]))


def _statement(name: str, statement: dict[str, Any]) -> Mutation:
    return lambda b: b.edit_json(name, "policy", lambda document: document["Statement"].append(statement))


def _inline_statement(b: StackBuilder, role: str, statement: dict[str, Any]) -> None:
    """Append a statement to the first inline policy of a role."""
    inline = b[role].inputs["inlinePolicies"][0]
    document = json.loads(inline["policy"])
    document["Statement"].append(statement)
    inline["policy"] = json.dumps(document)


def _origin(origin_id: str, change: Callable[[dict[str, Any]], None]) -> Mutation:
    def mutate(b: StackBuilder) -> None:
        b.edit("site-cdn", "origins", lambda origins: change(next(o for o in origins if o["originId"] == origin_id)))

    return mutate


def _trust_condition(change: Callable[[dict[str, Any]], None]) -> Mutation:
    return lambda b: b.edit_json("deploy-role", "assumeRolePolicy", lambda d: change(d["Statement"][0]["Condition"]))


def _drop_key(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda value: value.pop(key)


def _put(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda target: target.__setitem__(key, value)


def _master_password_in_program(b: StackBuilder) -> None:
    b.set("db", "manageMasterUserPassword", False)
    b.drop("db", "masterUserSecretKmsKeyId")
    b.set("db", "password", secret("hunter2"))


def _single_node_cache(b: StackBuilder) -> None:
    # What staging runs by design: one node, so AWS refuses failover and Multi-AZ.
    b.set("cache", "numCacheClusters", 1)
    b.set("cache", "automaticFailoverEnabled", False)
    b.set("cache", "multiAzEnabled", False)


def _service_in_one_az(b: StackBuilder) -> None:
    network = {**b["api-service"].inputs["networkConfiguration"], "securityGroups": [Ref(b["app-sg"])]}
    b.set("api-service", "networkConfiguration", {**network, "subnets": [Ref(b["net-private-us-east-1a"])]})


def _app_open_to_world(b: StackBuilder) -> None:
    b.add(
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "app-sg-in-world",
        {
            "securityGroupId": Ref(b["app-sg"]),
            "cidrIpv4": "0.0.0.0/0",
            "ipProtocol": "tcp",
            "fromPort": 3001,
            "toPort": 3001,
        },
    )


# One insecure change per rule, each touching something no other case touches, so that every case can be checked
# alone (only its rule fires) and all of them together (every rule fires).
INSECURE: dict[str, Mutation] = {
    # encryption
    "rds-storage-encrypted": lambda b: b.set("db", "storageEncrypted", False),
    "rds-managed-master-password": _master_password_in_program,
    "rds-performance-insights-kms": lambda b: b.drop("db", "performanceInsightsKmsKeyId"),
    "elasticache-encryption-at-rest": lambda b: b.set("cache", "atRestEncryptionEnabled", False),
    "dynamodb-kms-encryption": lambda b: b.set("sessions", "serverSideEncryption", {"enabled": True}),
    "s3-bucket-kms-encryption": lambda b: b.set(
        "site-bucket-encryption", "rules", [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]
    ),
    "secretsmanager-kms": lambda b: b.drop("jwt-secret", "kmsKeyId"),
    "log-group-kms": lambda b: b.drop("api-logs", "kmsKeyId"),
    "sns-topic-kms": lambda b: b.drop("alerts", "kmsMasterKeyId"),
    "ecr-kms-encryption": lambda b: b.set("api-images", "encryptionConfigurations", [{"encryptionType": "AES256"}]),
    "kms-stack-key": lambda b: b.set("stripe-key", "kmsKeyId", "alias/aws/secretsmanager"),
    "kms-key-rotation": lambda b: b.set("key", "enableKeyRotation", False),
    "kms-key-deletion-window": lambda b: b.set("key", "deletionWindowInDays", 7),
    # transit
    "alb-http-redirects-to-https": lambda b: b.set(
        "web-http", "defaultActions", [{"type": "forward", "targetGroupArn": "web-targets-arn"}]
    ),
    "alb-tls-policy": lambda b: b.set("web-https", "sslPolicy", "ELBSecurityPolicy-2016-08"),
    "cloudfront-viewer-https": lambda b: b.edit(
        "site-cdn", "defaultCacheBehavior", _put("viewerProtocolPolicy", "allow-all")
    ),
    "cloudfront-viewer-tls": lambda b: b.edit("site-cdn", "viewerCertificate", _put("minimumProtocolVersion", "TLSv1")),
    "cloudfront-origin-tls": _origin("api", lambda o: o["customOriginConfig"].update(originProtocolPolicy="http-only")),
    "rds-force-ssl": lambda b: b.set("db-params", "parameters", [{"name": "rds.force_ssl", "value": "0"}]),
    "elasticache-encryption-in-transit": lambda b: b.set("cache", "transitEncryptionEnabled", False),
    "s3-deny-insecure-transport": lambda b: b.edit_json(
        "logs-bucket-policy", "policy", lambda d: d["Statement"].pop(0)
    ),
    # multi-AZ
    "rds-multi-az": lambda b: b.set("db", "multiAz", False),
    "elasticache-multi-az": _single_node_cache,
    "subnet-tiers-span-azs": lambda b: b.remove("net-data-us-east-1c"),
    "nat-gateway-per-az": lambda b: b.remove("net-nat-us-east-1c"),
    "ecs-service-multi-az": _service_in_one_az,
    "alb-multi-az": lambda b: b.set("web-alb", "subnets", [Ref(b["net-public-us-east-1a"])]),
    # exposure
    "s3-block-public-access": lambda b: b.set("site-bucket-public-access", "restrictPublicBuckets", False),
    "rds-not-public": lambda b: b.set("db", "publiclyAccessible", True),
    "security-group-world-ingress": _app_open_to_world,
    "default-security-group-closed": lambda b: b.set(
        "net-default-sg", "ingress", [{"protocol": "-1", "fromPort": 0, "toPort": 0, "self": True}]
    ),
    "ecs-no-public-ip": lambda b: b.edit("api-service", "networkConfiguration", _put("assignPublicIp", True)),
    "subnet-public-ip-public-tier-only": lambda b: b.set("net-private-us-east-1a", "mapPublicIpOnLaunch", True),
    "cloudfront-origin-access-control": _origin("site", _drop_key("originAccessControlId")),
    "cloudfront-waf": lambda b: b.drop("site-cdn", "webAclId"),
    "cloudfront-default-root-object": lambda b: b.drop("site-cdn", "defaultRootObject"),
    "elasticache-auth": lambda b: b.drop("cache", "authToken"),
    "alb-drop-invalid-headers": lambda b: b.set("web-alb", "dropInvalidHeaderFields", False),
    # data protection
    "rds-backup-retention": lambda b: b.set("db", "backupRetentionPeriod", 7),
    "rds-deletion-protection": lambda b: b.set("db", "deletionProtection", False),
    "rds-final-snapshot": lambda b: b.set("db", "skipFinalSnapshot", True),
    "stateful-resources-protected": lambda b: setattr(b["sessions"], "protect", False),
    "dynamodb-pitr": lambda b: b.set("sessions", "pointInTimeRecovery", {"enabled": False}),
    "dynamodb-deletion-protection": lambda b: b.set("sessions", "deletionProtectionEnabled", False),
    "s3-versioning": lambda b: b.set("logs-bucket-versioning", "versioningConfiguration", {"status": "Suspended"}),
    "elasticache-snapshot-retention": lambda b: b.set("cache", "snapshotRetentionLimit", 0),
    "secret-recovery-window": lambda b: b.set("jwt-secret", "recoveryWindowInDays", 0),
    "secret-rotation": lambda b: b.drop("jwt-secret", "tags"),
    "alb-deletion-protection": lambda b: b.set("web-alb", "enableDeletionProtection", False),
    "auto-minor-version-upgrade": lambda b: b.set("cache", "autoMinorVersionUpgrade", False),
    "rds-copy-tags-to-snapshot": lambda b: b.set("db", "copyTagsToSnapshot", False),
    # IAM
    "iam-no-wildcard-actions": _statement(
        "api-task-access", {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "arn:aws:dynamodb:::table/sessions"}
    ),
    "iam-wildcard-resource-justified": _statement(
        "api-execution-access", {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    ),
    "iam-oidc-trust-pinned": _trust_condition(
        lambda c: c.update(
            StringLike={f"{OIDC_HOST}:sub": "repo:socialclub/*:*"},
            StringEquals={f"{OIDC_HOST}:aud": "sts.amazonaws.com"},
        )
    ),
    "iam-trust-no-wildcard-principal": lambda b: b.set(
        "net-flow-logs-role",
        "assumeRolePolicy",
        _policy({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}),
    ),
    "rds-iam-auth": lambda b: b.set("db", "iamDatabaseAuthenticationEnabled", False),
    "iam-no-admin-policy-attachment": lambda b: b.add(
        "aws:iam/userPolicyAttachment:UserPolicyAttachment",
        "ops-admin",
        {"user": "ops", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
    ),
    "iam-no-privilege-escalation": lambda b: _inline_statement(
        b,
        "deploy-role",
        {"Effect": "Allow", "Action": "iam:PutRolePolicy", "Resource": f"arn:aws:iam::{ACCOUNT}:role/*"},
    ),
    # logging
    "log-group-retention": lambda b: b.drop("api-logs", "retentionInDays"),
    "vpc-flow-logs": lambda b: b.remove("net-flow-log"),
    "alb-access-logs": lambda b: b.edit("web-alb", "accessLogs", _put("enabled", False)),
    "cloudfront-access-logs": lambda b: b.drop("site-cdn", "loggingConfig"),
    "rds-log-exports": lambda b: b.set("db", "enabledCloudwatchLogsExports", ["postgresql"]),
    "rds-enhanced-monitoring": lambda b: b.set("db", "monitoringInterval", 0),
    "ecs-container-insights": lambda b: b.set(
        "api-cluster", "settings", [{"name": "containerInsights", "value": "disabled"}]
    ),
    "elasticache-log-delivery": lambda b: b.edit(
        "cache", "logDeliveryConfigurations", lambda configs: configs[0].__setitem__("logType", "engine-log")
    ),
    # containers
    "ecs-task-read-only-root": _container(_put("readonlyRootFilesystem", False)),
    "ecs-task-non-root": _container(_put("user", "root")),
    "ecs-task-no-secrets-in-environment": _container(
        lambda c: c["environment"].append({"name": "STRIPE_API_KEY", "value": "sk_live_x"})
    ),
    "ecr-image-scanning": lambda b: b.set("api-images", "imageScanningConfiguration", {"scanOnPush": False}),
    "ecr-tag-immutability": lambda b: b.set("api-images", "imageTagMutability", "MUTABLE"),
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
        "aws:s3/bucketAclV2:BucketAclV2", "site-bucket-acl", {"bucket": Ref(b["site-bucket"]), "acl": "public-read"}
    ),
    "resource-policy-no-public-principal": lambda b: b.add(
        "aws:kms/keyPolicy:KeyPolicy",
        "key-policy",
        {
            "keyId": Ref(b["key"]),
            "policy": _policy({"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}),
        },
    ),
    # tagging: a resource created without the stack's provider
    "required-tags": lambda b: setattr(b["alerts"], "provider", ""),
}


def insecure_stack(rules: list[str], stack: str = "production") -> StackBuilder:
    b = compliant_stack(stack)
    for rule in rules:
        INSECURE[rule](b)
    return b

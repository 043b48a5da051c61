"""Adversarial resource sets: the same insecure thing written with another resource type or shape than the program
uses. Each changes or adds to the production plan and must be rejected by the named rule(s), at the named level,
on the named resource, and by nothing else; each rule also has a compliant spelling that passes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from offline.harness import Resource
from offline.wire import UNKNOWN
from tests.policy.conftest import Analyze, Introduced, Planned
from tests.policy.insecure import ALB, CACHE, DB, KEY, TASK
from tests.policy.planned_stack import ACCOUNT, Change, PlannedStack, Ref

M, A = "mandatory", "advisory"
TOPIC = ("sns/topic", "alerts-topic")
TASK_ROLE = ("iam/role", "backend-task")
SITE_BUCKET = ("s3/bucket", "frontend-assets")
SITE_POLICY = ("s3/bucketPolicy", "frontend-assets")


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(action: str | list[str], resource: str | list[str], **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


# A database of each family, compliant with every rule, so a case changes exactly one thing.
def _aurora(b: PlannedStack, **change: Any) -> None:
    key = b.get(*KEY)
    inputs = {
        "engine": "aurora-postgresql",
        "storageEncrypted": True,
        "kmsKeyId": Ref(key, "arn"),
        "manageMasterUserPassword": True,
        "masterUserSecretKmsKeyId": Ref(key, "arn"),
        "deletionProtection": True,
        "backupRetentionPeriod": 30,
        "finalSnapshotIdentifier": "aurora-final",
        "iamDatabaseAuthenticationEnabled": True,
        "copyTagsToSnapshot": True,
        "dbClusterParameterGroupName": Ref(
            b.add(
                "aws:rds/clusterParameterGroup:ClusterParameterGroup",
                "aurora-params",
                {"family": "aurora-postgresql15", "parameters": [{"name": "rds.force_ssl", "value": "1"}]},
            )
        ),
    }
    cluster = b.add("aws:rds/cluster:Cluster", "aurora", {**inputs, **change}, protect=True)
    for index, zone in enumerate(("us-east-1a", "us-east-1b")):
        _aurora_member(b, cluster, f"aurora-{index}", availabilityZone=zone)


def _aurora_member(b: PlannedStack, cluster: Resource, name: str, **change: Any) -> None:
    inputs = {
        "clusterIdentifier": Ref(cluster),
        "instanceClass": "db.r6g.large",
        "publiclyAccessible": False,
        "copyTagsToSnapshot": True,
        "monitoringInterval": 60,
        "monitoringRoleArn": Ref(b.get("iam/role", "db-monitoring"), "arn"),
    }
    b.add("aws:rds/clusterInstance:ClusterInstance", name, {**inputs, **change})


def _single_instance_aurora(b: PlannedStack) -> None:
    _aurora(b)
    b.remove("rds/clusterInstance", "aurora-1")


def _aurora_instance(b: PlannedStack, **change: Any) -> None:
    _aurora(b)
    _aurora_member(b, b.get("rds/cluster", "aurora"), "aurora-reader", **change)


def _docdb(b: PlannedStack, **change: Any) -> None:
    key = b.get(*KEY)
    inputs = {
        "storageEncrypted": True,
        "kmsKeyId": Ref(key, "arn"),
        "manageMasterUserPassword": True,
        "deletionProtection": True,
        "backupRetentionPeriod": 30,
        "finalSnapshotIdentifier": "documents-final",
    }
    cluster = b.add("aws:docdb/cluster:Cluster", "documents", {**inputs, **change}, protect=True)
    for index in range(2):
        b.add("aws:docdb/clusterInstance:ClusterInstance", f"documents-{index}", {"clusterIdentifier": Ref(cluster)})


def _redshift(b: PlannedStack, **change: Any) -> None:
    key = b.get(*KEY)
    inputs = {
        "nodeType": "ra3.xlplus",
        "kmsKeyId": Ref(key, "arn"),
        "manageMasterPassword": True,
        "masterPasswordSecretKmsKeyId": Ref(key, "arn"),
        "automatedSnapshotRetentionPeriod": 30,
        "publiclyAccessible": False,
        "finalSnapshotIdentifier": "warehouse-final",
    }
    b.add("aws:redshift/cluster:Cluster", "warehouse", {**inputs, **change}, protect=True)


def _standalone_redis(b: PlannedStack) -> None:
    b.add("aws:elasticache/cluster:Cluster", "redis-node", {"engine": "redis", "numCacheNodes": 1}, protect=True)


def _memorydb(b: PlannedStack, **change: Any) -> None:
    inputs = {
        "nodeType": "db.r6g.large",
        "kmsKeyArn": Ref(b.get(*KEY), "arn"),
        "aclName": "app-users",
        "snapshotRetentionLimit": 7,
    }
    b.add("aws:memorydb/cluster:Cluster", "store", {**inputs, **change}, protect=True)


def _bare_bucket_v2(b: PlannedStack) -> None:
    b.add("aws:s3/bucketV2:BucketV2", "uploads", {"bucket": "uploads"})


def _bucket_acl(b: PlannedStack) -> None:
    b.add("aws:s3/bucketAcl:BucketAcl", "site-acl", {"bucket": Ref(b.get(*SITE_BUCKET)), "acl": "public-read-write"})


def _bucket_acl_grant(b: PlannedStack) -> None:
    everyone = {"type": "Group", "uri": "http://acs.amazonaws.com/groups/global/AllUsers"}
    b.add(
        "aws:s3/bucketAclV2:BucketAclV2",
        "site-acl",
        {
            "bucket": Ref(b.get(*SITE_BUCKET)),
            "accessControlPolicy": {"owner": {"id": "owner"}, "grants": [{"grantee": everyone, "permission": "READ"}]},
        },
    )


def _object_acl(b: PlannedStack) -> None:
    b.add("aws:s3/bucketObjectv2:BucketObjectv2", "index", {"bucket": Ref(b.get(*SITE_BUCKET)), "acl": "public-read"})


def _sg_rule(b: PlannedStack, group: str, name: str, cidrs: list[str], ports: tuple[int, int]) -> None:
    inputs = {
        "securityGroupId": Ref(b.get("ec2/securityGroup", group)),
        "type": "ingress",
        "protocol": "tcp",
        "fromPort": ports[0],
    }
    b.add("aws:ec2/securityGroupRule:SecurityGroupRule", name, {**inputs, "toPort": ports[1], "cidrBlocks": cidrs})


def _vpc_rule(b: PlannedStack, group: str, name: str, cidr: str, port: int) -> None:
    field = "cidrIpv6" if ":" in cidr else "cidrIpv4"
    inputs = {
        "securityGroupId": Ref(b.get("ec2/securityGroup", group)),
        field: cidr,
        "ipProtocol": "tcp",
        "fromPort": port,
        "toPort": port,
    }
    b.add("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name, inputs)


def _split_world(b: PlannedStack) -> None:
    _vpc_rule(b, "backend-sg", "app-low-half", "0.0.0.0/1", 3001)
    _vpc_rule(b, "backend-sg", "app-high-half", "128.0.0.0/1", 3001)


def _split_across_spellings(b: PlannedStack) -> None:
    # Half the internet inline on 5432, the other half on every port through a separate rule resource.
    b.set(
        "ec2/securityGroup",
        "db-sg",
        "ingress",
        [{"protocol": "tcp", "fromPort": 5432, "toPort": 5432, "cidrBlocks": ["0.0.0.0/1"]}],
    )
    _sg_rule(b, "db-sg", "db-all-ports", ["128.0.0.0/1"], (0, 65535))


def _split_ipv6(b: PlannedStack) -> None:
    _vpc_rule(b, "cache-sg", "cache-v6-low", "::/1", 6379)
    _vpc_rule(b, "cache-sg", "cache-v6-high", "8000::/1", 6379)


def _wide_public_range(b: PlannedStack) -> None:
    _sg_rule(b, "backend-sg", "app-from-a-slash-6", ["4.0.0.0/6"], (3001, 3001))


def _world_prefix_list(b: PlannedStack) -> None:
    prefix_list = b.add(
        "aws:ec2/managedPrefixList:ManagedPrefixList",
        "partners",
        {"addressFamily": "IPv4", "maxEntries": 5, "entries": [{"cidr": "0.0.0.0/1"}]},
    )
    b.add(
        "aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry",
        "partners-rest",
        {"prefixListId": Ref(prefix_list), "cidr": "128.0.0.0/1"},
    )
    inputs = {
        "securityGroupId": Ref(b.get("ec2/securityGroup", "backend-sg")),
        "prefixListId": Ref(prefix_list),
        "ipProtocol": "tcp",
    }
    b.add(
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "app-partners",
        {**inputs, "fromPort": 3001, "toPort": 3001},
    )


def _partner_prefix_list_inline(b: PlannedStack) -> None:
    prefix_list = b.add(
        "aws:ec2/managedPrefixList:ManagedPrefixList",
        "partners",
        {"addressFamily": "IPv4", "maxEntries": 5, "entries": [{"cidr": "203.0.113.0/24"}]},
    )
    rule = {"protocol": "tcp", "fromPort": 3001, "toPort": 3001, "prefixListIds": [Ref(prefix_list)]}
    b.set("ec2/securityGroup", "backend-sg", "ingress", [rule])


def _admin_attachment(b: PlannedStack) -> None:
    b.add(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "task-admin",
        {"role": Ref(b.get(*TASK_ROLE)), "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
    )


def _managed_policy_arns(b: PlannedStack) -> None:
    b.set(*TASK_ROLE, "managedPolicyArns", ["arn:aws:iam::aws:policy/IAMFullAccess"])


def _role_policy(b: PlannedStack, name: str, *statements: dict[str, Any]) -> None:
    b.add("aws:iam/rolePolicy:RolePolicy", name, {"role": Ref(b.get(*TASK_ROLE)), "policy": _policy(*statements)})


ROLES = f"arn:aws:iam::{ACCOUNT}:role/*"
STACK_ROLES = f"arn:aws:iam::{ACCOUNT}:role/socialclub-production/*"


def _escalation_by_wildcard(b: PlannedStack) -> None:
    _role_policy(b, "task-roles", _allow("iam:*Role*", ROLES))


def _pass_role_and_lambda(b: PlannedStack) -> None:
    # Two documents of one role: neither alone escalates.
    _role_policy(b, "task-pass", _allow("iam:PassRole", ROLES))
    _role_policy(b, "task-functions", _allow("lambda:CreateFunction", f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:x"))


def _user_split_pass_role(b: PlannedStack) -> None:
    user = b.add("aws:iam/user:User", "ci", {"name": "ci"})
    b.add(
        "aws:iam/userPolicy:UserPolicy",
        "ci-pass",
        {"user": Ref(user), "policy": _policy(_allow("iam:PassRole", ROLES))},
    )
    launcher = b.add(
        "aws:iam/policy:Policy",
        "launcher",
        {"policy": _policy(_allow("ec2:RunInstances", f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/*"))},
    )
    b.add(
        "aws:iam/userPolicyAttachment:UserPolicyAttachment",
        "ci-launcher",
        {"user": Ref(user), "policyArn": Ref(launcher, "arn")},
    )


def _policy_versions(b: PlannedStack) -> None:
    document = _policy(_allow(["iam:CreatePolicyVersion"], f"arn:aws:iam::{ACCOUNT}:policy/*"))
    b.add("aws:iam/policy:Policy", "policy-editor", {"policy": document})


def _assume_any_role(b: PlannedStack) -> None:
    document = _policy(_allow("sts:AssumeRole", "*"))
    b.add("aws:iam/userPolicy:UserPolicy", "ops-assume", {"user": "ops", "policy": document})


def _access_keys(b: PlannedStack) -> None:
    document = _policy(_allow(["iam:CreateAccessKey", "iam:UpdateLoginProfile"], f"arn:aws:iam::{ACCOUNT}:user/*"))
    b.add("aws:iam/groupPolicy:GroupPolicy", "ops-keys", {"group": "ops", "policy": document})


def _public_key(b: PlannedStack) -> None:
    everyone = _allow("kms:Decrypt", "*", Principal="*")
    b.add(
        "aws:kms/key:Key",
        "second-key",
        {"enableKeyRotation": True, "deletionWindowInDays": 30, "policy": _policy(everyone)},
        protect=True,
    )


def _public_key_with(b: PlannedStack, condition: dict[str, Any]) -> None:
    everyone = _allow("kms:Decrypt", "*", Principal={"AWS": "*"}, Condition=condition)
    b.add("aws:kms/keyPolicy:KeyPolicy", "key-policy", {"keyId": Ref(b.get(*KEY)), "policy": _policy(everyone)})


def _public_read_bucket_policy(b: PlannedStack) -> None:
    def add_read(document: dict[str, Any]) -> None:
        document["Statement"].append(_allow("s3:GetObject", f"{_site_arn(document)}/*", Principal={"AWS": "*"}))

    b.edit_json(*SITE_POLICY, "policy", add_read)


def _site_arn(document: dict[str, Any]) -> str:
    """The site bucket's ARN, as its planned TLS deny names it (first, then its objects)."""
    arn = document["Statement"][0]["Resource"][0]
    assert isinstance(arn, str) and not arn.endswith("/*")
    return arn


def _tls_deny_bucket_only(b: PlannedStack) -> None:
    b.edit_json(*SITE_POLICY, "policy", lambda d: d["Statement"][0].update(Resource=_site_arn(d)))


def _tls_deny_some_actions(b: PlannedStack) -> None:
    b.edit_json(*SITE_POLICY, "policy", lambda d: d["Statement"][0].update(Action=["s3:GetObject"]))


def _http_listener(b: PlannedStack, type_: str = "aws:lb/listener:Listener") -> None:
    redirect = {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}
    inputs = {"loadBalancerArn": Ref(b.get(*ALB), "arn"), "port": 8080, "protocol": "HTTP"}
    b.add(type_, "web-http-8080", {**inputs, "defaultActions": [redirect]})


def _forwarding_listener_rule(b: PlannedStack) -> None:
    forward = {"type": "forward", "targetGroupArn": Ref(b.get("lb/targetGroup", "api-backend-tg"), "arn")}
    b.add(
        "aws:alb/listenerRule:ListenerRule",
        "web-http-api",
        {
            "listenerArn": Ref(b.get("lb/listener", "api-http"), "arn"),
            "priority": 10,
            "actions": [forward],
            "conditions": [{"pathPattern": {"values": ["/api/*"]}}],
        },
    )


def _alias_listener_forwards(b: PlannedStack) -> None:
    _http_listener(b, "aws:alb/listener:Listener")
    b.set(
        "alb/listener",
        "web-http-8080",
        "defaultActions",
        [{"type": "forward", "targetGroupArn": Ref(b.get("lb/targetGroup", "api-backend-tg"), "arn")}],
    )


def _multitenant(b: PlannedStack, **change: Any) -> None:
    inputs = {
        "enabled": True,
        "defaultRootObject": "index.html",
        "webAclId": f"arn:aws:wafv2:us-east-1:{ACCOUNT}:global/webacl/site/1",
        "origins": [
            {
                "id": "api",
                "domainName": "api.socialclub.example.com",
                "customOriginConfigs": [{"originProtocolPolicy": "https-only", "originSslProtocols": ["TLSv1.2"]}],
            }
        ],
        "defaultCacheBehavior": {"targetOriginId": "api", "viewerProtocolPolicy": "https-only"},
        "viewerCertificate": {
            "acmCertificateArn": f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/tenants",
            "sslSupportMethod": "sni-only",
            "minimumProtocolVersion": "TLSv1.2_2021",
        },
    }
    cdn = b.add("aws:cloudfront/multitenantDistribution:MultitenantDistribution", "tenants", {**inputs, **change})
    source = b.add(
        "aws:cloudwatch/logDeliverySource:LogDeliverySource",
        "tenants-logs",
        {"name": "tenants", "logType": "ACCESS_LOGS", "resourceArn": Ref(cdn, "arn")},
    )
    destination = b.get("cloudwatch/logDeliveryDestination", "frontend-access-logs")
    b.add(
        "aws:cloudwatch/logDelivery:LogDelivery",
        "tenants-logs",
        {"deliverySourceName": Ref(source, "name"), "deliveryDestinationArn": Ref(destination, "arn")},
    )


def _env(name: str, value: str) -> Change:
    def change(b: PlannedStack) -> None:
        b.edit_json(
            *TASK,
            "containerDefinitions",
            lambda c: c[0].setdefault("environment", []).append({"name": name, "value": value}),
        )

    return change


def _lambda_keys(b: PlannedStack) -> None:
    b.add(
        "aws:lambda/function:Function",
        "thumbnails",
        {"role": Ref(b.get(*TASK_ROLE), "arn"), "environment": {"variables": {"UPLOAD_KEY": "AKIAIOSFODNN7EXAMPLE"}}},
    )


def _public_instance(b: PlannedStack) -> None:
    b.add("aws:ec2/instance:Instance", "bastion", {"instanceType": "t4g.nano", "associatePublicIpAddress": True})


def _instance_in_a_public_subnet(b: PlannedStack) -> None:
    # The public tier may map public IPs on launch (the rule on subnets allows it there); the instance inherits it.
    b.set("ec2/subnet", "network-public-us-east-1a", "mapPublicIpOnLaunch", True)
    subnet = b.get("ec2/subnet", "network-public-us-east-1a")
    b.add(
        "aws:ec2/instance:Instance", "web-box", {"subnetId": Ref(subnet), "metadataOptions": {"httpTokens": "required"}}
    )


def _template_imdsv1(b: PlannedStack) -> None:
    b.add("aws:ec2/launchTemplate:LaunchTemplate", "workers", {"metadataOptions": {"httpTokens": "optional"}})


def _unknown_cidr(b: PlannedStack) -> None:
    _vpc_rule(b, "db-sg", "db-from-somewhere", "10.0.0.0/8", 5432)
    b["vpc/securityGroupIngressRule", "db-from-somewhere"].inputs["cidrIpv4"] = UNKNOWN


def _unknown_tags_no_provider(b: PlannedStack) -> None:
    b[TOPIC].provider = ""
    b[TOPIC].inputs["tags"] = UNKNOWN


def _unknown_bucket_policy(b: PlannedStack) -> None:
    b[SITE_POLICY].inputs["policy"] = UNKNOWN


# name -> (change, {(policy, level)} it must produce, exactly)
CASES: dict[str, tuple[Change, set[tuple[str, str]]]] = {
    "aurora cluster unencrypted": (lambda b: _aurora(b, storageEncrypted=False), {("rds-storage-encrypted", M)}),
    "aurora cluster with a password in the program": (
        lambda b: _aurora(b, manageMasterUserPassword=False, masterPassword="hunter2hunter2"),
        {("rds-managed-master-password", M)},
    ),
    "aurora cluster without deletion protection or backups": (
        lambda b: _aurora(b, deletionProtection=False, backupRetentionPeriod=1),
        {("rds-deletion-protection", M), ("rds-backup-retention", M)},
    ),
    "aurora cluster with a single instance": (_single_instance_aurora, {("rds-multi-az", M)}),
    "aurora cluster that does not force TLS": (
        lambda b: _aurora(b, dbClusterParameterGroupName=None),
        {("rds-force-ssl", M)},
    ),
    "aurora cluster without IAM auth, skipping its final snapshot": (
        lambda b: _aurora(b, iamDatabaseAuthenticationEnabled=False, skipFinalSnapshot=True),
        {("rds-iam-auth", M), ("rds-final-snapshot", M)},
    ),
    "aurora cluster instance without enhanced monitoring": (
        lambda b: _aurora_instance(b, monitoringInterval=0),
        {("rds-enhanced-monitoring", M)},
    ),
    "aurora cluster instance public": (
        lambda b: _aurora_instance(b, publiclyAccessible=True),
        {("rds-not-public", M)},
    ),
    "documentdb unencrypted with the AWS key": (
        lambda b: _docdb(b, storageEncrypted=False, kmsKeyId=None),
        {("rds-storage-encrypted", M)},
    ),
    "redshift public": (lambda b: _redshift(b, publiclyAccessible=True), {("rds-not-public", M)}),
    "elasticache standalone cluster": (
        _standalone_redis,
        {
            ("elasticache-encryption-at-rest", M),
            ("elasticache-auth", M),
            ("elasticache-encryption-in-transit", M),
            ("elasticache-multi-az", M),
            ("elasticache-snapshot-retention", M),
        },
    ),
    "memorydb without replicas": (lambda b: _memorydb(b, numReplicasPerShard=0), {("elasticache-multi-az", M)}),
    "serverless cache without snapshots": (
        lambda b: b.add(
            "aws:elasticache/serverlessCache:ServerlessCache",
            "sessions-cache",
            {"engine": "valkey", "kmsKeyId": Ref(b.get(*KEY), "arn"), "userGroupId": "app-users"},
            protect=True,
        ),
        {("elasticache-snapshot-retention", M)},
    ),
    "memorydb open access without tls": (
        lambda b: _memorydb(b, aclName="open-access", tlsEnabled=False),
        {("elasticache-auth", M), ("elasticache-encryption-in-transit", M)},
    ),
    "bucketV2 with nothing": (
        _bare_bucket_v2,
        {
            ("s3-block-public-access", M),
            ("s3-bucket-kms-encryption", M),
            ("s3-versioning", M),
            ("s3-deny-insecure-transport", M),
        },
    ),
    "a log delivery source for the distribution that delivers nowhere": (
        lambda b: b.remove("cloudwatch/logDelivery", "frontend-access-logs"),
        {("cloudfront-access-logs", M)},
    ),
    "an Allow of everything but IAM on every resource (NotAction, '*')": (
        lambda b: _role_policy(b, "task-not-iam", {"Effect": "Allow", "NotAction": ["iam:*"], "Resource": "*"}),
        {("iam-no-wildcard-actions", M), ("iam-wildcard-resource-justified", M), ("iam-no-privilege-escalation", M)},
    ),
    "bucket ACL resource public-read-write": (_bucket_acl, {("s3-no-public-acl", M)}),
    "bucket ACL V2 grant to AllUsers": (_bucket_acl_grant, {("s3-no-public-acl", M)}),
    "bucket ACL authenticated-read (any AWS account)": (
        lambda b: b.add(
            "aws:s3/bucketAclV2:BucketAclV2",
            "site-acl",
            {"bucket": Ref(b.get(*SITE_BUCKET)), "acl": "authenticated-read"},
        ),
        {("s3-no-public-acl", M)},
    ),
    "an Allow of everything but a few actions (NotAction)": (
        lambda b: _role_policy(
            b,
            "task-not-action",
            {"Effect": "Allow", "NotAction": ["iam:*"], "Resource": "arn:aws:s3:::socialclub-production-backend-*/*"},
        ),
        # Everything but IAM includes sts:AssumeRole and lambda:CreateFunction: an escalation path too.
        {("iam-no-wildcard-actions", M), ("iam-no-privilege-escalation", M)},
    ),
    "public object ACL": (_object_acl, {("s3-no-public-acl", M)}),
    "ec2 securityGroupRule ssh from anywhere": (
        lambda b: _sg_rule(b, "db-sg", "db-ssh", ["0.0.0.0/0"], (22, 22)),
        {("security-group-world-ingress", M)},
    ),
    "0.0.0.0/0 split into two /1": (_split_world, {("security-group-world-ingress", M)}),
    "halves split across inline and rule resources": (_split_across_spellings, {("security-group-world-ingress", M)}),
    "world rule on a group outside the stack": (
        lambda b: b.add(
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            "legacy-open",
            {"securityGroupId": "sg-0123456789abcdef0", "cidrIpv4": "0.0.0.0/0", "ipProtocol": "-1"},
        ),
        {("security-group-world-ingress", M)},
    ),
    "::/0 split into two /1": (_split_ipv6, {("security-group-world-ingress", M)}),
    "a public /6 is the world": (_wide_public_range, {("security-group-world-ingress", M)}),
    "the world through a managed prefix list": (_world_prefix_list, {("security-group-world-ingress", M)}),
    "rolePolicyAttachment of AdministratorAccess": (
        _admin_attachment,
        {("iam-no-admin-policy-attachment", M), ("iam-no-privilege-escalation", M)},
    ),
    "iam.PolicyAttachment of AdministratorAccess to roles": (
        lambda b: b.add(
            "aws:iam/policyAttachment:PolicyAttachment",
            "admins",
            {"roles": [Ref(b.get(*TASK_ROLE))], "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
        ),
        {("iam-no-admin-policy-attachment", M), ("iam-no-privilege-escalation", M)},
    ),
    "a customer policy with an escalation attached by ARN": (
        lambda b: b.add(
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            "task-roles-policy",
            {
                "role": Ref(b.get(*TASK_ROLE)),
                "policyArn": Ref(
                    b.add(
                        "aws:iam/policy:Policy",
                        "role-writer",
                        {"policy": _policy(_allow(["iam:AttachRolePolicy"], ROLES))},
                    ),
                    "arn",
                ),
            },
        ),
        {("iam-no-privilege-escalation", M)},
    ),
    "managedPolicyArns IAMFullAccess": (
        _managed_policy_arns,
        {("iam-no-admin-policy-attachment", M), ("iam-no-privilege-escalation", M)},
    ),
    "iam:*Role* on role/*": (_escalation_by_wildcard, {("iam-no-privilege-escalation", M)}),
    "PassRole and CreateFunction in two documents": (_pass_role_and_lambda, {("iam-no-privilege-escalation", M)}),
    "CreatePolicyVersion on policy/*": (_policy_versions, {("iam-no-privilege-escalation", M)}),
    "PassRole in a user policy, RunInstances in a policy attached to the user": (
        _user_split_pass_role,
        {("iam-no-privilege-escalation", M)},
    ),
    "AssumeRole on anything": (
        _assume_any_role,
        {("iam-no-privilege-escalation", M), ("iam-wildcard-resource-justified", M)},
    ),
    "access keys and passwords of any user": (_access_keys, {("iam-no-privilege-escalation", M)}),
    "roles created under the stack's path without a boundary": (
        lambda b: _role_policy(b, "task-create", _allow(["iam:CreateRole", "iam:PutRolePolicy"], STACK_ROLES)),
        {("iam-no-privilege-escalation", M)},
    ),
    "second KMS key open to everyone": (_public_key, {("resource-policy-no-public-principal", M)}),
    "bucket policy public read": (_public_read_bucket_policy, {("resource-policy-no-public-principal", M)}),
    "queue policy open to everyone": (
        lambda b: b.add(
            "aws:sqs/queuePolicy:QueuePolicy",
            "jobs-policy",
            {"queueUrl": "https://sqs/jobs", "policy": _policy(_allow("sqs:SendMessage", "*", Principal="*"))},
        ),
        {("resource-policy-no-public-principal", M)},
    ),
    "secret with an inline public policy pinned by a wildcard": (
        lambda b: b.set(
            "secretsmanager/secret",
            "secrets-integration-stripe-key",
            "policy",
            _policy(
                _allow(
                    "secretsmanager:GetSecretValue",
                    "*",
                    Principal={"AWS": "*"},
                    Condition={"StringLike": {"aws:PrincipalAccount": "*"}},
                )
            ),
        ),
        {("resource-policy-no-public-principal", M)},
    ),
    "key policy pinned by a wildcard source ARN": (
        lambda b: _public_key_with(b, {"ArnLike": {"aws:SourceArn": "arn:aws:*"}}),
        {("resource-policy-no-public-principal", M)},
    ),
    "key policy pinned only if the key exists": (
        lambda b: _public_key_with(b, {"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}}),
        {("resource-policy-no-public-principal", M)},
    ),
    "key policy pinned by a negated account": (
        lambda b: _public_key_with(b, {"StringNotEquals": {"kms:CallerAccount": "999999999999"}}),
        {("resource-policy-no-public-principal", M)},
    ),
    "TLS deny covering only the bucket ARN": (_tls_deny_bucket_only, {("s3-deny-insecure-transport", M)}),
    "TLS deny of a few actions": (_tls_deny_some_actions, {("s3-deny-insecure-transport", M)}),
    "TLS deny naming another bucket": (
        lambda b: b.edit_json(
            *SITE_POLICY,
            "policy",
            lambda d: d["Statement"][0].update(Resource=["arn:aws:s3:::decoy", "arn:aws:s3:::decoy/*"]),
        ),
        {("s3-deny-insecure-transport", M)},
    ),
    "listenerRule forwarding plain HTTP": (_forwarding_listener_rule, {("alb-http-redirects-to-https", M)}),
    "alb.Listener alias forwarding HTTP": (_alias_listener_forwards, {("alb-http-redirects-to-https", M)}),
    "classic load balancer on plain HTTP": (
        lambda b: b.add(
            "aws:elb/loadBalancer:LoadBalancer",
            "legacy-web",
            {"listeners": [{"lbPort": 80, "lbProtocol": "http", "instancePort": 8080, "instanceProtocol": "http"}]},
        ),
        {("alb-http-redirects-to-https", M)},
    ),
    "multi-tenant distribution over plain HTTP": (
        lambda b: _multitenant(
            b,
            defaultCacheBehavior={"targetOriginId": "api", "viewerProtocolPolicy": "allow-all"},
            origins=[
                {"id": "api", "domainName": "api", "customOriginConfigs": [{"originProtocolPolicy": "http-only"}]}
            ],
        ),
        {("cloudfront-viewer-https", M), ("cloudfront-origin-tls", M)},
    ),
    "multi-tenant distribution reading a bucket without OAC": (
        lambda b: _multitenant(b, origins=[{"id": "site", "domainName": "site-bucket.s3.amazonaws.com"}]),
        {("cloudfront-origin-access-control", M)},
    ),
    "stripe key in a harmless-looking variable": (
        _env("PAYMENTS", "sk_live_51Habcdefghijklmnop"),
        {("ecs-task-no-secrets-in-environment", M)},
    ),
    "DSN with credentials": (
        _env("DB_CONNECTION", "postgres://admin:s3cret@db.internal:5432/app"),
        {("ecs-task-no-secrets-in-environment", M)},
    ),
    "private key in the environment": (
        _env("SIGNING", "-----BEGIN EC PRIVATE KEY-----\nMHcC..."),
        {("ecs-task-no-secrets-in-environment", M)},
    ),
    "lambda with an access key": (_lambda_keys, {("ecs-task-no-secrets-in-environment", M)}),
    "instance with a public IP and IMDSv1": (
        _public_instance,
        {("ec2-no-public-ip", M), ("ec2-imdsv2-required", M)},
    ),
    "launch template with IMDSv1": (_template_imdsv1, {("ec2-imdsv2-required", M)}),
    "instance in a public subnet, public IP left to the subnet": (
        _instance_in_a_public_subnet,
        {("ec2-no-public-ip", M)},
    ),
}

# A value that decides a check but is unknown: in a preview, the SDK's advisory (the update checks again, with
# the value known, and a mandatory violation halts it); in the update, a violation at the rule's own level.
UNKNOWNS: dict[str, tuple[Change, set[str]]] = {
    "unknown CIDR": (_unknown_cidr, {"security-group-world-ingress"}),
    "unknown Environment tag": (lambda b: b[TOPIC].inputs.update(tags={"Environment": UNKNOWN}), {"required-tags"}),
    "unknown tags on a resource without the stack's provider": (_unknown_tags_no_provider, {"required-tags"}),
    "unknown bucket policy": (
        _unknown_bucket_policy,
        {"s3-deny-insecure-transport", "resource-policy-no-public-principal"},
    ),
}


@pytest.mark.parametrize("case", sorted(UNKNOWNS))
def test_an_unknown_deciding_value_is_advisory_in_a_preview_and_mandatory_in_the_update(
    analyze: Analyze, introduced: Introduced, introduced_update: Introduced, planned: Planned, case: str
) -> None:
    change, rules = UNKNOWNS[case]
    b = planned("production")
    change(b)
    assert {(policy, level) for policy, level, _ in introduced(b)} == {(rule, A) for rule in rules}
    assert all("during preview" in v.message for rule in rules for v in analyze(b).of_policy(rule))
    assert {(policy, level) for policy, level, _ in introduced_update(b)} == {(rule, M) for rule in rules}


def verdict(
    introduced: Introduced, planned: Planned, change: Change, stack: str = "production"
) -> set[tuple[str, str]]:
    """(policy, level) of each violation `change` adds to the stack's plan."""
    b = planned(stack)
    change(b)
    return {(policy, level) for policy, level, _ in introduced(b)}


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 20


@pytest.mark.parametrize("case", sorted(CASES))
def test_adversarial_set_is_rejected_by_its_rule_at_its_level(
    introduced: Introduced, planned: Planned, case: str
) -> None:
    change, expected = CASES[case]
    assert verdict(introduced, planned, change) == expected


# The same resources written the compliant way pass: the rules judge the thing, not the spelling.
COMPLIANT: dict[str, Change] = {
    "aurora cluster and instance": _aurora_instance,
    "documentdb": _docdb,
    "redshift": _redshift,
    "memorydb": _memorydb,
    "a member node of a replication group": lambda b: b.add(
        "aws:elasticache/cluster:Cluster", "cache-node", {"replicationGroupId": Ref(b.get(*CACHE))}, protect=True
    ),
    "private ranges": lambda b: _sg_rule(
        b, "db-sg", "db-private", ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"], (5432, 5432)
    ),
    "a partner prefix list inline": _partner_prefix_list_inline,
    "a partner's /24": lambda b: _sg_rule(b, "backend-sg", "app-partner", ["203.0.113.0/24"], (3001, 3001)),
    "ALB world rules as ec2 securityGroupRule": lambda b: _sg_rule(b, "api-sg", "alb-https", ["0.0.0.0/0"], (443, 443)),
    "create and put role policy only with the boundary": lambda b: _role_policy(
        b,
        "task-bounded",
        _allow(
            ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy"],
            ROLES,
            Condition={"StringEquals": {"iam:PermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/boundary"}},
        ),
    ),
    "PassRole by ARN": lambda b: _role_policy(
        b,
        "task-pass-one",
        _allow("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/api-task-role"),
        _allow("ecs:RunTask", f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/api:*"),
    ),
    "pass and re-trust only the stack's own roles (a path prefix)": lambda b: _role_policy(
        b,
        "task-stack-roles",
        _allow(["iam:PassRole", "iam:UpdateAssumeRolePolicy"], STACK_ROLES),
        _allow("ecs:RunTask", f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/api:*"),
    ),
    "a managed policy that is not admin": lambda b: b.add(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "task-xray",
        {"role": Ref(b.get(*TASK_ROLE)), "policyArn": "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"},
    ),
    "key policy for any principal of this account through a service": lambda b: b.add(
        "aws:kms/keyPolicy:KeyPolicy",
        "key-policy",
        {
            "keyId": Ref(b.get(*KEY)),
            "policy": _policy(
                _allow(
                    "kms:Decrypt",
                    "*",
                    Principal={"AWS": "*"},
                    Condition={"StringEquals": {"kms:CallerAccount": ACCOUNT, "kms:ViaService": "s3.amazonaws.com"}},
                )
            ),
        },
    ),
    "topic policy for a service of this account": lambda b: b.add(
        "aws:sns/topicPolicy:TopicPolicy",
        "alerts-policy",
        {
            "arn": Ref(b.get(*TOPIC), "arn"),
            "policy": _policy(
                _allow(
                    "sns:Publish",
                    "*",
                    Principal={"Service": "cloudwatch.amazonaws.com"},
                    Condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}},
                ),
                _allow(
                    "sns:Subscribe",
                    "*",
                    Principal="*",
                    Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abcdef1234"}},
                ),
            ),
        },
    ),
    "TLS deny written another way": lambda b: b.edit_json(
        *SITE_POLICY,
        "policy",
        lambda d: d["Statement"][0].update(
            Principal={"AWS": ["*"]},
            Action=["s3:*"],
            Resource=[f"{_site_arn(d)}/*", _site_arn(d)],
            Condition={"BoolIfExists": {"aws:SecureTransport": "false"}, "NumericLessThan": {"s3:TlsVersion": "1.2"}},
        ),
    ),
    "listener rule on the HTTP listener that redirects": lambda b: b.add(
        "aws:lb/listenerRule:ListenerRule",
        "web-http-redirect",
        {
            "listenerArn": Ref(b.get("lb/listener", "api-http"), "arn"),
            "actions": [{"type": "redirect", "redirect": {"protocol": "HTTPS", "statusCode": "HTTP_301"}}],
        },
    ),
    "forwarding rule on the HTTPS listener": lambda b: b.add(
        "aws:lb/listenerRule:ListenerRule",
        "web-https-api",
        {
            "listenerArn": Ref(b.get("lb/listener", "api-https"), "arn"),
            "actions": [{"type": "forward", "targetGroupArn": "tg"}],
        },
    ),
    "multi-tenant distribution": _multitenant,
    "a log delivery naming its source by a literal name": lambda b: b.set(
        "cloudwatch/logDelivery", "frontend-access-logs", "deliverySourceName", "socialclub-production-frontend-cdn"
    ),
    "classic load balancer on HTTPS only": lambda b: b.add(
        "aws:elb/loadBalancer:LoadBalancer",
        "legacy-web",
        {
            "listeners": [
                {
                    "lbPort": 443,
                    "lbProtocol": "https",
                    "instancePort": 8443,
                    "instanceProtocol": "https",
                    "sslCertificateId": f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/legacy",
                }
            ]
        },
    ),
    "plain configuration values": _env("PUBLIC_URL", "https://api.socialclub.example.com/v1"),
    "instance in a private subnet with IMDSv2": lambda b: b.add(
        "aws:ec2/instance:Instance",
        "worker",
        {
            "subnetId": Ref(b.get("ec2/subnet", "network-private-us-east-1a")),
            "metadataOptions": {"httpTokens": "required"},
        },
    ),
    "instance in a public subnet that refuses a public IP": lambda b: b.add(
        "aws:ec2/instance:Instance",
        "nat-box",
        {
            "subnetId": Ref(b.get("ec2/subnet", "network-public-us-east-1a")),
            "associatePublicIpAddress": False,
            "metadataOptions": {"httpEndpoint": "disabled"},
        },
    ),
    "an unknown key ARN is as good as a set one": lambda b: b[DB].inputs.__setitem__("kmsKeyId", UNKNOWN),
    "unknown tagsAll and an unknown extra tag, the provider's tags complete": lambda b: b[TOPIC].inputs.update(
        tagsAll=UNKNOWN, tags={"Team": UNKNOWN}
    ),
}


@pytest.mark.parametrize("case", sorted(COMPLIANT))
def test_compliant_spelling_passes(introduced: Introduced, planned: Planned, case: str) -> None:
    assert verdict(introduced, planned, COMPLIANT[case]) == set()


@pytest.mark.parametrize(("stack", "level"), [("staging", A), ("production", M)])
def test_an_unknown_value_keeps_the_rules_level_in_each_stack_in_the_update(
    analyze_update: Analyze, planned: Planned, stack: str, level: str
) -> None:
    # rds-deletion-protection is advisory in staging and mandatory in production: an unknown follows the level.
    b = planned(stack)
    b[DB].inputs["deletionProtection"] = UNKNOWN
    (violation,) = analyze_update(b).of_policy("rds-deletion-protection")
    assert violation.enforcement_level == level
    assert "cannot be verified: deletionProtection is unknown" in violation.message


def test_the_violation_says_what_could_not_be_verified(analyze_update: Analyze, planned: Planned) -> None:
    b = planned("production")
    _unknown_cidr(b)
    (violation,) = analyze_update(b).of_policy("security-group-world-ingress")
    assert violation.urn.endswith("::db-sg")
    assert "cannot be verified: cidrIpv4 is unknown" in violation.message


# Malformed inputs a careless program can send: each is a finding of the rule that reads it, never a crash of the
# pack (an exception inside a policy fails the whole preview).
MALFORMED: dict[str, tuple[Change, set[tuple[str, str]]]] = {
    "container definitions that are not JSON": (
        lambda b: b.set(*TASK, "containerDefinitions", "[{not json"),
        {
            ("ecs-task-read-only-root", M),
            ("ecs-task-non-root", M),
            ("ecs-task-no-secrets-in-environment", M),
        },
    ),
    "a condition block that is a list": (
        lambda b: b.edit_json(
            *SITE_POLICY, "policy", lambda d: d["Statement"][1].update(Condition={"StringEquals": ["x"]})
        ),
        {("s3-deny-insecure-transport", M), ("resource-policy-no-public-principal", M)},
    ),
    "ports and CIDRs that are not numbers or networks": (
        lambda b: b.add(
            "aws:ec2/securityGroupRule:SecurityGroupRule",
            "db-odd",
            {
                "securityGroupId": Ref(b.get("ec2/securityGroup", "db-sg")),
                "type": "ingress",
                "protocol": "tcp",
                "fromPort": "ssh",
                "toPort": "ssh",
                "cidrBlocks": ["everywhere", "0.0.0.0/0"],
            },
        ),
        {("security-group-world-ingress", M)},
    ),
    "tags that are not a map": (
        lambda b: b.set(*TOPIC, "tags", "Environment=production"),
        set(),
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_input_is_a_finding_not_a_crash(introduced: Introduced, planned: Planned, case: str) -> None:
    change, expected = MALFORMED[case]
    assert verdict(introduced, planned, change) == expected

"""A fixed pair of small plan documents (shaped as `make plan JSON=` writes them) with one change of each kind."""

from __future__ import annotations

import copy
import json
from typing import Any

STACK = "production"
PREFIX = f"urn:pulumi:{STACK}::socialclub::"
PROVIDER = f"{PREFIX}pulumi:providers:aws::aws::aws-1"


def urn(component: str, type_token: str, name: str) -> str:
    return f"{PREFIX}{component}${type_token}::{name}"


KMS = urn("socialclub:security:KmsKey", "aws:kms/key:Key", "kms-key")
DB = urn("socialclub:data:PostgresDb", "aws:rds/instance:Instance", "db-instance")
CACHE = urn("socialclub:data:RedisCluster", "aws:elasticache/replicationGroup:ReplicationGroup", "cache-group")
ROLE_POLICY = urn("socialclub:backend:FargateService", "aws:iam/rolePolicy:RolePolicy", "backend-task-secrets")
ALARM = urn("socialclub:observability:Monitoring", "aws:cloudwatch/metricAlarm:MetricAlarm", "alarm-db-cpu")
OLD_TOPIC = urn("socialclub:observability:AlertTopic", "aws:sns/topic:Topic", "alerts-old")


def resource(
    urn_: str, inputs: dict[str, Any], protect: bool = False, deps: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    type_token, name = urn_.rsplit("$", maxsplit=1)[-1].split("::")
    return {
        "urn": urn_,
        "type": type_token,
        "name": name,
        "parent": "",
        "provider": PROVIDER,
        "custom": True,
        "protect": protect,
        "dependencies": sorted({u for us in (deps or {}).values() for u in us}),
        "propertyDependencies": deps or {},
        "inputs": inputs,
    }


def statement(sid: str, actions: list[str], resources: list[str]) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}


def policy_document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def cost_line(urn_: str, service: str, description: str, low: float, high: float) -> dict[str, Any]:
    return {"urn": urn_, "service": service, "description": description, "monthlyMin": low, "monthlyMax": high}


def base() -> dict[str, Any]:
    kms_arn = "arn:aws:kms:us-east-1:123456789012:key/kms-key"
    return {
        "project": "socialclub",
        "stack": STACK,
        "resources": [
            resource(KMS, {"description": "stack key", "enableKeyRotation": True}, protect=True),
            resource(
                DB,
                {
                    "identifier": "socialclub-production-postgres",
                    "instanceClass": "db.r6g.large",
                    "kmsKeyId": kms_arn,
                    "storageEncrypted": True,
                    "allocatedStorage": 100.0,
                    "password": "[secret]",
                },
                protect=True,
                deps={"kmsKeyId": [KMS]},
            ),
            resource(
                CACHE,
                {"replicationGroupId": "socialclub-production", "nodeType": "cache.r6g.large", "kmsKeyId": kms_arn},
                protect=True,
                deps={"kmsKeyId": [KMS]},
            ),
            resource(
                ROLE_POLICY,
                {
                    "policy": policy_document(
                        statement("ReadSecrets", ["secretsmanager:GetSecretValue"], ["arn:aws:secretsmanager:*"]),
                        statement("Decrypt", ["kms:Decrypt"], [kms_arn]),
                    )
                },
            ),
            resource(OLD_TOPIC, {"name": "socialclub-production-alerts-old"}),
        ],
        "outputs": {},
        "preflight": [
            {"check": "secret-values", "message": "3 secrets the tasks read have no value"},
            {"check": "image", "message": "no image set"},
        ],
        "policy": {
            "pack": "socialclub-guardrails",
            "violations": [
                {"policy": "rds-instance-class", "enforcementLevel": "advisory", "urn": DB, "message": "too small"},
                {"policy": "sns-encrypted", "enforcementLevel": "mandatory", "urn": OLD_TOPIC, "message": "no key"},
            ],
        },
        "cost": {
            "currency": "USD",
            "region": "us-east-1",
            "pricesDated": "2026-11-25",
            "monthly": {"min": 700.1, "max": 900.2},
            "lines": [
                cost_line(DB, "RDS PostgreSQL", "db.r6g.large Multi-AZ x 730 h", 328.5, 328.5),
                cost_line(DB, "RDS PostgreSQL", "gp3 100-200 GB x 2", 23.0, 46.0),
                cost_line(CACHE, "ElastiCache Redis", "cache.r6g.large x 2 x 730 h", 348.6, 525.7),
            ],
            "notPriced": [],
        },
    }


def head() -> dict[str, Any]:
    """The base with: the instance class up a size (update), the cache renamed (replace), the role policy's
    ReadSecrets statement narrowed (update, one statement), an alarm added, the old topic removed."""
    document = copy.deepcopy(base())
    resources = {r["urn"]: r for r in document["resources"]}
    resources[DB]["inputs"]["instanceClass"] = "db.r6g.xlarge"
    resources[CACHE]["inputs"]["replicationGroupId"] = "socialclub-production-cache"
    resources[ROLE_POLICY]["inputs"]["policy"] = policy_document(
        statement(
            "ReadSecrets",
            ["secretsmanager:GetSecretValue"],
            ["arn:aws:secretsmanager:us-east-1:123456789012:secret:socialclub/production/*"],
        ),
        statement("Decrypt", ["kms:Decrypt"], ["arn:aws:kms:us-east-1:123456789012:key/kms-key"]),
    )
    document["resources"] = [r for r in document["resources"] if r["urn"] != OLD_TOPIC]
    document["resources"].append(resource(ALARM, {"metricName": "CPUUtilization", "threshold": 80.0}))
    document["policy"]["violations"] = [
        {"policy": "rds-instance-class", "enforcementLevel": "advisory", "urn": DB, "message": "too small"},
        {"policy": "alarm-actions", "enforcementLevel": "advisory", "urn": ALARM, "message": "no OK action"},
    ]
    document["preflight"] = [{"check": "secret-values", "message": "3 secrets the tasks read have no value"}]
    document["cost"]["monthly"] = {"min": 1028.7, "max": 1228.9}
    document["cost"]["lines"] = [
        cost_line(DB, "RDS PostgreSQL", "db.r6g.xlarge Multi-AZ x 730 h", 655.54, 655.54),
        cost_line(DB, "RDS PostgreSQL", "gp3 100-200 GB x 2", 23.0, 46.0),
        cost_line(CACHE, "ElastiCache Redis", "cache.r6g.large x 2 x 730 h", 348.6, 525.7),
        cost_line(ALARM, "CloudWatch", "1 standard alarm", 0.1, 0.1),
    ]
    return document

"""KmsKey: the stack's customer-managed key (docs/requirements.md §6.3, one per stack: §10.12), with a key policy
scoped to the services that use it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.aws_context import AwsContext
from components.iam_documents import Statement, document, statement
from stackconfig.security import KmsKeySettings

ADMIN_ACTIONS: tuple[str, ...] = (
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:CreateGrant",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:RetireGrant",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
)

USE_ACTIONS: tuple[str, ...] = (
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
)


def topic_publisher_statements(account_id: str, partition: str, region: str, alarm_prefix: str) -> list[Statement]:
    """What CloudWatch alarms and EventBridge rules need of the key of an encrypted SNS topic they publish to:
    the stack's alarms only (named `<alarm_prefix>...`), by their ARN."""
    return [
        statement(
            ["kms:Decrypt", "kms:GenerateDataKey"],
            ["*"],
            sid="AlarmsPublishToEncryptedTopics",
            principal={"Service": "cloudwatch.amazonaws.com"},
            conditions={
                "StringEquals": {"aws:SourceAccount": account_id},
                "ArnLike": {"aws:SourceArn": f"arn:{partition}:cloudwatch:{region}:{account_id}:alarm:{alarm_prefix}*"},
            },
        ),
        # No condition: the SNS developer guide (encryption at rest, "key policy for AWS service event sources")
        # says aws:SourceAccount and aws:SourceArn are not supported for EventBridge publishing to an encrypted
        # topic: with them every delivery of the rules (the ECS rollback alert) fails.
        statement(
            ["kms:Decrypt", "kms:GenerateDataKey"],
            ["*"],
            sid="EventBridgePublishesToEncryptedTopics",
            principal={"Service": "events.amazonaws.com"},
        ),
    ]


def key_policy_statements(
    *, account_id: str, region: str, partition: str, log_group_prefixes: Sequence[str], alarm_prefix: str
) -> list[Statement]:
    """The key policy, as plain data so it can be tested without Pulumi.

    The account root administers the key and delegates its use to IAM: a principal uses it only if its own
    policies say so (every role of the stack names this key, most through `kms:ViaService`), and no statement
    opens it to "any principal of the account". Each AWS service that uses it on its own is named, scoped to
    this account and, where the service sends one, to the resources it serves (log groups by the encryption
    context, alarms and distributions by `aws:SourceArn`).
    """
    root = {"AWS": f"arn:{partition}:iam::{account_id}:root"}
    log_arns = [f"arn:{partition}:logs:{region}:{account_id}:log-group:{p}*" for p in log_group_prefixes]
    return [
        statement(ADMIN_ACTIONS, ["*"], sid="AccountAdministersKey", principal=root),
        statement(
            USE_ACTIONS,
            ["*"],
            sid="AccountPrincipalsUseKeyThroughIam",
            principal=root,
        ),
        statement(
            ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
            ["*"],
            sid="CloudWatchLogsEncryptsThisStacksGroups",
            principal={"Service": f"logs.{region}.amazonaws.com"},
            conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": log_arns}},
        ),
        *topic_publisher_statements(account_id, partition, region, alarm_prefix),
        statement(
            ["kms:Decrypt"],
            ["*"],
            sid="CloudFrontReadsEncryptedOrigin",
            principal={"Service": "cloudfront.amazonaws.com"},
            conditions={
                "StringEquals": {"aws:SourceAccount": account_id},
                "ArnLike": {"aws:SourceArn": f"arn:{partition}:cloudfront::{account_id}:distribution/*"},
            },
        ),
    ]


@dataclass(frozen=True)
class KmsKeyArgs:
    context: AwsContext
    """The account, region and partition the key policy names."""
    alias: str
    """Alias without the `alias/` prefix, e.g. `socialclub-production`."""
    log_group_prefixes: Sequence[str]
    """Log-group name prefixes whose groups this key may encrypt (CloudWatch Logs condition)."""
    alarm_prefix: str
    """Names of the alarms that may publish to topics encrypted with this key start with it (e.g.
    `socialclub-production-`)."""
    description: str = "SocialClub customer-managed key"
    """The key's description in the KMS console (default: the project's name)."""
    settings: KmsKeySettings = field(default_factory=KmsKeySettings)
    """Deletion window and `protect` (stackconfig/security.py, section `socialclub:kms`)."""


class KmsKey(pulumi.ComponentResource):
    """A symmetric customer-managed key with yearly rotation and an alias."""

    key: aws.kms.Key
    arn: pulumi.Output[str]
    key_id: pulumi.Output[str]
    alias_name: pulumi.Output[str]

    def __init__(self, name: str, args: KmsKeyArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("socialclub:security:KmsKey", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        ctx = args.context
        policy: pulumi.Output[str] = ctx.account_id.apply(
            lambda account: document(
                *key_policy_statements(
                    account_id=account,
                    region=ctx.region,
                    partition=ctx.partition,
                    log_group_prefixes=args.log_group_prefixes,
                    alarm_prefix=args.alarm_prefix,
                )
            )
        )
        self.key = aws.kms.Key(
            f"{name}-key",
            description=args.description,
            enable_key_rotation=True,
            rotation_period_in_days=365,
            deletion_window_in_days=args.settings.deletion_window_days,
            key_usage="ENCRYPT_DECRYPT",
            customer_master_key_spec="SYMMETRIC_DEFAULT",
            policy=policy,
            opts=pulumi.ResourceOptions(parent=self, protect=args.settings.protect),
        )
        alias = aws.kms.Alias(f"{name}-alias", name=f"alias/{args.alias}", target_key_id=self.key.key_id, opts=child)
        self.arn = self.key.arn
        self.key_id = self.key.key_id
        self.alias_name = alias.name
        self.register_outputs({"arn": self.arn, "keyId": self.key_id, "aliasName": self.alias_name})

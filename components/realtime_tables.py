"""RealtimeTables: the DynamoDB tables of short-lived, high-rate data (sessions, presence, messages, activity)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

import pulumi
import pulumi_aws as aws

from components.aws_context import AwsContext
from components.iam_documents import Statement, document, statement
from stackconfig.data import CapacityRange, RealtimeTablesSettings

TTL_ATTRIBUTE = "expiresAt"
"""Every table expires items by this attribute: a Number holding the expiry as Unix epoch SECONDS. The backend
must write it on each item (now + the table's default lifetime); an item without it never expires."""

TargetTracking = aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs
PredefinedMetric = aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs

KeyType = Literal["S", "N"]


@dataclass(frozen=True)
class TableSpec:
    name: str
    """The name in docs/requirements.md §4.2; the physical table is `<name_prefix>-<name>`."""
    partition_key: str
    """Attribute name of the partition (hash) key, e.g. `userId`."""
    sort_key: str
    """Attribute name of the sort (range) key, e.g. `sessionId`."""
    default_ttl: timedelta
    """How long the backend keeps an item by default (the TTL of docs/requirements.md §4.2): recorded, not
    enforced by DynamoDB."""
    key_types: tuple[KeyType, KeyType] = ("S", "S")
    """Types of (partition, sort) key. Timestamps are ISO-8601 UTC strings, which sort in time order and can carry
    a `#<id>` suffix to keep two events of the same millisecond apart."""


REALTIME_TABLES: tuple[TableSpec, ...] = (
    TableSpec("user-sessions", "userId", "sessionId", timedelta(hours=24)),
    TableSpec("real-time-presence", "venueId", "userId", timedelta(hours=1)),
    TableSpec("message-cache", "conversationId", "timestamp", timedelta(days=7)),
    TableSpec("activity-log", "userId", "timestamp", timedelta(days=30)),
)

READ_WRITE_ACTIONS: tuple[str, ...] = (
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
)
"""Item access by key. No Scan: every access pattern of these tables starts from a partition key."""


def ttl_label(lifetime: timedelta) -> str:
    """`24h`, `1h`, `7d`, `30d`: the notation of docs/requirements.md §4.2, for tags."""
    hours = int(lifetime.total_seconds()) // 3600
    return f"{hours // 24}d" if hours % 24 == 0 and hours > 24 else f"{hours}h"


def read_write_statements(
    table_arns: Sequence[pulumi.Input[str]], kms_key_arn: pulumi.Input[str], dynamodb_endpoint: str
) -> list[Statement]:
    """Item reads and writes on exactly these tables and their indexes; the key only through DynamoDB."""
    resources: list[pulumi.Input[str]] = []
    for arn in table_arns:
        resources += [arn, pulumi.Output.concat(arn, "/index/*")]
    return [
        statement(READ_WRITE_ACTIONS, resources, sid="ReadWriteRealtimeTables"),
        statement(
            ["kms:Decrypt", "kms:GenerateDataKey"],
            [kms_key_arn],
            sid="TableKeyThroughDynamoDb",
            conditions={"StringEquals": {"kms:ViaService": dynamodb_endpoint}},
        ),
    ]


@dataclass(frozen=True)
class RealtimeTablesArgs:
    context: AwsContext
    """The region of the DynamoDB endpoint `grant_read_write` names."""
    name_prefix: str
    """e.g. `socialclub-production`: tables are `<name_prefix>-<name>`."""
    kms_key_arn: pulumi.Input[str]
    """Encrypts every table (and its backups and streams)."""
    tables: Sequence[TableSpec] = REALTIME_TABLES
    """The tables to create (default: the four of docs/requirements.md §4.2)."""
    settings: RealtimeTablesSettings = field(default_factory=RealtimeTablesSettings)
    """Billing mode, capacity and its autoscaling, point-in-time recovery, deletion protection and `protect`
    (stackconfig/data.py, section `socialclub:tables`)."""


class RealtimeTables(pulumi.ComponentResource):
    """The tables, each with TTL on `expiresAt`, PITR, the stack's KMS key, and capacity that follows the load."""

    table_names: dict[str, pulumi.Output[str]]
    """By name (`user-sessions`, ...)."""
    table_arns: dict[str, pulumi.Output[str]]
    default_ttl_seconds: dict[str, int]
    """The lifetimes of docs/requirements.md §4.2, by name: what the backend should add to `now` when it writes
    `expiresAt`."""
    ttl_attribute: str = TTL_ATTRIBUTE

    def __init__(self, name: str, args: RealtimeTablesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("socialclub:data:RealtimeTables", name, None, opts)
        self._name = name
        self._args = args
        settings = args.settings
        provisioned = settings.billing_mode == "PROVISIONED"
        self.table_names = {}
        self.table_arns = {}
        self.default_ttl_seconds = {}
        for spec in args.tables:
            table = aws.dynamodb.Table(
                f"{name}-{spec.name}",
                name=f"{args.name_prefix}-{spec.name}",
                billing_mode=settings.billing_mode,
                hash_key=spec.partition_key,
                range_key=spec.sort_key,
                attributes=[
                    aws.dynamodb.TableAttributeArgs(name=key, type=key_type)
                    for key, key_type in zip((spec.partition_key, spec.sort_key), spec.key_types, strict=True)
                ],
                read_capacity=settings.read_capacity.min if provisioned else None,
                write_capacity=settings.write_capacity.min if provisioned else None,
                ttl=aws.dynamodb.TableTtlArgs(attribute_name=TTL_ATTRIBUTE, enabled=True),
                point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(
                    enabled=True, recovery_period_in_days=settings.point_in_time_recovery_days
                ),
                server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(
                    enabled=True, kms_key_arn=args.kms_key_arn
                ),
                deletion_protection_enabled=settings.deletion_protection,
                tags={"TtlAttribute": TTL_ATTRIBUTE, "DefaultTtl": ttl_label(spec.default_ttl)},
                opts=pulumi.ResourceOptions(
                    parent=self,
                    protect=settings.protect,
                    # Autoscaling owns the capacity once the table exists; the program only sets the start.
                    ignore_changes=["readCapacity", "writeCapacity"] if provisioned else None,
                ),
            )
            self.table_names[spec.name] = table.name
            self.table_arns[spec.name] = table.arn
            self.default_ttl_seconds[spec.name] = int(spec.default_ttl.total_seconds())
            if provisioned:
                self._autoscale(f"{name}-{spec.name}", table, "Read", settings.read_capacity)
                self._autoscale(f"{name}-{spec.name}", table, "Write", settings.write_capacity)

        self.register_outputs({"tableNames": self.table_names, "tableArns": self.table_arns})

    def _autoscale(
        self, prefix: str, table: aws.dynamodb.Table, kind: Literal["Read", "Write"], capacity: CapacityRange
    ) -> None:
        child = pulumi.ResourceOptions(parent=self)
        target = aws.appautoscaling.Target(
            f"{prefix}-{kind.lower()}",
            service_namespace="dynamodb",
            resource_id=pulumi.Output.concat("table/", table.name),
            scalable_dimension=f"dynamodb:table:{kind}CapacityUnits",
            min_capacity=capacity.min,
            max_capacity=capacity.max,
            opts=child,
        )
        aws.appautoscaling.Policy(
            f"{prefix}-{kind.lower()}",
            policy_type="TargetTrackingScaling",
            service_namespace=target.service_namespace,
            resource_id=target.resource_id,
            scalable_dimension=target.scalable_dimension,
            target_tracking_scaling_policy_configuration=TargetTracking(
                target_value=self._args.settings.target_utilization_percent,
                predefined_metric_specification=PredefinedMetric(
                    predefined_metric_type=f"DynamoDB{kind}CapacityUtilization",
                ),
            ),
            opts=child,
        )

    def grant_read_write(self, role: aws.iam.Role, label: str) -> aws.iam.RolePolicy:
        """Let `role` read and write items of these tables (and their indexes), and nothing else."""
        return aws.iam.RolePolicy(
            f"{self._name}-read-write-{label}",
            role=role.id,
            policy=document(
                *read_write_statements(
                    [self.table_arns[spec.name] for spec in self._args.tables],
                    self._args.kms_key_arn,
                    self._args.context.service_endpoint("dynamodb"),
                )
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

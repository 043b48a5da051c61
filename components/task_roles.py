"""The two IAM roles of an ECS task (docs/requirements.md §3.1, §6.1): the execution role ECS itself uses to
start the task (image pull, log stream, secrets), and the task role the application's code calls AWS with.

Both are children of the component that runs the task, so their URNs are that component's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws_context import AwsContext
from components.iam_documents import Statement, document, read_secrets_statements, statement

# The actions ECS Exec's SSM agent uses; Session Manager offers no resource-level permission for them.
EXEC_ACTIONS: tuple[str, ...] = (
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
)


def task_trust(context: AwsContext) -> pulumi.Output[str]:
    """ECS tasks of this account and region only (confused deputy): aws:SourceAccount and aws:SourceArn."""
    return context.account_id.apply(
        lambda account: document(
            statement(
                ["sts:AssumeRole"],
                principal={"Service": "ecs-tasks.amazonaws.com"},
                conditions={
                    "StringEquals": {"aws:SourceAccount": account},
                    "ArnLike": {"aws:SourceArn": f"arn:{context.partition}:ecs:{context.region}:{account}:*"},
                },
            )
        )
    )


@dataclass(frozen=True)
class TaskRolesArgs:
    """What the two roles may touch, each scoped to one resource where IAM allows it."""

    context: AwsContext
    """Account, region and the role factory (path and permissions boundary)."""
    repository_arn: pulumi.Input[str]
    """The ECR repository the execution role pulls the image from (and no other)."""
    log_group: aws.cloudwatch.LogGroup
    """The container log group the execution role writes streams into."""
    kms_key_arn: pulumi.Input[str]
    """Decrypts the injected secrets (execution role) and ECS Exec sessions (task role)."""
    metrics_namespace: str
    """The only CloudWatch namespace the task role may put metrics in, e.g. `SocialClub/production`."""
    secret_arns: Sequence[pulumi.Input[str]] = ()
    """Secrets Manager secrets ECS injects at start; the execution role may read exactly these (default none)."""
    exec_log_group: aws.cloudwatch.LogGroup | None = None
    """The ECS Exec session log group; None (default) when ECS Exec is off, and the task role gets no SSM rights."""


class TaskRoles:
    """The execution role and the task role of one task definition, with their inline policies."""

    execution: aws.iam.Role
    task: aws.iam.Role

    def __init__(self, owner: pulumi.Resource, name: str, args: TaskRolesArgs) -> None:
        child = pulumi.ResourceOptions(parent=owner)
        trust = task_trust(args.context)
        self.execution = args.context.role(
            f"{name}-execution",
            description=f"{name}: ECS pulls the image, writes logs and injects the task's secrets",
            assume_role_policy=trust,
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-execution", role=self.execution.id, policy=document(*execution_statements(args)), opts=child
        )
        self.task = args.context.role(
            f"{name}-task",
            description=f"{name}: what the API itself may call",
            assume_role_policy=trust,
            opts=child,
        )
        aws.iam.RolePolicy(f"{name}-task", role=self.task.id, policy=document(*task_statements(args)), opts=child)


def execution_statements(args: TaskRolesArgs) -> list[Statement]:
    """Pull from one repository, write one log group, read the injected secrets."""
    statements: list[Statement] = [
        # GetAuthorizationToken has no resource-level permission; the pull itself is scoped to one repository.
        statement(["ecr:GetAuthorizationToken"], ["*"], sid="EcrLogin"),
        statement(
            ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            [args.repository_arn],
            sid="PullFromOwnRepository",
        ),
        statement(
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            [pulumi.Output.concat(args.log_group.arn, ":log-stream:*")],
            sid="WriteOwnLogGroup",
        ),
    ]
    if args.secret_arns:
        statements += read_secrets_statements(list(args.secret_arns), args.kms_key_arn, args.context.region)
    return statements


def task_statements(args: TaskRolesArgs) -> list[Statement]:
    """Metrics in one namespace; with ECS Exec, the SSM channels and the session log."""
    statements: list[Statement] = [
        statement(
            ["cloudwatch:PutMetricData"],
            ["*"],
            sid="PutOwnMetrics",
            conditions={"StringEquals": {"cloudwatch:namespace": args.metrics_namespace}},
        )
    ]
    exec_logs = args.exec_log_group
    if exec_logs is not None:
        statements += [
            statement(list(EXEC_ACTIONS), ["*"], sid="ExecSessionChannels"),
            statement(["kms:Decrypt"], [args.kms_key_arn], sid="ExecSessionEncryption"),
            statement(["logs:DescribeLogGroups"], [args.context.arn("logs", "log-group:*")], sid="ExecFindsLogGroup"),
            statement(
                ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                [exec_logs.arn, pulumi.Output.concat(exec_logs.arn, ":log-stream:*")],
                sid="ExecWritesSessionLog",
            ),
        ]
    return statements

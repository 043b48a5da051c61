"""The IAM fence shared by the account bootstrap and the stacks: where a stack's roles live and the permissions
boundary every one of them carries. Pulumi-free: the bootstrap creates the boundary, the stacks name it.

Why a boundary: the infra-deploy role that CI assumes must create roles (the tasks', the flow logs'...). Without
a fence, "create a role, give it `*:*`, trust yourself, assume it" makes CI an account administrator. IAM lets
that role create, change and attach policies to a role only when the role carries this boundary (condition
`iam:PermissionsBoundary`), and only under the stack's own path, so whatever it grants a role is cut to what
the boundary allows: no IAM, no Organizations, no account settings.
"""

from __future__ import annotations

from typing import Any

WORKLOAD_BOUNDARY_SUFFIX = "workload-boundary"

PASSABLE_TO_SERVICES: tuple[str, ...] = (
    "chatbot.amazonaws.com",
    "ecs-tasks.amazonaws.com",
    "monitoring.rds.amazonaws.com",
    "scheduler.amazonaws.com",
    "vpc-flow-logs.amazonaws.com",
)
"""The services a stack hands its roles to (`iam:PassedToService`): Chatbot, the ECS tasks, RDS enhanced
monitoring, the rotation reminder schedule, VPC flow logs."""


def boundary_name(name_prefix: str) -> str:
    """`socialclub-workload-boundary`: one per account, created by the bootstrap."""
    return f"{name_prefix}-{WORKLOAD_BOUNDARY_SUFFIX}"


def boundary_arn(partition: str, account_id: str, name_prefix: str) -> str:
    return f"arn:{partition}:iam::{account_id}:policy/{boundary_name(name_prefix)}"


def state_bucket_name(name_prefix: str, account_id: str, region: str) -> str:
    """The bootstrap's state bucket, unless its config names another: `<prefix>-pulumi-state-<account>-<region>`
    (bucket names are global, so the account and region make it unique)."""
    return f"{name_prefix}-pulumi-state-{account_id}-{region}"


def role_path(name_prefix: str, stack: str) -> str:
    """`/socialclub-production/`: every role of a stack lives under it, so a stack's deploy role can be fenced
    to its own roles by ARN (`role/socialclub-production/*`), whatever tags another role carries."""
    return f"/{name_prefix}-{stack}/"


def boundary_policy(partition: str, account_id: str, name_prefix: str) -> dict[str, Any]:
    """What any role a stack creates may ever do: everything but IAM, Organizations and the account's settings
    (what AWS's PowerUserAccess allows), plus handing the project's roles to the stack's services. The deploy
    role's own powers are the ceiling: a role it creates can do nothing it could not."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EverythingButIdentityAndAccount",
                "Effect": "Allow",
                "NotAction": ["iam:*", "organizations:*", "account:*"],
                "Resource": "*",
            },
            {
                "Sid": "PassProjectRolesToTheStacksServices",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": f"arn:{partition}:iam::{account_id}:role/{name_prefix}-*",
                "Condition": {"StringEquals": {"iam:PassedToService": list(PASSABLE_TO_SERVICES)}},
            },
        ],
    }

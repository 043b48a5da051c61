"""What the data-tier component tests share: a stand-in key, a small SecretSet, and rule lookups."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.aws_context import AwsContext
from components.secret_set import SecretSet, SecretSetArgs
from components.security_groups import Server
from offline import fakes
from offline.harness import Plan, Resource
from offline.wire import SECRET_SIG, SIG_KEY
from stackconfig.security import SecretSpec

KEY_ARN = f"arn:aws:kms:{fakes.REGION}:{fakes.ACCOUNT}:key/test-key"
VPC_ID = "vpc-0123456789abcdef0"


@dataclass(frozen=True)
class StandInNetwork:
    """What the data stores take from a `Vpc`, without building one."""

    vpc_id: str = VPC_ID
    db_subnet_group_name: str = "data-subnets"
    cache_subnet_group_name: str = "cache-subnets"


NETWORK = StandInNetwork()


@dataclass(frozen=True)
class StandInClient:
    """The client end of a security-group pair (a `Client` of components/security_groups.py), for the server's
    half alone: `server.ingress_rule(StandInClient(group.id))`."""

    security_group_id: pulumi.Output[str]
    peer_name: str = "backend"
    peer_title: str = "backend"

    def egress_rule(self, server: Server) -> aws.vpc.SecurityGroupEgressRule:
        raise AssertionError("only the server's half is under test")


INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion"


def secret_set(context: AwsContext) -> SecretSet:
    """Only the two URL secrets the data stores write."""
    return SecretSet(
        "secrets",
        SecretSetArgs(
            context=context,
            path_prefix="socialclub/test",
            kms_key_arn=KEY_ARN,
            specs=[
                SecretSpec("database/database-url", "database URL", rotation="none"),
                SecretSpec("database/redis-url", "redis URL", rotation="none"),
            ],
        ),
    )


def is_secret(value: Any) -> bool:
    """Whether a wire value is marked secret (so it is encrypted in state and redacted in plans)."""
    return isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG


def child_of(plan: Plan, resource: Resource, component_type: str) -> bool:
    return plan.by_urn(resource.parent).type == component_type

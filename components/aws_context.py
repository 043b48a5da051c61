"""AwsContext: the account, region and partition a stack deploys to, looked up once and passed down."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypedDict, Unpack

import pulumi
import pulumi_aws as aws


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


class RoleDetails(TypedDict, total=False):
    """What a role may carry besides its trust policy."""

    name: str | None
    """The role's name (default: Pulumi names it after the resource, with a random suffix)."""
    description: str | None
    """What the role is for (default none)."""
    max_session_duration: int | None
    """Longest session in seconds (default IAM's one hour)."""


@dataclass(frozen=True)
class AwsContext:
    account_id: pulumi.Output[str]
    """The 12-digit account the provider's credentials belong to (getCallerIdentity)."""
    region: str
    """The stack's region, e.g. `us-east-1`."""
    partition: str
    """`aws`, `aws-cn` or `aws-us-gov`, from the region (partition_of)."""
    role_path: str = "/"
    """IAM path of every role the stack creates (e.g. `/socialclub-production/`; stackconfig/iam.py)."""
    permissions_boundary: pulumi.Input[str] | None = None
    """Managed policy every role the stack creates carries as its permissions boundary; None: no boundary."""

    @staticmethod
    def lookup(
        region: str,
        opts: pulumi.InvokeOutputOptions | None = None,
        *,
        role_path: str = "/",
        permissions_boundary: Callable[[str, str], str] | None = None,
    ) -> AwsContext:
        """One getCallerIdentity call for the whole program. `permissions_boundary(partition, account)` names the
        boundary's ARN once the account is known."""
        identity = aws.get_caller_identity_output(opts=opts)
        partition = partition_of(region)
        boundary = (
            identity.account_id.apply(lambda account: permissions_boundary(partition, account))
            if permissions_boundary is not None
            else None
        )
        return AwsContext(
            account_id=identity.account_id,
            region=region,
            partition=partition,
            role_path=role_path,
            permissions_boundary=boundary,
        )

    def role(
        self,
        resource_name: str,
        *,
        assume_role_policy: pulumi.Input[str],
        opts: pulumi.ResourceOptions,
        **details: Unpack[RoleDetails],
    ) -> aws.iam.Role:
        """An IAM role under the stack's path with the stack's boundary: the only way components create roles,
        so the deploy role's fence (create/change only roles that carry the boundary) holds for all of them."""
        return aws.iam.Role(
            resource_name,
            name=details.get("name"),
            path=self.role_path,
            permissions_boundary=self.permissions_boundary,
            description=details.get("description"),
            assume_role_policy=assume_role_policy,
            max_session_duration=details.get("max_session_duration"),
            opts=opts,
        )

    def arn(self, service: str, resource: str, *, regional: bool = True) -> pulumi.Output[str]:
        """`arn:<partition>:<service>:<region>:<account>:<resource>`; IAM, CloudFront and Route 53 are global."""
        region = self.region if regional else ""
        return self.account_id.apply(lambda account: f"arn:{self.partition}:{service}:{region}:{account}:{resource}")

    def service_endpoint(self, service: str) -> str:
        """The `kms:ViaService` form of a regional service name."""
        return f"{service}.{self.region}.amazonaws.com"

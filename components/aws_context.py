"""AwsContext: the account, region and partition a stack deploys to, looked up once and passed down."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


@dataclass(frozen=True)
class AwsContext:
    account_id: pulumi.Output[str]
    region: str
    partition: str

    @staticmethod
    def lookup(region: str, opts: pulumi.InvokeOutputOptions | None = None) -> AwsContext:
        """One getCallerIdentity call for the whole program."""
        identity = aws.get_caller_identity_output(opts=opts)
        return AwsContext(account_id=identity.account_id, region=region, partition=partition_of(region))

    def arn(self, service: str, resource: str, *, regional: bool = True) -> pulumi.Output[str]:
        """`arn:<partition>:<service>:<region>:<account>:<resource>`; IAM, CloudFront and Route 53 are global."""
        region = self.region if regional else ""
        return self.account_id.apply(lambda account: f"arn:{self.partition}:{service}:{region}:{account}:{resource}")

    def service_endpoint(self, service: str) -> str:
        """The `kms:ViaService` form of a regional service name."""
        return f"{service}.{self.region}.amazonaws.com"

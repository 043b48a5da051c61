"""GithubOidc: the account's GitHub Actions OIDC identity provider and the roles that trust it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
from pulumi import Output, ResourceOptions

from stackconfig.github import GITHUB_OIDC_HOST, STS_AUDIENCE, GithubRepository, oidc_provider_arn, trust_policy
from stackconfig.iam import boundary_name, boundary_policy

# Describe/List/Get on resource metadata, no data reads (S3 objects, table items, secret values): what a
# preview's lookups need, and nothing a pull request could use to read production data.
VIEW_ONLY_POLICY = "iam::aws:policy/job-function/ViewOnlyAccess"

# What a refresh of the stacks reads that ViewOnlyAccess does not grant; `python -m offline.permissions` derives the
# reads from the provider's read functions and the test of the drift role fails naming any that is missing here.
DRIFT_READ_ACTIONS = (
    "acm:DescribeCertificate",
    "acm:ListTagsForCertificate",
    "application-autoscaling:DescribeScalableTargets",
    "application-autoscaling:DescribeScalingPolicies",
    "application-autoscaling:ListTagsForResource",
    "cloudfront:DescribeFunction",
    "cloudfront:GetCachePolicy",
    "cloudfront:GetDistribution",
    "cloudfront:GetFunction",
    "cloudfront:GetOriginAccessControl",
    "cloudfront:GetResponseHeadersPolicy",
    "cloudwatch:DescribeAlarms",
    "ec2:DescribeAddressesAttribute",
    "elasticache:ListTagsForResource",
    "elasticloadbalancing:DescribeRules",
    "elasticloadbalancing:DescribeTags",
    "elasticloadbalancing:DescribeTargetGroupAttributes",
    "events:DescribeRule",
    "events:ListTagsForResource",
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "logs:GetDelivery",
    "logs:GetDeliveryDestination",
    "logs:GetDeliverySource",
    "rds:ListTagsForResource",
    "s3:GetAccelerateConfiguration",
    "s3:GetBucketAcl",
    "s3:GetBucketCORS",
    "s3:GetBucketLogging",
    "s3:GetBucketObjectLockConfiguration",
    "s3:GetBucketOwnershipControls",
    "s3:GetBucketPolicy",
    "s3:GetBucketPublicAccessBlock",
    "s3:GetBucketRequestPayment",
    "s3:GetBucketTagging",
    "s3:GetBucketVersioning",
    "s3:GetBucketWebsite",
    "s3:GetEncryptionConfiguration",
    "s3:GetLifecycleConfiguration",
    "s3:GetReplicationConfiguration",
    "scheduler:GetSchedule",
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetResourcePolicy",
    "sns:GetSubscriptionAttributes",
    "sns:GetTopicAttributes",
    "wafv2:GetLoggingConfiguration",
    "wafv2:GetWebACL",
    "wafv2:GetWebACLForResource",
)


def drift_read_policy(partition: str, account_id: str, name_prefix: str) -> dict[str, Any]:
    """The refresh reads beyond ViewOnlyAccess: metadata on any resource; the project's roles and the values of
    its secrets (decrypted only through Secrets Manager), which a refresh compares with the state."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "RefreshReads", "Effect": "Allow", "Action": list(DRIFT_READ_ACTIONS), "Resource": "*"},
            {
                "Sid": "TheProjectsRoles",
                "Effect": "Allow",
                "Action": ["iam:GetRole", "iam:GetRolePolicy"],
                "Resource": f"arn:{partition}:iam::{account_id}:role/{name_prefix}-*",
            },
            {
                "Sid": "TheProjectsSecretValues",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": f"arn:{partition}:secretsmanager:*:{account_id}:secret:{name_prefix}/*",
            },
            {
                "Sid": "DecryptThroughSecretsManager",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": "*",
                "Condition": {"StringLike": {"kms:ViaService": "secretsmanager.*.amazonaws.com"}},
            },
        ],
    }


@dataclass(frozen=True)
class GithubOidcArgs:
    create_provider: bool = True
    """Create the provider (one per account); when false, trust the one that already exists in the account."""


class GithubOidc(pulumi.ComponentResource):
    """The GitHub Actions identity provider, created here or referenced, and verbs to add roles trusting it."""

    provider_arn: Output[str]

    def __init__(self, name: str, args: GithubOidcArgs, opts: ResourceOptions | None = None) -> None:
        super().__init__("socialclub:bootstrap:GithubOidc", name, None, opts)
        self._base_name = name
        self._partition = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=self)).partition
        if args.create_provider:
            provider = aws.iam.OpenIdConnectProvider(
                f"{name}-provider",
                url=f"https://{GITHUB_OIDC_HOST}",
                client_id_lists=[STS_AUDIENCE],
                # No thumbprint: IAM verifies GitHub's certificate against its trusted CAs (2023 onwards).
                opts=ResourceOptions(parent=self),
            )
            self.provider_arn = provider.arn
        else:
            account = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id
            self.provider_arn = Output.all(self._partition, account).apply(lambda pa: oidc_provider_arn(pa[0], pa[1]))
        self.register_outputs({"providerArn": self.provider_arn})

    def add_preview_role(self, repository: GithubRepository) -> aws.iam.Role:
        """A role that `pulumi preview` in pull requests of `repository` assumes: view-only on AWS.

        Reading the state and its secrets is granted by the backend (`StateBackend.grant_read`).
        """
        role = aws.iam.Role(
            f"{self._base_name}-preview",
            description=f"pulumi preview from pull requests of {repository.name} (view-only)",
            assume_role_policy=self.provider_arn.apply(
                lambda arn: json.dumps(trust_policy(arn, [repository.pull_request_claim()]), indent=2)
            ),
            max_session_duration=3600,
            opts=ResourceOptions(parent=self),
        )
        aws.iam.RolePolicyAttachment(
            f"{self._base_name}-preview-view-only",
            role=role.name,
            policy_arn=Output.concat("arn:", self._partition, ":", VIEW_ONLY_POLICY),
            opts=ResourceOptions(parent=self),
        )
        return role

    def add_drift_role(self, repository: GithubRepository, name_prefix: str) -> aws.iam.Role:
        """A role the daily drift workflow assumes (`pulumi refresh --preview-only`, in the repository's `drift`
        environment, deployable from `main` only): ViewOnlyAccess plus the reads a refresh makes that it lacks
        (`DRIFT_READ_ACTIONS`), the project's secret values among them (a refresh reads each secret version), and
        nothing that writes. Reading the state is granted by the backend (`StateBackend.grant_read`)."""
        child = ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{self._base_name}-drift",
            description=f"pulumi refresh --preview-only from the drift environment of {repository.name} (read-only)",
            assume_role_policy=self.provider_arn.apply(
                lambda arn: json.dumps(trust_policy(arn, [repository.environment_claim("drift")]), indent=2)
            ),
            max_session_duration=3600,
            opts=child,
        )
        aws.iam.RolePolicyAttachment(
            f"{self._base_name}-drift-view-only",
            role=role.name,
            policy_arn=Output.concat("arn:", self._partition, ":", VIEW_ONLY_POLICY),
            opts=child,
        )
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id
        aws.iam.RolePolicy(
            f"{self._base_name}-drift-reads",
            role=role.id,
            policy=Output.all(self._partition, account).apply(
                lambda pa: json.dumps(drift_read_policy(pa[0], pa[1], name_prefix), indent=2)
            ),
            opts=child,
        )
        return role

    def add_workload_boundary(self, name_prefix: str) -> aws.iam.Policy:
        """The permissions boundary of every role the stacks' deploy roles create (stackconfig/iam.py).

        Created once per account with administrator credentials, and protected: deleting it would leave every
        stack's deploy role unable to create a role, which is safe, but rewriting it is how CI would escape.
        """
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id
        return aws.iam.Policy(
            f"{self._base_name}-workload-boundary",
            name=boundary_name(name_prefix),
            description="Ceiling of every role a stack creates: no IAM, Organizations or account settings",
            policy=Output.all(self._partition, account).apply(
                lambda pa: json.dumps(boundary_policy(pa[0], pa[1], name_prefix), indent=2)
            ),
            opts=ResourceOptions(parent=self, protect=True),
        )

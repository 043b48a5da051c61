"""GithubOidc: the account's GitHub Actions OIDC identity provider and the roles that trust it."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from pulumi import Output, ResourceOptions

from stackconfig.github import GITHUB_OIDC_HOST, STS_AUDIENCE, GithubRepository, oidc_provider_arn, trust_policy
from stackconfig.iam import boundary_name, boundary_policy

# Describe/List/Get on resource metadata, no data reads (S3 objects, table items, secret values): what a
# preview's lookups need, and nothing a pull request could use to read production data.
VIEW_ONLY_POLICY = "iam::aws:policy/job-function/ViewOnlyAccess"


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

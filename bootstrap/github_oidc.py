"""GithubOidc: the account's GitHub Actions OIDC identity provider and the roles that trust it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
from pulumi import Output, ResourceOptions

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
STS_AUDIENCE = "sts.amazonaws.com"
# Describe/List/Get on resource metadata, no data reads (S3 objects, table items, secret values): what a
# preview's lookups need, and nothing a pull request could use to read production data.
VIEW_ONLY_POLICY = "iam::aws:policy/job-function/ViewOnlyAccess"


def github_trust_policy(provider_arn: str, subjects: Sequence[str]) -> dict[str, Any]:
    """Trust GitHub's OIDC tokens for exactly these `sub` claims and the STS audience; no wildcards."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "GithubActions",
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{GITHUB_OIDC_HOST}:aud": STS_AUDIENCE,
                        f"{GITHUB_OIDC_HOST}:sub": list(subjects),
                    }
                },
            }
        ],
    }


def pull_request_subject(repository: str) -> str:
    """The `sub` claim of a job run for a pull request of `repository` (GitHub's default claim template)."""
    return f"repo:{repository}:pull_request"


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
            self.provider_arn = Output.concat(
                "arn:", self._partition, ":iam::", account, f":oidc-provider/{GITHUB_OIDC_HOST}"
            )
        self.register_outputs({"providerArn": self.provider_arn})

    def add_preview_role(self, repository: str) -> aws.iam.Role:
        """A role that `pulumi preview` in pull requests of `repository` assumes: view-only on AWS.

        Reading the state and its secrets is granted by the backend (`StateBackend.grant_read`).
        """
        role = aws.iam.Role(
            f"{self._base_name}-preview",
            description=f"pulumi preview from pull requests of {repository} (view-only)",
            assume_role_policy=self.provider_arn.apply(
                lambda arn: json.dumps(github_trust_policy(arn, [pull_request_subject(repository)]), indent=2)
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

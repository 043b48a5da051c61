"""GitHub Actions OIDC facts shared by the stacks and the account bootstrap: the `sub` claims a job presents and
the trust policy of a role that accepts exactly those. Pulumi-free, so config validation can use it.

GitHub's default `sub` names the repository as `<owner>/<name>`. Repositories created or renamed since
2026-07-15, or opted in, get *immutable subject claims* instead: each name carries its numeric id,
`repo:<owner>@<owner id>/<name>@<repository id>:...` (GitHub's OpenID Connect reference, "Immutable subject
claims"). Ids never change and are never reused, so a role that trusts the id form cannot be taken over by
whoever registers a deleted or renamed owner's name. When the ids are known, only that form is trusted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
STS_AUDIENCE = "sts.amazonaws.com"


@dataclass(frozen=True)
class GithubRepository:
    name: str
    """`owner/name`."""
    owner_id: int | None = None
    """The owner's numeric id (`gh api repos/<owner>/<name> --jq .owner.id`); with `repository_id`, the
    immutable claim form is trusted instead of the name form."""
    repository_id: int | None = None
    """The repository's numeric id (`gh api repos/<owner>/<name> --jq .id`)."""

    def __post_init__(self) -> None:
        if (self.owner_id is None) != (self.repository_id is None):
            raise ValueError(f"{self.name}: give both owner_id and repository_id, or neither")

    @property
    def immutable(self) -> bool:
        return self.owner_id is not None

    @property
    def claim_prefix(self) -> str:
        """`repo:<owner>/<name>`, or `repo:<owner>@<id>/<name>@<id>` for immutable subject claims."""
        if self.owner_id is None:
            return f"repo:{self.name}"
        owner, name = self.name.split("/", 1)
        return f"repo:{owner}@{self.owner_id}/{name}@{self.repository_id}"

    def environment_claim(self, environment: str) -> str:
        return f"{self.claim_prefix}:environment:{environment}"

    def branch_claim(self, branch: str) -> str:
        return f"{self.claim_prefix}:ref:refs/heads/{branch}"

    def pull_request_claim(self) -> str:
        return f"{self.claim_prefix}:pull_request"


def checked_subjects(subjects: Sequence[str]) -> list[str]:
    """The subjects, refused when empty or when one holds a wildcard (`StringEquals` would take it literally,
    and `StringLike` would trust every branch of the repository)."""
    if not subjects:
        raise ValueError("a GitHub trust policy needs at least one subject")
    wild = [s for s in subjects if "*" in s or "?" in s]
    if wild:
        raise ValueError(f"GitHub subjects {wild}: no wildcards; name one environment, branch or pull_request")
    return list(subjects)


def trust_policy(provider_arn: str, subjects: Sequence[str]) -> dict[str, Any]:
    """Trust GitHub's OIDC tokens with the STS audience and exactly one of `subjects`."""
    subjects = checked_subjects(subjects)
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
                        f"{GITHUB_OIDC_HOST}:sub": subjects[0] if len(subjects) == 1 else subjects,
                    }
                },
            }
        ],
    }


def oidc_provider_arn(partition: str, account_id: str) -> str:
    """The ARN of the account's GitHub provider. IAM names an OIDC provider after its URL, so the ARN is known
    without a lookup (the lookup by URL needs iam:ListOpenIDConnectProviders, which the CI roles lack); a role
    whose trust names a provider that does not exist is refused by IAM at creation."""
    return f"arn:{partition}:iam::{account_id}:oidc-provider/{GITHUB_OIDC_HOST}"

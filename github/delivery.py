"""GithubDelivery: what the workflows rely on in the repository's settings, so nobody clicks it together.

- one environment per stack, deployable from its branch only (the stack's infra-deploy role trusts the
  environment's OIDC subject, so the branch policy decides which branch may deploy), with required reviewers
  where configured, and the role ARN as the environment's variable;
- the repository variables the workflows read (region, state backend, preview role, API URLs, application);
- branch protection on each deploy branch: the pull-request checks must pass and a review must approve;
- the OIDC subject-claim template left at GitHub's default (claim keys `repo` and `context`), the form every trust
  policy of this project matches: `repo:<owner>/<name>:environment:<env>` (or the immutable
  `repo:<owner>@<id>/<name>@<id>:environment:<env>` GitHub presents for newer repositories). A customised template
  would add keys to `sub` and no role would trust the jobs any more.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pulumi_github as github
import yaml

MATRIX = "${{ matrix."


def required_checks(workflow: Path) -> list[str]:
    """The check names the jobs of `workflow` report, as branch protection must name them: the job's `name`
    (else its id), with `${{ matrix.<key> }}` expanded for each value of a one-key matrix."""
    document: dict[str, Any] = yaml.safe_load(workflow.read_text())
    checks: list[str] = []
    for job_id, job in document["jobs"].items():
        name = str(job.get("name", job_id))
        matrix: dict[str, Any] = job.get("strategy", {}).get("matrix", {})
        if MATRIX not in name:
            checks.append(name)
            continue
        (key, values), *more = matrix.items()
        if more or name.count(MATRIX) != 1:
            raise ValueError(f"{workflow.name}: job {job_id}: only a one-key matrix in the name is supported")
        checks += [name.replace(f"{MATRIX}{key} }}}}", str(value)) for value in values]
    return checks


@dataclass(frozen=True)
class DeployEnvironment:
    name: str
    branch: str
    variables: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    reviewer_team_ids: Sequence[pulumi.Input[int]] = ()
    reviewer_user_ids: Sequence[pulumi.Input[int]] = ()


@dataclass(frozen=True)
class GithubDeliveryArgs:
    repository: str
    """The repository's name (the provider's `owner` holds the owner)."""
    environments: Sequence[DeployEnvironment]
    variables: Mapping[str, pulumi.Input[str]]
    """Repository variables by name."""
    protected_branches: Sequence[str]
    required_checks: Sequence[str]
    required_approvals: int = 1


class GithubDelivery(pulumi.ComponentResource):
    def __init__(self, name: str, args: GithubDeliveryArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("socialclub:github:GithubDelivery", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        repo = args.repository
        github.ActionsRepositoryOidcSubjectClaimCustomizationTemplate(
            f"{name}-oidc-subject", repository=repo, use_default=True, opts=child
        )
        for env in args.environments:
            reviewers = (
                [github.RepositoryEnvironmentReviewerArgs(teams=env.reviewer_team_ids, users=env.reviewer_user_ids)]
                if env.reviewer_team_ids or env.reviewer_user_ids
                else None
            )
            environment = github.RepositoryEnvironment(
                f"{name}-env-{env.name}",
                repository=repo,
                environment=env.name,
                # Only the listed branch: a workflow on any other branch cannot enter the environment, hence
                # cannot present its OIDC subject to the stack's role.
                deployment_branch_policy=github.RepositoryEnvironmentDeploymentBranchPolicyArgs(
                    protected_branches=False, custom_branch_policies=True
                ),
                reviewers=reviewers,
                prevent_self_review=bool(reviewers),
                can_admins_bypass=False,
                opts=child,
            )
            in_env = pulumi.ResourceOptions(parent=self, depends_on=[environment])
            github.RepositoryEnvironmentDeploymentPolicy(
                f"{name}-env-{env.name}-branch",
                repository=repo,
                environment=env.name,
                branch_pattern=env.branch,
                opts=in_env,
            )
            for variable, value in sorted(env.variables.items()):
                github.ActionsEnvironmentVariable(
                    f"{name}-env-{env.name}-{variable.lower()}",
                    repository=repo,
                    environment=env.name,
                    variable_name=variable,
                    value=value,
                    opts=in_env,
                )
        for variable, value in sorted(args.variables.items()):
            github.ActionsVariable(
                f"{name}-var-{variable.lower()}", repository=repo, variable_name=variable, value=value, opts=child
            )
        for branch in args.protected_branches:
            github.BranchProtection(
                f"{name}-protect-{branch}",
                repository_id=repo,
                pattern=branch,
                enforce_admins=True,
                allows_deletions=False,
                allows_force_pushes=False,
                require_conversation_resolution=True,
                # Up to date with the branch, so the checks judged what will be merged.
                required_status_checks=[
                    github.BranchProtectionRequiredStatusCheckArgs(strict=True, contexts=list(args.required_checks))
                ],
                required_pull_request_reviews=[
                    github.BranchProtectionRequiredPullRequestReviewArgs(
                        required_approving_review_count=args.required_approvals,
                        dismiss_stale_reviews=True,
                        require_last_push_approval=True,
                    )
                ],
                opts=child,
            )
        self.register_outputs({"requiredChecks": list(args.required_checks)})

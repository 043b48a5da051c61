"""The `socialclub-github:*` keys of `Pulumi.repository.yaml`, validated."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field, SecretStr, ValidationError, model_validator

from stackconfig.base import ConfigModel, Problem, raise_problems
from stackconfig.edge import GITHUB_REPOSITORY
from stackconfig.loader import parse_value

NAMESPACE = "socialclub-github"
"""The project's name (github/Pulumi.yaml), hence its config namespace."""

MAX_REVIEWERS = 6
"""GitHub accepts up to 6 required reviewers (teams and users together) per environment."""

NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
"""A GitHub environment, team slug, user login or branch name as this project uses them (no wildcards)."""


class Reviewers(ConfigModel):
    teams: list[str] = Field(default_factory=list)
    """Team slugs of the repository's organization (each needs at least read access to the repository)."""
    users: list[str] = Field(default_factory=list)
    """User logins."""


class EnvironmentConfig(ConfigModel):
    branch: str = Field(pattern=NAME)
    """The one branch whose workflows may deploy through this environment (and assume its stack's role)."""
    reviewers: Reviewers | None = None
    """Required reviewers: a deploy waits for one of them to approve. None: no approval."""
    stack: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9-]*$")
    """The main project's stack deployed here (default: the environment's name, as deploy.yml uses it)."""

    @model_validator(mode="after")
    def _reviewer_limit(self) -> EnvironmentConfig:
        if self.reviewers is not None:
            count = len(self.reviewers.teams) + len(self.reviewers.users)
            if not 1 <= count <= MAX_REVIEWERS:
                raise_problems(
                    [Problem(("reviewers",), count, f"accepted: 1 to {MAX_REVIEWERS} teams and users in all")]
                )
        return self


class BranchProtectionConfig(ConfigModel):
    required_approvals: int = Field(default=1, ge=1, le=6)
    """Approving reviews a pull request needs before it merges into a deploy branch."""


class GithubRepositoryConfig(ConfigModel):
    repository: str = Field(pattern=GITHUB_REPOSITORY)
    """`owner/name` of this (infrastructure) repository."""
    app_repository: str = Field(pattern=GITHUB_REPOSITORY)
    """`owner/name` of the application the deploy builds (variable APP_REPOSITORY)."""
    stack_reference_prefix: str = Field(default="organization", pattern=NAME)
    """What precedes `<project>/<stack>` in a stack reference: `organization` on a self-managed (S3) backend,
    the Pulumi Cloud organization otherwise."""
    bootstrap_stack: str = Field(default="account", pattern=NAME)
    """The bootstrap project's stack, whose outputs give the backend URL and the preview role."""
    environments: dict[str, EnvironmentConfig] = Field(min_length=1)
    """GitHub environment name -> its deploy branch, reviewers and stack."""
    drift_environment: str | None = Field(default="drift", pattern=NAME)
    """The environment drift.yml runs in (deployable from the default branch only); None: no drift check."""
    drift_branch: str = Field(default="main", pattern=NAME)
    """The repository's default branch, where scheduled workflows run."""
    branch_protection: BranchProtectionConfig = BranchProtectionConfig()
    token: SecretStr | None = None
    """The GitHub token (a fine-grained token of a repository administrator: Administration, Environments,
    Variables and Actions write), set only with `pulumi config set --secret socialclub-github:token`. None: the
    provider reads GITHUB_TOKEN."""

    @property
    def owner(self) -> str:
        return self.repository.split("/", 1)[0]

    @property
    def name(self) -> str:
        return self.repository.split("/", 1)[1]

    def stack_of(self, environment: str) -> str:
        return self.environments[environment].stack or environment

    @model_validator(mode="after")
    def _one_branch_per_environment(self) -> GithubRepositoryConfig:
        problems = [
            Problem(("environments", name), name, f"{name} is the drift environment; accepted: another name")
            for name in self.environments
            if name == self.drift_environment
        ]
        raise_problems(problems)
        return self


class GithubConfigError(Exception):
    """Bad config: one line per problem, naming the key path as written in the YAML."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def _key(loc: tuple[int | str, ...]) -> str:
    return f"{NAMESPACE}:{loc[0]}" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc[1:])


def load_github_config(settings: Mapping[str, Any]) -> GithubRepositoryConfig:
    """Validate the namespace's keys (without the prefix); raise GithubConfigError naming each bad key."""
    data = {key: parse_value(value) for key, value in settings.items()}
    try:
        return GithubRepositoryConfig.model_validate(data, by_alias=True)
    except ValidationError as error:
        lines: list[str] = []
        for item in error.errors(include_url=False):
            loc = tuple(item["loc"])
            cause = item.get("ctx", {}).get("error")
            problems = getattr(cause, "problems", None)
            if problems:
                lines.extend(f"{_key(loc + p.path)} = {p.value!r}: {p.message}" for p in problems)
            elif item["type"] == "missing":
                lines.append(f"{_key(loc)}: required key is missing")
            else:
                lines.append(f"{_key(loc)} = {item['input']!r}: {item['msg']}")
        raise GithubConfigError(lines) from None


def read_github_config() -> GithubRepositoryConfig:
    """Read the stack's config from the Pulumi runtime and validate it."""
    from pulumi.runtime import config as runtime_config

    every = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    prefix = f"{NAMESPACE}:"
    return load_github_config({k.removeprefix(prefix): v for k, v in every.items() if k.startswith(prefix)})

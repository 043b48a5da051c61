"""The `socialclub-bootstrap:*` keys of `Pulumi.account.yaml`, validated."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field, ValidationError, model_validator

from stackconfig.base import ConfigModel, RetentionDays
from stackconfig.edge import DOMAIN, GITHUB_REPOSITORY, MxConfig
from stackconfig.github import GithubRepository
from stackconfig.loader import parse_value
from stackconfig.service import RegistrySettings

NAMESPACE = "socialclub-bootstrap"
"""The bootstrap project's name (bootstrap/Pulumi.yaml), hence its config namespace."""

# S3 bucket naming rules for general purpose buckets: 3-63 characters, lowercase letters, digits, dots, hyphens.
BUCKET_NAME = r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"


class StateConfig(ConfigModel):
    bucket_name: str | None = Field(default=None, pattern=BUCKET_NAME)
    """State bucket name; default `<namePrefix>-pulumi-state-<account id>-<region>` (bucket names are global)."""
    noncurrent_version_days: int = Field(default=90, ge=1, le=3650)
    """Days a superseded state file version is kept, so a broken update can be rolled back by hand."""
    newer_noncurrent_versions: int = Field(default=20, ge=1, le=100)
    """Old versions of each state file kept whatever their age (AWS accepts 1-100)."""
    key_deletion_window_days: int = Field(default=30, ge=7, le=30)
    """Waiting period before a scheduled deletion of the secrets key takes effect (AWS accepts 7-30)."""
    stacks: list[str] = Field(default_factory=lambda: ["staging", "production"], min_length=1)
    """The stacks of the main project this account holds; each gets a secrets-provider key of its own
    (`awskms://alias/<namePrefix>-pulumi-secrets-<stack>`), so no stack's roles decrypt another's secrets."""


class GithubConfig(ConfigModel):
    create_oidc_provider: bool = True
    """Create the account-wide GitHub OIDC provider here; set false when it already exists in the account."""
    repository: str | None = Field(default=None, pattern=GITHUB_REPOSITORY)
    """`owner/name` of the infrastructure repository whose pull requests may run `pulumi preview`."""
    owner_id: int | None = Field(default=None, ge=1)
    """The owner's numeric id; with `repositoryId`, the preview role trusts GitHub's immutable subject claim
    (`repo:<owner>@<id>/<name>@<id>:pull_request`), which repositories created or renamed since 2026-07-15
    present (`gh api repos/<owner>/<name> --jq '.owner.id, .id'`)."""
    repository_id: int | None = Field(default=None, ge=1)
    """The repository's numeric id; given with `ownerId`."""
    preview_role: bool = False
    """Create the view-only role that pull-request workflows assume for `pulumi preview` (needs repository).
    Off by default: the role can decrypt the previewed stacks' secrets in state, so it is a choice to make."""
    drift_role: bool = False
    """Create the read-only role the daily drift workflow assumes from the repository's `drift` environment
    (needs repository): it reads every stack's state and secret values to compare them with AWS."""
    preview_stacks: list[str] = Field(default_factory=lambda: ["staging"])
    """The stacks pull requests may preview: the role reads their state and decrypts their secrets, nothing of
    the others (default staging only: production previews run in its protected deploy environment)."""

    @model_validator(mode="after")
    def _preview_role_needs_repository(self) -> GithubConfig:
        if self.preview_role and self.repository is None:
            raise ValueError("previewRole needs repository (owner/name); set it or set previewRole: false")
        if self.drift_role and self.repository is None:
            raise ValueError("driftRole needs repository (owner/name); set it or set driftRole: false")
        if (self.owner_id is None) != (self.repository_id is None):
            raise ValueError("ownerId and repositoryId go together (the immutable subject claim needs both)")
        return self

    @property
    def github_repository(self) -> GithubRepository | None:
        if self.repository is None:
            return None
        return GithubRepository(self.repository, self.owner_id, self.repository_id)


class DnsConfig(ConfigModel):
    domain: str = Field(pattern=DOMAIN)
    """The public zone the stacks publish in (e.g. `socialclub.example.com`). Created here, once per account
    and before any stack, so its delegation at the registrar can be checked before a certificate waits on it
    (docs/first-deploy.md); the stacks look it up by name."""
    mx: MxConfig | None = None
    """Optional MX record (the requirements' "mail ... MX (if needed)"), published by the zone's owner."""
    dnssec: bool = True
    """Sign the zone with DNSSEC (default true): a KMS signing key in us-east-1 and a key-signing key on it.
    Validation starts once the registrar publishes the zone's DS record (docs/first-deploy.md, step 3)."""
    query_logging: bool = True
    """Log every DNS query Route 53 answers for the zone to `/aws/route53/<domain>` in us-east-1 (default true)."""
    query_log_retention_days: RetentionDays = 30
    """Days the query logs are kept (default 30)."""


class BootstrapConfig(ConfigModel):
    region: str = Field(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
    """From `aws:region`: where the state bucket and the key live."""
    account_id: str = Field(pattern=r"^\d{12}$")
    """The account this bootstrap is for (12 digits, quoted); the provider refuses credentials of any other."""
    name_prefix: str = Field(default="socialclub", pattern=r"^[a-z][a-z0-9-]{1,19}$")
    """Leads every resource name."""
    owner: str = Field(min_length=1, max_length=256)
    """Team that owns the account bootstrap; becomes the `Owner` tag."""
    tags: dict[str, str] = Field(default_factory=dict)
    """Extra tags on every taggable resource (on top of Project, Environment, Owner, ManagedBy)."""
    state: StateConfig = StateConfig()
    github: GithubConfig = GithubConfig()
    dns: DnsConfig | None = None
    """The account's public hosted zone; none: the account has no zone of this project's."""
    registry: RegistrySettings | None = None
    """The account's ECR repository of the backend image; none: a stack creates it (repository.create)."""

    @model_validator(mode="after")
    def _previewed_stacks_are_held(self) -> BootstrapConfig:
        unknown = sorted(set(self.github.preview_stacks) - set(self.state.stacks))
        if unknown:
            raise ValueError(f"github.previewStacks {unknown} are not in state.stacks {self.state.stacks}")
        return self


class BootstrapConfigError(Exception):
    """Bad bootstrap config: one line per problem, naming the key path as written in the YAML."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def _key(loc: tuple[int | str, ...]) -> str:
    if loc and loc[0] == "region":
        return "aws:region"
    return f"{NAMESPACE}:" + ".".join(str(part) for part in loc)


def load_bootstrap_config(settings: Mapping[str, Any], region: str | None) -> BootstrapConfig:
    """Validate the namespace's keys (without the prefix) and `aws:region`; raise BootstrapConfigError."""
    data: dict[str, Any] = {key: parse_value(value) for key, value in settings.items()}
    lines: list[str] = []
    if data.pop("region", None) is not None:
        lines.append(f"{NAMESPACE}:region: unknown key; the region is set by aws:region")
    if region is not None:
        data["region"] = region
    try:
        config = BootstrapConfig.model_validate(data, by_alias=True)
    except ValidationError as error:
        lines.extend(
            f"{_key(tuple(item['loc']))}: required key is missing"
            if item["type"] == "missing"
            else f"{_key(tuple(item['loc']))} = {item['input']!r}: {item['msg']}"
            for item in error.errors(include_url=False)
        )
    if lines:
        raise BootstrapConfigError(lines)
    return config


def read_bootstrap_config() -> BootstrapConfig:
    """Read the bootstrap stack's config from the Pulumi runtime and validate it."""
    from pulumi.runtime import config as runtime_config

    every = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    prefix = f"{NAMESPACE}:"
    settings = {key.removeprefix(prefix): value for key, value in every.items() if key.startswith(prefix)}
    return load_bootstrap_config(settings, every.get("aws:region"))

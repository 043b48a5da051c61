"""The `socialclub:kms` and `socialclub:secrets` sections."""

from __future__ import annotations

from pydantic import Field

from stackconfig.base import ConfigModel


class KmsConfig(ConfigModel):
    deletion_window_days: int = Field(default=30, ge=7, le=30)
    """Waiting period before a scheduled key deletion takes effect (AWS accepts 7-30)."""


class SecretsConfig(ConfigModel):
    recovery_window_days: int = Field(default=30, ge=7, le=30)
    """Days a deleted secret stays recoverable (AWS accepts 7-30; 0 would delete at once and is refused)."""
    database_rotation_days: int = Field(default=30, ge=1, le=365)
    """Rotation of the RDS-managed master password (seed: 30 days)."""
    api_key_rotation_days: int = Field(default=90, ge=1, le=365)
    """Maximum age of API keys and integration tokens before the secret-age alarm fires (seed: 90 days)."""
    rotation_owner: str = Field(default="platform-team", min_length=1)
    """Who rotates third-party keys by hand; written on each such secret as a tag."""
    values: dict[str, str] = Field(default_factory=dict)
    """Secret values by secret name, set only with `pulumi config set --secret --path`.

    A secret without a value here is created empty and filled out of band (see README)."""

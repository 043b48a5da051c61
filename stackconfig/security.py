"""The `socialclub:kms` and `socialclub:secrets` sections."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from stackconfig.base import ConfigModel, Path, Problem

RotationMode = Literal["managed", "manual", "none"]
ValueSource = Literal["program", "generated", "operator"]


@dataclass(frozen=True)
class SecretSpec:
    key: str
    """`<group>/<name>`, e.g. `integration/stripe-key`; the secret is named `<path_prefix>/<key>`."""
    description: str
    rotation: RotationMode = "manual"
    """managed: AWS rotates it (RDS-managed password); manual: a third-party credential a person rotates on the
    reminder schedule; none: not a credential (a URL or an ARN kept beside the credentials for the app)."""
    source: ValueSource = "operator"
    """program: the program writes it (a URL or an ARN it knows; stack config may not set it); generated: the
    program generates a random value unless stack config gives one (signing keys); operator: a person sets it,
    in secret stack config or out of band (third-party credentials)."""


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
    """Secret values by secret name, set only with `pulumi config set --secret --path`. Only secrets a person
    provides (catalog.py: source operator or generated) take one; those the program writes refuse it."""
    set_out_of_band: list[str] = Field(default_factory=list)
    """Secrets whose value is put with `aws secretsmanager put-secret-value` instead of `values`: declaring
    them tells `make plan` the value exists, so it stops warning that the tasks would not start."""


def secret_key_problems(secrets: SecretsConfig, specs: Sequence[SecretSpec]) -> Iterator[Problem]:
    """Values and out-of-band declarations for secrets `specs` (the stack's catalog) does not let a person set,
    located from the config root (StackConfig._problems calls this: whether the program writes the Sentry DSN
    depends on the `sentry` section)."""
    sources = {spec.key: spec.source for spec in specs}
    settable = ", ".join(sorted(k for k, v in sources.items() if v != "program"))
    given: list[tuple[Path, str, object]] = [(("secrets", "values", key), key, "[secret]") for key in secrets.values]
    given += [(("secrets", "setOutOfBand", i), key, key) for i, key in enumerate(secrets.set_out_of_band)]
    for path, key, shown in given:
        if key not in sources:
            yield Problem(path, shown, f"not a secret of catalog.py; accepted keys: {settable}")
        elif sources[key] == "program":
            yield Problem(path, shown, f"the program writes {key}; accepted keys: {settable}")

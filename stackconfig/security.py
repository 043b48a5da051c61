"""The `socialclub:kms` and `socialclub:secrets` sections: the settings of the stack key (`KmsKey`) and of the
platform's secrets (`SecretSet`), and what a secret of the catalog is (docs/requirements.md §6.3, §6.4)."""

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
    """What the secret holds, shown in the Secrets Manager console."""
    rotation: RotationMode = "manual"
    """managed: AWS rotates it (RDS-managed password); manual: a third-party credential a person rotates on the
    reminder schedule; none: not a credential (a URL or an ARN kept beside the credentials for the app)."""
    source: ValueSource = "operator"
    """program: the program writes it (a URL or an ARN it knows; stack config may not set it); generated: the
    program generates a random value unless stack config gives one (signing keys); operator: a person sets it,
    in secret stack config or out of band (third-party credentials)."""


class KmsKeySettings(ConfigModel):
    """The stack key's knobs (section `socialclub:kms`)."""

    deletion_window_days: int = Field(default=30, ge=7, le=30)
    """Days between scheduling the key's deletion and the deletion, during which it can be cancelled (default
    30, the longest AWS allows: 7-30)."""
    protect: bool = True
    """Pulumi `protect` on the key (default on): deleting the key makes everything it encrypted unreadable once the
    window ends. Off only in a stack whose data may be thrown away."""


class SecretSetSettings(ConfigModel):
    """The secrets' knobs (section `socialclub:secrets`)."""

    recovery_window_days: int = Field(default=30, ge=7, le=30)
    """Days a deleted secret stays recoverable (default 30; AWS accepts 7-30; 0 would delete at once and is
    refused)."""
    database_rotation_days: int = Field(default=30, ge=1, le=365)
    """Days between rotations of the secrets AWS rotates itself: the RDS-managed master password (default 30,
    docs/requirements.md §6.4; 1-365)."""
    api_key_rotation_days: int = Field(default=90, ge=1, le=365)
    """Days between the reminders to rotate the third-party keys and tokens by hand, also written on each such
    secret as its `RotationDays` tag (default 90, docs/requirements.md §6.4; 1-365)."""
    rotation_owner: str = Field(default="platform-team", min_length=1)
    """Who rotates third-party keys by hand: the `RotationOwner` tag of each such secret and the owner named in
    the reminder (default `platform-team`)."""
    values: dict[str, str] = Field(default_factory=dict)
    """Secret values by secret name, set only with `pulumi config set --secret --path`. Only secrets a person
    provides (stackconfig/catalog.py: source operator or generated) take one; those the program writes refuse it."""
    set_out_of_band: list[str] = Field(default_factory=list)
    """Secrets whose value is put with `aws secretsmanager put-secret-value` instead of `values`: declaring
    them tells `make plan` the value exists, so it stops warning that the tasks would not start."""


def secret_key_problems(secrets: SecretSetSettings, specs: Sequence[SecretSpec]) -> Iterator[Problem]:
    """Values and out-of-band declarations for secrets `specs` (the stack's catalog) does not let a person set,
    located from the config root (StackConfig._problems calls this: whether the program writes the Sentry DSN
    depends on the `sentry` section)."""
    sources = {spec.key: spec.source for spec in specs}
    settable = ", ".join(sorted(k for k, v in sources.items() if v != "program"))
    given: list[tuple[Path, str, object]] = [(("secrets", "values", key), key, "[secret]") for key in secrets.values]
    given += [(("secrets", "setOutOfBand", i), key, key) for i, key in enumerate(secrets.set_out_of_band)]
    for path, key, shown in given:
        if key not in sources:
            yield Problem(path, shown, f"not a secret of stackconfig/catalog.py; accepted keys: {settable}")
        elif sources[key] == "program":
            yield Problem(path, shown, f"the program writes {key}; accepted keys: {settable}")

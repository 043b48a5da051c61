"""The SocialClub guardrails: every rule of the pack, and the project's baseline config for them.

Rule modules are written as a reusable library (generic schema defaults such as FSBP's); the project's values
from docs/requirements.md (tag keys, 30-day backups, 3 AZs, ...) are the pack's initial config, and per-stack
differences live in policy/<stack>.json. Imports inside the package are relative, so it works both as
`socialclub_guardrails` (the pack's own directory on sys.path, as `pulumi.policy` runs it) and under any parent
package name.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel, Policy

from . import compute, containers, data_protection, encryption, exposure, iam, logging, multi_az, tagging, transit
from .helpers import Rule

PACK_NAME = "socialclub-guardrails"

ALL_POLICIES: list[Policy] = [
    *encryption.POLICIES,
    *transit.POLICIES,
    *multi_az.POLICIES,
    *exposure.POLICIES,
    *data_protection.POLICIES,
    *iam.POLICIES,
    *logging.POLICIES,
    *containers.POLICIES,
    *compute.POLICIES,
    *tagging.POLICIES,
]

RULES: list[Rule] = [
    value
    for module in (encryption, transit, multi_az, exposure, data_protection, iam, logging, containers, compute, tagging)
    for value in vars(module).values()
    if isinstance(value, Rule)
]


def initial_config() -> dict[str, EnforcementLevel | dict[str, Any]]:
    """The project's baseline values, one entry per rule that has any.

    Each entry repeats the rule's own level on purpose: the engine reads a missing level in initial config as
    ADVISORY (the protobuf zero value), which would silently downgrade the rule.
    """
    return {rule.name: {"enforcementLevel": rule.level, **rule.project} for rule in RULES if rule.project}


__all__ = ["ALL_POLICIES", "PACK_NAME", "RULES", "initial_config"]

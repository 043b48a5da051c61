"""AWS managed policies the roles attach, stored as read (default version id, its date, the day it was read):
AWS changes them over time, so a check against them is a check against that version."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from offline.permissions.evaluator import Policy, PolicyError, parse_policy

MANAGED = Path(__file__).with_name("managed")


@dataclass(frozen=True)
class ManagedPolicy:
    name: str
    arn: str
    version_id: str
    created: str
    read_on: str
    policy: Policy

    def label(self) -> str:
        return f"{self.name} {self.version_id} ({self.created[:10]}, read {self.read_on})"


@cache
def stored() -> dict[str, ManagedPolicy]:
    """Every stored managed policy by ARN (partition `aws`)."""
    found: dict[str, ManagedPolicy] = {}
    for path in sorted(MANAGED.glob("*.json")):
        data = json.loads(path.read_text())
        name = str(data["PolicyName"])
        found[data["Arn"]] = ManagedPolicy(
            name=name,
            arn=data["Arn"],
            version_id=data["VersionId"],
            created=data["CreateDate"],
            read_on=data["Read"],
            policy=parse_policy(data["Document"], f"{name}@{data['VersionId']}"),
        )
    return found


def managed_policy(arn: str) -> ManagedPolicy:
    """The stored copy of an AWS managed policy; the partition in `arn` does not matter."""
    parts = arn.split(":", 2)
    key = f"arn:aws:{parts[2]}" if len(parts) == 3 else arn
    try:
        return stored()[key]
    except KeyError:
        known = ", ".join(sorted(stored()))
        raise PolicyError(f"managed policy {arn} is not stored in {MANAGED.name}/ (stored: {known})") from None

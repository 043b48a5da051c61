"""Turns the raw `socialclub:*` config map into a validated `StackConfig`, or a list of readable errors."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from stackconfig.base import Path, Problems
from stackconfig.model import StackConfig

NAMESPACE = "socialclub"


class ConfigError(Exception):
    """Bad stack config: one line per problem, each naming the key path, the value and what is accepted."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def format_path(path: Path) -> str:
    """`("network", "publicSubnets", 1)` -> `socialclub:network.publicSubnets[1]`, as written in YAML."""
    if not path:
        return f"{NAMESPACE}:"
    if path[0] == "region":
        return "aws:region" + _suffix(path[1:])
    return f"{NAMESPACE}:{path[0]}" + _suffix(path[1:])


def _suffix(path: Path) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def _show(value: object) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _lines(error: ValidationError) -> list[str]:
    lines: list[str] = []
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        cause = item.get("ctx", {}).get("error")
        if isinstance(cause, Problems):
            lines.extend(f"{format_path(loc + p.path)} = {_show(p.value)}: {p.message}" for p in cause.problems)
        elif item["type"] == "missing":
            lines.append(f"{format_path(loc)}: required key is missing")
        elif item["type"] == "extra_forbidden":
            lines.append(f"{format_path(loc)} = {_show(item['input'])}: unknown key; remove it or fix its spelling")
        else:
            lines.append(f"{format_path(loc)} = {_show(item['input'])}: {item['msg']}")
    return lines


def parse_value(raw: Any) -> Any:
    """Pulumi hands structured config values to the program as JSON text; plain ones as strings."""
    if isinstance(raw, str) and raw[:1] in ("{", "["):
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            return raw
    return raw


def load_stack_config(settings: Mapping[str, Any], region: str | None) -> StackConfig:
    """Validate the `socialclub` namespace (keys without the prefix) and `aws:region`.

    Raises ConfigError listing every problem; never declares anything.
    """
    data: dict[str, Any] = {key: parse_value(value) for key, value in settings.items()}
    lines: list[str] = []
    if "region" in data:
        lines.append(f"{NAMESPACE}:region: unknown key; the region is set by aws:region")
        data.pop("region")
    if region is not None:
        data["region"] = region
    try:
        config = StackConfig.model_validate(data, by_alias=True)
    except ValidationError as error:
        raise ConfigError(lines + _lines(error)) from None
    if lines:
        raise ConfigError(lines)
    return config


def load_settings(every: Mapping[str, Any]) -> StackConfig:
    """Validate a whole Pulumi config map (`namespace:key` -> value), as the language host hands it over."""
    prefix = f"{NAMESPACE}:"
    settings = {key.removeprefix(prefix): value for key, value in every.items() if key.startswith(prefix)}
    return load_stack_config(settings, every.get("aws:region"))

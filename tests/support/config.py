"""Real stack files as the loader reads them, changed on purpose: for config tests and whole-program runs."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from offline.harness import Plan, read_stack_settings, run_program
from stackconfig import ConfigError, load_stack_config
from stackconfig.loader import NAMESPACE

Mutation = Callable[..., object]
"""Changes loader settings in place; may return ("region", value) to replace `aws:region` too."""


def stack_settings(stack: str) -> tuple[dict[str, Any], str]:
    """A real stack file's `socialclub:*` settings (namespace dropped, JSON sections parsed) and its `aws:region`."""
    config, _ = read_stack_settings(stack)
    settings = {
        key.removeprefix(f"{NAMESPACE}:"): json.loads(value) if value[:1] in "{[" else value
        for key, value in config.items()
        if key.startswith(f"{NAMESPACE}:")
    }
    return settings, config["aws:region"]


def with_sections(stack: str, **sections: dict[str, Any]) -> dict[str, Any]:
    """`stack_settings` with the given keys of each named section replaced (the loader's input)."""
    settings, _ = stack_settings(stack)
    for key, changes in sections.items():
        settings[key] = copy.deepcopy(settings.get(key, {})) | changes
    return settings


def set_path(path: str, value: Any) -> Mutation:
    """A mutation that sets the dotted `path` (e.g. "database.iops") to `value`."""

    def mutate(settings: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = settings
        for part in parents:
            node = node[part]
        node[last] = value

    return mutate


def drop_path(path: str) -> Mutation:
    """A mutation that removes the dotted `path`."""

    def mutate(settings: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = settings
        for part in parents:
            node = node[part]
        del node[last]

    return mutate


def errors_for(mutate: Mutation, stack: str = "production") -> list[str]:
    """The loader's problem lines for the `stack` file changed by `mutate` (the test fails if it loads)."""
    settings, region = stack_settings(stack)
    result = mutate(settings)
    if isinstance(result, tuple):
        region = result[1]
    with pytest.raises(ConfigError) as caught:
        load_stack_config(settings, region)
    return caught.value.lines


def run_with(stack: str, region: str | None = None, **sections: dict[str, Any]) -> Plan:
    """The whole program for a real stack file with the given keys of each named section replaced (and, with
    `region`, another `aws:region`)."""
    config, secret_keys = read_stack_settings(stack)
    if region is not None:
        config["aws:region"] = region
    for key, changes in sections.items():
        current = json.loads(config.get(f"{NAMESPACE}:{key}", "{}"))
        config[f"{NAMESPACE}:{key}"] = json.dumps(current | changes)
    return run_program(stack, config, secret_keys)

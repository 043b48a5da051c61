"""Cross-section rules of the stack config (stackconfig/model.py) that only production enforces."""

from __future__ import annotations

from typing import Any

import pytest

from stackconfig import ConfigError, load_stack_config
from tests.support.config import stack_settings

# Every switch that keeps a stateful resource of the stack from being deleted by accident, as written in YAML.
PROTECTION = [
    ("kms", "protect"),
    ("database", "deletionProtection"),
    ("database", "protect"),
    ("cache", "protect"),
    ("tables", "deletionProtection"),
    ("tables", "protect"),
    ("storage", "assets", "protect"),
    ("storage", "backend", "protect"),
    ("storage", "logs", "protect"),
]


def _turned_off(stack: str, path: tuple[str, ...]) -> tuple[dict[str, Any], str]:
    settings, region = stack_settings(stack)
    node = settings
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = False
    return settings, region


@pytest.mark.parametrize("path", PROTECTION, ids=[".".join(p) for p in PROTECTION])
def test_production_refuses_to_turn_off_a_deletion_safeguard(path: tuple[str, ...]) -> None:
    settings, region = _turned_off("production", path)
    with pytest.raises(ConfigError) as caught:
        load_stack_config(settings, region)
    [line] = caught.value.lines
    assert line.startswith(f"socialclub:{'.'.join(path)} = false: production keeps it on")


@pytest.mark.parametrize("path", PROTECTION, ids=[".".join(p) for p in PROTECTION])
def test_staging_may_turn_each_safeguard_off(path: tuple[str, ...]) -> None:
    settings, region = _turned_off("staging", path)
    load_stack_config(settings, region)


def test_staging_turns_them_all_off_and_production_leaves_them_on() -> None:
    for stack, expected in (("staging", False), ("production", True)):
        settings, region = stack_settings(stack)
        config = load_stack_config(settings, region)
        switches = [
            config.kms.protect,
            config.database.deletion_protection,
            config.database.protect,
            config.cache.protect,
            config.tables.deletion_protection,
            config.tables.protect,
            config.storage.assets.protect,
            config.storage.backend.protect,
            config.storage.logs.protect,
        ]
        assert switches == [expected] * len(PROTECTION), stack

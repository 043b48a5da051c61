"""The `socialclub:waf` section: production must keep AWS WAF on, and a bad value is named by its key."""

from __future__ import annotations

from typing import Any

import pytest

from stackconfig import ConfigError, load_stack_config
from stackconfig.waf import WebAclSettings, production_waf_problems
from tests.support.config import with_sections


def test_production_must_keep_waf_on_staging_may_turn_it_off() -> None:
    (problem,) = production_waf_problems(WebAclSettings(enabled=False))
    assert problem.path == ("waf", "enabled")
    assert list(production_waf_problems(WebAclSettings(enabled=True))) == []
    with pytest.raises(ConfigError) as caught:
        load_stack_config(with_sections("production", waf={"enabled": False}), "us-east-1")
    assert caught.value.lines == [
        "socialclub:waf.enabled = false: production serves the app and the API from the internet behind AWS WAF; "
        "set waf.enabled: true"
    ]
    assert load_stack_config(with_sections("staging", waf={"enabled": False}), "us-east-1").waf.enabled is False


@pytest.mark.parametrize(
    ("changes", "line"),
    [
        ({"rateLimit": 5}, "socialclub:waf.rateLimit = 5: Input should be greater than or equal to 10"),
        ({"logRetentionDays": 45}, "socialclub:waf.logRetentionDays = 45: Value error, not a CloudWatch Logs"),
        ({"enable": True}, "socialclub:waf.enable = true: unknown key"),
    ],
)
def test_bad_waf_config_names_the_key(changes: dict[str, Any], line: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_stack_config(with_sections("staging", waf=changes), "us-east-1")
    assert any(found.startswith(line) for found in caught.value.lines), caught.value.lines

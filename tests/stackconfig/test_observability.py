"""The `socialclub:observability` section: the required thresholds, recipients, and the max_connections check."""

from __future__ import annotations

import copy
from typing import Any

from stackconfig import StackConfig, load_stack_config
from stackconfig.observability import AlarmThresholds
from tests.support.config import errors_for, stack_settings


def load(mutate: Any) -> StackConfig:
    values, region = stack_settings("staging")
    values = copy.deepcopy(values)
    mutate(values)
    return load_stack_config(values, region)


def errors(mutate: Any) -> list[str]:
    return errors_for(mutate, "staging")


def test_threshold_defaults_are_the_required_figures() -> None:
    # docs/requirements.md §7.1: ECS CPU > 80%, ECS memory > 85%, RDS connections > 80%, 5xx > 1%, RDS storage > 80%.
    required = AlarmThresholds()
    assert (required.ecs_cpu_percent, required.ecs_memory_percent, required.db_connections_percent) == (80, 85, 80)
    assert (required.error_rate_percent, required.db_storage_used_percent) == (1, 80)
    assert required.p99_latency_seconds == 2.0


def test_both_stacks_alert_someone() -> None:
    for stack in ("staging", "production"):
        values, _ = stack_settings(stack)
        assert values["observability"]["alarmEmails"], stack


def test_bad_and_duplicate_addresses_are_named_by_index() -> None:
    def mutate(values: dict[str, Any]) -> None:
        values["observability"]["alarmEmails"] = ["ok@example.com", "not-an-address", "OK@example.com"]

    lines = errors(mutate)
    assert any(line.startswith("socialclub:observability.alarmEmails[1] = 'not-an-address'") for line in lines)
    assert any("alarmEmails[2]" in line and "listed twice" in line for line in lines)


def test_alarms_must_reach_someone() -> None:
    def mutate(values: dict[str, Any]) -> None:
        values["observability"] = {"alarmEmails": []}

    assert any("alarms would reach nobody" in line for line in errors(mutate))


def test_slack_alone_is_enough_and_ids_are_checked() -> None:
    def slack_only(values: dict[str, Any]) -> None:
        values["observability"] = {"slack": {"workspaceId": "T0123456789", "channelId": "C0123456789"}}

    config = load(slack_only)
    assert config.observability.slack is not None

    def bad_ids(values: dict[str, Any]) -> None:
        values["observability"] = {"slack": {"workspaceId": "workspace", "channelId": "#alerts"}}

    lines = errors(bad_ids)
    assert any(line.startswith("socialclub:observability.slack.workspaceId = 'workspace'") for line in lines)
    assert any(line.startswith("socialclub:observability.slack.channelId = '#alerts'") for line in lines)


def test_unknown_instance_class_needs_an_explicit_max_connections() -> None:
    def exotic(values: dict[str, Any]) -> None:
        values.setdefault("database", {})["instanceClass"] = "db.x2g.large"

    lines = errors(exotic)
    assert any(
        line.startswith("socialclub:observability.dbMaxConnections") and "db.x2g.large" in line for line in lines
    )

    def with_override(values: dict[str, Any]) -> None:
        exotic(values)
        values["observability"]["dbMaxConnections"] = 1000

    assert load(with_override).observability.db_max_connections == 1000


def test_thresholds_out_of_range_are_refused() -> None:
    def mutate(values: dict[str, Any]) -> None:
        values["observability"]["thresholds"] = {"ecsCpuPercent": 150, "errorRateMinRequests": 0}

    lines = errors(mutate)
    assert any(line.startswith("socialclub:observability.thresholds.ecsCpuPercent = 150") for line in lines)
    assert any(line.startswith("socialclub:observability.thresholds.errorRateMinRequests = 0") for line in lines)

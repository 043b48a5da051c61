"""Sentry as code: the project, its DSN in the secret, the three alert rules, their notifications and config."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import SecretStr

from components.error_tracking import ErrorTracking, ErrorTrackingArgs
from offline import fakes
from offline.cost.calculator import FREE_TYPES
from offline.harness import Plan, read_stack_settings, run_program
from offline.permissions.table import load_table
from offline.preflight import missing_secrets, preflight
from offline.wire import REDACTED, redacted
from stackconfig import ConfigError, StackConfig
from stackconfig.catalog import SECRETS, SENTRY_DSN, secret_catalog
from stackconfig.loader import load_settings, parse_value
from stackconfig.sentry import ErrorTrackingSettings, RuleThrottle, SentryAlerts, SlackTarget, SpikeRule
from tests.support import inputs, run_component, stack_config, stack_plan

PROJECT = "sentry:index/sentryProject:SentryProject"
KEY = "sentry:index/sentryKey:SentryKey"
ISSUE_ALERT = "sentry:index/sentryIssueAlert:SentryIssueAlert"
METRIC_ALERT = "sentry:index/sentryMetricAlert:SentryMetricAlert"
PROVIDER = "pulumi:providers:sentry"
# Sentry's rule registry, spelled out here rather than imported: a typo in the component must fail a test.
FIRST_SEEN = "sentry.rules.conditions.first_seen_event.FirstSeenEventCondition"
REGRESSION = "sentry.rules.conditions.regression_event.RegressionEventCondition"
EMAIL_ACTION = "sentry.mail.actions.NotifyEmailAction"
SLACK_ACTION = "sentry.integrations.slack.notify_action.SlackNotifyServiceAction"
SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion"


def tracking(slack: SlackTarget | None = None, token: str | None = "sntrys_token") -> Plan:
    return run_component(
        lambda: ErrorTracking(
            "sentry",
            ErrorTrackingArgs(
                key_name="socialclub-test-backend",
                settings=ErrorTrackingSettings(
                    enabled=True,
                    organization="socialclub",
                    team="platform",
                    project="socialclub-backend",
                    platform="node-nestjs",
                    alerts=SentryAlerts(
                        new_issue=RuleThrottle(frequency_minutes=15),
                        regression=RuleThrottle(frequency_minutes=60),
                        spike=SpikeRule(errors=250, window_minutes=30, resolve_below=100),
                    ),
                    slack=slack,
                    token=SecretStr(token) if token is not None else None,
                ),
            ),
        )
    )


def issue_alerts(plan: Plan) -> dict[str, dict[str, Any]]:
    return {inputs(r)["name"]: inputs(r) for r in plan.of_type(ISSUE_ALERT)}


def test_the_project_belongs_to_the_team_and_every_child_uses_the_token_provider() -> None:
    plan = tracking()
    project = inputs(plan.one(PROJECT))
    assert project["slug"] == project["name"] == "socialclub-backend"
    assert project["teams"] == ["platform"] and project["organization"] == "socialclub"
    assert project["platform"] == "node-nestjs"
    provider = plan.one(PROVIDER)
    assert provider.inputs["token"] != "sntrys_token" and redacted(provider.inputs)["token"] == REDACTED
    component = plan.one("socialclub:observability:ErrorTracking")
    sentry_children = [r for r in plan.resources if r.type.startswith("sentry:")]
    assert len(sentry_children) == 5
    for child in [*sentry_children, provider]:
        assert child.parent == component.urn
    assert all(r.provider.startswith(provider.urn) for r in sentry_children)


def test_without_a_token_the_provider_is_left_to_its_environment() -> None:
    assert "token" not in inputs(tracking(token=None).one(PROVIDER))


def test_the_client_key_belongs_to_the_project() -> None:
    plan = tracking()
    key = inputs(plan.one(KEY))
    assert (key["organization"], key["project"], key["name"]) == (
        "socialclub",
        "socialclub-backend",
        "socialclub-test-backend",
    )
    assert plan.one(KEY).property_dependencies["project"] == [plan.one(PROJECT).urn]


def test_new_issue_and_regression_rules_email_the_team_at_their_frequency() -> None:
    alerts = issue_alerts(tracking())
    assert set(alerts) == {"socialclub-backend: new issue", "socialclub-backend: regression"}
    new, regression = alerts["socialclub-backend: new issue"], alerts["socialclub-backend: regression"]
    assert new["conditions"] == [{"id": FIRST_SEEN}] and new["frequency"] == 15
    assert regression["conditions"] == [{"id": REGRESSION}] and regression["frequency"] == 60
    team_id = str(int(fakes.suffix("platform", 6), 16))
    for alert in alerts.values():
        assert alert["project"] == "socialclub-backend" and alert["actionMatch"] == "any"
        assert alert["actions"] == [{"id": EMAIL_ACTION, "targetType": "Team", "targetIdentifier": team_id}]


def test_the_spike_rule_counts_the_projects_errors_against_the_configured_threshold() -> None:
    spike = inputs(tracking().one(METRIC_ALERT))
    assert spike["name"] == "socialclub-backend: error spike"
    assert (spike["dataset"], spike["aggregate"], spike["query"]) == ("events", "count()", "event.type:error")
    assert spike["timeWindow"] == 30 and spike["thresholdType"] == 0 and spike["resolveThreshold"] == 100
    (trigger,) = spike["triggers"]
    assert trigger["alertThreshold"] == 250 and trigger["label"] == "critical"
    assert [a["type"] for a in trigger["actions"]] == ["email"]


def test_slack_adds_the_channel_to_every_rule() -> None:
    plan = tracking(slack=SlackTarget(integration_id=4242, channel="#socialclub-alerts"))
    for alert in issue_alerts(plan).values():
        assert alert["actions"][1] == {"id": SLACK_ACTION, "channel": "#socialclub-alerts", "workspace": "4242"}
    (trigger,) = inputs(plan.one(METRIC_ALERT))["triggers"]
    assert trigger["actions"][1] == {
        "type": "slack",
        "targetType": "specific",
        "targetIdentifier": "#socialclub-alerts",
        "integrationId": 4242,
    }


# --- the stacks ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_a_stack_with_sentry_writes_the_dsn_of_its_project_into_the_secret(stack: str) -> None:
    plan = stack_plan(stack)
    project = inputs(plan.one(PROJECT))
    assert project["slug"] == stack_config(stack).sentry.project
    assert {inputs(r)["name"].split(": ")[1] for r in plan.of_type(ISSUE_ALERT)} == {"new issue", "regression"}
    assert len(plan.of_type(METRIC_ALERT)) == 1
    dsn_value = plan.one(SECRET_VERSION, "secrets-monitoring-sentry-dsn-value")
    assert inputs(dsn_value)["secretString"].startswith("https://")
    assert redacted(dsn_value.inputs)["secretString"] == REDACTED
    assert any(d.startswith(plan.one(KEY).urn) for d in dsn_value.property_dependencies["secretString"])
    assert plan.outputs["sentryProject"] == project["slug"]


def test_production_is_the_requirements_project() -> None:
    assert stack_config("production").sentry.project == "socialclub-backend"


def test_a_stack_without_sentry_leaves_the_dsn_to_the_operator() -> None:
    config = with_sentry("production", {"enabled": False})
    assert config.secret_specs == SECRETS
    assert SENTRY_DSN in missing_secrets(config)
    assert "sentry-token" not in {f.check for f in preflight(config, "production")}


def test_a_stack_with_sentry_no_longer_waits_for_the_dsn_but_for_a_token() -> None:
    config = stack_config("production")
    assert SENTRY_DSN not in missing_secrets(config)
    (token,) = [f.message for f in preflight(config, "production") if f.check == "sentry-token"]
    assert "socialclub:sentry.token" in token
    with_token = with_sentry("production", {"token": "sntrys_x"})
    assert "sentry-token" not in {f.check for f in preflight(with_token, "production")}


def test_the_managed_dsn_is_program_written_and_not_rotated_by_hand() -> None:
    (dsn,) = [s for s in secret_catalog(sentry_managed=True) if s.key == SENTRY_DSN]
    assert (dsn.source, dsn.rotation) == ("program", "none")
    (manual,) = [s for s in secret_catalog(sentry_managed=False) if s.key == SENTRY_DSN]
    assert (manual.source, manual.rotation) == ("operator", "manual")


# --- config ----------------------------------------------------------------------------------------------------


def settings(stack: str, sentry: dict[str, Any], **sections: dict[str, Any]) -> dict[str, Any]:
    """The committed stack file with fields of its `sentry` section changed and other sections replaced."""
    raw, _ = read_stack_settings(stack)
    return {
        **raw,
        "socialclub:sentry": {**parse_value(raw.get("socialclub:sentry", "{}")), **sentry},
        **{f"socialclub:{k}": v for k, v in sections.items()},
    }


def with_sentry(stack: str, sentry: dict[str, Any], **sections: dict[str, Any]) -> StackConfig:
    return load_settings(settings(stack, sentry, **sections))


def errors_of(sentry: dict[str, Any], **sections: dict[str, Any]) -> list[str]:
    """The problems of the staging file whose `sentry` section is exactly `sentry`."""
    raw = {**settings("staging", {}, **sections), "socialclub:sentry": sentry}
    with pytest.raises(ConfigError) as error:
        load_settings(raw)
    return error.value.lines


def test_an_enabled_sentry_needs_its_organization_and_team() -> None:
    assert errors_of({"enabled": True}) == [
        "socialclub:sentry.organization = null: required when sentry.enabled is true; accepted: a Sentry slug",
        "socialclub:sentry.team = null: required when sentry.enabled is true; accepted: a Sentry slug",
    ]


def test_bad_sentry_values_are_named_by_key_path() -> None:
    lines = errors_of(
        {
            "enabled": True,
            "organization": "Social Club",
            "team": "platform",
            "alerts": {"spike": {"errors": 10, "windowMinutes": 45, "resolveBelow": 10}},
            "slack": {"integrationId": 0, "channel": "alerts"},
        }
    )
    assert any(line.startswith("socialclub:sentry.organization = 'Social Club': String should match") for line in lines)
    assert any(
        line.startswith("socialclub:sentry.alerts.spike.windowMinutes = 45: Input should be 1, 5") for line in lines
    )
    assert any(line.startswith("socialclub:sentry.slack.integrationId = 0: Input should be greater") for line in lines)
    assert any(line.startswith("socialclub:sentry.slack.channel = 'alerts': String should match") for line in lines)


def test_the_spike_resolves_below_its_threshold() -> None:
    (line,) = errors_of(
        {"enabled": True, "organization": "socialclub", "team": "platform", "alerts": {"spike": {"resolveBelow": 100}}}
    )
    assert line == "socialclub:sentry.alerts.spike.resolveBelow = 100: accepted: fewer than errors (100)"


def test_the_managed_dsn_refuses_a_value_from_config() -> None:
    sentry = {"enabled": True, "organization": "socialclub", "team": "platform"}
    (line,) = errors_of(sentry, secrets={"setOutOfBand": [SENTRY_DSN]})
    assert line.startswith(f"socialclub:secrets.setOutOfBand[0] = '{SENTRY_DSN}': the program writes {SENTRY_DSN}")
    # Switched off, the same declaration is the operator's way to provide it.
    config = with_sentry("staging", {"enabled": False}, secrets={"setOutOfBand": [SENTRY_DSN]})
    assert SENTRY_DSN not in missing_secrets(config)


def test_sentry_is_billed_by_sentry_and_needs_no_aws_action() -> None:
    plan = stack_plan("production")
    types = {r.type for r in plan.resources if r.type.startswith("sentry:")}
    assert len(types) == 4
    assert all("billed by Sentry" in FREE_TYPES[t] for t in types)
    table = load_table()
    for entry in [
        *(table.resources[t] for t in types | {PROVIDER}),
        table.invokes["sentry:index/getSentryTeam:getSentryTeam"],
    ]:
        assert entry.actions() == set(), entry.token


def test_a_stack_switched_off_creates_nothing_in_sentry_and_writes_no_dsn() -> None:
    config, secret_keys = read_stack_settings("staging")
    plan = run_program("staging", {**config, "socialclub:sentry": json.dumps({"enabled": False})}, secret_keys)
    assert not [r for r in plan.resources if r.type.startswith(("sentry:", PROVIDER))]
    assert "secrets-monitoring-sentry-dsn-value" not in {r.name for r in plan.of_type(SECRET_VERSION)}
    assert "sentryProject" not in plan.outputs

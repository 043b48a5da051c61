"""The `socialclub:sentry` section (ErrorTrackingSettings): the backend's Sentry project, its three alert rules
and who they notify (docs/requirements.md §7.2)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator

from stackconfig.base import ConfigModel, Problem, raise_problems

SLUG = r"^[a-z0-9][a-z0-9_-]{0,49}$"
"""Sentry's slugs: lowercase letters, digits, `-` and `_`, at most 50 characters."""

# Sentry accepts only these metric-alert windows, in minutes (the alert rule form's "time interval" choices).
MetricWindow = Literal[1, 5, 10, 15, 30, 60, 120, 240, 1440]


class SlackTarget(ConfigModel):
    """A Slack channel reached through Sentry's Slack integration."""

    integration_id: int = Field(gt=0)
    """Sentry's id of the organization's Slack integration (Settings > Integrations > Slack > Configurations;
    the number in its URL), installed once by an organization owner."""
    channel: str = Field(pattern=r"^#[a-z0-9][a-z0-9._-]{0,79}$")
    """The channel the alerts go to, `#name` (Slack channel names are lowercase)."""


class RuleThrottle(ConfigModel):
    """How often an issue alert may notify."""

    frequency_minutes: int = Field(default=30, ge=5, le=43200)
    """Notify at most once per issue in this many minutes (Sentry accepts 5 minutes to 30 days)."""


class SpikeRule(ConfigModel):
    """The error-spike metric alert."""

    errors: int = Field(default=100, ge=1)
    """Errors of the whole project within `windowMinutes` that count as a spike (default 100)."""
    window_minutes: MetricWindow = 60
    """The counting window in minutes (default 60; Sentry accepts 1, 5, 10, 15, 30, 60, 120, 240 or 1440)."""
    resolve_below: int | None = Field(default=None, ge=0)
    """Resolve once the count falls below this (default: below `errors`)."""

    @model_validator(mode="after")
    def _resolve_below_threshold(self) -> SpikeRule:
        if self.resolve_below is not None and self.resolve_below >= self.errors:
            raise_problems(
                [Problem(("resolveBelow",), self.resolve_below, f"accepted: fewer than errors ({self.errors})")]
            )
        return self


class SentryAlerts(ConfigModel):
    """The three alert rules: new issue, error spike, regression."""

    new_issue: RuleThrottle = RuleThrottle()
    """An issue seen for the first time."""
    spike: SpikeRule = SpikeRule()
    """The project's error count above a threshold in a window (a metric alert)."""
    regression: RuleThrottle = RuleThrottle()
    """A resolved issue that happens again."""


class ErrorTrackingSettings(ConfigModel):
    """The `socialclub:sentry` section: the settings of ErrorTracking."""

    enabled: bool = False
    """Manage the Sentry project, its alert rules and its DSN from this stack. Off (the default), the DSN secret
    `monitoring/sentry-dsn` is the operator's to set, as any third-party credential."""
    organization: str | None = Field(default=None, pattern=SLUG)
    """The Sentry organization's slug. Required when enabled."""
    team: str | None = Field(default=None, pattern=SLUG)
    """The slug of the team that owns the project; its members get the alert e-mails (Sentry e-mails its own
    members only, so an address of `observability.alarmEmails` must belong to a member of this team). Required
    when enabled."""
    project: str = Field(default="socialclub-backend", pattern=SLUG)
    """The project's slug (the requirements' `socialclub-backend`). One project per stack: slugs are unique in
    an organization, so two stacks of one organization need two slugs."""
    platform: str = Field(default="node-nestjs", pattern=r"^[a-z0-9-]+$")
    """Sentry's platform id of the backend (NestJS on Node.js)."""
    alerts: SentryAlerts = SentryAlerts()
    """The alert rules' throttles and the spike threshold."""
    slack: SlackTarget | None = None
    """Also post every alert to this Slack channel through Sentry's Slack integration."""
    token: SecretStr | None = None
    """The Sentry auth token the provider uses (scopes project:admin, alerts:write, team:read, org:read), set only
    with `pulumi config set --secret --path socialclub:sentry.token`. Without it the provider falls back to the
    SENTRY_AUTH_TOKEN environment variable; `make plan` reports an enabled stack that has neither in its file."""

    @model_validator(mode="after")
    def _enabled_needs_owner(self) -> ErrorTrackingSettings:
        if self.enabled:
            raise_problems(
                Problem((key,), None, "required when sentry.enabled is true; accepted: a Sentry slug")
                for key, value in (("organization", self.organization), ("team", self.team))
                if value is None
            )
        return self

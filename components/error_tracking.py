"""ErrorTracking: the backend's Sentry project, its client key (the DSN) and the requirements' three alert rules.

Sentry, not AWS: the children are resources of the Pulumiverse Sentry provider, through an explicit provider whose
token comes from the stack's secret config (`socialclub:sentry.token`), so the token is per stack, encrypted with
the stack's secrets key, and never read from a workstation's environment by accident (without it the provider
falls back to SENTRY_AUTH_TOKEN). The alert rules notify the owning team by e-mail (Sentry e-mails its members
only) and, when configured, a Slack channel through Sentry's Slack integration.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumiverse_sentry as sentry

# Rule classes of Sentry's issue-alert registry (src/sentry/rules and src/sentry/mail in getsentry/sentry).
FIRST_SEEN = "sentry.rules.conditions.first_seen_event.FirstSeenEventCondition"
REGRESSION = "sentry.rules.conditions.regression_event.RegressionEventCondition"
EMAIL_ACTION = "sentry.mail.actions.NotifyEmailAction"
SLACK_ACTION = "sentry.integrations.slack.notify_action.SlackNotifyServiceAction"
ABOVE = 0
"""Sentry's threshold type of a metric alert that fires above its threshold."""


@dataclass(frozen=True)
class SlackTarget:
    integration_id: int
    """Sentry's id of the organization's Slack integration."""
    channel: str
    """`#name`."""


@dataclass(frozen=True)
class SpikeRule:
    errors: int
    """Errors of the project within `window_minutes` that fire the alert."""
    window_minutes: int
    resolve_below: int | None = None
    """Resolve once the count falls below this; None: below `errors`."""


@dataclass(frozen=True)
class ErrorTrackingArgs:
    organization: str
    team: str
    """Slug of the team that owns the project and receives the alert e-mails."""
    project: str
    """Slug and name of the project, e.g. `socialclub-backend`."""
    platform: str
    key_name: str
    """Name of the client key whose DSN the backend reports with, e.g. `socialclub-production-backend`."""
    new_issue_frequency_minutes: int
    regression_frequency_minutes: int
    spike: SpikeRule
    slack: SlackTarget | None = None
    token: pulumi.Input[str] | None = None
    """The Sentry auth token (secret config); None: the provider reads SENTRY_AUTH_TOKEN."""


class ErrorTracking(pulumi.ComponentResource):
    """The project, its DSN (`dsn`, a secret output) and the alerts: new issue, error spike, regression."""

    dsn: pulumi.Output[str]
    project_slug: pulumi.Output[str]
    alert_names: list[str]

    def __init__(self, name: str, args: ErrorTrackingArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("socialclub:observability:ErrorTracking", name, None, opts)
        provider = sentry.Provider(
            f"{name}-sentry",
            token=pulumi.Output.secret(args.token) if args.token is not None else None,
            opts=pulumi.ResourceOptions(parent=self),
        )
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        team = sentry.get_sentry_team_output(
            organization=args.organization,
            slug=args.team,
            opts=pulumi.InvokeOptions(parent=self, provider=provider),
        )
        project = sentry.SentryProject(
            f"{name}-project",
            organization=args.organization,
            teams=[args.team],
            name=args.project,
            slug=args.project,
            platform=args.platform,
            opts=child,
        )
        self.project_slug = project.slug
        key = sentry.SentryKey(
            f"{name}-key",
            organization=args.organization,
            project=self.project_slug,
            name=args.key_name,
            opts=child,
        )
        self.dsn = pulumi.Output.secret(key.dsn_public)

        team_id = team.internal_id
        issue_actions: list[pulumi.Input[dict[str, pulumi.Input[str]]]] = [
            {"id": EMAIL_ACTION, "targetType": "Team", "targetIdentifier": team_id}
        ]
        metric_actions: list[sentry.SentryMetricAlertTriggerActionArgs] = [
            sentry.SentryMetricAlertTriggerActionArgs(type="email", target_type="team", target_identifier=team_id)
        ]
        if args.slack is not None:
            issue_actions.append(
                {"id": SLACK_ACTION, "channel": args.slack.channel, "workspace": str(args.slack.integration_id)}
            )
            metric_actions.append(
                sentry.SentryMetricAlertTriggerActionArgs(
                    type="slack",
                    target_type="specific",
                    target_identifier=args.slack.channel,
                    integration_id=args.slack.integration_id,
                )
            )

        def issue_alert(label: str, title: str, condition: str, frequency: int) -> sentry.SentryIssueAlert:
            return sentry.SentryIssueAlert(
                f"{name}-{label}",
                organization=args.organization,
                project=self.project_slug,
                name=title,
                action_match="any",
                filter_match="all",
                conditions=[{"id": condition}],
                actions=issue_actions,
                frequency=frequency,
                opts=child,
            )

        new_issue = f"{args.project}: new issue"
        regression = f"{args.project}: regression"
        spike = f"{args.project}: error spike"
        issue_alert("new-issue", new_issue, FIRST_SEEN, args.new_issue_frequency_minutes)
        issue_alert("regression", regression, REGRESSION, args.regression_frequency_minutes)
        rule = args.spike
        sentry.SentryMetricAlert(
            f"{name}-spike",
            organization=args.organization,
            project=self.project_slug,
            name=spike,
            dataset="events",
            query="event.type:error",
            aggregate="count()",
            time_window=rule.window_minutes,
            threshold_type=ABOVE,
            resolve_threshold=rule.resolve_below,
            triggers=[
                sentry.SentryMetricAlertTriggerArgs(
                    label="critical",
                    alert_threshold=rule.errors,
                    threshold_type=ABOVE,
                    resolve_threshold=rule.resolve_below,
                    actions=metric_actions,
                )
            ],
            opts=child,
        )
        self.alert_names = [new_issue, spike, regression]
        self.register_outputs({"projectSlug": self.project_slug, "dsn": self.dsn, "alertNames": self.alert_names})

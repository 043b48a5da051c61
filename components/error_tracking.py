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

from stackconfig.sentry import ErrorTrackingSettings

# Rule classes of Sentry's issue-alert registry (src/sentry/rules and src/sentry/mail in getsentry/sentry).
FIRST_SEEN = "sentry.rules.conditions.first_seen_event.FirstSeenEventCondition"
REGRESSION = "sentry.rules.conditions.regression_event.RegressionEventCondition"
EMAIL_ACTION = "sentry.mail.actions.NotifyEmailAction"
SLACK_ACTION = "sentry.integrations.slack.notify_action.SlackNotifyServiceAction"
ABOVE = 0
"""Sentry's threshold type of a metric alert that fires above its threshold."""


@dataclass(frozen=True)
class ErrorTrackingArgs:
    key_name: str
    """Name of the client key whose DSN the backend reports with, e.g. `socialclub-production-backend`."""
    settings: ErrorTrackingSettings
    """The organization, team, project, alert rules and token (the `socialclub:sentry` section); no default:
    the organization and the team have none."""


class ErrorTracking(pulumi.ComponentResource):
    """The project, its DSN (`dsn`, a secret output) and the alerts: new issue, error spike, regression."""

    dsn: pulumi.Output[str]
    project_slug: pulumi.Output[str]
    alert_names: list[str]

    def __init__(self, name: str, args: ErrorTrackingArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("socialclub:observability:ErrorTracking", name, None, opts)
        settings = args.settings
        organization, team_slug = settings.organization, settings.team
        if organization is None or team_slug is None:
            raise ValueError(f"ErrorTracking {name}: the settings name no organization or no team")
        token = settings.token.get_secret_value() if settings.token is not None else None
        provider = sentry.Provider(
            f"{name}-sentry",
            token=pulumi.Output.secret(token) if token is not None else None,
            opts=pulumi.ResourceOptions(parent=self),
        )
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        team = sentry.get_sentry_team_output(
            organization=organization,
            slug=team_slug,
            opts=pulumi.InvokeOptions(parent=self, provider=provider),
        )
        project = sentry.SentryProject(
            f"{name}-project",
            organization=organization,
            teams=[team_slug],
            name=settings.project,
            slug=settings.project,
            platform=settings.platform,
            opts=child,
        )
        self.project_slug = project.slug
        key = sentry.SentryKey(
            f"{name}-key",
            organization=organization,
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
        slack = settings.slack
        if slack is not None:
            issue_actions.append({"id": SLACK_ACTION, "channel": slack.channel, "workspace": str(slack.integration_id)})
            metric_actions.append(
                sentry.SentryMetricAlertTriggerActionArgs(
                    type="slack",
                    target_type="specific",
                    target_identifier=slack.channel,
                    integration_id=slack.integration_id,
                )
            )

        def issue_alert(label: str, title: str, condition: str, frequency: int) -> sentry.SentryIssueAlert:
            return sentry.SentryIssueAlert(
                f"{name}-{label}",
                organization=organization,
                project=self.project_slug,
                name=title,
                action_match="any",
                filter_match="all",
                conditions=[{"id": condition}],
                actions=issue_actions,
                frequency=frequency,
                opts=child,
            )

        new_issue = f"{settings.project}: new issue"
        regression = f"{settings.project}: regression"
        spike = f"{settings.project}: error spike"
        issue_alert("new-issue", new_issue, FIRST_SEEN, settings.alerts.new_issue.frequency_minutes)
        issue_alert("regression", regression, REGRESSION, settings.alerts.regression.frequency_minutes)
        rule = settings.alerts.spike
        sentry.SentryMetricAlert(
            f"{name}-spike",
            organization=organization,
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

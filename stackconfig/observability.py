"""The `socialclub:observability` section: who is alerted, where (AlertTopicSettings), and the alarm thresholds
(MonitoringSettings); the section is both, so the components take it as it is."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pydantic import Field, model_validator

from stackconfig.aws_facts import INSTANCE_CLASS_MEMORY_GIB
from stackconfig.base import ConfigModel, Problem, raise_problems

EMAIL = r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$"


class SlackConfig(ConfigModel):
    """AWS Chatbot delivery of the alert topic to one Slack channel."""

    workspace_id: str = Field(pattern=r"^T[A-Z0-9]{8,}$")
    """Slack workspace (team) id, e.g. T07EA123LEP, shown by the Chatbot console once the workspace is authorised
    there (a one-time manual step per account). No default."""
    channel_id: str = Field(pattern=r"^[CG][A-Z0-9]{8,}$")
    """Slack channel id, e.g. C07EZ1ABC23 (channel details in Slack). No default."""


class AlarmThresholds(ConfigModel):
    """Where each alarm fires (`observability.thresholds`); the defaults are the figures of docs/requirements.md
    §7.1 and, where it names none, the on-call additions'. An alarm fires when its metric is above (free
    storage: below) the value for the periods its AlarmSpec says."""

    ecs_cpu_percent: float = Field(default=80, gt=0, lt=100)
    """Backend CPU, % of the tasks' reservation, above which the alarm fires (default 80)."""
    ecs_memory_percent: float = Field(default=85, gt=0, lt=100)
    """Backend memory, % of the tasks' reservation, above which the alarm fires (default 85)."""
    db_connections_percent: float = Field(default=80, gt=0, lt=100)
    """PostgreSQL connections, % of max_connections, above which the alarm fires (default 80)."""
    db_storage_used_percent: float = Field(default=80, gt=0, lt=100)
    """Share of the configured storage used, %, above which the alarm fires (default 80)."""
    db_cpu_percent: float = Field(default=80, gt=0, lt=100)
    """Database CPU, %, above which the alarm fires (default 80)."""
    error_rate_percent: float = Field(default=1, gt=0, lt=100)
    """Backend 5xx, % of requests, above which the alarm fires (default 1)."""
    error_rate_min_requests: int = Field(default=100, ge=1)
    """Requests per 5 minutes below which the error rate is not judged (default 100: one error in 20 requests
    is not 5%)."""
    alb_5xx_count: int = Field(default=10, ge=0)
    """502/503/504 the load balancer itself returned in 5 minutes above which the alarm fires (default 10)."""
    p99_latency_seconds: float = Field(default=2.0, gt=0, le=60)
    """p99 backend response time in seconds above which the alarm fires, the "ALB response time" alarm
    (default 2)."""
    redis_engine_cpu_percent: float = Field(default=90, gt=0, lt=100)
    """Redis engine CPU, %, above which the alarm fires (default 90)."""
    redis_memory_percent: float = Field(default=80, gt=0, lt=100)
    """Redis memory used, % of maxmemory, above which the alarm fires (default 80)."""
    redis_evictions: int = Field(default=0, ge=0)
    """Evicted keys per 5 minutes above which the alarm fires (default 0: any eviction)."""
    dynamodb_throttle_events: int = Field(default=0, ge=0)
    """Throttle events per minute on a table above which it counts as throttled (default 0: any)."""


class AlertTopicSettings(ConfigModel):
    """Who the alert topic reaches: e-mail addresses and, optionally, a Slack channel."""

    alarm_emails: list[str] = Field(default_factory=list)
    """Addresses subscribed to the alert topic; each confirms once from the e-mail SNS sends (default none)."""
    slack: SlackConfig | None = None
    """Slack channel for the alerts through AWS Chatbot (default none)."""


class MonitoringSettings(ConfigModel):
    """What the alarms, and the thresholds the dashboards draw, are judged against."""

    db_max_connections: int | None = Field(default=None, ge=1, le=262_143)
    """PostgreSQL max_connections when a parameter group sets it; default: derived from the instance class."""
    thresholds: AlarmThresholds = AlarmThresholds()
    """Where each alarm fires."""


class ObservabilityConfig(AlertTopicSettings, MonitoringSettings):
    """The `socialclub:observability` section: the alert topic's settings and the alarms' in one."""

    @model_validator(mode="after")
    def _reachable(self) -> ObservabilityConfig:
        raise_problems(self._problems())
        return self

    def _problems(self) -> Iterator[Problem]:
        seen: set[str] = set()
        for i, email in enumerate(self.alarm_emails):
            if not re.match(EMAIL, email):
                yield Problem(("alarmEmails", i), email, "accepted: an e-mail address such as oncall@example.com")
            elif email.lower() in seen:
                yield Problem(("alarmEmails", i), email, "listed twice; SNS keeps one subscription per address")
            seen.add(email.lower())
        if not self.alarm_emails and self.slack is None:
            yield Problem(
                ("alarmEmails",),
                [],
                "alarms would reach nobody: list at least one address, or configure slack",
            )


def observability_problems(database_instance_class: str, observability: ObservabilityConfig) -> Iterator[Problem]:
    """Cross-section rule: the connections alarm needs max_connections, from the class or given explicitly."""
    if observability.db_max_connections is None and database_instance_class not in INSTANCE_CLASS_MEMORY_GIB:
        yield Problem(
            ("observability", "dbMaxConnections"),
            None,
            f"the memory of {database_instance_class} (socialclub:database.instanceClass) is not in the alarm's "
            "table; set dbMaxConnections to the instance's `SHOW max_connections`",
        )

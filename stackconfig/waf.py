"""The `socialclub:waf` section: AWS WAF in front of both entry points, CloudFront (the app) and the ALB (the API)."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from stackconfig.aws_facts import WAF_RATE_LIMIT_MAX, WAF_RATE_LIMIT_MIN
from stackconfig.base import ConfigModel, Problem, RetentionDays


class WebAclSettings(ConfigModel):
    """The `socialclub:waf` section: AWS WAF web ACLs in front of CloudFront and the ALB (docs/requirements.md §6)."""

    enabled: bool = False
    """Put a web ACL in front of the CloudFront distribution and another in front of the ALB (AWS managed rule
    groups: IP reputation, common rule set, known bad inputs, plus SQL injection on the API; a per-IP rate
    limit; logs). Default false; production must set true. A `frontend.webAclArn` replaces the distribution's
    ACL with that existing one (the ALB still gets this stack's)."""
    rate_limit: int = Field(default=2000, ge=WAF_RATE_LIMIT_MIN, le=WAF_RATE_LIMIT_MAX)
    """Requests one client IP may send in 5 minutes before WAF blocks it, on each entry point (default 2,000,
    about 7 a second; AWS accepts 10-2,000,000,000)."""
    log_retention_days: RetentionDays = 90
    """Days the WAF logs (every request each ACL inspected, Authorization and Cookie redacted) are kept
    (default 90; a CloudWatch Logs retention)."""


def production_waf_problems(waf: WebAclSettings) -> Iterator[Problem]:
    """Rules only production has, located from the config root (StackConfig._problems calls this)."""
    if not waf.enabled:
        yield Problem(
            ("waf", "enabled"),
            waf.enabled,
            "production serves the app and the API from the internet behind AWS WAF; set waf.enabled: true",
        )

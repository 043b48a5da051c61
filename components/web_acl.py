"""WebAcl: an AWS WAF (v2) web ACL of AWS managed rule groups and a per-IP rate limit, logging to CloudWatch Logs.

One ACL protects one kind of entry point: scope CLOUDFRONT for distributions (the ACL lives in us-east-1 and a
distribution names it in `web_acl_id`), scope REGIONAL for load balancers (`LoadBalancer.attach_web_acl`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import pulumi
import pulumi_aws as aws

from stackconfig.aws_facts import (
    CLOUDFRONT_REGION,
    WAF_BASE_CAPACITY,
    WAF_LOG_GROUP_PREFIX,
    WAF_MANAGED_RULE_GROUP_CAPACITY,
    WAF_RATE_RULE_CAPACITY,
)
from stackconfig.waf import WebAclSettings

Scope = Literal["CLOUDFRONT", "REGIONAL"]

EDGE_RULE_GROUPS: tuple[str, ...] = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
)
"""Known-bad sources first, then the OWASP-style baseline and the known exploit patterns (Log4j and the like)."""
API_RULE_GROUPS: tuple[str, ...] = (*EDGE_RULE_GROUPS, "AWSManagedRulesSQLiRuleSet")
"""The edge's groups plus SQL injection: the API talks to PostgreSQL, the static site does not."""

RATE_WINDOW_SECONDS = 300
RATE_RULE_NAME = "rate-limit-per-ip"
REDACTED_HEADERS: tuple[str, ...] = ("authorization", "cookie")
"""Credentials never reach the logs: the bearer token and the session cookie are replaced by REDACTED."""


def capacity(rule_groups: Sequence[str]) -> int:
    """The WCUs an ACL of these managed groups and the rate rule uses."""
    return WAF_RATE_RULE_CAPACITY + sum(WAF_MANAGED_RULE_GROUP_CAPACITY[group] for group in rule_groups)


def metric_name(*parts: str) -> str:
    """CloudWatch metric names of WAF allow letters, digits, `-` and `_` (at most 128)."""
    return "-".join(parts)[:128]


def _visibility(name: str) -> aws.wafv2.WebAclRuleVisibilityConfigArgs:
    return aws.wafv2.WebAclRuleVisibilityConfigArgs(
        cloudwatch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
    )


def managed_rule(group: str, priority: int, acl_name: str) -> aws.wafv2.WebAclRuleArgs:
    """An AWS managed rule group with its own actions (override none: its blocking rules block)."""
    return aws.wafv2.WebAclRuleArgs(
        name=group,
        priority=priority,
        # The SDK declares this empty block's constructor without annotations.
        override_action=aws.wafv2.WebAclRuleOverrideActionArgs(none=aws.wafv2.WebAclRuleOverrideActionNoneArgs()),  # type: ignore[no-untyped-call]
        statement=aws.wafv2.WebAclRuleStatementArgs(
            managed_rule_group_statement=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs(
                name=group, vendor_name="AWS"
            )
        ),
        visibility_config=_visibility(metric_name(acl_name, group)),
    )


def rate_rule(limit: int, priority: int, acl_name: str) -> aws.wafv2.WebAclRuleArgs:
    """Block a client IP for as long as it sends more than `limit` requests in the trailing 5 minutes."""
    return aws.wafv2.WebAclRuleArgs(
        name=RATE_RULE_NAME,
        priority=priority,
        action=aws.wafv2.WebAclRuleActionArgs(block=aws.wafv2.WebAclRuleActionBlockArgs()),
        statement=aws.wafv2.WebAclRuleStatementArgs(
            rate_based_statement=aws.wafv2.WebAclRuleStatementRateBasedStatementArgs(
                limit=limit, aggregate_key_type="IP", evaluation_window_sec=RATE_WINDOW_SECONDS
            )
        ),
        visibility_config=_visibility(metric_name(acl_name, RATE_RULE_NAME)),
    )


@dataclass(frozen=True)
class WebAclArgs:
    name: str
    """The ACL's name, also the root of its metric names and its log group, e.g. `socialclub-production-api`."""
    scope: Scope
    """CLOUDFRONT (created in us-east-1, whatever the stack's region) or REGIONAL (the stack's region: ALB)."""
    kms_key_arn: pulumi.Input[str] | None
    """Encrypts the log group; its key policy must let CloudWatch Logs use it for `aws-waf-logs-<name>`. None:
    CloudWatch Logs' own encryption (a CLOUDFRONT ACL of a stack outside us-east-1, whose key is regional)."""
    rule_groups: Sequence[str] = EDGE_RULE_GROUPS
    """AWS managed rule groups, evaluated in this order after the rate rule; default the edge's three."""
    description: str = "AWS managed rule groups and a per-IP rate limit"
    """The ACL's description (default says what it holds)."""
    settings: WebAclSettings = field(default_factory=WebAclSettings)
    """The rate limit and the log retention (default 2,000 requests per IP in 5 minutes, logs kept 90 days);
    `enabled` is the stack's to read, not the ACL's."""


class WebAcl(pulumi.ComponentResource):
    """The ACL, its log group and its logging configuration."""

    arn: pulumi.Output[str]
    id: pulumi.Output[str]
    log_group_name: pulumi.Output[str]

    def __init__(self, name: str, args: WebAclArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("socialclub:edge:WebAcl", name, None, opts)
        unknown = sorted(set(args.rule_groups) - set(WAF_MANAGED_RULE_GROUP_CAPACITY))
        if unknown:
            known = sorted(WAF_MANAGED_RULE_GROUP_CAPACITY)
            raise ValueError(f"WebAcl {name}: unknown managed rule groups {unknown}; known: {known}")
        if capacity(args.rule_groups) > WAF_BASE_CAPACITY:
            used = capacity(args.rule_groups)
            raise ValueError(f"WebAcl {name}: {used} WCUs exceed the {WAF_BASE_CAPACITY} of the base request price")
        child = pulumi.ResourceOptions(parent=self)
        region = CLOUDFRONT_REGION if args.scope == "CLOUDFRONT" else None
        rules = [rate_rule(args.settings.rate_limit, 0, args.name)] + [
            managed_rule(group, priority, args.name) for priority, group in enumerate(args.rule_groups, start=1)
        ]
        acl = aws.wafv2.WebAcl(
            f"{name}-acl",
            name=args.name,
            description=args.description,
            scope=args.scope,
            default_action=aws.wafv2.WebAclDefaultActionArgs(allow=aws.wafv2.WebAclDefaultActionAllowArgs()),
            rules=rules,
            visibility_config=aws.wafv2.WebAclVisibilityConfigArgs(
                cloudwatch_metrics_enabled=True, metric_name=metric_name(args.name), sampled_requests_enabled=True
            ),
            region=region,
            opts=child,
        )
        logs = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"{WAF_LOG_GROUP_PREFIX}{args.name}",
            retention_in_days=args.settings.log_retention_days,
            kms_key_id=args.kms_key_arn,
            region=region,
            opts=child,
        )
        aws.wafv2.WebAclLoggingConfiguration(
            f"{name}-logging",
            resource_arn=acl.arn,
            log_destination_configs=[logs.arn],
            redacted_fields=[
                aws.wafv2.WebAclLoggingConfigurationRedactedFieldArgs(
                    single_header=aws.wafv2.WebAclLoggingConfigurationRedactedFieldSingleHeaderArgs(name=header)
                )
                for header in REDACTED_HEADERS
            ],
            region=region,
            opts=child,
        )
        self.arn = acl.arn
        self.id = acl.id
        self.log_group_name = logs.name
        self.register_outputs({"arn": self.arn, "id": self.id, "logGroupName": self.log_group_name})

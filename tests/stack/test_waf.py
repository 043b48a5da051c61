"""Both stacks put AWS WAF in front of CloudFront and the ALB, with encrypted logs; `socialclub:waf.enabled: false`
removes it and `frontend.webAclArn` swaps in an existing CloudFront ACL."""

from __future__ import annotations

import json
from typing import Any

import pytest

from offline.harness import Plan
from tests.support import inputs, stack_config, stack_plan
from tests.support.config import run_with
from tests.support.edge import DISTRIBUTION

STACKS = ("staging", "production")
ACL = "aws:wafv2/webAcl:WebAcl"
ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
EXISTING_ACL = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/shared/11111111-2222-3333-4444-555555555555"


def acl_of_scope(plan: Plan, scope: str) -> dict[str, Any]:
    (acl,) = [r for r in plan.of_type(ACL) if inputs(r)["scope"] == scope]
    return {"inputs": inputs(acl), "arn": acl.outputs["arn"], "urn": acl.urn}


@pytest.mark.parametrize("stack", STACKS)
def test_cloudfront_and_the_alb_are_each_behind_their_own_acl(stack: str) -> None:
    plan = stack_plan(stack)
    edge, api = acl_of_scope(plan, "CLOUDFRONT"), acl_of_scope(plan, "REGIONAL")
    assert inputs(plan.one(DISTRIBUTION))["webAclId"] == edge["arn"]
    association = inputs(plan.one(ASSOCIATION))
    assert association["webAclArn"] == api["arn"]
    assert association["resourceArn"] == plan.one("aws:lb/loadBalancer:LoadBalancer").outputs["arn"]
    assert edge["inputs"]["region"] == "us-east-1"
    limit = stack_config(stack).waf.rate_limit
    for acl in (edge, api):
        (rate,) = [r for r in acl["inputs"]["rules"] if "rateBasedStatement" in r["statement"]]
        assert rate["statement"]["rateBasedStatement"]["limit"] == limit
    # The rate limit first, then AWS's managed groups; the API's ACL adds SQL injection (the database is behind it).
    edge_groups = [
        "AWSManagedRulesAmazonIpReputationList",
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
    ]
    for acl, groups in ((edge, edge_groups), (api, [*edge_groups, "AWSManagedRulesSQLiRuleSet"])):
        rules = sorted(acl["inputs"]["rules"], key=lambda r: r["priority"])
        assert [r["statement"].get("managedRuleGroupStatement", {}).get("name") for r in rules] == [None, *groups]
        assert [r["priority"] for r in rules] == list(range(len(groups) + 1))


@pytest.mark.parametrize("stack", STACKS)
def test_each_acl_logs_to_a_group_the_stack_key_encrypts(stack: str) -> None:
    plan = stack_plan(stack)
    key = next(k for k in plan.of_type("aws:kms/key:Key") if "region" not in inputs(k))
    log_statement = next(
        s
        for s in json.loads(inputs(key)["policy"])["Statement"]
        if s.get("Principal") == {"Service": "logs.us-east-1.amazonaws.com"}
    )
    encryptable = json.dumps(log_statement["Condition"])
    groups = {g.outputs["arn"]: g for g in plan.of_type(LOG_GROUP)}
    logged = {inputs(c)["resourceArn"]: inputs(c)["logDestinationConfigs"] for c in plan.of_type(LOGGING)}
    assert set(logged) == {r.outputs["arn"] for r in plan.of_type(ACL)}
    for (destination,) in logged.values():
        group = inputs(groups[destination])
        assert group["name"].startswith(f"aws-waf-logs-socialclub-{stack}-")
        assert group["kmsKeyId"] == key.outputs["arn"]
        assert group["retentionInDays"] == stack_config(stack).waf.log_retention_days
        assert f"log-group:aws-waf-logs-socialclub-{stack}*" in encryptable


def test_the_switch_off_leaves_no_waf_resource_and_no_acl_on_the_distribution() -> None:
    plan = run_with("staging", waf={"enabled": False})
    assert [r.type for r in plan.resources if r.type.startswith("aws:wafv2/")] == []
    assert "webAclId" not in inputs(plan.one(DISTRIBUTION))


def test_an_existing_cloudfront_acl_replaces_the_stacks_own_the_alb_keeps_its_acl() -> None:
    plan = run_with("production", frontend={"webAclArn": EXISTING_ACL})
    assert inputs(plan.one(DISTRIBUTION))["webAclId"] == EXISTING_ACL
    assert [inputs(r)["scope"] for r in plan.of_type(ACL)] == ["REGIONAL"]

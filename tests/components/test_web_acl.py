"""WebAcl under mocks: managed rule groups and a per-IP rate limit in a fixed order, logs under aws-waf-logs-* with
credentials redacted, CloudFront's ACL in us-east-1; and LoadBalancer.attach_web_acl."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from components.load_balancer import LoadBalancer, LoadBalancerArgs
from components.log_bucket import ALB_PREFIX, LogBucket, LogBucketArgs
from components.web_acl import API_RULE_GROUPS, EDGE_RULE_GROUPS, WebAcl, WebAclArgs, capacity
from offline.harness import Plan
from stackconfig.waf import WebAclSettings
from tests.support import aws_context, inputs, run_component
from tests.support.edge import KEY_ARN

ACL = "aws:wafv2/webAcl:WebAcl"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"


def build(**overrides: Any) -> Plan:
    """Overrides of WebAclSettings fields (camelCase or not) go to `settings`, the others to the Args."""
    settings = {k: v for k, v in overrides.items() if k in WebAclSettings.model_fields}
    wiring = {k: v for k, v in overrides.items() if k not in settings}
    args = WebAclArgs(name="sc-test-api", scope="REGIONAL", kms_key_arn=KEY_ARN, rule_groups=API_RULE_GROUPS)
    return run_component(
        lambda: WebAcl("waf", replace(args, settings=WebAclSettings.model_validate(settings), **wiring))
    )


@pytest.fixture(scope="module")
def regional() -> Plan:
    return build(rate_limit=500, log_retention_days=30)


def rules(plan: Plan) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = sorted(inputs(plan.one(ACL))["rules"], key=lambda r: r["priority"])
    return found


def test_the_rate_rule_comes_first_then_the_managed_groups_in_order(regional: Plan) -> None:
    rate, *managed = rules(regional)
    assert rate["name"] == "rate-limit-per-ip" and rate["action"] == {"block": {}}
    assert rate["statement"] == {
        "rateBasedStatement": {"limit": 500, "aggregateKeyType": "IP", "evaluationWindowSec": 300}
    }
    assert [r["priority"] for r in rules(regional)] == list(range(len(API_RULE_GROUPS) + 1))
    assert [r["statement"]["managedRuleGroupStatement"] for r in managed] == [
        {"name": group, "vendorName": "AWS"} for group in API_RULE_GROUPS
    ]
    # Override "none": the groups' own block actions apply (a "count" override would only observe).
    assert all(r["overrideAction"] == {"none": {}} for r in managed)


def test_the_api_has_known_bad_inputs_ip_reputation_and_sql_injection_the_edge_no_sql() -> None:
    assert {"AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesAmazonIpReputationList"} <= set(EDGE_RULE_GROUPS)
    assert set(API_RULE_GROUPS) - set(EDGE_RULE_GROUPS) == {"AWSManagedRulesSQLiRuleSet"}
    assert capacity(API_RULE_GROUPS) <= 1500


def test_everything_else_is_allowed_and_every_rule_has_metrics_and_samples(regional: Plan) -> None:
    acl = inputs(regional.one(ACL))
    assert (acl["name"], acl["scope"], acl["defaultAction"]) == ("sc-test-api", "REGIONAL", {"allow": {}})
    assert "region" not in acl, "a regional ACL lives in the stack's region"
    configs = [acl["visibilityConfig"], *(r["visibilityConfig"] for r in rules(regional))]
    assert all(c["cloudwatchMetricsEnabled"] and c["sampledRequestsEnabled"] for c in configs)
    names = [c["metricName"] for c in configs]
    assert len(set(names)) == len(names) and all(n.startswith("sc-test-api") for n in names)


def test_logs_go_to_an_encrypted_aws_waf_logs_group_without_credentials(regional: Plan) -> None:
    group = regional.one(LOG_GROUP)
    assert inputs(group)["name"] == "aws-waf-logs-sc-test-api"
    assert (inputs(group)["kmsKeyId"], inputs(group)["retentionInDays"]) == (KEY_ARN, 30)
    logging = inputs(regional.one(LOGGING))
    assert logging["resourceArn"] == regional.one(ACL).outputs["arn"]
    assert logging["logDestinationConfigs"] == [group.outputs["arn"]]
    assert logging["redactedFields"] == [
        {"singleHeader": {"name": "authorization"}},
        {"singleHeader": {"name": "cookie"}},
    ]


def test_a_cloudfront_acl_and_its_logs_are_created_in_us_east_1_whatever_the_stack_region() -> None:
    plan = build(scope="CLOUDFRONT", rule_groups=EDGE_RULE_GROUPS, kms_key_arn=None)
    for type_token in (ACL, LOG_GROUP, LOGGING):
        assert inputs(plan.one(type_token))["region"] == "us-east-1", type_token
    assert ":global/webacl/" in plan.one(ACL).outputs["arn"]
    assert "kmsKeyId" not in inputs(plan.one(LOG_GROUP))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"rule_groups": ["AWSManagedRulesBotControlRuleSet"]}, "unknown managed rule groups"),
        ({"rate_limit": 9}, "greater than or equal to 10"),
    ],
)
def test_bad_arguments_are_refused_by_name(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(Exception, match=message):
        build(**overrides)


def test_the_load_balancer_attaches_a_regional_acl() -> None:
    acl_arn = f"arn:aws:wafv2:us-east-1:123456789012:regional/webacl/sc-test-api/{'0' * 8}"

    def lb() -> None:
        logs = LogBucket("logs", LogBucketArgs(context=aws_context(), name_prefix="sc-test"))
        balancer = LoadBalancer(
            "api",
            LoadBalancerArgs(
                context=aws_context(),
                vpc_id="vpc-1",
                subnet_ids=["subnet-a", "subnet-b"],
                certificate_arn="arn:aws:acm:us-east-1:123456789012:certificate/c",
                access_logs=logs.target(ALB_PREFIX),
            ),
        )
        balancer.attach_web_acl(acl_arn)

    plan = run_component(lb)
    association = plan.one(ASSOCIATION)
    assert inputs(association)["resourceArn"] == plan.one("aws:lb/loadBalancer:LoadBalancer").outputs["arn"]
    assert inputs(association)["webAclArn"] == acl_arn
    assert association.parent == plan.one("socialclub:edge:LoadBalancer").urn

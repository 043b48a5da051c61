"""The alert topic: encryption, who may publish, TLS only, e-mail and Slack delivery, the us-east-1 twin."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.alerting import (
    AlertTopic,
    AlertTopicArgs,
    topic_key_policy_statements,
    topic_policy_statements,
)
from components.kms_key import key_policy_statements
from offline.harness import Plan
from stackconfig.observability import AlertTopicSettings, SlackConfig
from tests.support import aws_context, inputs, run_component

KEY = "arn:aws:kms:us-east-1:123456789012:key/stack-key"
ACCOUNT = "123456789012"
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:socialclub-test-alerts"


def by_sid(statements: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in statements}


def test_topic_policy_lets_only_this_stacks_alarms_and_rules_publish() -> None:
    policy = by_sid(
        topic_policy_statements(
            topic_arn=TOPIC_ARN, account_id=ACCOUNT, region="us-east-1", partition="aws", name_prefix="socialclub-test"
        )
    )
    alarms = policy["CloudWatchAlarmsOfThisStackPublish"]
    assert alarms["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert alarms["Action"] == ["sns:Publish"]
    assert alarms["Resource"] == [TOPIC_ARN]
    assert alarms["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnLike": {"aws:SourceArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:socialclub-test-*"},
    }
    rules = policy["EventBridgeRulesOfThisStackPublish"]
    assert rules["Principal"] == {"Service": "events.amazonaws.com"}
    assert rules["Condition"]["ArnLike"] == {
        "aws:SourceArn": "arn:aws:events:us-east-1:123456789012:rule/socialclub-test-*"
    }
    assert rules["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    tls = policy["DenyWithoutTls"]
    assert tls["Effect"] == "Deny"
    assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    # Every action on a topic: none may be used without TLS.
    assert tls["Action"] == [
        "sns:AddPermission",
        "sns:DeleteTopic",
        "sns:GetDataProtectionPolicy",
        "sns:GetTopicAttributes",
        "sns:ListSubscriptionsByTopic",
        "sns:ListTagsForResource",
        "sns:Publish",
        "sns:PutDataProtectionPolicy",
        "sns:RemovePermission",
        "sns:SetTopicAttributes",
        "sns:Subscribe",
    ]
    assert (tls["Principal"], tls["Resource"]) == ({"AWS": "*"}, [TOPIC_ARN])
    assert all(s["Effect"] == "Deny" or "Condition" in s for s in policy.values())


def test_the_stack_key_lets_alarms_and_events_encrypt_for_the_topic() -> None:
    """SNS asks the publisher's service for GenerateDataKey/Decrypt: the stack key must allow both services."""
    statements = key_policy_statements(
        account_id=ACCOUNT, region="us-east-1", partition="aws", log_group_prefixes=[], alarm_prefix="sc-"
    )
    topic = topic_key_policy_statements(account_id=ACCOUNT, region="us-east-1", partition="aws", alarm_prefix="sc-")
    for policy in (statements, topic):
        alarms = by_sid(policy)["AlarmsPublishToEncryptedTopics"]
        assert alarms["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
        assert alarms["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
        assert alarms["Condition"] == {
            "StringEquals": {"aws:SourceAccount": ACCOUNT},
            "ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:sc-*"},
        }
        events = by_sid(policy)["EventBridgePublishesToEncryptedTopics"]
        assert events["Principal"] == {"Service": "events.amazonaws.com"}
        assert events["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
        # SNS does not support aws:SourceAccount/SourceArn for EventBridge to an encrypted topic: with any
        # condition on the source, the rule's deliveries fail.
        assert "Condition" not in events


def topic_plan(
    emails: tuple[str, ...] = ("oncall@example.com", "team@example.com"),
    slack: SlackConfig | None = None,
    **overrides: Any,
) -> Plan:
    def build() -> None:
        fields: dict[str, Any] = {
            "context": aws_context(),
            "name_prefix": "socialclub-test",
            "kms_key_arn": KEY,
            "settings": AlertTopicSettings(alarm_emails=list(emails), slack=slack),
        }
        AlertTopic("alerts", AlertTopicArgs(**(fields | overrides)))

    return run_component(build)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return topic_plan()


def test_topic_is_encrypted_with_the_stack_key(plan: Plan) -> None:
    topic = inputs(plan.one("aws:sns/topic:Topic"))
    assert topic["kmsMasterKeyId"] == KEY
    assert topic["name"] == "socialclub-test-alerts"
    assert not plan.of_type("aws:kms/key:Key")


def test_topic_policy_is_attached_to_the_topic(plan: Plan) -> None:
    topic = plan.one("aws:sns/topic:Topic")
    policy = inputs(plan.one("aws:sns/topicPolicy:TopicPolicy"))
    assert policy["arn"] == topic.outputs["arn"]
    sids = {s["Sid"] for s in json.loads(policy["policy"])["Statement"]}
    assert sids == {"CloudWatchAlarmsOfThisStackPublish", "EventBridgeRulesOfThisStackPublish", "DenyWithoutTls"}


def test_one_email_subscription_per_address(plan: Plan) -> None:
    topic_arn = plan.one("aws:sns/topic:Topic").outputs["arn"]
    subs = [inputs(s) for s in plan.of_type("aws:sns/topicSubscription:TopicSubscription")]
    assert sorted((s["protocol"], s["endpoint"]) for s in subs) == [
        ("email", "oncall@example.com"),
        ("email", "team@example.com"),
    ]
    assert {s["topic"] for s in subs} == {topic_arn}
    assert not plan.of_type("aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration")


def test_slack_goes_through_chatbot_with_a_read_only_guardrail() -> None:
    plan = topic_plan(emails=(), slack=SlackConfig(workspace_id="T0123456789", channel_id="C0123456789"))
    topic_arn = plan.one("aws:sns/topic:Topic").outputs["arn"]
    config = inputs(plan.one("aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration"))
    assert (config["slackTeamId"], config["slackChannelId"]) == ("T0123456789", "C0123456789")
    assert config["snsTopicArns"] == [topic_arn]
    assert config["region"] == "us-east-2"
    policy = plan.one("aws:iam/policy:Policy")
    # without an explicit guardrail Chatbot applies AdministratorAccess
    assert config["guardrailPolicyArns"] == [policy.outputs["arn"]]
    role = plan.one("aws:iam/role:Role")
    assert config["iamRoleArn"] == role.outputs["arn"]
    trust = json.loads(inputs(role)["assumeRolePolicy"])["Statement"]
    assert [s["Principal"] for s in trust] == [{"Service": "chatbot.amazonaws.com"}]
    statements = {s["Sid"]: s for s in json.loads(inputs(policy)["policy"])["Statement"]}
    # The channel reads this stack's alarms only, and the metric graphs (which have no resource-level permission).
    assert statements["ThisStacksAlarms"]["Action"] == ["cloudwatch:DescribeAlarms"]
    assert statements["ThisStacksAlarms"]["Resource"] == ["arn:aws:cloudwatch:*:123456789012:alarm:socialclub-test-*"]
    assert statements["MetricGraphs"]["Action"] == [
        "cloudwatch:GetMetricData",
        "cloudwatch:GetMetricStatistics",
        "cloudwatch:GetMetricWidgetImage",
    ]
    assert set(statements) == {"ThisStacksAlarms", "MetricGraphs"}
    assert config["loggingLevel"] == "ERROR"
    attachment = inputs(plan.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment"))
    assert attachment["policyArn"] == policy.outputs["arn"]


def test_a_topic_in_another_region_gets_its_own_key_there() -> None:
    plan = topic_plan(kms_key_arn=None, region="eu-west-1", emails=("oncall@example.com",))
    key = plan.one("aws:kms/key:Key")
    topic = inputs(plan.one("aws:sns/topic:Topic"))
    assert topic["kmsMasterKeyId"] == key.outputs["arn"]
    assert topic["region"] == inputs(key)["region"] == "eu-west-1"
    assert topic["name"] == "socialclub-test-alerts-eu-west-1"
    assert (inputs(key)["enableKeyRotation"], inputs(key)["rotationPeriodInDays"]) == (True, 365)
    assert inputs(key)["deletionWindowInDays"] == 30
    for token in ("aws:sns/topicPolicy:TopicPolicy", "aws:sns/topicSubscription:TopicSubscription"):
        assert inputs(plan.one(token))["region"] == "eu-west-1"
    statements = json.loads(inputs(plan.one("aws:sns/topicPolicy:TopicPolicy"))["policy"])["Statement"]
    alarms = next(s for s in statements if s["Sid"] == "CloudWatchAlarmsOfThisStackPublish")
    assert alarms["Condition"]["ArnLike"]["aws:SourceArn"].startswith("arn:aws:cloudwatch:eu-west-1:")
    key_policy = by_sid(json.loads(inputs(key)["policy"])["Statement"])
    # The alarms of that region publish; no "any principal of the account" statement.
    assert key_policy["AlarmsPublishToEncryptedTopics"]["Condition"]["ArnLike"]["aws:SourceArn"].startswith(
        "arn:aws:cloudwatch:eu-west-1:"
    )
    assert not [s for s in key_policy.values() if s["Principal"] in ({"AWS": "*"}, "*")]

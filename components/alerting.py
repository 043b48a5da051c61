"""AlertTopic: where alarms and operational events land, fanned out to e-mail and, optionally, a Slack channel.

Slack: a "Slack notification" (docs/requirements.md §8; §10.16 says why it goes this way) cannot be an SNS
HTTPS subscription to a Slack incoming webhook. SNS first POSTs a SubscriptionConfirmation that a Slack webhook
never confirms, and every later message is an SNS JSON envelope, not the `{"text": ...}` body Slack accepts; the
webhook URL would also sit in the subscription's endpoint, readable by anyone allowed
sns:ListSubscriptionsByTopic. AWS Chatbot (Amazon Q Developer in chat applications) is the AWS-supported bridge:
it subscribes itself to the topic, formats CloudWatch alarms and EventBridge events for Slack, and needs no
function or secret of ours. Its one manual step is authorising the Slack workspace once in the Chatbot console,
which yields the workspace (team) id the config carries. The `notifications/slack-webhook-url` secret stays with
GitHub Actions, for the deploy notices of the delivery flow (docs/requirements.md §8).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.aws_context import AwsContext
from components.iam_documents import Statement, document, service_trust, statement
from components.kms_key import ADMIN_ACTIONS, USE_ACTIONS, topic_publisher_statements
from stackconfig.aws_facts import CHATBOT_API_REGION
from stackconfig.observability import AlertTopicSettings, SlackConfig

# What a notification-only Chatbot channel reads to render an alarm (metric graph, alarm state).
CHATBOT_READ_ACTIONS: tuple[str, ...] = (
    "cloudwatch:DescribeAlarms",
    "cloudwatch:GetMetricData",
    "cloudwatch:GetMetricStatistics",
    "cloudwatch:GetMetricWidgetImage",
)

# Every topic action a client may call; the TLS-only statement denies all of them over plain HTTP.
TOPIC_ACTIONS: tuple[str, ...] = (
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
)


def topic_policy_statements(
    *, topic_arn: str, account_id: str, region: str, partition: str, name_prefix: str
) -> list[Statement]:
    """The topic policy as plain data: this account's alarms and rules named `<name_prefix>-*` may publish,
    and nobody may use the topic without TLS. Account principals keep their IAM-granted access (same account).
    """
    source = f"arn:{partition}:%s:{region}:{account_id}:%s"
    return [
        statement(
            ["sns:Publish"],
            [topic_arn],
            sid="CloudWatchAlarmsOfThisStackPublish",
            principal={"Service": "cloudwatch.amazonaws.com"},
            conditions={
                "StringEquals": {"aws:SourceAccount": account_id},
                "ArnLike": {"aws:SourceArn": source % ("cloudwatch", f"alarm:{name_prefix}-*")},
            },
        ),
        statement(
            ["sns:Publish"],
            [topic_arn],
            sid="EventBridgeRulesOfThisStackPublish",
            principal={"Service": "events.amazonaws.com"},
            conditions={
                "StringEquals": {"aws:SourceAccount": account_id},
                "ArnLike": {"aws:SourceArn": source % ("events", f"rule/{name_prefix}-*")},
            },
        ),
        statement(
            TOPIC_ACTIONS,
            [topic_arn],
            sid="DenyWithoutTls",
            effect="Deny",
            principal={"AWS": "*"},
            conditions={"Bool": {"aws:SecureTransport": "false"}},
        ),
    ]


def topic_key_policy_statements(*, account_id: str, region: str, partition: str, alarm_prefix: str) -> list[Statement]:
    """Policy of the key of a topic outside the stack's region: the account administers it, SNS uses it for
    this account, and CloudWatch and EventBridge may encrypt what they publish (as on the stack key).
    """
    root = {"AWS": f"arn:{partition}:iam::{account_id}:root"}
    return [
        statement(ADMIN_ACTIONS, ["*"], sid="AccountAdministersKey", principal=root),
        statement(USE_ACTIONS, ["*"], sid="AccountPrincipalsUseKeyThroughIam", principal=root),
        *topic_publisher_statements(account_id, partition, region, alarm_prefix),
    ]


def chatbot_policy_name(name_prefix: str, suffix: str = "") -> str:
    """The one customer-managed policy of a stack (with Slack): named, so the deploy role may write only it."""
    return f"{name_prefix}-alerts{suffix}-chatbot-read"


@dataclass(frozen=True)
class AlertTopicArgs:
    context: AwsContext
    """The stack's account, region, partition, role path and permissions boundary (AwsContext.lookup); no default."""
    name_prefix: str
    """e.g. `socialclub-production`: names the topic and scopes the alarms and rules allowed to publish."""
    kms_key_arn: pulumi.Input[str] | None
    """The stack's key. None only for a topic in another region than the key's: the topic then gets its own key."""
    region: str | None = None
    """Region of a twin topic when not the provider's (Route 53 and CloudFront alarms live in us-east-1); default
    none: the provider's region. A twin only e-mails: the Slack channel follows the stack region's topic."""
    settings: AlertTopicSettings = field(default_factory=AlertTopicSettings)
    """Who is alerted: the e-mail addresses and the Slack channel (default nobody)."""


class AlertTopic(pulumi.ComponentResource):
    """A KMS-encrypted SNS topic that this stack's alarms and EventBridge rules publish to."""

    topic_arn: pulumi.Output[str]
    region: str

    def __init__(self, name: str, args: AlertTopicArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("socialclub:observability:AlertTopic", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        ctx = args.context
        self.region = args.region or ctx.region
        suffix = "" if self.region == ctx.region else f"-{self.region}"
        key_arn = (
            args.kms_key_arn
            if args.kms_key_arn is not None
            else self._own_key(name, ctx, args.region, args.name_prefix)
        )

        topic = aws.sns.Topic(
            f"{name}-topic",
            name=f"{args.name_prefix}-alerts{suffix}",
            display_name=f"{args.name_prefix} alerts",
            kms_master_key_id=key_arn,
            region=args.region,
            opts=child,
        )
        self.topic_arn = topic.arn
        policy: pulumi.Output[str] = pulumi.Output.all(topic.arn, ctx.account_id).apply(
            lambda v: document(
                *topic_policy_statements(
                    topic_arn=v[0],
                    account_id=v[1],
                    region=self.region,
                    partition=ctx.partition,
                    name_prefix=args.name_prefix,
                )
            )
        )
        aws.sns.TopicPolicy(f"{name}-policy", arn=topic.arn, policy=policy, region=args.region, opts=child)
        # Named by address, so reordering the list does not re-subscribe (and re-confirm) everyone.
        for email in args.settings.alarm_emails:
            aws.sns.TopicSubscription(
                f"{name}-email-{email}",
                topic=topic.arn,
                protocol="email",
                endpoint=email,
                region=args.region,
                opts=child,
            )
        if args.settings.slack is not None and args.region is None:
            self._slack(name, args, args.settings.slack, topic.arn, suffix)
        self.register_outputs({"topicArn": self.topic_arn})

    def _own_key(self, name: str, ctx: AwsContext, region: str | None, name_prefix: str) -> pulumi.Output[str]:
        key_region = region or ctx.region
        policy: pulumi.Output[str] = ctx.account_id.apply(
            lambda account: document(
                *topic_key_policy_statements(
                    account_id=account, region=key_region, partition=ctx.partition, alarm_prefix=f"{name_prefix}-"
                )
            )
        )
        key = aws.kms.Key(
            f"{name}-key",
            description=f"Encrypts the alert topic {name} in {key_region}",
            enable_key_rotation=True,
            rotation_period_in_days=365,
            deletion_window_in_days=30,
            policy=policy,
            region=region,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return key.arn

    def _slack(
        self, name: str, args: AlertTopicArgs, slack: SlackConfig, topic_arn: pulumi.Output[str], suffix: str
    ) -> None:
        child = pulumi.ResourceOptions(parent=self)
        ctx = args.context
        # One policy is both the channel role's permissions and the channel guardrail, so nobody in the channel
        # can do more than read metrics (without a guardrail, Chatbot applies AdministratorAccess).
        alarms = ctx.account_id.apply(
            lambda account: f"arn:{ctx.partition}:cloudwatch:*:{account}:alarm:{args.name_prefix}-*"
        )
        read = aws.iam.Policy(
            f"{name}-chatbot-read",
            name=chatbot_policy_name(args.name_prefix, suffix),
            path=ctx.role_path,
            description=f"{args.name_prefix}: what the Slack channel of the alerts may read",
            policy=document(
                statement(["cloudwatch:DescribeAlarms"], [alarms], sid="ThisStacksAlarms"),
                # GetMetricData/GetMetricStatistics/GetMetricWidgetImage have no resource-level permissions.
                statement(
                    [a for a in CHATBOT_READ_ACTIONS if a != "cloudwatch:DescribeAlarms"], ["*"], sid="MetricGraphs"
                ),
            ),
            opts=child,
        )
        # Chatbot's documented trust policy has no aws:SourceAccount condition; requiring a key the service may
        # not send would make the role unassumable, and Slack silent.
        role = ctx.role(f"{name}-chatbot", assume_role_policy=service_trust("chatbot.amazonaws.com"), opts=child)
        aws.iam.RolePolicyAttachment(f"{name}-chatbot-read", role=role.name, policy_arn=read.arn, opts=child)
        aws.chatbot.SlackChannelConfiguration(
            f"{name}-slack",
            configuration_name=f"{args.name_prefix}-alerts{suffix}",
            iam_role_arn=role.arn,
            slack_team_id=slack.workspace_id,
            slack_channel_id=slack.channel_id,
            sns_topic_arns=[topic_arn],
            guardrail_policy_arns=[read.arn],
            logging_level="ERROR",
            region=CHATBOT_API_REGION,
            opts=child,
        )

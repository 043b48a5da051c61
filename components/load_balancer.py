"""LoadBalancer: an internet-facing Application Load Balancer that answers HTTPS only, logging to the stack's log
bucket.

The ALB is its own component so that it owns everything at the edge of the VPC (its security group, listeners)
and services attach to it with `add_target`, which creates their target group, their path rule and
the one egress rule the ALB needs to reach them. Anything no rule matches gets a fixed 404.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pulumi
import pulumi_aws as aws

from components.aws_context import AwsContext
from components.iam_documents import Statement, statement
from components.security_groups import allow_tcp_to_group, closed_security_group

if TYPE_CHECKING:
    # LogBucket writes the ELB writer's statement below into its policy.
    from components.log_bucket import LogTarget

# Pulumi's auto-name suffix: "-" and seven hex characters.
AUTONAME_SUFFIX = 8
# AWS caps ALB and target-group names at 32 characters.
ELB_NAME_LIMIT = 32

# The Elastic Load Balancing account of each Region opened before August 2022, which writes ALB access logs
# there (ALB user guide, "Enable access logs", Step 2). Newer Regions use the log-delivery service principal.
ELB_LOG_ACCOUNTS: dict[str, str] = {
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
    "af-south-1": "098369216593",
    "ap-east-1": "754344448648",
    "ap-southeast-3": "589379963580",
    "ap-south-1": "718504428378",
    "ap-northeast-3": "383597477331",
    "ap-northeast-2": "600734575887",
    "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266",
    "ap-northeast-1": "582318560864",
    "ca-central-1": "985666609251",
    "eu-central-1": "054676820928",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-south-1": "635631232127",
    "eu-west-3": "009996457667",
    "eu-north-1": "897822967062",
    "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
    "us-gov-west-1": "048591011584",
    "us-gov-east-1": "190560391635",
    "cn-north-1": "638102146993",
    "cn-northwest-1": "037604701340",
}
ELB_LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com"


def fits_autoname(logical_name: str, limit: int = ELB_NAME_LIMIT) -> bool:
    """Whether Pulumi's auto-name (`<logical>-<7 hex>`) stays within an AWS name limit."""
    return len(logical_name) + AUTONAME_SUFFIX <= limit


def cidr_label(cidr: str) -> str:
    """A CIDR as a resource-name part (URNs cannot hold `::`)."""
    if cidr in ("0.0.0.0/0", "::/0"):
        return "anywhere-ipv6" if ":" in cidr else "anywhere"
    return cidr.replace(":", "x").replace("/", "-")


def elb_log_writer(region: str, partition: str) -> dict[str, str]:
    """The principal that writes ALB access logs in `region`."""
    account = ELB_LOG_ACCOUNTS.get(region)
    if account is not None:
        return {"AWS": f"arn:{partition}:iam::{account}:root"}
    return {"Service": ELB_LOG_DELIVERY_SERVICE}


def log_object_arn(bucket_arn: str, prefix: str, account_id: str) -> str:
    """Where the ALB writes this account's access logs: `<bucket>/<prefix>/AWSLogs/<account>/...`."""
    return f"{bucket_arn}/{prefix}/AWSLogs/{account_id}/*"


def log_writer_statement(object_arn: pulumi.Input[str], region: str, partition: str) -> Statement:
    """The regional ELB writer may put objects under this account's log prefix, and nowhere else."""
    return statement(
        ["s3:PutObject"], [object_arn], sid="ElbWritesAccessLogs", principal=elb_log_writer(region, partition)
    )


@dataclass(frozen=True)
class HealthCheck:
    """Target-group health check; the defaults are the seed's."""

    path: str = "/api/health"
    interval_seconds: int = 30
    timeout_seconds: int = 5
    healthy_threshold: int = 2
    unhealthy_threshold: int = 2
    matcher: str = "200"


@dataclass(frozen=True)
class TargetArgs:
    """How a service attaches to the load balancer (see `LoadBalancer.add_target`)."""

    port: int
    """Container port the target group sends to (HTTP, target type ip)."""
    path_patterns: Sequence[str]
    """Paths forwarded to this target, e.g. `/api/*`; at most five per rule (ALB limit)."""
    priority: int
    """Listener-rule priority, 1-50000, unique per listener; lower wins."""
    security_group_id: pulumi.Input[str]
    """The targets' security group: the ALB gets egress to it on `port` and nothing else."""
    health_check: HealthCheck = field(default_factory=HealthCheck)
    deregistration_delay_seconds: int = 30
    """Draining time for in-flight requests when a task stops (API calls are short; AWS default is 300)."""


@dataclass(frozen=True)
class Target:
    """A service's attachment: its target group, and the listener rule that makes the group usable."""

    group: aws.lb.TargetGroup
    rule: aws.lb.ListenerRule


@dataclass(frozen=True)
class LoadBalancerArgs:
    context: AwsContext
    vpc_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    """Public subnets, one per AZ."""
    certificate_arn: pulumi.Input[str]
    """The validated ACM certificate of the HTTPS listener, in the ALB's region."""
    access_logs: LogTarget
    """The stack's log bucket and the ALB's prefix in it (`LogBucket.target(ALB_PREFIX)`)."""
    ssl_policy: str = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"
    """TLS 1.3 and 1.2 with forward-secret AEAD ciphers only."""
    ingress_cidrs: Sequence[str] = ("0.0.0.0/0",)
    """Who may connect on 80 and 443 (seed: anywhere); IPv6 blocks are accepted for a dual-stack VPC."""
    idle_timeout_seconds: int = 60
    deletion_protection: bool = True
    """ALB deletion protection (production)."""
    protect: bool = True
    """Pulumi `protect` on the ALB (production)."""


class LoadBalancer(pulumi.ComponentResource):
    """Internet-facing ALB: 80 redirects to 443, 443 terminates TLS and routes by path, access logs to S3."""

    security_group_id: pulumi.Output[str]
    arn: pulumi.Output[str]
    arn_suffix: pulumi.Output[str]
    dns_name: pulumi.Output[str]
    zone_id: pulumi.Output[str]
    https_listener_arn: pulumi.Output[str]

    def __init__(self, name: str, args: LoadBalancerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("socialclub:edge:LoadBalancer", name, None, opts)
        if not fits_autoname(f"{name}-alb"):
            raise ValueError(f"LoadBalancer {name!r}: the ALB's auto-name would exceed {ELB_NAME_LIMIT} characters")
        self._name = name
        self._args = args
        child = pulumi.ResourceOptions(parent=self)

        group = closed_security_group(
            f"{name}-sg", args.vpc_id, f"{name}: HTTP and HTTPS from the internet; out only to its targets", self
        )
        for port in (80, 443):
            for cidr in args.ingress_cidrs:
                v6 = ":" in cidr
                aws.vpc.SecurityGroupIngressRule(
                    f"{name}-in-{port}-{cidr_label(cidr)}",
                    security_group_id=group.id,
                    description=f"{'HTTPS' if port == 443 else 'HTTP, redirected to HTTPS'} from {cidr}",
                    ip_protocol="tcp",
                    from_port=port,
                    to_port=port,
                    cidr_ipv4=None if v6 else cidr,
                    cidr_ipv6=cidr if v6 else None,
                    opts=child,
                )

        logs = args.access_logs
        alb = aws.lb.LoadBalancer(
            f"{name}-alb",
            load_balancer_type="application",
            internal=False,
            # Dual-stack only when IPv6 clients are let in (the subnets then need IPv6 blocks).
            ip_address_type="dualstack" if any(":" in c for c in args.ingress_cidrs) else "ipv4",
            security_groups=[group.id],
            subnets=list(args.subnet_ids),
            drop_invalid_header_fields=True,
            enable_deletion_protection=args.deletion_protection,
            idle_timeout=args.idle_timeout_seconds,
            access_logs=aws.lb.LoadBalancerAccessLogsArgs(bucket=logs.bucket_name, prefix=logs.prefix, enabled=True),
            # ELB checks that it may write when logging is switched on.
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect, depends_on=[logs.ready]),
        )
        aws.lb.Listener(
            f"{name}-http",
            load_balancer_arn=alb.arn,
            port=80,
            protocol="HTTP",
            default_actions=[
                aws.lb.ListenerDefaultActionArgs(
                    type="redirect",
                    redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                        protocol="HTTPS", port="443", status_code="HTTP_301"
                    ),
                )
            ],
            opts=child,
        )
        https = aws.lb.Listener(
            f"{name}-https",
            load_balancer_arn=alb.arn,
            port=443,
            protocol="HTTPS",
            ssl_policy=args.ssl_policy,
            certificate_arn=args.certificate_arn,
            default_actions=[
                aws.lb.ListenerDefaultActionArgs(
                    type="fixed-response",
                    fixed_response=aws.lb.ListenerDefaultActionFixedResponseArgs(
                        content_type="application/json", message_body='{"message":"Not Found"}', status_code="404"
                    ),
                )
            ],
            opts=child,
        )

        self._group_id = group.id
        self._https = https
        self.security_group_id = group.id
        self.arn = alb.arn
        self.arn_suffix = alb.arn_suffix
        self.dns_name = alb.dns_name
        self.zone_id = alb.zone_id
        self.https_listener_arn = https.arn
        self.register_outputs(
            {
                "securityGroupId": self.security_group_id,
                "arn": self.arn,
                "arnSuffix": self.arn_suffix,
                "dnsName": self.dns_name,
                "zoneId": self.zone_id,
                "httpsListenerArn": self.https_listener_arn,
            }
        )

    def attach_web_acl(self, web_acl_arn: pulumi.Input[str]) -> aws.wafv2.WebAclAssociation:
        """Put a REGIONAL WAFv2 web ACL in front of the load balancer: every request passes its rules first."""
        return aws.wafv2.WebAclAssociation(
            f"{self._name}-waf",
            resource_arn=self.arn,
            web_acl_arn=web_acl_arn,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def add_target(self, label: str, target: TargetArgs) -> Target:
        """Forward `target.path_patterns` on HTTPS to a new ip target group, and let the ALB reach the targets.

        A service registers with `Target.group` and depends on `Target.rule` (ECS refuses a target group that no
        listener forwards to).
        """
        logical = f"{self._name}-{label}"
        if not fits_autoname(f"{logical}-tg"):
            raise ValueError(f"target {label!r}: the target group's auto-name would exceed {ELB_NAME_LIMIT} characters")
        if not 1 <= len(target.path_patterns) <= 5:
            raise ValueError(f"target {label!r}: a listener rule takes 1-5 path patterns")
        child = pulumi.ResourceOptions(parent=self)
        hc = target.health_check
        group = aws.lb.TargetGroup(
            f"{logical}-tg",
            port=target.port,
            protocol="HTTP",
            target_type="ip",
            vpc_id=self._args.vpc_id,
            deregistration_delay=target.deregistration_delay_seconds,
            health_check=aws.lb.TargetGroupHealthCheckArgs(
                enabled=True,
                path=hc.path,
                protocol="HTTP",
                port="traffic-port",
                matcher=hc.matcher,
                interval=hc.interval_seconds,
                timeout=hc.timeout_seconds,
                healthy_threshold=hc.healthy_threshold,
                unhealthy_threshold=hc.unhealthy_threshold,
            ),
            opts=child,
        )
        rule = aws.lb.ListenerRule(
            f"{logical}-rule",
            listener_arn=self._https.arn,
            priority=target.priority,
            conditions=[
                aws.lb.ListenerRuleConditionArgs(
                    path_pattern=aws.lb.ListenerRuleConditionPathPatternArgs(values=list(target.path_patterns))
                )
            ],
            actions=[aws.lb.ListenerRuleActionArgs(type="forward", target_group_arn=group.arn)],
            opts=child,
        )
        allow_tcp_to_group(
            f"{logical}-out",
            self._group_id,
            destination_group_id=target.security_group_id,
            port=target.port,
            description=f"to {label} targets on {target.port}",
            parent=self,
        )
        return Target(group=group, rule=rule)

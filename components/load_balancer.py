"""LoadBalancer: an internet-facing Application Load Balancer that answers HTTPS only, logging to the stack's log
bucket.

The ALB is its own component so that it owns everything at the edge of the VPC (its security group, listeners)
and services attach to it with `add_target`, which creates their target group and their path rule; the ALB
reaches them through `connect(load_balancer, service)` (components/security_groups.py), the only egress its
group has. Anything no rule matches gets a fixed 404 (docs/requirements.md §5.3).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pulumi
import pulumi_aws as aws

from components.aws_context import AwsContext
from components.iam_documents import Statement, statement
from components.security_groups import GroupRule, Server, closed_security_group, egress_to_group
from stackconfig.service import LoadBalancerSettings

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
    """Target-group health check; the defaults are docs/requirements.md §5.3's."""

    path: str = "/api/health"
    """The path the ALB requests on each target (default `/api/health`)."""
    interval_seconds: int = 30
    """Seconds between two checks of one target (default 30)."""
    timeout_seconds: int = 5
    """Seconds without a response that count as a failed check (default 5)."""
    healthy_threshold: int = 2
    """Consecutive successes that make a target healthy (default 2)."""
    unhealthy_threshold: int = 2
    """Consecutive failures that make a target unhealthy (default 2)."""
    matcher: str = "200"
    """HTTP codes that count as success (default `200`)."""


@dataclass(frozen=True)
class TargetArgs:
    """How a service attaches to the load balancer (see `LoadBalancer.add_target`)."""

    port: int
    """Container port the target group sends to (HTTP, target type ip)."""
    path_patterns: Sequence[str]
    """Paths forwarded to this target, e.g. `/api/*`; at most five per rule (ALB limit)."""
    priority: int
    """Listener-rule priority, 1-50000, unique per listener; lower wins."""
    health_check: HealthCheck = field(default_factory=HealthCheck)
    """The target group's health check (default: docs/requirements.md §5.3's)."""
    deregistration_delay_seconds: int = 30
    """Seconds in-flight requests may drain when a task stops (default 30: API calls are short; AWS's is 300)."""


@dataclass(frozen=True)
class Target:
    """A service's attachment: its target group, and the listener rule that makes the group usable."""

    group: aws.lb.TargetGroup
    rule: aws.lb.ListenerRule


@dataclass(frozen=True)
class LoadBalancerArgs:
    context: AwsContext
    """Account and region."""
    vpc_id: pulumi.Input[str]
    """The VPC of the ALB's security group and its target groups."""
    subnet_ids: Sequence[pulumi.Input[str]]
    """Public subnets, one per AZ."""
    certificate_arn: pulumi.Input[str]
    """The validated ACM certificate of the HTTPS listener, in the ALB's region."""
    access_logs: LogTarget
    """The stack's log bucket and the ALB's prefix in it (`LogBucket.target(ALB_PREFIX)`)."""
    settings: LoadBalancerSettings = field(default_factory=LoadBalancerSettings)
    """TLS policy, who may connect, idle timeout, deletion protection and `protect` (stackconfig/service.py)."""


class LoadBalancer(pulumi.ComponentResource):
    """Internet-facing ALB: 80 redirects to 443, 443 terminates TLS and routes by path, access logs to S3.

    A security-group `Client`: `connect(load_balancer, service)` opens its way to a service's targets.
    """

    peer_name = "alb"
    peer_title = "the load balancer"
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
        settings = args.settings

        group = closed_security_group(
            f"{name}-sg", args.vpc_id, f"{name}: HTTP and HTTPS from the internet; out only to its targets", self
        )
        for port in (80, 443):
            for cidr in settings.ingress_cidrs:
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
            ip_address_type="dualstack" if any(":" in c for c in settings.ingress_cidrs) else "ipv4",
            security_groups=[group.id],
            subnets=list(args.subnet_ids),
            drop_invalid_header_fields=True,
            enable_deletion_protection=settings.deletion_protection,
            idle_timeout=settings.idle_timeout_seconds,
            access_logs=aws.lb.LoadBalancerAccessLogsArgs(bucket=logs.bucket_name, prefix=logs.prefix, enabled=True),
            # ELB checks that it may write when logging is switched on.
            opts=pulumi.ResourceOptions(parent=self, protect=settings.protect, depends_on=[logs.ready]),
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
            ssl_policy=settings.ssl_policy,
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
        """Forward `target.path_patterns` on HTTPS to a new ip target group.

        The ALB reaches the targets once the service is connected (`connect(load_balancer, service)`). A service
        registers with `Target.group` and depends on `Target.rule` (ECS refuses a target group that no
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
        return Target(group=group, rule=rule)

    def egress_rule(self, server: Server) -> aws.vpc.SecurityGroupEgressRule:
        """`Client` half (components/security_groups.py): the ALB reaches the server's targets on their port."""
        port = server.listen_port
        rule = GroupRule(f"{self._name}-{server.peer_name}-out", port, f"to {server.peer_name} targets on {port}")
        return egress_to_group(rule, self.security_group_id, server.security_group_id, self)

"""LoadBalancer: internet-facing, TLS 1.3, only /api/* reaches the targets, access logs; and its pure helpers."""

from __future__ import annotations

import json

import pytest

from components.load_balancer import (
    ELB_LOG_DELIVERY_SERVICE,
    cidr_label,
    elb_log_writer,
    fits_autoname,
)
from tests.support import group_id, inputs, run_component
from tests.support.backend_build import (
    ALB,
    CERT_ARN,
    LISTENER,
    LISTENER_RULE,
    PUBLIC,
    TARGET_GROUP,
    build,
    default_plan,
)


def test_alb_is_internet_facing_in_public_subnets_and_drops_invalid_headers() -> None:
    plan = default_plan()
    alb = inputs(plan.one(ALB))
    assert alb["internal"] is False
    assert alb["loadBalancerType"] == "application"
    assert alb["subnets"] == PUBLIC
    assert alb["securityGroups"] == [group_id(plan, "api-sg")]
    assert alb["dropInvalidHeaderFields"] is True
    assert alb["enableDeletionProtection"] is True  # safe by default; staging opts out explicitly


def test_deletion_protection_and_protect_follow_the_args() -> None:
    plan = run_component(build(lb={"deletion_protection": True, "protect": True}))
    alb = plan.one(ALB)
    assert inputs(alb)["enableDeletionProtection"] is True
    assert alb.protect is True
    assert plan.one("aws:s3/bucket:Bucket").protect is True


def test_http_redirects_with_301_and_https_uses_tls13_and_the_certificate() -> None:
    listeners = {int(inputs(r)["port"]): inputs(r) for r in default_plan().of_type(LISTENER)}
    assert set(listeners) == {80, 443}
    http, https = listeners[80], listeners[443]
    assert http["protocol"] == "HTTP"
    assert http["defaultActions"] == [
        {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}
    ]
    assert https["protocol"] == "HTTPS"
    assert https["sslPolicy"].startswith("ELBSecurityPolicy-TLS13-1-2-")
    assert https["certificateArn"] == CERT_ARN
    (default,) = https["defaultActions"]
    assert default["type"] == "fixed-response"
    assert default["fixedResponse"]["statusCode"] == "404"


def test_only_api_paths_reach_the_target_group() -> None:
    plan = default_plan()
    https = next(r for r in plan.of_type(LISTENER) if inputs(r)["port"] == 443)
    group = plan.one(TARGET_GROUP)
    (rule,) = plan.of_type(LISTENER_RULE)
    rule_inputs = inputs(rule)
    assert rule_inputs["listenerArn"] == https.outputs["arn"]
    assert rule_inputs["conditions"] == [{"pathPattern": {"values": ["/api/*"]}}]
    assert rule_inputs["actions"] == [{"type": "forward", "targetGroupArn": group.outputs["arn"]}]


def test_target_group_and_health_check_numbers_are_the_required_ones() -> None:
    group = inputs(default_plan().one(TARGET_GROUP))
    assert (group["protocol"], group["port"], group["targetType"]) == ("HTTP", 3001, "ip")
    assert group["deregistrationDelay"] == 30
    check = group["healthCheck"]
    assert check["path"] == "/api/health"
    assert check["matcher"] == "200"
    assert (check["interval"], check["timeout"], check["healthyThreshold"], check["unhealthyThreshold"]) == (
        30,
        5,
        2,
        2,
    )


def test_elb_names_fit_after_the_autoname_suffix() -> None:
    """ALB and target-group names are at most 32 characters (ELB API reference); Pulumi's auto-name adds `-` and
    seven hex characters, 8 in all."""
    plan = default_plan()
    for token in (ALB, TARGET_GROUP):
        for resource in plan.of_type(token):
            assert "name" not in inputs(resource), "autonamed, so a replacement never collides"
            assert len(resource.name) + 8 <= 32


def test_access_logs_go_to_the_log_bucket_under_alb_once_its_policy_lets_elb_write() -> None:
    plan = default_plan()
    bucket = plan.one("aws:s3/bucket:Bucket", "logs-bucket")
    alb = inputs(plan.one(ALB))
    assert alb["accessLogs"] == {"bucket": bucket.outputs["bucket"], "prefix": "alb", "enabled": True}
    # The ALB is created after the policy: ELB checks that it may write when logging is switched on.
    policy = plan.one("aws:s3/bucketPolicy:BucketPolicy", "logs-bucket")
    assert policy.urn in plan.one(ALB).dependencies
    statements = {s["Sid"]: s for s in json.loads(inputs(policy)["policy"])["Statement"]}
    writer = statements["ElbWritesAccessLogs"]
    assert writer["Principal"] == {"AWS": "arn:aws:iam::127311923021:root"}  # us-east-1's ELB account
    assert writer["Resource"] == [f"{bucket.outputs['arn']}/alb/AWSLogs/123456789012/*"]


def test_log_writer_is_the_regional_elb_account_or_the_delivery_service() -> None:
    assert elb_log_writer("us-east-1", "aws") == {"AWS": "arn:aws:iam::127311923021:root"}
    assert elb_log_writer("eu-west-1", "aws") == {"AWS": "arn:aws:iam::156460612806:root"}
    assert elb_log_writer("us-gov-west-1", "aws-us-gov") == {"AWS": "arn:aws-us-gov:iam::048591011584:root"}
    # Regions opened since August 2022 (e.g. Zurich) only know the service principal.
    assert elb_log_writer("eu-central-2", "aws") == {"Service": ELB_LOG_DELIVERY_SERVICE}


def test_autoname_limit() -> None:
    assert fits_autoname("x" * 24)
    assert not fits_autoname("x" * 25)


@pytest.mark.parametrize(
    ("cidr", "label"),
    [
        ("0.0.0.0/0", "anywhere"),
        ("::/0", "anywhere-ipv6"),
        ("10.1.0.0/16", "10.1.0.0-16"),
        ("2001:db8::/32", "2001xdb8xx-32"),
    ],
)
def test_cidr_labels_are_urn_safe(cidr: str, label: str) -> None:
    assert cidr_label(cidr) == label
    assert "::" not in cidr_label(cidr)

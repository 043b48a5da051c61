"""The backend's pure helpers: container definition, scaling expressions, log-writer principal, names."""

from __future__ import annotations

import json

import pytest

from components.container_registry import lifecycle_policy
from components.fargate_service import (
    ContainerSpec,
    ScalingPolicy,
    container_definitions,
    scale_in_expression,
    scale_out_expression,
    secret_value_from,
)
from components.load_balancer import ELB_LOG_DELIVERY_SERVICE, cidr_label, elb_log_writer, fits_autoname

ARN = "arn:aws:secretsmanager:us-east-1:111122223333:secret:x-AbCdEf"


def spec(**changes: object) -> ContainerSpec:
    base: dict[str, object] = {
        "name": "api",
        "image": "repo@sha256:" + "0" * 64,
        "port": 3001,
        "log_group": "/aws/ecs/x",
        "region": "eu-west-1",
        "environment": {"NODE_ENV": "production"},
        "secrets": {"JWT_SECRET": ARN},
        "writable_paths": {"tmp": "/tmp"},
    }
    base.update(changes)
    return ContainerSpec(**base)  # type: ignore[arg-type]


def test_a_variable_cannot_be_both_plain_and_secret() -> None:
    with pytest.raises(ValueError, match="JWT_SECRET"):
        container_definitions(spec(environment={"JWT_SECRET": "oops"}))


def test_container_definition_is_sorted_and_serialisable() -> None:
    (c,) = container_definitions(spec(environment={"B": "2", "A": "1"}, secrets={"Z": ARN, "Y": ARN}))
    assert [e["name"] for e in c["environment"]] == ["A", "B"]
    assert [s["name"] for s in c["secrets"]] == ["Y", "Z"]
    assert c["logConfiguration"]["options"]["awslogs-region"] == "eu-west-1"
    assert json.loads(json.dumps(c)) == c


def test_value_from_selects_a_json_key_of_the_current_version() -> None:
    assert secret_value_from(ARN, "password") == f"{ARN}:password::"
    assert secret_value_from(ARN, None) == ARN


def test_scaling_expressions_follow_the_numbers() -> None:
    p = ScalingPolicy(scale_out_cpu_percent=80, scale_out_memory_percent=85.5, scale_in_cpu_percent=20)
    assert scale_out_expression(p) == "IF(cpu > 80 OR memory > 85.5, 1, 0)"
    assert scale_in_expression(p) == "IF(cpu < 20 AND memory < 50, 1, 0)"


def test_lifecycle_policy_keeps_what_runs_and_expires_old_releases_and_builds() -> None:
    rules = json.loads(
        lifecycle_policy(
            untagged_expiry_days=7,
            moving_tags=["staging", "production"],
            release_tag_pattern="release-*",
            keep_releases=5,
            build_tag_prefix="build-",
            keep_builds=40,
        )
    )["rules"]
    assert [r["rulePriority"] for r in rules] == [1, 2, 3, 4, 5]
    assert rules[0]["selection"]["tagStatus"] == "untagged"
    assert rules[0]["selection"]["countNumber"] == 7
    # Each moving tag on its own rule (a tag list selects images with ALL its tags), matched before the build
    # rule, so the image a stack runs is never the oldest build that gets expired.
    assert [r["selection"]["tagPatternList"] for r in rules[1:3]] == [["staging"], ["production"]]
    assert all(r["selection"]["countNumber"] == 1 for r in rules[1:3])
    assert (rules[3]["selection"]["tagPatternList"], rules[3]["selection"]["countNumber"]) == (["release-*"], 5)
    assert (rules[4]["selection"]["tagPrefixList"], rules[4]["selection"]["countNumber"]) == (["build-"], 40)
    assert all(r["action"] == {"type": "expire"} for r in rules)


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

"""Every rule, through the real Analyzer server: a compliant stack passes, and each insecure change is reported by
its rule alone, at the level the stack's config gives it; all insecure changes together are rejected."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from offline.policy_run import PackProcess
from tests.policy.guardrail_stack import INSECURE, Analyze, compliant_stack, insecure_stack

# Rules that are advisory by design in every stack (the seed asks for something else, or a human rotates).
ADVISORY_BY_DESIGN = {"cloudfront-waf", "secret-rotation", "ecr-tag-immutability"}


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_compliant_stack_passes(analyze: Analyze, stack: str) -> None:
    result = analyze(stack, compliant_stack(stack).resources)
    assert result.violations == []
    assert result.mandatory == 0


def test_every_rule_has_an_insecure_case(packs: Callable[[str], PackProcess]) -> None:
    assert {p.name for p in packs("production").policies} == set(INSECURE)


@pytest.mark.parametrize("rule", sorted(INSECURE))
def test_rule_reports_its_insecure_case(analyze: Analyze, packs: Callable[[str], PackProcess], rule: str) -> None:
    result = analyze("production", insecure_stack([rule]).resources)
    assert {v.policy for v in result.violations} == {rule}
    level = packs("production").config[rule].level
    assert {v.enforcement_level for v in result.violations} == {level}
    assert level == ("advisory" if rule in ADVISORY_BY_DESIGN else "mandatory")
    for violation in result.violations:
        assert violation.urn.startswith("urn:pulumi:production::socialclub::")
        assert " Fix: " in violation.message


def test_every_insecure_setting_together_is_rejected(analyze: Analyze) -> None:
    result = analyze("production", insecure_stack(sorted(INSECURE)).resources)
    assert {v.policy for v in result.violations} == set(INSECURE)
    assert result.mandatory >= len(set(INSECURE) - ADVISORY_BY_DESIGN)


def test_violation_names_the_resource_and_the_fix(analyze: Analyze) -> None:
    result = analyze("production", insecure_stack(["rds-multi-az"]).resources)
    (violation,) = result.violations
    assert violation.urn == "urn:pulumi:production::socialclub::aws:rds/instance:Instance::db"
    assert violation.message.startswith("Databases fail over to another AZ: RDS instances run Multi-AZ; ")
    assert "(RDS.5, RDS.15)\n" in violation.message
    assert violation.message.endswith(
        "Fix: set multi_az=True on an RDS instance; give a cluster at least two cluster instances (in different AZs)."
    )


def test_stack_rule_reports_on_the_resource_it_judges(analyze: Analyze) -> None:
    result = analyze("production", insecure_stack(["s3-versioning"]).resources)
    assert [v.urn for v in result.violations] == [
        "urn:pulumi:production::socialclub::aws:s3/bucket:Bucket::logs-bucket"
    ]


def test_secret_inputs_reach_the_pack_unwrapped(analyze: Analyze) -> None:
    # The password travels as a wire secret; the pack must see (and flag) its value, not the marker.
    result = analyze("production", insecure_stack(["rds-managed-master-password"]).resources)
    (violation,) = result.violations
    assert "a master password is set in the program" in violation.message


def test_inline_security_group_rules_count_too(analyze: Analyze) -> None:
    stack = compliant_stack()
    ssh = {"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["0.0.0.0/0"]}
    stack.set("db-sg", "ingress", [ssh])
    stack.set("alb-sg", "ingress", [{**ssh, "fromPort": 443, "toPort": 443}])  # the ALB on 443: allowed
    result = analyze("production", stack.resources)
    assert [(v.policy, v.urn.rsplit("::", 1)[-1]) for v in result.violations] == [
        ("security-group-world-ingress", "db-sg")
    ]
    assert "tcp 22-22 open to the internet" in result.violations[0].message

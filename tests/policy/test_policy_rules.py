"""Every rule, through the real Analyzer server: each stack's plan passes, and each insecure change of the
production plan is reported by its rule alone, at the level the stack's config gives it; all insecure changes
together are rejected."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from offline.policy_run import PackProcess
from tests.policy.conftest import Analyze, Introduced, Planned
from tests.policy.insecure import INSECURE, insecure

# Rules that are advisory by design in every stack (docs/requirements.md asks for something else, or a human
# rotates).
ADVISORY_BY_DESIGN = {"cloudfront-waf", "secret-rotation", "ecr-tag-immutability"}


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_the_plan_has_no_mandatory_violation(analyze: Analyze, planned: Planned, stack: str) -> None:
    result = analyze(planned(stack))
    assert result.mandatory == 0, result.report()


def test_every_rule_has_an_insecure_case(packs: Callable[[str], PackProcess]) -> None:
    assert {p.name for p in packs("production").policies} == set(INSECURE)


@pytest.mark.parametrize("rule", sorted(INSECURE))
def test_rule_reports_its_insecure_case(
    introduced: Introduced, planned: Planned, packs: Callable[[str], PackProcess], rule: str
) -> None:
    found = introduced(insecure(planned("production"), [rule]))
    assert {policy for policy, _, _ in found} == {rule}
    level = packs("production").config[rule].level
    assert {level_ for _, level_, _ in found} == {level}
    assert level == ("advisory" if rule in ADVISORY_BY_DESIGN else "mandatory")


def test_every_insecure_change_together_is_rejected(introduced: Introduced, planned: Planned) -> None:
    found = introduced(insecure(planned("production"), sorted(INSECURE)))
    assert {policy for policy, _, _ in found} == set(INSECURE)
    assert {policy for policy, level, _ in found if level == "mandatory"} == set(INSECURE) - ADVISORY_BY_DESIGN


def test_violation_names_the_resource_and_the_fix(analyze: Analyze, planned: Planned) -> None:
    result = analyze(insecure(planned("production"), ["rds-multi-az"]))
    (violation,) = result.of_policy("rds-multi-az")
    assert violation.urn == (
        "urn:pulumi:production::socialclub::socialclub:data:PostgresDb$aws:rds/instance:Instance::db-instance"
    )
    assert violation.message.startswith("Databases fail over to another AZ: RDS instances run Multi-AZ; ")
    assert "(RDS.5, RDS.15)\n" in violation.message
    assert violation.message.endswith(
        "Fix: set multi_az=True on an RDS instance; give a cluster at least two cluster instances (in different AZs)."
    )


def test_stack_rule_reports_on_the_resource_it_judges(introduced: Introduced, planned: Planned) -> None:
    found = introduced(insecure(planned("production"), ["s3-versioning"]))
    assert found == {("s3-versioning", "mandatory", "logs-bucket")}


def test_secret_inputs_reach_the_pack_unwrapped(analyze: Analyze, planned: Planned) -> None:
    # The password travels as a wire secret; the pack must see (and flag) its value, not the marker.
    result = analyze(insecure(planned("production"), ["rds-managed-master-password"]))
    (violation,) = result.of_policy("rds-managed-master-password")
    assert "a master password is set in the program" in violation.message


def test_inline_security_group_rules_count_too(introduced: Introduced, planned: Planned) -> None:
    stack = planned("production")
    ssh = {"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["0.0.0.0/0"]}
    stack.set("ec2/securityGroup", "db-sg", "ingress", [ssh])
    stack.set("ec2/securityGroup", "api-sg", "ingress", [{**ssh, "fromPort": 443, "toPort": 443}])  # the ALB's 443
    assert introduced(stack) == {("security-group-world-ingress", "mandatory", "db-sg")}

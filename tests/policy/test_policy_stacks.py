"""The pack on the real stacks, as `make plan` runs it, and the pack as a guard independent of config validation."""

from __future__ import annotations

from functools import cache

import pytest

from offline.harness import read_stack_settings
from offline.policy_run import PackResult, run_pack
from stackconfig.loader import ConfigError, load_stack_config, parse_value
from tests.policy.conftest import Introduced, Planned
from tests.policy.insecure import insecure
from tests.support import stack_plan


@cache
def verdict(stack: str) -> PackResult:
    """What `make plan STACK=<stack>` reports: the pack run on the whole program's resources."""
    return run_pack(stack, stack_plan(stack).resources)


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_real_stack_has_no_mandatory_violation(stack: str) -> None:
    result = verdict(stack)
    mandatory = [v for v in result.violations if v.enforcement_level == "mandatory"]
    assert mandatory == [], result.report()
    # The advisory findings are listed, each on a resource of this stack.
    assert all(v.urn.startswith(f"urn:pulumi:{stack}::socialclub::") for v in result.violations)
    assert result.to_document()["pack"] == "socialclub-guardrails"


def test_staging_breaks_only_what_it_is_allowed_to() -> None:
    result = verdict("staging")
    # Staging's single Redis node and single NAT gateway are reported, as advisories.
    assert {v.enforcement_level for v in result.of_policy("elasticache-multi-az")} <= {"advisory"}
    assert {v.enforcement_level for v in result.of_policy("nat-gateway-per-az")} <= {"advisory"}


def _production_settings(**network: object) -> dict[str, object]:
    config, _ = read_stack_settings("production")
    settings = {k.removeprefix("socialclub:"): parse_value(v) for k, v in config.items() if k.startswith("socialclub:")}
    settings["network"] = {**settings["network"], **network}
    return settings


def test_single_nat_in_production_is_refused_by_config_and_caught_by_the_pack(
    introduced: Introduced, planned: Planned
) -> None:
    # Guard 1: the stack config refuses it before any resource exists ...
    with pytest.raises(ConfigError) as refused:
        load_stack_config(_production_settings(natGateways="single"), "us-east-1")
    assert any("natGateways" in line for line in refused.value.lines)
    # ... guard 2: a production resource set built some other way is still caught by the pack.
    found = introduced(insecure(planned("production"), ["nat-gateway-per-az"]))
    assert {(policy, level) for policy, level, _ in found} == {("nat-gateway-per-az", "mandatory")}


def test_single_az_database_in_production_is_caught_by_the_pack(introduced: Introduced, planned: Planned) -> None:
    # The data config forbids a production database without Multi-AZ; the pack does not rely on that.
    found = introduced(insecure(planned("production"), ["rds-multi-az"]))
    assert found == {("rds-multi-az", "mandatory", "db-instance")}

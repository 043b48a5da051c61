"""The pack's metadata and config: every rule documented, schemas valid, and the CLI's config merge reproduced,
including per-stack levels (staging downgrades the multi-AZ rules it breaks by design, production does not)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import jsonschema
import pytest

from offline.policy_run import (
    PACK_DIR,
    PackConfigError,
    PackProcess,
    PolicyConfig,
    PolicyInfo,
    merge_config,
    parse_config_document,
)

MULTI_AZ_RULES = {
    "rds-multi-az",
    "elasticache-multi-az",
    "subnet-tiers-span-azs",
    "nat-gateway-per-az",
    "ecs-service-multi-az",
    "alb-multi-az",
}
STAGING_BY_DESIGN = {"elasticache-multi-az", "nat-gateway-per-az"}  # one Redis node, one NAT gateway
PRODUCTION_ONLY = {
    "rds-deletion-protection",
    "rds-final-snapshot",
    "dynamodb-deletion-protection",
    "alb-deletion-protection",
    "stateful-resources-protected",
}
# "<description> (<FSBP control id, FSBP's tagging controls, or the section of docs/requirements.md>)"
CONTROL = re.compile(r"\. \((?:[A-Za-z][A-Za-z0-9]*\.\d+|docs/requirements\.md §\d|FSBP )")


def test_pack_has_at_least_thirty_documented_rules(packs: Callable[[str], PackProcess]) -> None:
    pack = packs("production")
    assert pack.name == "socialclub-guardrails"
    assert len(pack.policies) >= 30
    for policy in pack.policies:
        assert CONTROL.search(policy.description), (
            f"{policy.name}: no control id or requirements section in the description"
        )
        assert policy.kind in ("resource", "stack")
        assert policy.level in ("advisory", "mandatory")
    assert {p.kind for p in pack.policies} == {"resource", "stack"}


def test_config_schemas_are_valid_json_schema_with_valid_defaults(packs: Callable[[str], PackProcess]) -> None:
    for policy in packs("production").policies:
        schema = {"type": "object", "properties": policy.schema, "required": policy.required}
        jsonschema.Draft7Validator.check_schema(schema)
        defaults = {k: s["default"] for k, s in policy.schema.items() if "default" in s}
        assert set(defaults) == set(policy.schema), f"{policy.name}: every property needs a default"
        jsonschema.validate(defaults, schema)


def test_initial_config_repeats_each_rules_level(packs: Callable[[str], PackProcess]) -> None:
    # The engine reads an unset level in initial config as ADVISORY; each entry must carry the rule's own level.
    pack = packs("production")
    levels = {p.name: p.level for p in pack.policies}
    assert pack.initial_config, "the pack sends the project's baseline as initial config"
    for name, entry in pack.initial_config.items():
        assert entry.level == levels[name], name
    assert pack.initial_config["rds-backup-retention"].properties == {"minimumDays": 30}
    assert pack.initial_config["required-tags"].properties == {
        "requiredKeys": ["Project", "Environment", "Owner", "ManagedBy"]
    }


def test_staging_downgrades_only_the_multi_az_rules_it_breaks_by_design(packs: Callable[[str], PackProcess]) -> None:
    staging, production = packs("staging").config, packs("production").config
    for rule in MULTI_AZ_RULES:
        assert production[rule].level == "mandatory", rule
        assert staging[rule].level == ("advisory" if rule in STAGING_BY_DESIGN else "mandatory"), rule
    for rule in PRODUCTION_ONLY:
        assert (staging[rule].level, production[rule].level) == ("advisory", "mandatory"), rule


def test_stack_files_set_the_required_values(packs: Callable[[str], PackProcess]) -> None:
    staging, production = packs("staging").config, packs("production").config
    assert production["rds-backup-retention"].properties["minimumDays"] == 30
    assert staging["rds-backup-retention"].properties["minimumDays"] == 30
    assert production["elasticache-snapshot-retention"].properties["minimumDays"] == 7
    assert staging["elasticache-snapshot-retention"].properties["minimumDays"] == 1
    assert production["subnet-tiers-span-azs"].properties["minimumAzs"] == 3
    assert production["required-tags"].properties["expectedValues"] == {"Environment": "production"}
    assert staging["required-tags"].properties["expectedValues"] == {"Environment": "staging"}


def test_every_policy_is_configured_with_a_level(packs: Callable[[str], PackProcess]) -> None:
    for stack in ("staging", "production"):
        pack = packs(stack)
        assert set(pack.config) == {p.name for p in pack.policies}
        assert all(c.level in ("advisory", "mandatory") for c in pack.config.values())


# The CLI's merge, on a small made-up pack.
POLICIES = [
    PolicyInfo("a", "A (X.1)", "mandatory", {"days": {"type": "integer", "minimum": 1, "default": 7}}, [], "resource"),
    PolicyInfo("b", "B (X.2)", "advisory", {}, [], "stack"),
]


def test_merge_applies_defaults_then_initial_config_then_the_file_with_all_first() -> None:
    merged = merge_config(
        POLICIES,
        {"a": PolicyConfig("mandatory", {"days": 30})},
        parse_config_document({"all": "advisory", "b": "disabled", "a": {"days": 14}}, "test.json"),
    )
    assert merged == {"a": PolicyConfig("advisory", {"days": 14}), "b": PolicyConfig("disabled", {})}


def test_an_initial_entry_without_level_downgrades_like_the_engine_does() -> None:
    # What a pack gets when its initial_config omits enforcementLevel: the protobuf zero value, ADVISORY.
    merged = merge_config(POLICIES, {"a": PolicyConfig("advisory", {"days": 30})}, {})
    assert merged["a"].level == "advisory"


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"a": "blocking"}, "'blocking' is not an enforcement level"),
        ({"a": {"enforcementLevel": "strict"}}, "'strict' is not one of"),
        ({"a": 3}, "3 is not a valid value"),
        ({"a": {"days": 0}}, "a: days: 0 is less than the minimum of 1"),
        ({"a": {"days": "30"}}, "a: days: '30' is not of type 'integer'"),
        ({"a": {"dayz": 30}}, "a: unknown property 'dayz'"),
        ({"c": "mandatory"}, "c: no such policy in the pack"),
    ],
)
def test_bad_config_is_refused_with_the_policy_and_the_problem(document: dict[str, object], problem: str) -> None:
    with pytest.raises(PackConfigError) as refused:
        merge_config(POLICIES, {}, parse_config_document(document, "bad.json"))
    assert any(problem in line for line in refused.value.lines), refused.value.lines


def test_stack_config_files_are_valid_against_the_real_pack(packs: Callable[[str], PackProcess]) -> None:
    pack = packs("production")
    for stack in ("staging", "production"):
        document = json.loads((PACK_DIR / f"{stack}.json").read_text())
        merge_config(pack.policies, pack.initial_config, parse_config_document(document, stack))


def test_a_typo_in_a_stack_file_is_an_error(packs: Callable[[str], PackProcess], tmp_path: Path) -> None:
    pack = packs("production")
    with pytest.raises(PackConfigError, match="rds-backup-retention: unknown property 'minimumDay'"):
        merge_config(
            pack.policies, pack.initial_config, parse_config_document({"rds-backup-retention": {"minimumDay": 1}}, "x")
        )


def test_pack_requirements_pin_the_tested_sdk() -> None:
    pins = dict(
        line.split("==")
        for line in (PACK_DIR / "requirements.txt").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert pins == {"pulumi-policy": version("pulumi-policy")}

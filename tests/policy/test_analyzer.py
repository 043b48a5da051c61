"""The pack's Analyzer (policy/socialclub_guardrails/analyzer.py) gives the SDK's verdicts, faster.

Both servicers run as the CLI runs a pack, side by side: policy/ as it is, and a copy of it that serves with
pulumi-policy's own servicer. They must report the same violations (policy, level, resource, message, in order)
with every rule broken, on a plan whose values are unknown in the update, and with policies disabled or set to
remediate.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from offline.harness import Resource
from offline.policy_run import PACK_DIR, PackProcess, PackResult, config_file_for
from offline.wire import UNKNOWN
from tests.policy.insecure import INSECURE, insecure
from tests.policy.planned_stack import PlannedStack
from tests.support import stack_plan

INSTALL = "analyzer.install()\n"


@pytest.fixture(scope="module")
def sdk_pack_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """policy/ served by pulumi-policy's own servicer."""
    entry = (PACK_DIR / "__main__.py").read_text()
    assert INSTALL in entry, "policy/__main__.py no longer installs the pack's Analyzer"
    directory = tmp_path_factory.mktemp("sdk-pack")
    (directory / "__main__.py").write_text(entry.replace(INSTALL, ""))
    (directory / "PulumiPolicy.yaml").write_text((PACK_DIR / "PulumiPolicy.yaml").read_text())
    (directory / "socialclub_guardrails").symlink_to(PACK_DIR / "socialclub_guardrails")
    return directory


def _with_unknowns(resources: list[Resource]) -> list[Resource]:
    """The plan with the values a first preview does not know: bucket policies, key ARNs, group ids."""
    changed = copy.deepcopy(resources)
    for resource in changed:
        for key in ("policy", "kmsKeyId", "securityGroupId", "cidrIpv4"):
            if key in resource.inputs:
                resource.inputs[key] = UNKNOWN
    return changed


def _verdict(pack_dir: Path, stack: str, resources: list[Resource], *, dry_run: bool, config: Path | None) -> list[str]:
    with PackProcess(stack, pack_dir=pack_dir, dry_run=dry_run) as pack:
        pack.configure(config)
        result: PackResult = pack.analyze(resources)
    return [json.dumps(v.to_document()) for v in result.violations]


def _every_rule_broken(stack: str) -> list[Resource]:
    return insecure(PlannedStack(stack_plan(stack)), sorted(INSECURE)).resources


def _values_unknown(stack: str) -> list[Resource]:
    return _with_unknowns(stack_plan(stack).resources)


@pytest.mark.parametrize(
    ("stack", "dry_run", "resources"),
    [
        ("production", True, _every_rule_broken),
        ("staging", False, _values_unknown),
    ],
    ids=["production preview, every rule broken", "staging update, values unknown"],
)
def test_same_verdicts_as_the_sdk_servicer(
    sdk_pack_dir: Path, stack: str, dry_run: bool, resources: Callable[[str], list[Resource]]
) -> None:
    planned = resources(stack)
    config = config_file_for(stack)
    ours = _verdict(PACK_DIR, stack, planned, dry_run=dry_run, config=config)
    assert ours == _verdict(sdk_pack_dir, stack, planned, dry_run=dry_run, config=config)
    assert ours  # the comparison covers reported violations, not two empty lists


def test_disabled_and_remediate_levels_as_the_sdk(sdk_pack_dir: Path, tmp_path: Path) -> None:
    # A disabled policy reports nothing; a resource policy at "remediate" (this pack has no remediation) reports
    # mandatory, a stack policy too.
    config = tmp_path / "levels.json"
    config.write_text(
        json.dumps(
            {"required-tags": "disabled", "nat-gateway-per-az": "remediate", "elasticache-multi-az": "remediate"}
        )
    )
    resources = stack_plan("staging").resources
    ours = _verdict(PACK_DIR, "staging", resources, dry_run=True, config=config)
    assert ours == _verdict(sdk_pack_dir, "staging", resources, dry_run=True, config=config)
    assert any('"nat-gateway-per-az", "enforcementLevel": "mandatory"' in v for v in ours)

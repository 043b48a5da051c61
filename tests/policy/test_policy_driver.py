"""offline/policy_run.py: the process lifecycle, what a preview-time unknown does, and the result's two forms."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from offline.policy_run import PackError, PackProcess, config_file_for
from offline.wire import UNKNOWN
from tests.policy.conftest import Analyze, Introduced, Planned
from tests.policy.insecure import DB, insecure
from tests.support import stack_plan


def test_the_pack_process_ends_with_the_run() -> None:
    with PackProcess("production") as pack:
        pid = pack.pid
        assert pid is not None
        os.kill(pid, 0)  # running
        pack.configure(config_file_for("production"))
        assert pack.analyze(stack_plan("production").resources).mandatory == 0
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_pack_that_fails_to_start_is_reported_with_its_stderr(tmp_path: Path) -> None:
    (tmp_path / "__main__.py").write_text("raise RuntimeError('broken pack')\n")
    with pytest.raises(PackError, match="broken pack"), PackProcess("production", pack_dir=tmp_path):
        pass


def test_analyze_needs_configure_first() -> None:
    with PackProcess("production") as pack, pytest.raises(PackError, match="configure"):
        pack.analyze([])


def test_a_value_still_unknown_in_the_update_fails_closed_at_the_rules_level(
    analyze: Analyze, analyze_update: Analyze, introduced: Introduced, introduced_update: Introduced, planned: Planned
) -> None:
    # In a preview the unknown is the SDK's advisory, naming the property (the update checks again); should it
    # still be unknown in the update, the pack reports a violation at the rule's own level, never a pass.
    stack = planned("production")
    stack.set(*DB, "multiAz", UNKNOWN)  # a value computed by another resource
    stack[DB].inputs["kmsKeyId"] = UNKNOWN  # the key's ARN, unknown until it exists; being set is all that counts
    # The SDK's advisory names no resource (the CLI shows it on the stack).
    assert {(policy, level) for policy, level, _ in introduced(stack)} == {("rds-multi-az", "advisory")}
    (preview,) = analyze(stack).of_policy("rds-multi-az")
    assert "during preview" in preview.message and ".multiAz" in preview.message
    assert introduced_update(stack) == {("rds-multi-az", "mandatory", "db-instance")}
    (update,) = analyze_update(stack).of_policy("rds-multi-az")
    assert "cannot be verified: multiAz is unknown" in update.message
    assert update.urn.endswith("aws:rds/instance:Instance::db-instance")
    assert analyze_update(planned("staging")).mandatory == 0


def test_provider_default_tags_may_also_arrive_as_an_object(introduced: Introduced, planned: Planned) -> None:
    stack = planned("production")
    tags = json.loads(stack.get("providers", "aws").inputs["defaultTags"])
    stack.set("providers", "aws", "defaultTags", tags)
    assert introduced(stack) == set()
    stack.set("providers", "aws", "defaultTags", {"tags": {**tags["tags"], "Environment": "staging"}})
    assert {policy for policy, _, _ in introduced(stack)} == {"required-tags"}


def test_the_document_form_is_the_plan_contract(analyze: Analyze, planned: Planned) -> None:
    result = analyze(insecure(planned("production"), ["rds-multi-az", "cloudfront-waf"]))
    document = result.to_document()
    assert set(document) == {"pack", "violations"}
    assert document["pack"] == "socialclub-guardrails"
    assert {tuple(sorted(v)) for v in document["violations"]} == {("enforcementLevel", "message", "policy", "urn")}
    assert {(v["policy"], v["enforcementLevel"]) for v in document["violations"]} == {
        ("cloudfront-waf", "advisory"),
        ("rds-multi-az", "mandatory"),
        ("secret-rotation", "advisory"),  # the plan's own advisories: secrets nobody rotates yet
    }
    assert result.mandatory == 1


def test_the_report_groups_by_level_and_gives_each_fix_once(analyze: Analyze, planned: Planned) -> None:
    result = analyze(insecure(planned("production"), ["rds-multi-az", "cloudfront-waf", "required-tags"]))
    advisories = len(result.violations) - 2
    report = result.report()
    assert report.index("MANDATORY (2)") < report.index("rds-multi-az") < report.index(f"ADVISORY ({advisories})")
    assert report.index(f"ADVISORY ({advisories})") < report.index("cloudfront-waf")
    assert "aws:rds/instance:Instance db-instance: multiAz is not true" in report
    assert report.count("fix: set multi_az=True on an RDS instance;") == 1
    assert f"2 mandatory, {advisories} advisory" in report


def test_an_unknown_value_in_a_stack_rule_is_reported_on_the_resource_that_has_it(
    analyze: Analyze, analyze_update: Analyze, planned: Planned
) -> None:
    stack = planned("production")
    stack["s3/bucketVersioning", "logs-bucket"].inputs["versioningConfiguration"] = {"status": UNKNOWN}
    stack.remove("s3/bucketVersioning", "frontend-assets")
    # In a preview, one bucket's unknown does not hide the other's real finding.
    preview = analyze(stack).of_policy("s3-versioning")
    assert sorted(v.enforcement_level for v in preview) == ["advisory", "mandatory"]
    result = analyze_update(stack)
    found = sorted(
        (v.enforcement_level, v.urn.rsplit("::", 1)[-1], v.message) for v in result.of_policy("s3-versioning")
    )
    assert [(level, name) for level, name, _ in found] == [
        ("mandatory", "frontend-assets"),
        ("mandatory", "logs-bucket"),
    ]
    assert "versioningConfiguration.status is unknown" in found[1][2]

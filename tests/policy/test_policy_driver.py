"""offline/policy_run.py: the process lifecycle, what a preview-time unknown does, and the result's two forms."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from offline.policy_run import PackError, PackProcess, config_file_for
from offline.wire import UNKNOWN
from tests.policy.guardrail_stack import Analyze, compliant_stack, insecure_stack


def test_the_pack_process_ends_with_the_run() -> None:
    with PackProcess("production") as pack:
        pid = pack.pid
        assert pid is not None
        os.kill(pid, 0)  # running
        pack.configure(config_file_for("production"))
        assert pack.analyze(compliant_stack().resources).violations == []
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
    analyze: Analyze, analyze_update: Analyze
) -> None:
    # In a preview the unknown is the SDK's advisory, naming the property (the update checks again); should it
    # still be unknown in the update, the pack reports a violation at the rule's own level, never a pass.
    stack = compliant_stack()
    stack.set("db", "multiAz", UNKNOWN)  # a value computed by another resource
    stack["db"].inputs["kmsKeyId"] = UNKNOWN  # the key's ARN, unknown until it exists; being set is all that counts
    preview = analyze("production", stack.resources)
    assert [(v.policy, v.enforcement_level) for v in preview.violations] == [("rds-multi-az", "advisory")]
    assert "during preview" in preview.violations[0].message and ".multiAz" in preview.violations[0].message
    result = analyze_update("production", stack.resources)
    assert [(v.policy, v.enforcement_level) for v in result.violations] == [("rds-multi-az", "mandatory")]
    assert "cannot be verified: multiAz is unknown" in result.violations[0].message
    assert result.violations[0].urn.endswith("aws:rds/instance:Instance::db")
    staging = analyze_update("staging", compliant_stack("staging").resources)
    assert staging.violations == []


def test_provider_default_tags_may_also_arrive_as_an_object(analyze: Analyze) -> None:
    stack = compliant_stack()
    assert stack.provider is not None
    tags = json.loads(stack.provider.inputs["defaultTags"])
    stack.set("aws", "defaultTags", tags)
    assert analyze("production", stack.resources).violations == []
    stack.set("aws", "defaultTags", {"tags": {**tags["tags"], "Environment": "staging"}})
    assert {v.policy for v in analyze("production", stack.resources).violations} == {"required-tags"}


def test_the_document_form_is_the_plan_contract(analyze: Analyze) -> None:
    result = analyze("production", insecure_stack(["rds-multi-az", "cloudfront-waf"]).resources)
    document = result.to_document()
    assert set(document) == {"pack", "violations"}
    assert document["pack"] == "socialclub-guardrails"
    assert {tuple(sorted(v)) for v in document["violations"]} == {("enforcementLevel", "message", "policy", "urn")}
    assert sorted((v["policy"], v["enforcementLevel"]) for v in document["violations"]) == [
        ("cloudfront-waf", "advisory"),
        ("rds-multi-az", "mandatory"),
    ]
    assert result.mandatory == 1


def test_the_report_groups_by_level_and_gives_each_fix_once(analyze: Analyze) -> None:
    report = analyze(
        "production", insecure_stack(["rds-multi-az", "cloudfront-waf", "required-tags"]).resources
    ).report()
    assert report.index("MANDATORY (2)") < report.index("rds-multi-az") < report.index("ADVISORY (1)")
    assert report.index("ADVISORY (1)") < report.index("cloudfront-waf")
    assert "aws:rds/instance:Instance db: multiAz is not true" in report
    assert report.count("fix: set multi_az=True on an RDS instance;") == 1
    assert "2 mandatory, 1 advisory" in report


def test_an_unknown_value_in_a_stack_rule_is_reported_on_the_resource_that_has_it(
    analyze: Analyze, analyze_update: Analyze
) -> None:
    stack = compliant_stack()
    stack["logs-bucket-versioning"].inputs["versioningConfiguration"] = {"status": UNKNOWN}
    stack.remove("site-bucket-versioning")
    # In a preview, one bucket's unknown does not hide the other's real finding.
    preview = analyze("production", stack.resources).of_policy("s3-versioning")
    assert sorted(v.enforcement_level for v in preview) == ["advisory", "mandatory"]
    result = analyze_update("production", stack.resources)
    found = sorted(
        (v.enforcement_level, v.urn.rsplit("::", 1)[-1], v.message) for v in result.of_policy("s3-versioning")
    )
    assert [(level, name) for level, name, _ in found] == [("mandatory", "logs-bucket"), ("mandatory", "site-bucket")]
    assert "versioningConfiguration.status is unknown" in found[0][2]

"""`make plan`: the report, the JSON document contract, and the exit status on bad config."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from offline.harness import ROOT, normalize_urn, read_stack_settings, run_program
from offline.wire import REDACTED, SECRET_SIG, SIG_KEY, redacted, unwrapped

RESOURCE_KEYS = {
    "urn",
    "type",
    "name",
    "parent",
    "provider",
    "custom",
    "protect",
    "dependencies",
    "propertyDependencies",
    "inputs",
}


def make_plan(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "offline.plan", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_plan_document_has_the_contracted_shape(tmp_path: Path) -> None:
    out = tmp_path / "p.json"
    done = make_plan("--stack", "production", "--json", str(out))
    assert done.returncode == 0, done.stderr
    assert "Plan for socialclub/production" in done.stdout
    doc = json.loads(out.read_text())
    assert {"project", "stack", "resources", "outputs"} <= set(doc)
    assert doc["project"] == "socialclub" and doc["stack"] == "production"
    urns = [r["urn"] for r in doc["resources"]]
    assert len(urns) == len(set(urns))
    for r in doc["resources"]:
        assert set(r) >= RESOURCE_KEYS
        assert "pulumi:pulumi:Stack$" not in r["urn"]
        assert all(dep in urns for dep in r["dependencies"]), r["urn"]
    assert "1b47061264138c4ac30d75fd1eb44270" not in out.read_text(), "a secret leaked in wire form"
    # Added keys only: the preflight findings, each with its stable check id, also printed in the report.
    assert {f["check"] for f in doc["preflight"]} >= {"secrets-without-value", "image-not-committed", "zone-delegated"}
    assert "Before the next `pulumi up`" in done.stdout


def test_bad_stack_config_exits_non_zero_with_the_errors(tmp_path: Path) -> None:
    done = make_plan("--stack", "no-such-stack")
    assert done.returncode == 2
    assert "no stack file Pulumi.no-such-stack.yaml" in done.stderr


def test_any_stack_file_can_be_planned(tmp_path: Path) -> None:
    text = (ROOT / "Pulumi.staging.yaml").read_text().replace("environment: staging", "environment: development")
    (tmp_path / "Pulumi.dev.yaml").write_text(text)
    config, secret_keys = read_stack_settings("dev", tmp_path)
    plan = run_program("dev", config, secret_keys, ROOT / "__main__.py")
    assert plan.stack == "dev"
    assert any(r.type == "aws:ec2/vpc:Vpc" for r in plan.resources)


def test_secure_config_values_are_marked_secret(tmp_path: Path) -> None:
    text = (ROOT / "Pulumi.staging.yaml").read_text()
    text += "  socialclub:extraSecret:\n    secure: v1:AAAABBBB\n"
    (tmp_path / "Pulumi.x.yaml").write_text(text)
    config, secret_keys = read_stack_settings("x", tmp_path)
    assert secret_keys == ["socialclub:extraSecret"]
    assert config["socialclub:extraSecret"] == REDACTED


def test_wire_views() -> None:
    wire = {"a": {SIG_KEY: SECRET_SIG, "value": "pw"}, "b": [1, {SIG_KEY: SECRET_SIG, "value": {"k": "v"}}]}
    assert redacted(wire) == {"a": REDACTED, "b": [1, REDACTED]}
    assert unwrapped(wire) == {"a": "pw", "b": [1, {"k": "v"}]}
    mock_urn = "urn:pulumi:s::p::pulumi:pulumi:Stack$socialclub:network:Vpc$aws:ec2/vpc:Vpc::n"
    assert normalize_urn(mock_urn) == "urn:pulumi:s::p::socialclub:network:Vpc$aws:ec2/vpc:Vpc::n"


def test_a_mandatory_policy_violation_fails_the_plan() -> None:
    # A stack without policy/<stack>.json gets the pack's defaults, where every multi-AZ rule is mandatory;
    # staging's single NAT gateway and single cache node then fail the plan as a real preview would.
    stack_file = ROOT / "Pulumi.ci-policy-probe.yaml"
    stack_file.write_text((ROOT / "Pulumi.staging.yaml").read_text())
    try:
        done = make_plan("--stack", "ci-policy-probe")
    finally:
        stack_file.unlink()
    assert done.returncode == 3, done.stdout[-2000:] + done.stderr
    assert "mandatory policy violations" in done.stderr
    assert "nat-gateway-per-az" in done.stdout

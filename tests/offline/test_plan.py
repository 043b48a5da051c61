"""`make plan`: the report, the JSON document contract, and the exit status on bad config."""

from __future__ import annotations

import json
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pulumi_random as random
import pytest

from offline.harness import ROOT, Plan, normalize_urn, read_stack_settings, run_callable, run_program
from offline.plan import Outcome, main, plan_stack, render
from offline.policy_run import PACK_DIR
from offline.wire import OUTPUT_SIG, REDACTED, SECRET_SIG, SIG_KEY, redacted, unwrapped
from stackconfig.loader import load_settings

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


def make_plan(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`make plan` with `args`, in this process (the imports are paid once per session): exit status, out, err."""
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture(scope="module")
def probed() -> dict[str, tuple[Outcome, list[str]]]:
    """Both stacks planned as `make plan` does, with a value for every secret a person may set; and those values.
    Planned once for the module: each run is a whole program and a policy pack."""
    outcomes = {}
    for stack in ("staging", "production"):
        config, secret_keys, given = _with_secret_values(stack)
        outcomes[stack] = (plan_stack(stack, config, secret_keys), given)
    return outcomes


def test_plan_document_has_the_contracted_shape(probed: dict[str, tuple[Outcome, list[str]]]) -> None:
    outcome = probed["production"][0]
    assert "Plan for socialclub/production" in outcome.report
    doc = json.loads(json.dumps(outcome.document))
    assert {"project", "stack", "resources", "outputs"} <= set(doc)
    assert doc["project"] == "socialclub" and doc["stack"] == "production"
    urns = [r["urn"] for r in doc["resources"]]
    assert len(urns) == len(set(urns))
    for r in doc["resources"]:
        assert set(r) >= RESOURCE_KEYS
        assert "pulumi:pulumi:Stack$" not in r["urn"]
        assert all(dep in urns for dep in r["dependencies"]), r["urn"]
    assert SECRET_SIG not in json.dumps(doc), "a secret leaked in wire form"
    # Added keys only: the preflight findings, each with its stable check id, also printed in the report. Every
    # secret a person sets has a value here, so none is reported missing.
    checks = {f["check"] for f in doc["preflight"]}
    assert checks >= {"image-not-committed", "zone-delegated"} and "secrets-without-value" not in checks
    assert "Before the next `pulumi up`" in outcome.report


def test_bad_stack_config_exits_non_zero_with_the_errors(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = make_plan(capsys, "--stack", "no-such-stack")
    assert status == 2
    assert "no stack file Pulumi.no-such-stack.yaml" in err


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


def test_a_mandatory_policy_violation_fails_the_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A stack without policy/<stack>.json gets the pack's defaults, where every multi-AZ rule is mandatory;
    # staging's single NAT gateway and single cache node then fail the plan as a real preview would. The pack
    # here is policy/ without its stack config files.
    pack = tmp_path / "policy"
    pack.mkdir()
    for entry in PACK_DIR.iterdir():
        if entry.name not in ("venv", "__pycache__") and entry.suffix != ".json":
            (pack / entry.name).symlink_to(entry)
    out = tmp_path / "plan.json"
    status, stdout, stderr = make_plan(capsys, "--stack", "staging", "--policy-pack", str(pack), "--json", str(out))
    assert status == 3, stdout[-2000:] + stderr
    assert "mandatory policy violations" in stderr
    assert "nat-gateway-per-az" in stdout
    # The document is still written, with the verdict that failed the plan.
    document = json.loads(out.read_text())
    assert document["stack"] == "staging"
    mandatory = {v["policy"] for v in document["policy"]["violations"] if v["enforcementLevel"] == "mandatory"}
    assert "nat-gateway-per-az" in mandatory
    assert f"Plan document written to {out}" in stdout


# ------------------------------------------------------------------------------------------------------ secrets


def _exports_and_uses_secrets() -> None:
    """Secrets of every kind a program meets: wrapped by the program, from secret config, generated by a provider
    (RandomPassword.result is secret by its schema) and made secret with additional_secret_outputs."""
    config = pulumi.Config("socialclub")
    generated = random.RandomPassword("probe-generated", length=24, special=False)
    marked = aws.s3.Bucket(
        "probe-marked", bucket="probe-bucket", opts=pulumi.ResourceOptions(additional_secret_outputs=["arn"])
    )
    values = {
        "wrapped": pulumi.Output.secret("PROBE-wrapped-value"),
        "config": config.require_secret("probeToken"),
        "generated": generated.result,
        "marked": marked.arn,
        "derived": config.require_secret("probeToken").apply(lambda token: f"https://user:{token}@example.com"),
    }
    for label, value in values.items():
        pulumi.export(f"{label}Output", value)
        aws.ssm.Parameter(f"probe-{label}", type="SecureString", value=value, tags={"copy": value})
    pulumi.export("nestedOutput", {"inner": [values["generated"]], "clear": "shown"})


def _secret_probe_plan() -> Plan:
    config = {"socialclub:probeToken": "PROBE-config-token"}
    return run_callable(_exports_and_uses_secrets, "test", config, ["socialclub:probeToken"])


def _secret_values(plan: Plan) -> list[str]:
    generated = plan.one("random:index/randomPassword:RandomPassword").outputs["result"]
    marked = plan.one("aws:s3/bucket:Bucket").outputs["arn"]
    return ["PROBE-wrapped-value", "PROBE-config-token", generated, marked]


def test_secret_stack_outputs_are_redacted_in_the_report() -> None:
    plan = _secret_probe_plan()
    report = render(plan, 0.0)
    for value in _secret_values(plan):
        assert value not in report
    shown = json.loads(report.split("Outputs (secrets redacted):\n", 1)[1])
    assert shown == {
        "wrappedOutput": REDACTED,
        "configOutput": REDACTED,
        "generatedOutput": REDACTED,
        "markedOutput": REDACTED,
        "derivedOutput": REDACTED,
        "nestedOutput": {"inner": [REDACTED], "clear": "shown"},
    }


def test_output_typed_secrets_are_redacted_in_the_plan_document() -> None:
    plan = _secret_probe_plan()
    document = json.dumps(plan.to_document())
    for value in _secret_values(plan):
        assert value not in document
    for parameter in plan.of_type("aws:ssm/parameter:Parameter"):
        shown = parameter.to_plan()["inputs"]
        assert shown["value"] == REDACTED, parameter.name
        assert shown["tags"] == {"copy": REDACTED}, parameter.name


def test_secret_output_values_are_redacted_in_the_wire_views() -> None:
    output = {SIG_KEY: OUTPUT_SIG, "value": "pw", "secret": True, "dependencies": []}
    assert redacted({"a": output, "b": [output]}) == {"a": REDACTED, "b": [REDACTED]}
    assert unwrapped({"a": output}) == {"a": "pw"}
    assert redacted({SIG_KEY: OUTPUT_SIG, "value": "clear", "secret": False}) == "clear"


def _with_secret_values(stack: str) -> tuple[dict[str, str], list[str], list[str]]:
    """The stack's config with a distinct value for every secret a person may set (secrets.values, the Sentry
    token), as `pulumi config set --secret --path` would give it; and those values."""
    config, secret_keys = read_stack_settings(stack)
    settable = [spec.key for spec in load_settings(config).secret_specs if spec.source != "program"]
    values = {key: f"PROBE-{stack}-{key.replace('/', '-')}-value" for key in settable}
    secrets = json.loads(config["socialclub:secrets"])
    config["socialclub:secrets"] = json.dumps({**secrets, "values": values})
    config["socialclub:sentry"] = json.dumps({**json.loads(config["socialclub:sentry"]), "token": "PROBE-sentry-token"})
    keys = sorted({*secret_keys, "socialclub:secrets", "socialclub:sentry"})
    return config, keys, [*values.values(), "PROBE-sentry-token"]


def _generated_secrets(plan: Plan) -> list[str]:
    """Values the providers (here: the fakes) make up and return as secrets: generated passwords, the Sentry key's
    secret and DSN. A secret output that only echoes an input (a SecretVersion's string) is the input's secret."""
    found = []
    for resource in plan.resources:
        echoed = set(resource.inputs)
        found += [
            str(resource.outputs[name])
            for name in resource.secret_outputs
            if name in resource.outputs and name not in echoed and resource.outputs[name]
        ]
    return found


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_no_secret_value_the_stack_knows_reaches_the_report_or_the_document(
    stack: str, probed: dict[str, tuple[Outcome, list[str]]]
) -> None:
    outcome, given = probed[stack]
    generated = _generated_secrets(outcome.plan)
    assert generated, "the stack generates no secret: the probe would test nothing"
    stored = json.dumps([unwrapped(r.inputs) for r in outcome.plan.resources])
    assert all(value in stored for value in given), "the probe values did not reach the program"
    document = json.dumps(outcome.document)
    leaked = [value for value in [*given, *generated] if value in outcome.report or value in document]
    assert leaked == []

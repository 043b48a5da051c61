"""SecretSet under mocks: names, values stored as secrets, read grants, the manual-rotation reminder."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.secret_set import SecretSet, SecretSetArgs
from stackconfig.security import SecretSetSettings, SecretSpec
from tests.support import aws_context, inputs, run_component
from tests.support.iam import policy


def _secret_set(**settings: Any) -> SecretSet:
    return SecretSet(
        "s",
        SecretSetArgs(
            context=aws_context(),
            path_prefix="app/test",
            kms_key_arn="arn:aws:kms:us-east-1:123456789012:key/k",
            specs=[SecretSpec("a/one", "first"), SecretSpec("a/two", "second", rotation="none")],
            settings=SecretSetSettings(**settings),
        ),
    )


def test_grant_read_names_exactly_the_secrets_asked_for() -> None:
    import pulumi_aws as aws

    def build() -> None:
        role = aws.iam.Role("r", assume_role_policy="{}")
        _secret_set().grant_read(role, ["a/two"], "reader")

    plan = run_component(build)
    statements = policy(plan.one("aws:iam/rolePolicy:RolePolicy"))
    read = next(s for s in statements if s["Sid"] == "ReadNamedSecrets")
    assert read["Resource"] == ["arn:aws:secretsmanager:us-east-1:123456789012:secret:app/test/a/two-AbCdEf"]
    decrypt = next(s for s in statements if s["Sid"] == "DecryptThroughSecretsManager")
    assert decrypt["Condition"] == {"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}


def test_values_are_stored_as_secrets() -> None:
    plan = run_component(lambda: _secret_set(values={"a/one": "s3cr3t"}))
    version = plan.one("aws:secretsmanager/secretVersion:SecretVersion")
    assert "s3cr3t" not in json.dumps(version.to_plan())
    assert inputs(version)["secretString"] == "s3cr3t"


def test_a_value_for_an_undeclared_secret_is_refused() -> None:
    with pytest.raises(Exception, match=r"undeclared secrets \['a/three'\]"):
        run_component(lambda: _secret_set(values={"a/three": "x"}))


def test_unknown_secret_key_is_a_clear_error() -> None:
    with pytest.raises(Exception, match="has no secret 'a/nine'"):
        run_component(lambda: _secret_set().arn("a/nine"))


def test_manual_rotation_reminder_runs_every_90_days() -> None:
    plan = run_component(lambda: _secret_set().remind_manual_rotation("arn:aws:sns:us-east-1:123456789012:alerts"))
    schedule = inputs(plan.one("aws:scheduler/schedule:Schedule"))
    assert schedule["scheduleExpression"] == "rate(90 days)"
    message = json.loads(schedule["target"]["input"])
    assert message["secrets"] == ["app/test/a/one"]
    publish = policy(plan.one("aws:iam/rolePolicy:RolePolicy"))
    assert publish[0]["Resource"] == ["arn:aws:sns:us-east-1:123456789012:alerts"] or publish[1]["Resource"] == [
        "arn:aws:sns:us-east-1:123456789012:alerts"
    ]


def test_the_reminder_is_encrypted_with_the_stack_key_and_only_its_role_decrypts_it_for_this_schedule() -> None:
    plan = run_component(lambda: _secret_set().remind_manual_rotation("arn:aws:sns:us-east-1:123456789012:alerts"))
    schedule = plan.one("aws:scheduler/schedule:Schedule")
    key = "arn:aws:kms:us-east-1:123456789012:key/k"
    assert inputs(schedule)["kmsKeyArn"] == key
    statements = policy(plan.one("aws:iam/rolePolicy:RolePolicy"))
    (decrypt,) = [s for s in statements if s["Sid"] == "EncryptedSchedule"]
    assert (decrypt["Action"], decrypt["Resource"]) == (["kms:Decrypt"], [key])
    assert decrypt["Condition"] == {
        "StringEquals": {"kms:EncryptionContext:aws:scheduler:schedule:arn": schedule.outputs["arn"]}
    }
    assert schedule.outputs["arn"].startswith("arn:aws:scheduler:us-east-1:123456789012:schedule/default/")

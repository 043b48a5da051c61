"""The KMS key, its policy, and the SecretSet."""

from __future__ import annotations

import json
from typing import Any

import pytest

from catalog import SECRETS
from components.kms_key import key_policy_statements
from components.secret_set import SecretSet, SecretSetArgs, SecretSpec, ValueSource
from offline.harness import HarnessError
from tests.support import aws_context, inputs, run_component, stack_config, stack_plan

SOURCES: tuple[ValueSource, ...] = ("program", "generated", "operator")


def policy_of(doc: str) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = json.loads(doc)["Statement"]
    return statements


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_one_key_with_rotation_and_a_30_day_window(stack: str) -> None:
    key = inputs(stack_plan(stack).one("aws:kms/key:Key"))
    assert key["enableKeyRotation"] is True
    assert key["deletionWindowInDays"] == 30
    assert key["customerMasterKeySpec"] == "SYMMETRIC_DEFAULT"


def test_key_policy_grants_services_only_under_conditions() -> None:
    statements = key_policy_statements(
        account_id="111122223333",
        region="us-east-1",
        partition="aws",
        log_group_prefixes=["/aws/vpc/x/"],
        alarm_prefix="socialclub-x-",
    )
    # EventBridge is the one service AWS forbids a source condition for (SNS developer guide): its statement
    # names the service principal alone and only Decrypt/GenerateDataKey.
    unconditioned = [s for s in statements if not s.get("Condition") and "Service" in s["Principal"]]
    assert [(s["Principal"], s["Action"]) for s in unconditioned] == [
        ({"Service": "events.amazonaws.com"}, ["kms:Decrypt", "kms:GenerateDataKey"])
    ]
    for st in statements:
        principal = st["Principal"]
        assert principal != "*"
        if principal.get("AWS") == "*" or ("Service" in principal and st not in unconditioned):
            assert st.get("Condition"), f"{st['Sid']} lets a broad principal use the key without a condition"
        assert "kms:*" not in st["Action"]
    logs = next(s for s in statements if s["Sid"] == "CloudWatchLogsEncryptsThisStacksGroups")
    assert logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"] == [
        "arn:aws:logs:us-east-1:111122223333:log-group:/aws/vpc/x/*"
    ]
    # No statement opens the key to "any principal of the account": use is delegated to IAM (the root
    # statement), so a principal uses it only if its own policies name it.
    assert not [s for s in statements if s["Principal"] in ({"AWS": "*"}, "*")]
    root = {"AWS": "arn:aws:iam::111122223333:root"}
    assert {s["Sid"] for s in statements if s["Principal"] == root} == {
        "AccountAdministersKey",
        "AccountPrincipalsUseKeyThroughIam",
    }
    # The services named are the ones the stack uses, no other (no SQS: nothing of the stack queues).
    services = {s["Principal"]["Service"] for s in statements if "Service" in s["Principal"]}
    assert services == {
        "logs.us-east-1.amazonaws.com",
        "cloudwatch.amazonaws.com",
        "events.amazonaws.com",
        "cloudfront.amazonaws.com",
    }
    alarms = next(s for s in statements if s["Sid"] == "AlarmsPublishToEncryptedTopics")
    assert alarms["Condition"]["ArnLike"] == {
        "aws:SourceArn": "arn:aws:cloudwatch:us-east-1:111122223333:alarm:socialclub-x-*"
    }


def test_key_policy_in_the_stack_is_that_document() -> None:
    plan = stack_plan("production")
    statements = policy_of(inputs(plan.one("aws:kms/key:Key"))["policy"])
    assert {s["Sid"] for s in statements} >= {"AccountAdministersKey", "AlarmsPublishToEncryptedTopics"}
    alarms = next(s for s in statements if s["Sid"] == "AlarmsPublishToEncryptedTopics")
    assert alarms["Condition"]["ArnLike"]["aws:SourceArn"].endswith(":alarm:socialclub-production-*")
    assert inputs(plan.one("aws:kms/alias:Alias"))["name"] == "alias/socialclub-production"


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_sixteen_secrets_named_by_stack_and_encrypted_with_the_key(stack: str) -> None:
    plan = stack_plan(stack)
    key_arn = plan.one("aws:kms/key:Key").outputs["arn"]
    secrets = plan.of_type("aws:secretsmanager/secret:Secret")
    names = sorted(inputs(s)["name"] for s in secrets if inputs(s)["name"].startswith(f"socialclub/{stack}/"))
    assert names == sorted(f"socialclub/{stack}/{spec.key}" for spec in SECRETS)
    assert len(names) == 16
    for s in secrets:
        assert inputs(s)["kmsKeyId"] == key_arn
        assert inputs(s)["recoveryWindowInDays"] == (7 if stack == "staging" else 30)


def test_third_party_secrets_carry_their_rotation_owner() -> None:
    plan = stack_plan("production")
    tags = {
        inputs(s)["name"].split("/", 2)[2]: inputs(s)["tags"] for s in plan.of_type("aws:secretsmanager/secret:Secret")
    }
    assert tags["integration/stripe-key"] == {
        "RotationMode": "manual",
        "RotationDays": "90",
        "RotationOwner": "platform-team",
    }
    assert tags["api/backend-url"] == {"RotationMode": "none"}


def _secret_set(**overrides: Any) -> SecretSet:
    args = {
        "context": aws_context(),
        "path_prefix": "app/test",
        "kms_key_arn": "arn:aws:kms:us-east-1:123456789012:key/k",
        "specs": [SecretSpec("a/one", "first"), SecretSpec("a/two", "second", rotation="none")],
        **overrides,
    }
    return SecretSet("s", SecretSetArgs(**args))


def test_grant_read_names_exactly_the_secrets_asked_for() -> None:
    import pulumi_aws as aws

    def build() -> None:
        role = aws.iam.Role("r", assume_role_policy="{}")
        _secret_set().grant_read(role, ["a/two"], "reader")

    plan = run_component(build)
    policy = policy_of(inputs(plan.one("aws:iam/rolePolicy:RolePolicy"))["policy"])
    read = next(s for s in policy if s["Sid"] == "ReadNamedSecrets")
    assert read["Resource"] == ["arn:aws:secretsmanager:us-east-1:123456789012:secret:app/test/a/two-AbCdEf"]
    decrypt = next(s for s in policy if s["Sid"] == "DecryptThroughSecretsManager")
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
    publish = policy_of(inputs(plan.one("aws:iam/rolePolicy:RolePolicy"))["policy"])
    assert publish[0]["Resource"] == ["arn:aws:sns:us-east-1:123456789012:alerts"] or publish[1]["Resource"] == [
        "arn:aws:sns:us-east-1:123456789012:alerts"
    ]


def test_the_reminder_is_encrypted_with_the_stack_key_and_only_its_role_decrypts_it_for_this_schedule() -> None:
    plan = run_component(lambda: _secret_set().remind_manual_rotation("arn:aws:sns:us-east-1:123456789012:alerts"))
    schedule = plan.one("aws:scheduler/schedule:Schedule")
    key = "arn:aws:kms:us-east-1:123456789012:key/k"
    assert inputs(schedule)["kmsKeyArn"] == key
    statements = policy_of(inputs(plan.one("aws:iam/rolePolicy:RolePolicy"))["policy"])
    (decrypt,) = [s for s in statements if s["Sid"] == "EncryptedSchedule"]
    assert (decrypt["Action"], decrypt["Resource"]) == (["kms:Decrypt"], [key])
    assert decrypt["Condition"] == {
        "StringEquals": {"kms:EncryptionContext:aws:scheduler:schedule:arn": schedule.outputs["arn"]}
    }
    assert schedule.outputs["arn"].startswith("arn:aws:scheduler:us-east-1:123456789012:schedule/default/")


def test_duplicate_urns_fail_the_harness() -> None:
    def build() -> None:
        _secret_set()
        _secret_set()

    with pytest.raises(HarnessError, match="duplicate URNs"):
        run_component(build)


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_every_secret_the_program_can_fill_has_a_value(stack: str) -> None:
    """ECS refuses to start a task whose secret has no version: the program writes what it knows (URLs, ARNs,
    the registry) and generates the signing keys; only third-party credentials are left to a person."""
    plan = stack_plan(stack)
    valued = {
        r.name.removeprefix("secrets-").removesuffix("-value")
        for r in plan.of_type("aws:secretsmanager/secretVersion:SecretVersion")
    }
    specs = stack_config(stack).secret_specs
    by_source = {source: {s.key.replace("/", "-") for s in specs if s.source == source} for source in SOURCES}
    assert by_source["program"] | by_source["generated"] <= valued
    assert not valued & by_source["operator"], "no operator secret is valued in the committed stack files"
    generated = {r.name for r in plan.of_type("random:index/randomPassword:RandomPassword")}
    assert {f"secrets-{k}-generated" for k in by_source["generated"]} <= generated
    api = plan.outputs["apiUrl"]
    values = {r.name: inputs(r)["secretString"] for r in plan.of_type("aws:secretsmanager/secretVersion:SecretVersion")}
    assert values["secrets-api-vite-api-url-value"] == values["secrets-api-backend-url-value"] == api
    assert values["secrets-aws-ecr-registry-value"] == plan.outputs["ecrRepositoryUrl"].split("/")[0]

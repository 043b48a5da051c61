"""KmsKey: the stack key under mocks, and its policy: who administers it, which service may use it and on what
conditions."""

from __future__ import annotations

from typing import Any

from components.kms_key import KmsKey, KmsKeyArgs, key_policy_statements
from offline.harness import Plan
from stackconfig.security import KmsKeySettings
from tests.support import aws_context, inputs, run_component
from tests.support.iam import policy


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


def key_plan(**settings: Any) -> Plan:
    def program() -> None:
        KmsKey(
            "kms",
            KmsKeyArgs(
                context=aws_context(),
                alias="socialclub-test",
                log_group_prefixes=["/aws/vpc/socialclub-test/"],
                alarm_prefix="socialclub-test-",
                settings=KmsKeySettings(**settings),
            ),
        )

    return run_component(program)


def test_the_key_is_symmetric_rotates_yearly_and_waits_30_days_before_deletion() -> None:
    """docs/requirements.md §6.3: one customer-managed key for the stack; a deletion can be cancelled for 30 days."""
    plan = key_plan()
    key = plan.one("aws:kms/key:Key")
    assert {k: inputs(key)[k] for k in ("keyUsage", "customerMasterKeySpec", "enableKeyRotation")} == {
        "keyUsage": "ENCRYPT_DECRYPT",
        "customerMasterKeySpec": "SYMMETRIC_DEFAULT",
        "enableKeyRotation": True,
    }
    assert (inputs(key)["rotationPeriodInDays"], inputs(key)["deletionWindowInDays"]) == (365, 30)
    assert key.protect is True
    alias = inputs(plan.one("aws:kms/alias:Alias"))
    assert (alias["name"], alias["targetKeyId"]) == ("alias/socialclub-test", key.outputs["keyId"])
    short = key_plan(protect=False, deletion_window_days=7).one("aws:kms/key:Key")
    assert (short.protect, inputs(short)["deletionWindowInDays"]) == (False, 7)


def test_the_account_administers_the_key_and_uses_it_only_through_iam() -> None:
    """The root statements: the key administrators' actions (no use of the key), and the use actions (no
    administration), so no statement of the key grants both."""
    statements = {s["Sid"]: s for s in policy(key_plan().one("aws:kms/key:Key"))}
    admin, use = statements["AccountAdministersKey"], statements["AccountPrincipalsUseKeyThroughIam"]
    assert admin["Principal"] == use["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    assert admin["Action"] == [
        "kms:CancelKeyDeletion",
        "kms:CreateAlias",
        "kms:CreateGrant",
        "kms:DeleteAlias",
        "kms:DescribeKey",
        "kms:DisableKey",
        "kms:DisableKeyRotation",
        "kms:EnableKey",
        "kms:EnableKeyRotation",
        "kms:GetKeyPolicy",
        "kms:GetKeyRotationStatus",
        "kms:ListAliases",
        "kms:ListGrants",
        "kms:ListKeyPolicies",
        "kms:ListResourceTags",
        "kms:PutKeyPolicy",
        "kms:RetireGrant",
        "kms:RevokeGrant",
        "kms:RotateKeyOnDemand",
        "kms:ScheduleKeyDeletion",
        "kms:TagResource",
        "kms:UntagResource",
        "kms:UpdateAlias",
        "kms:UpdateKeyDescription",
    ]
    assert use["Action"] == [
        "kms:Decrypt",
        "kms:DescribeKey",
        "kms:Encrypt",
        "kms:GenerateDataKey",
        "kms:GenerateDataKeyWithoutPlaintext",
        "kms:ReEncryptFrom",
        "kms:ReEncryptTo",
    ]


def test_cloudfront_only_decrypts_for_this_accounts_distributions() -> None:
    statements = {s["Sid"]: s for s in policy(key_plan().one("aws:kms/key:Key"))}
    assert statements["CloudFrontReadsEncryptedOrigin"] == {
        "Effect": "Allow",
        "Action": ["kms:Decrypt"],
        "Sid": "CloudFrontReadsEncryptedOrigin",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Resource": ["*"],
        "Condition": {
            "StringEquals": {"aws:SourceAccount": "123456789012"},
            "ArnLike": {"aws:SourceArn": "arn:aws:cloudfront::123456789012:distribution/*"},
        },
    }

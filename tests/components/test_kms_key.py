"""The KMS key policy: which service may use the stack key, and under which conditions."""

from __future__ import annotations

from components.kms_key import key_policy_statements


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

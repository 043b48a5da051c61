"""The IAM policy builders every component uses: statement shape, the document version, service trust, secret reads."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws

from components.iam_documents import document, read_secrets_statements, service_trust, statement
from tests.support import inputs, run_component


def rendered(policy: pulumi.Output[str]) -> dict[str, Any]:
    """A policy document as AWS receives it, rendered by a resource under mocks."""
    plan = run_component(lambda: aws.iam.Policy("p", policy=policy))
    result: dict[str, Any] = json.loads(inputs(plan.one("aws:iam/policy:Policy"))["policy"])
    return result


def test_a_statement_lists_each_action_once_in_order_and_only_the_keys_given() -> None:
    assert statement(["s3:PutObject", "s3:GetObject", "s3:PutObject"], ["arn:aws:s3:::b/*"]) == {
        "Effect": "Allow",
        "Action": ["s3:GetObject", "s3:PutObject"],
        "Resource": ["arn:aws:s3:::b/*"],
    }
    # A key or trust policy has a principal and no Resource.
    assert statement(
        ["kms:Decrypt"],
        sid="Logs",
        effect="Deny",
        principal={"Service": "logs.amazonaws.com"},
        conditions={"Bool": {"aws:SecureTransport": "false"}},
    ) == {
        "Effect": "Deny",
        "Action": ["kms:Decrypt"],
        "Sid": "Logs",
        "Principal": {"Service": "logs.amazonaws.com"},
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def test_a_document_is_the_current_policy_language_version() -> None:
    """2012-10-17 is the version that supports policy variables; AWS treats documents without it as 2008-10-17."""
    assert rendered(document(statement(["s3:GetObject"], ["*"]))) == {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["*"]}],
    }


def test_service_trust_names_one_service_and_pins_the_account_when_given() -> None:
    trust = {"Effect": "Allow", "Action": ["sts:AssumeRole"], "Principal": {"Service": "ecs-tasks.amazonaws.com"}}
    assert rendered(service_trust("ecs-tasks.amazonaws.com"))["Statement"] == [trust]
    pinned = rendered(service_trust("ecs-tasks.amazonaws.com", source_account="123456789012"))["Statement"]
    assert pinned == [{**trust, "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}}]


def test_reading_secrets_means_exactly_those_secrets_and_their_key_only_through_secrets_manager() -> None:
    arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/jwt-AbCdEf"
    key = "arn:aws:kms:eu-west-1:123456789012:key/k"
    assert read_secrets_statements([arn], key, "eu-west-1") == [
        {
            "Effect": "Allow",
            "Action": ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
            "Sid": "ReadNamedSecrets",
            "Resource": [arn],
        },
        {
            "Effect": "Allow",
            "Action": ["kms:Decrypt"],
            "Sid": "DecryptThroughSecretsManager",
            "Resource": [key],
            "Condition": {"StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}},
        },
    ]

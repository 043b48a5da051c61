"""The IAM document helpers the IAM and S3 rules rely on, as pure functions."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest

from policy.socialclub_guardrails import iam_documents as docs

GITHUB = "token.actions.githubusercontent.com"


def one(statement: Mapping[str, object]) -> docs.Statement:
    (parsed,) = docs.parse(json.dumps({"Version": "2012-10-17", "Statement": statement}))
    return parsed


def test_parse_normalises_strings_lists_and_case() -> None:
    statement = one(
        {
            "Sid": "S",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": ["arn:aws:s3:::b/*"],
            "Condition": {"Bool": {"aws:SecureTransport": False}},
        }
    )
    assert statement.actions == ("s3:GetObject",)
    assert statement.resources == ("arn:aws:s3:::b/*",)
    assert statement.conditions == {"bool": {"aws:securetransport": ("false",)}}
    assert statement.label() == "statement 'S'"


@pytest.mark.parametrize(
    "document",
    ["not json", "[]", json.dumps({"Statement": []}), json.dumps({"Statement": [{"Effect": "Maybe"}]})],
)
def test_parse_refuses_what_aws_would_refuse(document: str) -> None:
    with pytest.raises(docs.PolicyDocumentError):
        docs.parse(document)


@pytest.mark.parametrize(
    ("action", "wildcard"),
    [("*", True), ("dynamodb:*", True), ("dynamodb:Get*", False), ("dynamodb:GetItem", False)],
)
def test_service_wildcards(action: str, wildcard: bool) -> None:
    assert docs.is_service_wildcard(action) is wildcard


def test_wildcard_actions_only_matter_in_allow_statements() -> None:
    assert docs.wildcard_action_problems(one({"Effect": "Deny", "Action": "s3:*", "Resource": "*"})) == []
    assert docs.wildcard_action_problems(one({"Effect": "Allow", "Action": ["s3:*"], "Resource": "*"}))
    assert docs.wildcard_action_problems(one({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}))


ALLOWED = frozenset({"ecr:getauthorizationtoken", "cloudwatch:putmetricdata"})
CONDITIONS = {"cloudwatch:putmetricdata": "cloudwatch:namespace"}


def test_wildcard_resource_needs_an_allowlisted_action_and_its_condition() -> None:
    def problems(statement: dict[str, object]) -> list[str]:
        return docs.wildcard_resource_problems(one(statement), ALLOWED, CONDITIONS)

    assert problems({"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"}) == []
    assert problems({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}) == []
    assert problems({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})
    assert problems({"Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*"})
    assert (
        problems(
            {
                "Effect": "Allow",
                "Action": "cloudwatch:PutMetricData",
                "Resource": "*",
                "Condition": {"StringEquals": {"cloudwatch:namespace": "App"}},
            }
        )
        == []
    )
    assert problems({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::b/*"})


def trust(condition: dict[str, object]) -> docs.Statement:
    return one(
        {
            "Effect": "Allow",
            "Principal": {"Federated": f"arn:aws:iam::1:oidc-provider/{GITHUB}"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": condition,
        }
    )


AUDIENCES = frozenset({"sts.amazonaws.com"})


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com", f"{GITHUB}:sub": "repo:o/r:environment:production"}},
        {"StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"}, "StringLike": {f"{GITHUB}:sub": "repo:o/r:ref:*"}},
    ],
)
def test_pinned_web_identity_trust_passes(condition: dict[str, object]) -> None:
    assert docs.web_identity_problems(trust(condition), AUDIENCES) == []


@pytest.mark.parametrize(
    ("condition", "problem"),
    [
        ({"StringEquals": {f"{GITHUB}:sub": "repo:o/r:ref:refs/heads/main"}}, "does not pin the token audience"),
        ({"StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"}}, "does not pin the token subject"),
        (
            {"StringEquals": {f"{GITHUB}:aud": "other"}, "StringLike": {f"{GITHUB}:sub": "repo:o/r:*"}},
            "accepts audience 'other'",
        ),
        (
            {"StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"}, "StringLike": {f"{GITHUB}:sub": "repo:o/*:*"}},
            "the repository is not pinned",
        ),
        (
            {"StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"}, "StringLike": {f"{GITHUB}:sub": "*"}},
            "by wildcard",
        ),
    ],
)
def test_loose_web_identity_trust_is_reported(condition: dict[str, object], problem: str) -> None:
    assert any(problem in p for p in docs.web_identity_problems(trust(condition), AUDIENCES))


def test_wildcard_principals() -> None:
    service: dict[str, object] = {
        "Effect": "Allow",
        "Principal": {"Service": "ecs-tasks.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
    assert docs.wildcard_principal_problems(one(service)) == []
    assert docs.wildcard_principal_problems(one({**service, "Principal": "*"}))
    assert docs.wildcard_principal_problems(one({**service, "Principal": {"AWS": ["*"]}}))
    notprincipal = {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::1:root"}, "Action": "sts:AssumeRole"}
    assert docs.wildcard_principal_problems(one(notprincipal))

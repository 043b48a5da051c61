"""The evaluator follows IAM: explicit deny wins, NotAction/NotResource, wildcards, conditions it cannot know
become assumptions."""

from __future__ import annotations

from typing import Any

import pytest

from offline.permissions.evaluator import (
    Outcome,
    PolicyError,
    Request,
    Verdict,
    evaluate,
    evaluate_with_key_policy,
    parse_policy,
    within_boundary,
)


def verdict(
    *statements: dict[str, Any], action: str = "s3:GetObject", resource: str = "arn:aws:s3:::b/k", **req: Any
) -> Verdict:
    policy = parse_policy({"Version": "2012-10-17", "Statement": list(statements)}, "p")
    return evaluate([policy], Request(action=action, resource=resource, **req))


ALLOW_ALL = {"Sid": "All", "Effect": "Allow", "Action": "*", "Resource": "*"}


def test_nothing_granted_is_not_allowed() -> None:
    assert verdict().outcome is Outcome.NOT_ALLOWED


def test_an_explicit_deny_wins_over_an_allow() -> None:
    deny = {"Sid": "No", "Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}
    result = verdict(ALLOW_ALL, deny)
    assert result.outcome is Outcome.DENIED
    assert result.by == ("p#No",)
    assert verdict(ALLOW_ALL, {**deny, "Action": "s3:PutObject"}).outcome is Outcome.ALLOWED


def test_not_action_allows_everything_but_the_listed_actions() -> None:
    power_user = {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}
    assert verdict(power_user, action="s3:GetObject").outcome is Outcome.ALLOWED
    assert verdict(power_user, action="iam:CreateRole").outcome is Outcome.NOT_ALLOWED


def test_not_resource_allows_everything_but_the_listed_resources() -> None:
    statement = {"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"}
    assert verdict(statement, resource="arn:aws:s3:::b/k").outcome is Outcome.ALLOWED
    assert verdict(statement, resource="arn:aws:s3:::secret/k").outcome is Outcome.NOT_ALLOWED


def test_actions_match_case_insensitively_with_wildcards_and_resources_case_sensitively() -> None:
    statement = {"Effect": "Allow", "Action": "S3:get*", "Resource": "arn:aws:s3:::b?/*"}
    assert verdict(statement, resource="arn:aws:s3:::b1/k").outcome is Outcome.ALLOWED
    assert verdict(statement, resource="arn:aws:s3:::b12/k").outcome is Outcome.NOT_ALLOWED
    assert verdict(statement, resource="arn:aws:s3:::B1/k").outcome is Outcome.NOT_ALLOWED
    assert verdict(statement, action="s3:PutObject", resource="arn:aws:s3:::b1/k").outcome is Outcome.NOT_ALLOWED


def test_a_condition_on_a_key_the_request_does_not_model_becomes_an_assumption() -> None:
    statement = {
        "Sid": "Mfa",
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "*",
        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
    }
    result = verdict(statement)
    assert result.outcome is Outcome.ALLOWED_ASSUMING
    assert result.assumptions == ("Bool aws:MultiFactorAuthPresent ['true']",)


def test_a_deny_on_an_unknown_condition_is_reported_as_may_be_denied() -> None:
    deny = {
        "Sid": "FromOffice",
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}},
    }
    result = verdict(ALLOW_ALL, deny)
    assert result.outcome is Outcome.ALLOWED_ASSUMING
    assert result.assumptions == ("not denied by p#FromOffice: NotIpAddress aws:SourceIp ['192.0.2.0/24']",)


def test_known_conditions_are_evaluated() -> None:
    tagged = {
        "Effect": "Allow",
        "Action": "iam:PutRolePolicy",
        "Resource": "arn:aws:iam::1:role/*",
        "Condition": {"StringEquals": {"aws:ResourceTag/Stack": "production"}},
    }
    role = "arn:aws:iam::1:role/r"
    known = frozenset({"aws:resourcetag/"})
    ours = {"aws:ResourceTag/Stack": ["production"]}
    theirs = {"aws:ResourceTag/Stack": ["staging"]}
    assert verdict(tagged, action="iam:PutRolePolicy", resource=role, context=ours, modelled=known).outcome is (
        Outcome.ALLOWED
    )
    assert verdict(tagged, action="iam:PutRolePolicy", resource=role, context=theirs, modelled=known).outcome is (
        Outcome.NOT_ALLOWED
    )
    # Untagged (the key is known to be absent): a positive operator is false.
    assert verdict(tagged, action="iam:PutRolePolicy", resource=role, modelled=known).outcome is Outcome.NOT_ALLOWED


def test_if_exists_and_null_follow_iam_when_the_key_is_known_absent() -> None:
    # A bucket policy that wants SSE headers denies a PutObject that sends none (...IfExists: absent -> true).
    deny = {
        "Sid": "Sse",
        "Effect": "Deny",
        "Action": "s3:PutObject",
        "Resource": "*",
        "Condition": {"StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption": "aws:kms"}},
    }
    headers = frozenset({"s3:x-amz-server-side-encryption"})
    assert verdict(ALLOW_ALL, deny, action="s3:PutObject", modelled=headers).outcome is Outcome.DENIED
    sent = {"s3:x-amz-server-side-encryption": ["aws:kms"]}
    assert verdict(ALLOW_ALL, deny, action="s3:PutObject", context=sent, modelled=headers).outcome is Outcome.ALLOWED
    null = {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"Null": {"aws:RequestTag/Stack": "true"}}}
    tags = frozenset({"aws:requesttag/"})
    assert verdict(null, modelled=tags).outcome is Outcome.ALLOWED
    assert verdict(null, modelled=tags, context={"aws:RequestTag/Stack": ["x"]}).outcome is Outcome.NOT_ALLOWED


def test_arn_parts_match_one_by_one_and_the_resource_part_keeps_its_colons() -> None:
    """IAM matches an ARN part by part; the last part, the resource, may itself hold colons."""
    group = {"Effect": "Allow", "Action": "logs:*", "Resource": "arn:aws:logs:us-east-1:1:log-group:/app:*"}
    stream = "arn:aws:logs:us-east-1:1:log-group:/app:log-stream:x"
    assert verdict(group, action="logs:PutLogEvents", resource=stream).outcome is Outcome.ALLOWED
    # A request on no particular resource ("*", as for actions without resource-level permissions) is not one of
    # a statement's ARNs.
    bucket = {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"}
    assert verdict(bucket, action="s3:ListAllMyBuckets", resource="*").outcome is Outcome.NOT_ALLOWED


@pytest.mark.parametrize(
    ("operator", "wanted", "sent", "outcome"),
    [
        ("StringEqualsIgnoreCase", "PROD", "prod", Outcome.ALLOWED),
        ("StringEquals", "PROD", "prod", Outcome.NOT_ALLOWED),
        ("Bool", "True", "true", Outcome.ALLOWED),
        ("Bool", "false", "true", Outcome.NOT_ALLOWED),
    ],
)
def test_condition_operators_compare_as_iam_does(operator: str, wanted: str, sent: str, outcome: Outcome) -> None:
    allow = {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {operator: {"aws:x": wanted}}}
    assert verdict(allow, context={"aws:x": [sent]}).outcome is outcome


def test_a_known_absent_key_fails_a_positive_operator_and_passes_a_negated_one() -> None:
    known = frozenset({"aws:x"})
    positive = {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"StringEquals": {"aws:x": "a"}}}
    negated = {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"StringNotEquals": {"aws:x": "a"}}}
    assert verdict(positive, modelled=known).outcome is Outcome.NOT_ALLOWED
    assert verdict(negated, modelled=known).outcome is Outcome.ALLOWED


def test_a_statement_with_both_action_and_not_action_is_refused() -> None:
    with pytest.raises(PolicyError, match="exactly one of Action and NotAction"):
        verdict({"Effect": "Allow", "Action": "*", "NotAction": "iam:*", "Resource": "*"})


ROOT = "arn:aws:iam::1:root"
ROLE = "arn:aws:iam::1:role/deployer"
KEY = "arn:aws:kms:us-east-1:1:key/k"


def key_verdict(*key_statements: dict[str, Any], identity: tuple[dict[str, Any], ...] = (ALLOW_ALL,)) -> Verdict:
    key_policy = parse_policy({"Statement": list(key_statements)}, "key")
    role_policy = parse_policy({"Statement": list(identity)}, "role")
    request = Request(action="kms:PutKeyPolicy", resource=KEY)
    return evaluate_with_key_policy([role_policy], key_policy, request, principal=ROLE, account_root=ROOT)


def test_a_key_policy_that_delegates_to_the_account_lets_iam_grant() -> None:
    delegate = {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*", "Resource": "*"}
    assert key_verdict(delegate).outcome is Outcome.ALLOWED
    assert key_verdict(delegate, identity=()).outcome is Outcome.NOT_ALLOWED


def test_without_delegation_iam_cannot_grant_a_kms_action() -> None:
    uses_only = {"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": ["kms:Decrypt"], "Resource": "*"}
    result = key_verdict(uses_only)
    assert result.outcome is Outcome.NOT_ALLOWED
    assert "key policy key lets neither the role nor IAM policies grant it" in result.describe()


def test_a_key_policy_may_grant_the_role_itself_and_its_deny_wins() -> None:
    direct = {"Sid": "Role", "Effect": "Allow", "Principal": {"AWS": [ROLE]}, "Action": "kms:*", "Resource": "*"}
    assert key_verdict(direct, identity=()).outcome is Outcome.ALLOWED
    deny = {"Sid": "Never", "Effect": "Deny", "Principal": "*", "Action": "kms:PutKeyPolicy", "Resource": "*"}
    assert key_verdict(direct, deny).outcome is Outcome.DENIED
    other = {"Effect": "Allow", "Principal": {"Service": "logs.amazonaws.com"}, "Action": "kms:*", "Resource": "*"}
    assert key_verdict(other).outcome is Outcome.NOT_ALLOWED


def test_resource_wildcards_match_within_one_part_of_the_arn() -> None:
    statement = {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:iam::*:role/deploy-*"}
    assert verdict(statement, resource="arn:aws:iam::1:role/deploy-app").outcome is Outcome.ALLOWED
    # `*` in the account part does not swallow the rest of the ARN.
    assert verdict(statement, resource="arn:aws:iam::1:x:role/deploy-app").outcome is Outcome.NOT_ALLOWED
    assert verdict(ALLOW_ALL, resource="*").outcome is Outcome.ALLOWED


def test_not_principal_is_refused_rather_than_ignored() -> None:
    with pytest.raises(PolicyError, match="NotPrincipal"):
        verdict({"Effect": "Deny", "NotPrincipal": {"AWS": ROOT}, "Action": "*", "Resource": "*"})


def test_a_permissions_boundary_caps_what_the_policies_allow() -> None:
    boundary = parse_policy({"Statement": [{"Sid": "S3", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}, "b")
    allowed = verdict(ALLOW_ALL)
    assert within_boundary(allowed, boundary, Request("s3:GetObject", "arn:aws:s3:::b/k")).outcome is Outcome.ALLOWED
    capped = within_boundary(allowed, boundary, Request("iam:CreateRole", "arn:aws:iam::1:role/r"))
    assert capped.outcome is Outcome.NOT_ALLOWED
    assert capped.reason == "outside the permissions boundary b"
    # A boundary grants nothing by itself.
    nothing = verdict()
    assert within_boundary(nothing, boundary, Request("s3:GetObject", "arn:aws:s3:::b/k")) == nothing

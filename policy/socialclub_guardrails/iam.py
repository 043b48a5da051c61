"""Least-privilege IAM: no wildcard actions, no wildcard resources without need, pinned trust policies."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from pulumi_policy import Policy, ResourceValidationArgs

from . import iam_documents
from .helpers import (
    IAM_POLICY,
    IAM_ROLE,
    IAM_ROLE_POLICY,
    RDS_INSTANCE,
    Config,
    Rule,
    as_json,
    findings,
    get,
    items,
    resource_rule,
    true_flag,
)

IDENTITY_TYPES = [
    IAM_POLICY,
    IAM_ROLE_POLICY,
    IAM_ROLE,
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
]


def identity_documents(args: ResourceValidationArgs) -> Iterator[tuple[str, object]]:
    """(where, document) of the permission policies a resource declares; a role's trust policy is not one."""
    if args.resource_type == IAM_ROLE:
        for inline in items(get(args.props, "inlinePolicies")):
            if get(inline, "policy") is not None:
                yield f"inline policy '{get(inline, 'name', default='?')}'", get(inline, "policy")
    elif get(args.props, "policy") is not None:
        yield "policy", get(args.props, "policy")


def _statements(
    documents: Iterator[tuple[str, object]],
) -> Iterator[tuple[str, iam_documents.Statement | str]]:
    """(where, statement), or (where, error text) for a document AWS would reject."""
    for where, document in documents:
        try:
            for statement in iam_documents.parse(as_json(document)):
                yield where, statement
        except (iam_documents.PolicyDocumentError, ValueError) as error:
            yield where, f"is not a valid policy document: {error}"


def _each(
    documents: Callable[[ResourceValidationArgs], Iterator[tuple[str, object]]],
    problems: Callable[[iam_documents.Statement, Config], list[str]],
    *,
    report_invalid: bool = False,
) -> Callable[[ResourceValidationArgs, Config], Iterator[str]]:
    """A check applying `problems` to every statement; one rule per document kind reports unparsable ones."""

    def check(args: ResourceValidationArgs, config: Config) -> Iterator[str]:
        for where, statement in _statements(documents(args)):
            if isinstance(statement, str):
                if report_invalid:
                    yield f"{where} {statement}."
            else:
                yield from (f"{where}: {p}." for p in problems(statement, config))

    return check


WILDCARD_ACTIONS = Rule(
    name="iam-no-wildcard-actions",
    control="IAM.1, IAM.21",
    description="IAM permission policies never allow '*' or 'service:*' actions, nor use NotAction in an Allow.",
    fix="list the exact actions the role needs (e.g. dynamodb:GetItem, dynamodb:PutItem, dynamodb:Query), "
    "scoped to its resources.",
)

# Actions AWS offers no resource-level permission for, so '*' is the only resource they accept. Some can still
# be narrowed by a condition key, which is then required.
WILDCARD_RESOURCE_ACTIONS = [
    "ecr:GetAuthorizationToken",
    "cloudwatch:PutMetricData",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:GetSamplingStatisticSummaries",
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "ecs:RegisterTaskDefinition",
    "ecs:DeregisterTaskDefinition",
    "ecs:DescribeTaskDefinition",
    "ecs:ListTaskDefinitions",
    "sts:GetCallerIdentity",
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
]

WILDCARD_RESOURCES = Rule(
    name="iam-wildcard-resource-justified",
    control='IAM.1; brief: \'"*" resource only where AWS has no resource-level permission, with a condition '
    "where one exists'",
    description="An Allow on Resource '*' only grants actions that have no resource-level permission, each "
    "narrowed by its condition key where AWS offers one.",
    fix="name the resource ARNs (table, bucket/*, secret, key, log group); keep '*' only for the allowlisted "
    "actions and add the required condition (e.g. cloudwatch:namespace for PutMetricData).",
    schema={
        "actions": {
            "type": "array",
            "items": {"type": "string", "pattern": "^[a-z0-9-]+:[A-Za-z0-9]+$"},
            "uniqueItems": True,
            "default": WILDCARD_RESOURCE_ACTIONS,
            "description": "Actions that may be allowed on Resource '*'.",
        },
        "requiredConditions": {
            "type": "object",
            "additionalProperties": {"type": "string", "pattern": "^[a-zA-Z0-9-]+:[A-Za-z0-9/-]+$"},
            "default": {"cloudwatch:PutMetricData": "cloudwatch:namespace"},
            "description": "Action -> condition key that must narrow it when it is allowed on '*'.",
        },
    },
)


def _wildcard_resource_problems(statement: iam_documents.Statement, config: Config) -> list[str]:
    return iam_documents.wildcard_resource_problems(
        statement,
        frozenset(a.lower() for a in config["actions"]),
        {a.lower(): k for a, k in config["requiredConditions"].items()},
    )


def trust_documents(args: ResourceValidationArgs) -> Iterator[tuple[str, object]]:
    if get(args.props, "assumeRolePolicy") is not None:
        yield "assumeRolePolicy", get(args.props, "assumeRolePolicy")


OIDC_TRUST = Rule(
    name="iam-oidc-trust-pinned",
    control="brief/issue 4: 'The trust policy pins aud and sub; nothing is trusted by wildcard' "
    "(GitHub OIDC hardening guidance)",
    description="Roles assumed with a web identity (GitHub Actions OIDC) pin the token audience exactly and the "
    "subject's repository without wildcards.",
    fix="add Condition StringEquals '<provider>:aud' = 'sts.amazonaws.com' and StringEquals (or StringLike "
    "for the ref only) '<provider>:sub' = 'repo:<owner>/<repo>:environment:<env>'.",
    schema={
        "audiences": {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "minItems": 1,
            "uniqueItems": True,
            "default": ["sts.amazonaws.com"],
            "description": "Accepted token audiences.",
        }
    },
)

WILDCARD_PRINCIPAL = Rule(
    name="iam-trust-no-wildcard-principal",
    control="brief: 'nothing is trusted by wildcard' (IAM Access Analyzer public-access finding)",
    description="Role trust policies never trust '*' (any AWS account) nor use NotPrincipal in an Allow.",
    fix="name the service (Principal Service) or the federated provider (Principal Federated) that may assume "
    "the role.",
)

RDS_IAM_AUTH = Rule(
    name="rds-iam-auth",
    control="RDS.10",
    description="RDS instances accept IAM database authentication, so humans and tools need no shared password.",
    fix="set iam_database_authentication_enabled=True.",
)


def _rds_iam_auth(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    yield from findings(true_flag(args.props, "iamDatabaseAuthenticationEnabled"))


POLICIES: list[Policy] = [
    resource_rule(
        WILDCARD_ACTIONS,
        IDENTITY_TYPES,
        _each(identity_documents, lambda s, _: iam_documents.wildcard_action_problems(s), report_invalid=True),
    ),
    resource_rule(WILDCARD_RESOURCES, IDENTITY_TYPES, _each(identity_documents, _wildcard_resource_problems)),
    resource_rule(
        OIDC_TRUST,
        [IAM_ROLE],
        _each(trust_documents, lambda s, c: iam_documents.web_identity_problems(s, frozenset(c["audiences"]))),
    ),
    resource_rule(
        WILDCARD_PRINCIPAL,
        [IAM_ROLE],
        _each(trust_documents, lambda s, _: iam_documents.wildcard_principal_problems(s), report_invalid=True),
    ),
    resource_rule(RDS_IAM_AUTH, [RDS_INSTANCE], _rds_iam_auth),
]

"""Least-privilege IAM: no wildcard actions, no wildcard resources without need, pinned trust policies."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from pulumi_policy import Policy, PolicyResource, ResourceValidationArgs

from . import iam_documents
from .helpers import (
    IAM_POLICY,
    IAM_ROLE,
    IAM_ROLE_POLICY,
    Config,
    Props,
    Rule,
    Stack,
    family,
    findings,
    get,
    items,
    resource_rule,
    stack_rule,
    true_flag,
)
from .stores import DATABASES

IDENTITY_TYPES = family("permission-documents")


def documents_of(resource_type: str, props: Props) -> Iterator[tuple[str, object]]:
    """(where, document) of the permission policies a resource declares; a role's trust policy is not one."""
    if resource_type == IAM_ROLE:
        for inline in items(get(props, "inlinePolicies")):
            if get(inline, "policy") is not None:
                yield f"inline policy '{get(inline, 'name', default='?')}'", get(inline, "policy")
    elif get(props, "policy") is not None:
        yield "policy", get(props, "policy")


def identity_documents(args: ResourceValidationArgs) -> Iterator[tuple[str, object]]:
    return documents_of(args.resource_type, args.props)


def _each(
    documents: Callable[[ResourceValidationArgs], Iterator[tuple[str, object]]],
    problems: Callable[[iam_documents.Statement, Config], list[str]],
    *,
    report_invalid: bool = False,
) -> Callable[[ResourceValidationArgs, Config], Iterator[str]]:
    """A check applying `problems` to every statement; one rule per document kind reports unparsable ones."""

    def check(args: ResourceValidationArgs, config: Config) -> Iterator[str]:
        for where, statement in iam_documents.statements_of(documents(args)):
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
    control='IAM.1; least privilege: \'"*" resource only where AWS has no resource-level permission, with a condition '
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
    control="docs/requirements.md §6.1 (the GitHub Actions role assumed through OIDC; GitHub OIDC hardening guidance)",
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
    control="docs/requirements.md §6.1 (roles trusted by named principals; IAM Access Analyzer public-access finding)",
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
    if DATABASES[args.resource_type].iam_auth:
        yield from findings(true_flag(args.props, "iamDatabaseAuthenticationEnabled"))


ADMIN_ATTACHMENT = Rule(
    name="iam-no-admin-policy-attachment",
    control="IAM.1 (no full administrative privileges); least privilege",
    description="No role, user or group gets an AWS managed policy that grants administrator or full IAM access, "
    "whichever resource type attaches it (policy attachments, exclusive attachments, a role's managedPolicyArns).",
    fix="attach a policy listing the actions the identity needs; for deployments, a generated least-privilege "
    "policy bounded by a permissions boundary.",
    schema={
        "forbiddenPolicies": {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "uniqueItems": True,
            "default": [
                "AdministratorAccess",
                "IAMFullAccess",
                "AdministratorAccess-Amplify",
                "AdministratorAccess-AWSElasticBeanstalk",
                "AWSOrganizationsFullAccess",
            ],
            "description": "Names of AWS managed policies (arn:aws:iam::aws:policy/[path/]<name>) never attached.",
        }
    },
)

# Where each attachment form holds the policy ARNs it attaches (every member of the family).
ATTACHED_ARNS: dict[str, str] = {
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": "policyArn",
    "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive": "policyArns",
    "aws:iam/policyAttachment:PolicyAttachment": "policyArn",
    "aws:iam/role:Role": "managedPolicyArns",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "policyArn",
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": "policyArns",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment": "policyArn",
    "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive": "policyArns",
}
_AWS_MANAGED = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/(?:.*/)?([^/]+)$")


def attached_arns(resource_type: str, props: Props) -> list[str]:
    value = get(props, ATTACHED_ARNS[resource_type])
    return [str(v) for v in items(value)] if not isinstance(value, str) else [value]


def _admin_attachment(args: ResourceValidationArgs, config: Config) -> Iterator[str]:
    forbidden = set(config["forbiddenPolicies"])
    for arn in attached_arns(args.resource_type, args.props):
        managed = _AWS_MANAGED.match(arn)
        if managed and managed.group(1) in forbidden:
            yield f"attaches the AWS managed policy {managed.group(1)} ({arn})."


ESCALATION = Rule(
    name="iam-no-privilege-escalation",
    control="IAM.1; no path from a CI job or the app to admin (IAM privilege-escalation methods)",
    description="No identity holds a known privilege-escalation action set (policy versions, attaching or writing "
    "policies, rewriting trust, access keys and passwords, PassRole with compute, AssumeRole) on wildcard "
    "resources, counting every policy of a role together, unless a permissions-boundary condition pins it.",
    fix="name the exact roles/policies/users (no wildcard), or add Condition StringEquals "
    "iam:PermissionsBoundary=<boundary ARN> to create/put/attach actions; pass roles only by ARN.",
)

# What the AWS managed policies a stack may attach grant, where it matters for escalation.
MANAGED_DOCUMENTS: dict[str, dict[str, object]] = {
    "AdministratorAccess": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    "IAMFullAccess": {"Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]},
    "PowerUserAccess": {
        "Statement": [
            {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": ["iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole", "iam:ListRoles"],
                "Resource": "*",
            },
        ]
    },
}

IAM_USER = "aws:iam/user:User"
IAM_GROUP = "aws:iam/group:Group"


@dataclass(frozen=True)
class Identity:
    """Where the permissions of one kind of identity are declared: inline documents naming it, and attachments."""

    kind: str
    documents: tuple[str, str]
    """(inline policy type, the input of it that names the identity)."""
    attachments: Mapping[str, str]
    """Attachment type -> the input of it that names the identity."""


IDENTITIES: dict[str, Identity] = {
    IAM_ROLE: Identity(
        "role",
        (IAM_ROLE_POLICY, "role"),
        {
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "role",
            "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": "roleName",
            "aws:iam/policyAttachment:PolicyAttachment": "roles",
        },
    ),
    IAM_USER: Identity(
        "user",
        ("aws:iam/userPolicy:UserPolicy", "user"),
        {
            "aws:iam/userPolicyAttachment:UserPolicyAttachment": "user",
            "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive": "userName",
            "aws:iam/policyAttachment:PolicyAttachment": "users",
        },
    ),
    IAM_GROUP: Identity(
        "group",
        ("aws:iam/groupPolicy:GroupPolicy", "group"),
        {
            "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": "group",
            "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive": "groupName",
            "aws:iam/policyAttachment:PolicyAttachment": "groups",
        },
    ),
}


def _identity_documents(identity: PolicyResource, stack: Stack) -> Iterator[tuple[str, object]]:
    """Every permission document of a role, user or group of the stack: inline, separate inline policies and
    attached managed policies (the stack's own, and the AWS managed ones whose content matters here)."""
    spec = IDENTITIES[identity.resource_type]
    yield from documents_of(identity.resource_type, identity.props)
    inline_type, inline_key = spec.documents
    for inline in stack.referencing(identity, inline_key, inline_type):
        named = documents_of(inline_type, inline.props)
        yield from ((f"{spec.kind} policy '{inline.name}' {w}", d) for w, d in named)
    attachments = [identity] if identity.resource_type == IAM_ROLE else []  # a role's managedPolicyArns
    attachments += [a for t, key in spec.attachments.items() for a in stack.referencing(identity, key, t)]
    for attachment in attachments:
        key = ATTACHED_ARNS[attachment.resource_type]
        for policy in stack.related(attachment, key, IAM_POLICY):
            yield from ((f"attached policy '{policy.name}' {w}", d) for w, d in documents_of(IAM_POLICY, policy.props))
        for arn in attached_arns(attachment.resource_type, attachment.props):
            managed = _AWS_MANAGED.match(arn)
            if managed and managed.group(1) in MANAGED_DOCUMENTS:
                yield f"attached {managed.group(1)}", MANAGED_DOCUMENTS[managed.group(1)]


def _escalation(resource: PolicyResource, stack: Stack, _: Config) -> Iterator[str]:
    if resource.resource_type in IDENTITIES:
        documents: Iterable[tuple[str, object]] = _identity_documents(resource, stack)
    else:
        owner = next((i for i in IDENTITIES.values() if i.documents[0] == resource.resource_type), None)
        if owner is not None and stack.related(resource, owner.documents[1], *IDENTITIES):
            return  # judged with the rest of its identity's permissions
        documents = documents_of(resource.resource_type, resource.props)
    statements = [(w, s) for w, s in iam_documents.statements_of(documents) if not isinstance(s, str)]
    yield from (f"{p}." for p in iam_documents.escalation_problems(statements))


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
    resource_rule(RDS_IAM_AUTH, family("database-storage"), _rds_iam_auth),
    resource_rule(ADMIN_ATTACHMENT, family("managed-policy-attachments"), _admin_attachment),
    stack_rule(ESCALATION, sorted({*IDENTITY_TYPES, *IDENTITIES}), _escalation),
]

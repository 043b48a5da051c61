"""IAM policy documents as data: parsing and the questions the IAM rules ask of them. Pure functions.

AWS accepts a string or a list wherever a list is meant (Action, Resource, condition values, principals), and
condition operator and key names are case-insensitive: everything here is normalised once, in `parse`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Any

WILDCARD_CHARS = ("*", "?")


class PolicyDocumentError(ValueError):
    """Not a policy document AWS would accept."""


@dataclass(frozen=True)
class Statement:
    effect: str
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()
    principals: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Principal type ("AWS", "Service", "Federated", "CanonicalUser", or "*" for `"Principal": "*"`)."""
    not_principal: bool = False
    conditions: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    """Operator (lower case) -> condition key (lower case) -> values."""
    sid: str = ""

    @property
    def allows(self) -> bool:
        return self.effect == "Allow"

    def label(self) -> str:
        return f"statement '{self.sid}'" if self.sid else "a statement"

    def condition_values(self, key_suffix: str, operators: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
        """(key, value) pairs of condition keys ending with `key_suffix` under one of `operators`."""
        found: list[tuple[str, str]] = []
        for operator, keys in self.conditions.items():
            if _base_operator(operator) not in operators:
                continue
            for key, values in keys.items():
                if key.endswith(key_suffix):
                    found.extend((key, v) for v in values)
        return tuple(found)

    def has_condition_key(self, key: str) -> bool:
        return any(key.lower() in keys for keys in self.conditions.values())


def _base_operator(operator: str) -> str:
    # "ForAnyValue:StringLike" and "StringLikeIfExists" qualify the same base operator.
    return operator.rsplit(":", maxsplit=1)[-1].removesuffix("ifexists")


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str | bool | int | float):
        return (str(value).lower() if isinstance(value, bool) else str(value),)
    if isinstance(value, list | tuple):
        return tuple(s for v in value for s in _strings(v))
    raise PolicyDocumentError(f"expected a string or a list of strings, got {type(value).__name__}")


def _principals(value: Any) -> dict[str, tuple[str, ...]]:
    if value is None:
        return {}
    if value == "*":
        return {"*": ("*",)}
    if isinstance(value, Mapping):
        return {str(kind): _strings(ids) for kind, ids in value.items()}
    raise PolicyDocumentError('Principal must be "*" or an object')


def _statement(raw: Any) -> Statement:
    if not isinstance(raw, Mapping):
        raise PolicyDocumentError("each Statement must be an object")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyDocumentError(f"Effect must be Allow or Deny, got {effect!r}")
    conditions = raw.get("Condition") or {}
    if not isinstance(conditions, Mapping) or not all(isinstance(k, Mapping) for k in conditions.values() if k):
        raise PolicyDocumentError("Condition must map operators to objects of condition keys")
    return Statement(
        effect=effect,
        actions=_strings(raw.get("Action")),
        not_actions=_strings(raw.get("NotAction")),
        resources=_strings(raw.get("Resource")),
        not_resources=_strings(raw.get("NotResource")),
        principals=_principals(raw.get("Principal", raw.get("NotPrincipal"))),
        not_principal="NotPrincipal" in raw,
        conditions={
            str(op).lower(): {str(k).lower(): _strings(v) for k, v in (keys or {}).items()}
            for op, keys in conditions.items()
        },
        sid=str(raw.get("Sid", "")),
    )


def parse(document: object) -> list[Statement]:
    """The statements of a policy document given as JSON text or as an object."""
    if isinstance(document, str):
        return list(_parse_text(document))
    return _parse_data(document)


@lru_cache(maxsize=4096)
def _parse_text(text: str) -> tuple[Statement, ...]:
    # Several rules read each document (wildcards, escalation, public principals...): parsed once per text.
    # A document AWS would reject raises each time (lru_cache keeps no exceptions).
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise PolicyDocumentError(f"not valid JSON: {error.msg}") from None
    return tuple(_parse_data(data))


def _parse_data(data: object) -> list[Statement]:
    if not isinstance(data, Mapping):
        raise PolicyDocumentError("a policy document must be a JSON object")
    statements = data.get("Statement")
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise PolicyDocumentError("a policy document needs a non-empty Statement")
    return [_statement(s) for s in statements]


def statements_of(documents: Iterable[tuple[str, object]]) -> Iterator[tuple[str, Statement | str]]:
    """(where, statement), or (where, error text) for a document AWS would reject."""
    for where, document in documents:
        try:
            for statement in parse(document):
                yield where, statement
        except PolicyDocumentError as error:
            yield where, f"is not a valid policy document: {error}"


def is_service_wildcard(action: str) -> bool:
    """`*` or `service:*`: every action of every service, or of one service."""
    return action == "*" or (action.endswith(":*") and action.count(":") == 1)


def wildcard_action_problems(statement: Statement) -> list[str]:
    if not statement.allows:
        return []
    problems = [f"{statement.label()} allows '{a}'" for a in statement.actions if is_service_wildcard(a.strip())]
    if statement.not_actions:
        problems.append(f"{statement.label()} allows everything except {list(statement.not_actions)} (NotAction)")
    return problems


def wildcard_resource_problems(
    statement: Statement, allowed: frozenset[str], conditions: Mapping[str, str]
) -> list[str]:
    """An Allow on every resource is only acceptable for actions AWS cannot scope to a resource.

    `allowed` holds those actions (lower case); `conditions` maps an action to the condition key that must narrow
    it instead (e.g. cloudwatch:PutMetricData -> cloudwatch:namespace).
    """
    if not statement.allows:
        return []
    if statement.not_resources:
        return [f"{statement.label()} allows every resource except {list(statement.not_resources)} (NotResource)"]
    if "*" not in statement.resources:
        return []
    problems: list[str] = []
    if statement.not_actions:
        # Every action but a few: nearly all of them can be scoped to a resource.
        problems.append(f"{statement.label()} allows every action except {list(statement.not_actions)} on '*'")
    for action in statement.actions:
        key = action.lower()
        if key not in allowed:
            problems.append(f"{statement.label()} allows '{action}' on every resource ('*')")
        elif key in conditions and not statement.has_condition_key(conditions[key]):
            problems.append(
                f"{statement.label()} allows '{action}' on every resource without a '{conditions[key]}' condition"
            )
    return problems


def wildcard_principal_problems(statement: Statement) -> list[str]:
    if not statement.allows:
        return []
    if statement.not_principal:
        return [f"{statement.label()} trusts everyone except the listed principals (NotPrincipal)"]
    anyone = [kind for kind, ids in statement.principals.items() if kind in ("*", "AWS") and "*" in ids]
    return [f"{statement.label()} trusts any principal ('*')"] if anyone else []


def _has_wildcard(text: str) -> bool:
    return any(c in text for c in WILDCARD_CHARS)


def web_identity_problems(statement: Statement, audiences: frozenset[str]) -> list[str]:
    """An Allow of sts:AssumeRoleWithWebIdentity must pin the token's audience and subject.

    The audience must be compared exactly (StringEquals) with an accepted audience; the subject may use
    StringLike for what follows the repository, but `repo:<owner>/<name>` itself carries no wildcard.
    """
    if not statement.allows or not any(
        a.lower() in ("sts:assumerolewithwebidentity", "sts:*", "*") for a in statement.actions
    ):
        return []
    problems: list[str] = []
    pinned_aud = statement.condition_values(":aud", ("stringequals",))
    loose_aud = statement.condition_values(":aud", ("stringlike",))
    if not pinned_aud:
        problems.append(f"{statement.label()} does not pin the token audience (':aud' under StringEquals)")
    problems += [
        f"{statement.label()} accepts audience '{value}'; accepted: {sorted(audiences)}"
        for _, value in pinned_aud
        if value not in audiences
    ]
    problems += [f"{statement.label()} matches the audience with StringLike '{v}'" for _, v in loose_aud]
    subjects = statement.condition_values(":sub", ("stringequals", "stringlike"))
    if not subjects:
        problems.append(f"{statement.label()} does not pin the token subject (':sub')")
    for _, value in subjects:
        if value.startswith("repo:"):
            repository = value.split(":")[1] if value.count(":") >= 1 else ""
            if "/" not in repository or _has_wildcard(repository):
                problems.append(f"{statement.label()} trusts subject '{value}': the repository is not pinned")
        elif _has_wildcard(value):
            problems.append(f"{statement.label()} trusts subject '{value}' by wildcard")
    return problems


def action_matches(pattern: str, action: str) -> bool:
    """IAM action matching: case-insensitive, `*` and `?` wildcards anywhere (`iam:*Role*` covers PutRolePolicy)."""
    return fnmatchcase(action.lower(), pattern.strip().lower())


def grants(statement: Statement, action: str) -> bool:
    """Whether an Allow statement's Action (or NotAction) covers `action`."""
    if not statement.allows:
        return False
    if statement.not_actions:
        return not any(action_matches(p, action) for p in statement.not_actions)
    return any(action_matches(p, action) for p in statement.actions)


# The part of an IAM ARN after the resource type: "arn:aws:iam::123456789012:role/path/name" -> "path/name".
_IAM_NAME = re.compile(r"^arn:aws[a-z-]*:iam::[^:]*:(role|user|group|policy|instance-profile)/(.*)$")


def _is_broad(resource: str, *, prefix_scopes: bool) -> bool:
    """A resource that names no single thing: '*' or an ARN with a wildcard.

    With `prefix_scopes`, a wildcard after a fixed path or name prefix (role/socialclub-staging/*) scopes the
    resource to the roles under that prefix, and only a wildcard at the start of the name (role/*) is broad.
    """
    if not _has_wildcard(resource):
        return False
    named = _IAM_NAME.match(resource)
    if not prefix_scopes or named is None or _has_wildcard(resource[: named.start(2)]):
        return True
    return named.group(2)[:1] in WILDCARD_CHARS or named.group(2) == ""


def broad_resources(statement: Statement, *, prefix_scopes: bool = False) -> list[str]:
    if statement.not_resources:
        return [f"everything except {list(statement.not_resources)}"]
    return [r for r in statement.resources if _is_broad(r, prefix_scopes=prefix_scopes)]


@dataclass(frozen=True)
class Escalation:
    """A set of actions that together let an identity raise its own privileges."""

    what: str
    actions: tuple[str, ...]
    """All of these must be granted on a broad resource."""
    with_any: tuple[str, ...] = ()
    """...and, when given, at least one of these on any resource (the compute that runs with a passed role)."""
    neutralised_by: tuple[str, ...] = ("iam:permissionsboundary",)
    """Condition keys that pin what the action can do (e.g. the boundary every new role must carry)."""
    prefix_scopes: bool = False
    """True for actions that only reach existing roles' permissions (pass, trust, assume): a path prefix such as
    role/<stack>/* limits them to the stack's own roles. Actions that write permissions stay broad under any
    wildcard, since the permissions they write are arbitrary."""


# Launching compute that runs with a role of the caller's choosing: with iam:PassRole on any role, the new compute
# holds that role's permissions (Rhino Security Labs' IAM privilege-escalation methods).
RUNS_WITH_A_ROLE = (
    "ec2:RunInstances",
    "ec2:RequestSpotInstances",
    "ec2:AssociateIamInstanceProfile",
    "ec2:ReplaceIamInstanceProfileAssociation",
    "autoscaling:CreateAutoScalingGroup",
    "autoscaling:CreateLaunchConfiguration",
    "lambda:CreateFunction",
    "lambda:UpdateFunctionConfiguration",
    "ecs:RunTask",
    "ecs:StartTask",
    "ecs:CreateService",
    "ecs:UpdateService",
    "ecs:RegisterTaskDefinition",
    "glue:CreateDevEndpoint",
    "glue:CreateJob",
    "cloudformation:CreateStack",
    "cloudformation:UpdateStack",
    "datapipeline:CreatePipeline",
    "codebuild:CreateProject",
    "codebuild:UpdateProject",
    "sagemaker:CreateNotebookInstance",
    "sagemaker:CreateTrainingJob",
    "sagemaker:CreateProcessingJob",
    "states:CreateStateMachine",
    "batch:SubmitJob",
    "scheduler:CreateSchedule",
    "events:PutTargets",
    "apprunner:CreateService",
)

ATTACHES = ("iam:permissionsboundary", "iam:policyarn")

ESCALATIONS: tuple[Escalation, ...] = (
    Escalation("rewrite any customer-managed policy", ("iam:CreatePolicyVersion",), neutralised_by=()),
    Escalation("switch any managed policy to an older version", ("iam:SetDefaultPolicyVersion",), neutralised_by=()),
    Escalation("attach any policy to a role", ("iam:AttachRolePolicy",), neutralised_by=ATTACHES),
    Escalation("attach any policy to a user", ("iam:AttachUserPolicy",), neutralised_by=ATTACHES),
    Escalation("attach any policy to a group", ("iam:AttachGroupPolicy",), neutralised_by=ATTACHES),
    Escalation("write an inline policy on any role", ("iam:PutRolePolicy",)),
    Escalation("write an inline policy on any user", ("iam:PutUserPolicy",)),
    Escalation("write an inline policy on any group", ("iam:PutGroupPolicy",)),
    Escalation(
        "rewrite the trust policy of any role", ("iam:UpdateAssumeRolePolicy",), neutralised_by=(), prefix_scopes=True
    ),
    Escalation("create a role with any permissions", ("iam:CreateRole",)),
    Escalation("create access keys for any user", ("iam:CreateAccessKey",), neutralised_by=()),
    Escalation("set the console password of any user", ("iam:CreateLoginProfile",), neutralised_by=()),
    Escalation("change the console password of any user", ("iam:UpdateLoginProfile",), neutralised_by=()),
    Escalation("add any user to any group", ("iam:AddUserToGroup",), neutralised_by=()),
    Escalation("remove a role's permissions boundary", ("iam:DeleteRolePermissionsBoundary",), neutralised_by=()),
    Escalation("remove a user's permissions boundary", ("iam:DeleteUserPermissionsBoundary",), neutralised_by=()),
    Escalation("replace a role's permissions boundary", ("iam:PutRolePermissionsBoundary",)),
    Escalation("replace a user's permissions boundary", ("iam:PutUserPermissionsBoundary",)),
    Escalation("assume any role", ("sts:AssumeRole",), neutralised_by=(), prefix_scopes=True),
    Escalation(
        "pass any role to compute it launches",
        ("iam:PassRole",),
        with_any=RUNS_WITH_A_ROLE,
        neutralised_by=(),
        prefix_scopes=True,
    ),
)


def _denied_everywhere(statements: list[Statement], action: str) -> bool:
    return any(
        s.effect == "Deny"
        and not s.conditions
        and "*" in s.resources
        and any(action_matches(p, action) for p in s.actions)
        for s in statements
    )


def _broad_grant(statements: list[Statement], action: str, escalation: Escalation) -> Statement | None:
    if _denied_everywhere(statements, action):
        return None
    for statement in statements:
        if not grants(statement, action) or not broad_resources(statement, prefix_scopes=escalation.prefix_scopes):
            continue
        if any(statement.has_condition_key(key) for key in escalation.neutralised_by):
            continue
        return statement
    return None


def escalation_problems(
    statements: list[tuple[str, Statement]], escalations: tuple[Escalation, ...] = ESCALATIONS
) -> list[str]:
    """The escalation paths that (where, statement) pairs, one identity's or one document's, open together."""
    bare = [s for _, s in statements]
    where = {id(s): w for w, s in statements}
    problems: list[str] = []
    for escalation in escalations:
        found = [_broad_grant(bare, a, escalation) for a in escalation.actions]
        first = found[0]
        if first is None or not all(found):
            continue
        if escalation.with_any and not any(any(grants(s, a) for s in bare) for a in escalation.with_any):
            continue
        unless = f" (no {' or '.join(escalation.neutralised_by)} condition)" if escalation.neutralised_by else ""
        problems.append(
            f"{where[id(first)]}: {first.label()} can {escalation.what}: {', '.join(escalation.actions)} on "
            f"{broad_resources(first, prefix_scopes=escalation.prefix_scopes)}{unless}"
        )
    return problems


# Condition keys that pin an Allow for "*" to this account, organisation, a named source or a network, and what a
# value must look like to pin anything (a wildcard account or "*" pins nothing).
_ACCOUNT = re.compile(r"\d{12}")
_PINS: dict[str, re.Pattern[str]] = {
    **dict.fromkeys(("aws:principalaccount", "aws:sourceaccount", "aws:sourceowner", "kms:calleraccount"), _ACCOUNT),
    # An ARN with a fixed account; S3 bucket ARNs carry none, so a fixed bucket name instead.
    "aws:sourcearn": re.compile(r"arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{12}:.*|arn:aws[a-z-]*:s3:::[^*?].*"),
    "aws:principalarn": re.compile(r"arn:aws[a-z-]*:(iam|sts)::\d{12}:.*"),
    "aws:principalorgid": re.compile(r"o-[a-z0-9]{10,32}"),
    "aws:principalorgpaths": re.compile(r"o-[a-z0-9]{10,32}/.*"),
    "aws:sourcevpc": re.compile(r"vpc-[0-9a-f]+"),
    "aws:sourcevpce": re.compile(r"vpce-[0-9a-f]+"),
}
# Operators under which a condition restricts who matches. IfExists variants pass when the key is absent, negated
# operators and ForAllValues pass on an empty context: none of them pins anything.
_PINNING_OPERATORS = ("stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike")


def _pins(operator: str, key: str, values: tuple[str, ...]) -> bool:
    pattern = _PINS.get(key)
    base = operator.removeprefix("foranyvalue:")
    return (
        pattern is not None
        and base in _PINNING_OPERATORS
        and bool(values)
        and all(pattern.fullmatch(v.strip()) for v in values)
    )


def is_public_principal(statement: Statement) -> bool:
    if statement.not_principal:
        return True
    return any(kind in ("*", "AWS") and "*" in ids for kind, ids in statement.principals.items())


def public_principal_problems(statement: Statement) -> list[str]:
    """An Allow to everyone ('*') must be pinned by a condition to an account, organisation, source or network.

    kms:ViaService alone does not count: any account's principals can call through the same service.
    """
    if not statement.allows or not is_public_principal(statement):
        return []
    if any(_pins(op, key, values) for op, keys in statement.conditions.items() for key, values in keys.items()):
        return []
    return [f"{statement.label()} allows any principal ('*') without a condition pinning the account or source"]


def denies_plain_http(statement: Statement) -> bool:
    """A Deny to everyone of every S3 action when aws:SecureTransport is false (Bool or BoolIfExists)."""
    return (
        statement.effect == "Deny"
        and is_public_principal(statement)
        and any(a.strip().lower() in ("*", "s3:*") for a in statement.actions)
        and ("aws:securetransport", "false") in statement.condition_values("aws:securetransport", ("bool",))
    )


def uncovered_bucket_arns(statements: list[Statement], bucket_arns: list[str]) -> list[str]:
    """Of `bucket_arns` (the bucket and its objects), those no TLS-only deny statement covers."""
    patterns = [r for s in statements if denies_plain_http(s) for r in s.resources]
    return [arn for arn in bucket_arns if not any(fnmatchcase(arn, p) for p in patterns)]

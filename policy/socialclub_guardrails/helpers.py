"""What every rule module shares: rule metadata, the two rule builders, safe property access, a stack index.

A rule is written once as a `Rule` (name, control id, description, fix, default level, config schema and the
project's baseline values) plus a check function that yields findings. `resource_rule` and `stack_rule` turn that
into the pulumi-policy objects, so every violation message has the same shape: the finding, then how to fix it.

Property keys are the wire names (camelCase), numbers arrive as floats, a missing key means the AWS default.
During a real preview some values are unknown (the ARN of a bucket the same update creates, in that bucket's
policy). The CLI runs the pack twice in `pulumi up`: in the preview, and again during the update, resource by
resource, right before each is created, with its inputs known; a mandatory violation then halts the update
(pulumi-policy's README). So an unknown value that decides a check is:
- in a preview (dry run): reported as the SDK's advisory "can't run policy ... during preview", naming the
  property: visible, and checked again for real at the update. Failing it would refuse every first deploy, whose
  policies are all built from ARNs nobody knows yet;
- in the update: a violation of the rule at its own level, "cannot be verified: <property> is unknown" (fail
  closed), should a value still be unknown then.
Rules that only need to know whether a value is *set* use `is_set`, which counts an unknown value as set.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any

import pulumi.runtime
from pulumi_policy import (
    EnforcementLevel,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_OBJECT_VALUE, UnknownValueError

from .aws_types import FAMILIES

ADVISORY = EnforcementLevel.ADVISORY
MANDATORY = EnforcementLevel.MANDATORY

FSBP = "AWS Foundational Security Best Practices"

# Type tokens, as pulumi-aws v7 registers them.
VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
NAT_GATEWAY = "aws:ec2/natGateway:NatGateway"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
KMS_KEY = "aws:kms/key:Key"
SECRET = "aws:secretsmanager/secret:Secret"
SECRET_ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
LOG_DELIVERY_SOURCE = "aws:cloudwatch/logDeliverySource:LogDeliverySource"
LOG_DELIVERY = "aws:cloudwatch/logDelivery:LogDelivery"
RDS_INSTANCE = "aws:rds/instance:Instance"
REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
DYNAMODB_TABLE = "aws:dynamodb/table:Table"
# aws.alb.* are aliases of aws.lb.* with their own tokens; a program may use either.
LOAD_BALANCERS = FAMILIES["load-balancers"]
ECS_CLUSTER = "aws:ecs/cluster:Cluster"
ECS_SERVICE = "aws:ecs/service:Service"
ECS_TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ECR_REPOSITORY = "aws:ecr/repository:Repository"
SNS_TOPIC = "aws:sns/topic:Topic"
IAM_ROLE = "aws:iam/role:Role"
IAM_ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
IAM_POLICY = "aws:iam/policy:Policy"

Props = Mapping[str, Any]
Config = Mapping[str, Any]
ResourceCheck = Callable[[ResourceValidationArgs, Config], Iterable[str]]


@dataclass(frozen=True)
class Rule:
    """The metadata of one rule, independent of how it is evaluated."""

    name: str
    control: str
    """The AWS Foundational Security Best Practices control id, or the section of docs/requirements.md the rule
    enforces."""
    description: str
    fix: str
    """Told to the user with every violation."""
    level: EnforcementLevel = MANDATORY
    schema: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """JSON-schema properties of the rule's config; each has a generic `default`."""
    project: Mapping[str, Any] = field(default_factory=dict)
    """This project's baseline values (from docs/requirements.md), sent as the pack's initial config."""

    def settings(self, given: Config) -> dict[str, Any]:
        """Schema defaults overlaid with what Configure sent, so a rule never depends on the engine's merge."""
        merged: dict[str, Any] = {key: spec["default"] for key, spec in self.schema.items() if "default" in spec}
        merged.update(self.project)
        merged.update(given)
        return merged

    def message(self, found: list[str]) -> str:
        """One violation per resource: every finding, then the fix."""
        return " ".join(found) + f" Fix: {self.fix}"

    def metadata(self) -> dict[str, Any]:
        return {
            "description": f"{self.description} ({self.control})",
            "enforcement_level": self.level,
            "config_schema": PolicyConfigSchema(properties={k: dict(v) for k, v in self.schema.items()})
            if self.schema
            else None,
            "remediation_steps": self.fix,
            "framework": PolicyComplianceFramework(name=FSBP, reference=self.control)
            if _is_fsbp(self.control)
            else None,
        }


def _is_fsbp(control: str) -> bool:
    head = control.split(",", maxsplit=1)[0].strip()
    return "." in head and head.split(".")[0].isalnum() and head.split(".")[-1].isdigit()


def unverifiable(error: UnknownValueError) -> str:
    """The finding for a value the check needs but an update does not know."""
    path = ".".join(str(p) for p in error.props)
    return f"cannot be verified: {path} is unknown during the update, and this rule does not pass what it cannot see."


def undecided(what: str, props: list[str]) -> str:
    """A check that a value unknown to it (read without raising, e.g. one tag of a map) would decide: in a preview,
    the same advisory as an unknown property (raised); in an update, the finding `what`."""
    if pulumi.runtime.is_dry_run():
        raise UnknownValueError(UNKNOWN_OBJECT_VALUE, props)
    return f"cannot be verified: {what}"


def collect(findings_of: Callable[[], Iterable[str]]) -> list[str]:
    """Every finding of a check. An unknown value it meets: in a preview, the SDK's advisory (re-raised; the update
    checks again with the value known); in an update, one more finding at the rule's level."""
    found: list[str] = []
    try:
        for finding in findings_of():
            found.append(finding)
    except UnknownValueError as error:
        if pulumi.runtime.is_dry_run():
            raise
        found.append(unverifiable(error))
    except json.JSONDecodeError as error:
        # A JSON input (container definitions, job properties) AWS would reject: a finding, not a failed preview.
        found.append(f"an input that must be JSON is not ({error.msg}, at character {error.pos}).")
    return found


RESOURCE_TYPES: dict[str, frozenset[str] | None] = {}
"""The types each resource rule judges, by policy name (None: every type). The pack's Analyzer reads it to call a
rule only for those; the rule checks the type itself too, so it behaves the same under any servicer."""


def resource_rule(rule: Rule, types: Sequence[str] | None, check: ResourceCheck) -> ResourceValidationPolicy:
    """A policy that runs `check` on every resource whose type is in `types` (None: on every resource)."""
    wanted = None if types is None else frozenset(types)
    RESOURCE_TYPES[rule.name] = wanted

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if wanted is not None and args.resource_type not in wanted:
            return
        found = collect(lambda: check(args, rule.settings(args.get_config())))
        if found:
            report(rule.message(found), None)

    return ResourceValidationPolicy(name=rule.name, validate=validate, **rule.metadata())


class Stack:
    """The resources of one AnalyzeStack call, indexed by type, with dependency lookups by URN.

    Stack rules relate resources through `propertyDependencies` (which input depends on which resource), not
    through ids or ARNs: those are unknown during a preview of new resources, the dependency edges never are.
    """

    def __init__(self, resources: Sequence[PolicyResource]) -> None:
        self.resources = resources
        self._by_type: dict[str, list[PolicyResource]] = {}
        for resource in resources:
            self._by_type.setdefault(resource.resource_type, []).append(resource)

    def of_type(self, *types: str) -> list[PolicyResource]:
        return [r for t in types for r in self._by_type.get(t, [])]

    @staticmethod
    def related(resource: PolicyResource, key: str, *types: str) -> list[PolicyResource]:
        """The resources of `types` that input `key` of `resource` depends on."""
        return [d for d in resource.property_dependencies.get(key, []) if not types or d.resource_type in types]

    def referencing(self, target: PolicyResource, key: str, *types: str) -> list[PolicyResource]:
        """The resources of `types` whose input `key` depends on `target`."""
        return [r for r in self.of_type(*types) if any(d.urn == target.urn for d in self.related(r, key))]


StackCheck = Callable[[PolicyResource, Stack, Config], Iterable[str]]


def stack_rule(rule: Rule, types: Sequence[str], check: StackCheck) -> StackValidationPolicy:
    """A policy that runs `check` on every resource of `types`, with the whole stack at hand.

    A value unknown during preview is reported on the resource whose check met it, at the rule's level.
    """

    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        config = rule.settings(args.get_config())
        stack = Stack(args.resources)
        deferred: UnknownValueError | None = None
        for resource in stack.of_type(*types):
            try:
                found = collect(partial(check, resource, stack, config))
            except UnknownValueError as error:
                # One resource's unknown must not hide the others' findings: report them, then the advisory.
                deferred = error
                continue
            if found:
                report(rule.message(found), resource.urn)
        if deferred is not None:
            raise deferred

    return StackValidationPolicy(name=rule.name, validate=validate, **rule.metadata())


def get(props: Props, *path: str | int, default: Any = None) -> Any:
    """The value at `path`, or `default` when a key is missing (the AWS default applies)."""
    value: Any = props
    for step in path:
        if isinstance(step, int):
            if not isinstance(value, Sequence) or isinstance(value, str) or step >= len(value):
                return default
            value = value[step]
        else:
            if not isinstance(value, Mapping) or step not in list(value):
                return default
            value = value[step]
        if value is None:
            return default
    return value


def is_set(props: Props, key: str) -> bool:
    """True when `key` holds a non-empty value; an unknown (computed) value counts as set."""
    if key not in list(props):
        return False
    try:
        value = props[key]
    except UnknownValueError:
        return True
    if value is None or value == "":
        return False
    return not (isinstance(value, Mapping | Sequence) and not isinstance(value, str) and len(value) == 0)


def known(props: Props, key: str, default: Any = None) -> Any:
    """The value of `key`, or `default` when it is missing or unknown during preview (for checks where an
    unknown value is as good as a set one)."""
    try:
        return get(props, key, default=default)
    except UnknownValueError:
        return default


def items(value: Any) -> list[Any]:
    """A list input as a list (a missing one is empty)."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        return list(value)
    return []


def as_json(value: Any) -> Any:
    """JSON inputs (policy documents, container definitions) arrive as strings; some programs pass objects.

    Parsed once per text: several rules read the same document (and every resource its provider's default tags),
    and no rule changes what it reads, so they share the result."""
    if isinstance(value, str):
        return _parsed(value)
    return value


@lru_cache(maxsize=4096)
def _parsed(text: str) -> Any:
    return json.loads(text)


def engine_of(props: Props) -> str:
    return str(get(props, "engine", default="")).lower()


def availability_zones(subnets: Iterable[PolicyResource]) -> set[str]:
    """The AZs (name or id) of subnets; a subnet without either is left out."""
    zones: set[str] = set()
    for subnet in subnets:
        zone = get(subnet.props, "availabilityZone") or get(subnet.props, "availabilityZoneId")
        if zone:
            zones.add(str(zone))
    return zones


def true_flag(props: Props, *path: str) -> tuple[bool, str]:
    """A `findings` pair: the boolean at `path` must be true (unset counts as false, as AWS defaults it)."""
    return get(props, *path) is True, f"{'.'.join(path)} is not true."


def findings(*pairs: tuple[bool, str]) -> Iterator[str]:
    """The messages whose condition failed: keeps simple rules one readable table of (ok, message)."""
    for ok, message in pairs:
        if not ok:
            yield message


def family(name: str) -> tuple[str, ...]:
    """The resource types of a rule family (see families.py), as generated from the provider's type list."""
    return FAMILIES[name]


def bucket_policies(bucket: PolicyResource, stack: Stack) -> list[tuple[str, object]]:
    """(where, document) of every policy of a bucket: bucket policy resources and the bucket's inline policy."""
    found: list[tuple[str, object]] = [
        (f"bucket policy '{policy.name}'", get(policy.props, "policy", default="{}"))
        for policy in stack.referencing(bucket, "bucket", *family("bucket-policies"))
    ]
    if get(bucket.props, "policy") is not None:
        found.append(("the bucket's inline policy", get(bucket.props, "policy")))
    return found

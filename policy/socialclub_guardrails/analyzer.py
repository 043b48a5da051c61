"""The Analyzer service for this pack: the SDK's, minus its repeated decoding.

pulumi-policy's servicer decodes a resource's properties (protobuf -> dict -> unknown-checking proxy), and its
provider's, once per policy: about 80 times per resource in Analyze, and the whole stack once per stack policy in
AnalyzeStack. That decoding was 95% of the pack's time on the production plan. This servicer decodes each
resource once per call and hands every policy the same read-only view; everything else (levels, config, violation
reports, the advisory for a value unknown during preview) is the SDK's own code. No rule mutates what it reads, so
sharing the view changes no verdict (tests/policy/test_analyzer.py compares both servicers on whole plans).

`install()` makes `PolicyPack(...)` serve with it: PolicyPack builds its servicer from this module-level name and
offers no parameter for it. pulumi-policy is pinned (policy/requirements.txt); the test fails first on an upgrade
that changes the servicer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from google.protobuf import json_format
from pulumi.runtime.proto import analyzer_pb2 as proto
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy import policy as sdk
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from .helpers import RESOURCE_TYPES

REMEDIATE = EnforcementLevel.REMEDIATE
_SdkServicer = sdk._PolicyAnalyzerServicer  # the one class PolicyPack serves with


def _props(message: Any) -> Any:
    return unknown_checking_proxy(deserialize_properties(json_format.MessageToDict(message)))


class Analyzer(_SdkServicer):
    """Analyze and AnalyzeStack with each resource decoded once; the rest is inherited."""

    def __init__(
        self, name: str, version: str, policies: list[Policy], enforcement_level: EnforcementLevel, *rest: Any
    ) -> None:
        super().__init__(name, version, policies, enforcement_level, *rest)
        self._pack = (name, version)
        self._policies = policies
        self._tags: Mapping[str, str] = MappingProxyType({})
        self._levels: dict[type[Policy], list[tuple[Any, EnforcementLevel]]] = {}
        self._by_type: dict[str, list[tuple[Any, EnforcementLevel]]] = {}
        self._remediates: bool | None = None
        self._runtime_configured = False

    def ConfigureStack(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC method name
        self._tags = MappingProxyType(dict(request.tags))
        return super().ConfigureStack(request, context)

    def Configure(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC method name
        self._levels.clear()
        self._by_type.clear()
        self._remediates = None
        return super().Configure(request, context)  # type: ignore[no-untyped-call]

    def _configure_runtime_settings(self) -> None:
        # The SDK redoes this on every call (reading the environment and inspecting a signature each time); the
        # environment of a pack process never changes, so once is the same.
        if not self._runtime_configured:
            super()._configure_runtime_settings()  # type: ignore[no-untyped-call]
            self._runtime_configured = True

    def _enabled(self, kind: type[Policy]) -> list[tuple[Any, EnforcementLevel]]:
        """The policies of `kind` to run and the level each reports at (levels change only with Configure)."""
        if kind not in self._levels:
            self._levels[kind] = []
            for policy in self._policies:
                level = self._get_enforcement_level(policy)
                if level == EnforcementLevel.DISABLED or not isinstance(policy, kind):
                    continue
                # As the SDK: a remediated resource that still violates, and every stack policy, report mandatory.
                self._levels[kind].append((policy, EnforcementLevel.MANDATORY if level == REMEDIATE else level))
        return self._levels[kind]

    def _resource_policies(self, type_: str) -> list[tuple[Any, EnforcementLevel]]:
        """The enabled resource policies that judge `type_` (the others would return at once)."""
        if type_ not in self._by_type:
            self._by_type[type_] = [
                (policy, level)
                for policy, level in self._enabled(ResourceValidationPolicy)
                if (types := RESOURCE_TYPES.get(policy.name)) is None or type_ in types
            ]
        return self._by_type[type_]

    def _reporter(self, response: Any, policy: Any, level: EnforcementLevel) -> ReportViolation:
        """The SDK's violation reporter, built only when the policy reports something."""

        def report(message: str, urn: str | None = None) -> None:
            sdk_report = self._create_report_violation(
                response, policy.name, policy.description, level, policy.severity
            )
            sdk_report(message, urn)

        return report

    def Remediate(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC method name
        # No policy at the remediate level (this pack has no remediations): the SDK would decode the resource to
        # return this same empty response.
        if self._remediates is None:
            self._remediates = any(self._get_enforcement_level(p) == REMEDIATE for p in self._policies)
        if not self._remediates:
            return proto.RemediateResponse()
        return super().Remediate(request, context)  # type: ignore[no-untyped-call]

    def _run(self, policy: Any, args: Any, report: ReportViolation, response: Any) -> None:
        try:
            policy.validate(args, report)
        except UnknownValueError as error:
            # The SDK's advisory for a value unknown during preview, word for word.
            name, version = self._pack
            response.diagnostics.append(
                proto.AnalyzeDiagnostic(
                    policyName=policy.name,
                    policyPackName=name,
                    policyPackVersion=version,
                    message=f"can't run policy '{policy.name}' from policy pack '{name}@v{version}' during preview: "
                    f"{error.message}",
                    urn="",
                    description=policy.description,
                    enforcementLevel=self._map_enforcement_level(EnforcementLevel.ADVISORY),
                )
            )

    def Analyze(self, request: Any, _context: Any) -> Any:  # noqa: N802 - gRPC method name
        self._configure_runtime_settings()
        response = proto.AnalyzeResponse()
        props = _props(request.properties)
        options = self._get_resource_options(request)
        provider = self._get_provider_resource(request)
        for policy, level in self._resource_policies(request.type):
            config = self._get_policy_config(policy.name)
            args = ResourceValidationArgs(
                request.type, props, request.urn, request.name, options, provider, config, self._tags
            )
            self._run(policy, args, self._reporter(response, policy, level), response)
        return response

    def AnalyzeStack(self, request: Any, _context: Any) -> Any:  # noqa: N802 - gRPC method name
        self._configure_runtime_settings()
        response = proto.AnalyzeResponse()
        enabled = self._enabled(StackValidationPolicy)
        resources = _linked(request.resources, self._policy_resource) if enabled else []
        for policy, level in enabled:
            args = StackValidationArgs(resources, self._get_policy_config(policy.name), self._tags)
            self._run(policy, args, self._reporter(response, policy, level), response)
        return response

    def _policy_resource(self, message: Any) -> PolicyResource:
        options = self._get_resource_options(message)
        provider = self._get_provider_resource(message)
        props = _props(message.properties)
        return PolicyResource(message.type, props, message.urn, message.name, options, provider, None, [], {})


def _linked(messages: Sequence[Any], decode: Callable[[Any], PolicyResource]) -> list[PolicyResource]:
    """The stack's resources with parent, dependencies and property dependencies pointing at each other, as the SDK
    links them (a URN outside the request is left out)."""
    resources = [decode(m) for m in messages]
    by_urn = {r.urn: r for r in resources}
    for message, resource in zip(messages, resources, strict=True):
        resource.parent = by_urn.get(message.parent) if message.parent else None
        resource.dependencies = [by_urn[u] for u in message.dependencies if u in by_urn]
        resource.property_dependencies = {
            key: [by_urn[u] for u in deps.urns if u in by_urn] for key, deps in message.propertyDependencies.items()
        }
    return resources


def install() -> None:
    """Make PolicyPack(...) serve with `Analyzer`."""
    setattr(sdk, "_PolicyAnalyzerServicer", Analyzer)  # noqa: B010 - mypy refuses assigning to a class name


__all__ = ["Analyzer", "install"]

"""The policy tests' stacks: what the real program plans for a stack, and small changes to it.

A stack's compliant baseline is its plan (`offline.harness.run_stack`, what `make plan` judges), computed once per
test session. A case looks a real resource up by kind and name (`"rds/instance", "db-instance"`) and changes one
input, removes a resource, or adds one the program does not declare (another spelling of the same insecure
thing), wired to real resources of the plan with `Ref`. Changes are copy-on-write: the session's plan is never
modified, and the stack knows which resources a case touched.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from offline.harness import PROJECT, Plan, Resource
from offline.wire import SECRET_SIG, SIG_KEY

REGION = "us-east-1"
ACCOUNT = "123456789012"
"""The account and region the offline harness plans in (offline/fakes.py)."""


def kind(type_token: str) -> str:
    """`aws:rds/instance:Instance` -> `rds/instance`: how cases name a resource type."""
    return type_token.split(":")[1]


@dataclass(frozen=True)
class Ref:
    """An input computed from another resource: its planned output (a fake value under mocks) plus a property
    dependency, which is what the stack rules follow."""

    resource: Resource
    attribute: str = "id"

    def value(self) -> Any:
        if self.attribute in self.resource.outputs:
            return self.resource.outputs[self.attribute]
        return f"{self.resource.name}-{self.attribute}"


def secret(value: Any) -> dict[str, Any]:
    """A secret as it appears on the wire."""
    return {SIG_KEY: SECRET_SIG, "value": value}


def policy_document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _resolve(value: Any, refs: list[Resource]) -> Any:
    if isinstance(value, Ref):
        refs.append(value.resource)
        return value.value()
    if isinstance(value, dict):
        return {k: _resolve(v, refs) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_resolve(v, refs) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return float(value)  # numbers travel as floats
    raise TypeError(f"unsupported input {value!r}")


class PlannedStack:
    """One stack's planned resources, changed copy-on-write by a test case."""

    def __init__(self, plan: Plan) -> None:
        self.stack = plan.stack
        self.resources: list[Resource] = list(plan.resources)
        self.changed: set[str] = set()
        """URNs of the resources a case changed or added."""
        self.removed: set[str] = set()
        self.provider = next(r.provider for r in plan.resources if r.type.startswith("aws:") and r.provider)
        """The stack's AWS provider reference, as the program's resources carry it."""

    def _index(self, kind_: str, name: str) -> int:
        found = [i for i, r in enumerate(self.resources) if r.name == name and kind(r.type) == kind_]
        if len(found) != 1:
            raise KeyError(f"{len(found)} planned resources of kind {kind_} named {name} in {self.stack}")
        return found[0]

    def get(self, kind_: str, name: str) -> Resource:
        """A resource as it stands (read only: to refer to it)."""
        return self.resources[self._index(kind_, name)]

    def __getitem__(self, key: tuple[str, str]) -> Resource:
        """A resource to change in place: the case's own copy from now on."""
        index = self._index(*key)
        resource = self.resources[index]
        if resource.urn not in self.changed:
            resource = copy.deepcopy(resource)
            self.resources[index] = resource
            self.changed.add(resource.urn)
        return resource

    def set(self, kind_: str, name: str, key: str, value: Any) -> None:
        """Replace one top-level input (and its dependencies)."""
        resource = self[kind_, name]
        refs: list[Resource] = []
        resource.inputs[key] = _resolve(value, refs)
        resource.property_dependencies[key] = [r.urn for r in refs]

    def drop(self, kind_: str, name: str, key: str) -> None:
        resource = self[kind_, name]
        del resource.inputs[key]
        resource.property_dependencies.pop(key, None)

    def edit(self, kind_: str, name: str, key: str, change: Callable[[Any], None]) -> None:
        """Change a nested input in place (dependencies unchanged)."""
        change(self[kind_, name].inputs[key])

    def edit_json(self, kind_: str, name: str, key: str, change: Callable[[Any], None]) -> None:
        """Change an input that is a JSON document (policies, container definitions)."""
        resource = self[kind_, name]
        document = json.loads(resource.inputs[key])
        change(document)
        resource.inputs[key] = json.dumps(document)

    def remove(self, kind_: str, name: str) -> None:
        resource = self.resources.pop(self._index(kind_, name))
        self.changed.discard(resource.urn)
        self.removed.add(resource.urn)

    def add(self, type_: str, name: str, inputs: dict[str, Any], *, protect: bool = False) -> Resource:
        """A resource the program does not declare, with the stack's provider and tags, like its own."""
        dependencies: dict[str, list[str]] = {}
        wire: dict[str, Any] = {}
        for key, value in inputs.items():
            refs: list[Resource] = []
            wire[key] = _resolve(value, refs)
            dependencies[key] = [r.urn for r in refs]
        resource = Resource(
            urn=f"urn:pulumi:{self.stack}::{PROJECT}::{type_}::{name}",
            type=type_,
            name=name,
            parent="",
            provider=self.provider,
            custom=True,
            protect=protect,
            dependencies=sorted({u for urns in dependencies.values() for u in urns}),
            property_dependencies=dependencies,
            inputs=wire,
        )
        if any(r.urn == resource.urn for r in self.resources):
            raise KeyError(f"{resource.urn} is planned already")
        self.resources.append(resource)
        self.changed.add(resource.urn)
        return resource


Change = Callable[[PlannedStack], object]
"""A change to a planned stack; what it returns (an added resource) is ignored."""

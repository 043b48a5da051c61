"""Run the whole `__main__.py` for one stack under Pulumi mocks and record what the engine would see.

Every RegisterResource request is captured in wire form (type, name, parent, provider, custom, protect,
dependencies, property dependencies, camelCase inputs with secrets and unknowns marked), so tests, the policy
pack and `make plan` all read the same record.
"""

from __future__ import annotations

import json
import runpy
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.sync_await import _sync_await

from offline import fakes
from offline.wire import REDACTED, SECRET_SIG, SIG_KEY, redacted

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "socialclub"
STACK_TYPE = "pulumi:pulumi:Stack"


class HarnessError(Exception):
    """The program could not be run offline (duplicate URN, unknown stack file, ...)."""


@dataclass
class Resource:
    """One registered resource as the engine sees it. `inputs` keep the wire markers (secrets, refs)."""

    urn: str
    type: str
    name: str
    parent: str
    provider: str
    custom: bool
    protect: bool
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    inputs: dict[str, Any]
    outputs: dict[str, Any] = field(default_factory=dict)
    custom_timeouts: dict[str, str] = field(default_factory=dict)
    """`create`/`update`/`delete` waits the program sets (Pulumi's customTimeouts); empty: the provider's."""
    secret_outputs: list[str] = field(default_factory=list)
    """Outputs the engine returns as secrets (additionalSecretOutputs: the program's and the provider schema's)."""

    def to_plan(self) -> dict[str, Any]:
        """The plan-document form: secrets replaced by "[secret]"."""
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "parent": self.parent,
            "provider": self.provider,
            "custom": self.custom,
            "protect": self.protect,
            "dependencies": self.dependencies,
            "propertyDependencies": self.property_dependencies,
            "inputs": redacted(self.inputs),
            **({"customTimeouts": self.custom_timeouts} if self.custom_timeouts else {}),
        }


@dataclass
class Plan:
    project: str
    stack: str
    resources: list[Resource]
    outputs: dict[str, Any]
    stand_in_image: str | None = None
    """The image planned in place of `socialclub:service.image` when the stack file names none."""

    def of_type(self, type_token: str) -> list[Resource]:
        return [r for r in self.resources if r.type == type_token]

    def one(self, type_token: str, name: str | None = None) -> Resource:
        found = [r for r in self.of_type(type_token) if name is None or r.name == name]
        if len(found) != 1:
            raise AssertionError(f"expected one {type_token} {name or ''}, found {len(found)}")
        return found[0]

    def by_urn(self, urn: str) -> Resource:
        for r in self.resources:
            if r.urn == urn:
                return r
        raise KeyError(urn)

    def children(self, parent: Resource) -> list[Resource]:
        return [r for r in self.resources if r.parent == parent.urn]

    def to_document(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "stack": self.stack,
            "resources": [r.to_plan() for r in self.resources],
            "outputs": redacted(self.outputs),
        }


def normalize_urn(urn: str) -> str:
    """Mock URNs carry the root stack type (`pulumi:pulumi:Stack$aws:...`); engine URNs do not."""
    return urn.replace(f"::{STACK_TYPE}$", "::")


def _parent(urn: str) -> str:
    """The parent's URN, or "" for children of the root stack (the engine's root has no URN of its own here)."""
    if not urn or urn.split("::")[2] == STACK_TYPE:
        return ""
    return normalize_urn(urn)


def _struct(message: Any) -> dict[str, Any]:
    return json_format.MessageToDict(message, preserving_proto_field_name=True) if message else {}


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """A MockMonitor that records each registration's request, and refuses duplicate URNs."""

    def __init__(self, mocks: pulumi_mocks.Mocks, on_register: Callable[[Resource], None] | None = None) -> None:
        super().__init__(mocks)
        # Called with each resource as it is recorded, in registration order (make plan feeds the pack with it).
        # The SDK calls the monitor from its executor's threads: one lock keeps the record and the calls in one order.
        self.on_register = on_register
        self._lock = threading.Lock()
        self.recorded: dict[str, Resource] = {}
        self.stack_outputs: dict[str, Any] = {}
        self.duplicates: list[str] = []

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type == STACK_TYPE:
            return response
        urn = normalize_urn(response.urn)
        provider = request.provider
        resource = Resource(
            urn=urn,
            type=request.type,
            name=request.name,
            parent=_parent(request.parent),
            provider=normalize_urn(provider) if provider else "",
            custom=bool(request.custom),
            protect=bool(request.protect) if request.HasField("protect") else False,
            dependencies=[normalize_urn(u) for u in request.dependencies],
            property_dependencies={
                key: [normalize_urn(u) for u in deps.urns] for key, deps in request.propertyDependencies.items()
            },
            inputs=_struct(request.object),
            outputs=_struct(response.object),
            custom_timeouts={k: v for k, v in _struct(request.customTimeouts).items() if v},
            secret_outputs=list(request.additionalSecretOutputs),
        )
        _mark_secret(response.object, resource.secret_outputs)
        with self._lock:
            if urn in self.recorded:
                self.duplicates.append(urn)
            self.recorded[urn] = resource
            if self.on_register is not None:
                self.on_register(resource)
        return response


def _mark_secret(state: Any, names: list[str]) -> None:
    """What the engine does with additionalSecretOutputs and the mock monitor does not: return those outputs
    as secrets, so that the program (and every resource or export built from them) treats them as secrets."""
    plain = _struct(state) if names else {}
    for name in names:
        if name in plain:
            state[name] = {SIG_KEY: SECRET_SIG, "value": plain[name]}


def stack_file(stack: str, root: Path = ROOT) -> Path:
    path = root / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        known = sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in root.glob("Pulumi.*.yaml"))
        raise HarnessError(f"no stack file {path.name}; stacks here: {', '.join(known)}")
    return path


def read_stack_settings(stack: str, root: Path = ROOT, *, deployed: bool = True) -> tuple[dict[str, str], list[str]]:
    """The stack file's config as the Pulumi language host hands it over: strings, objects as JSON text.

    `secure:` values cannot be decrypted offline; they become "[secret]" and are marked secret. `deployed`
    (default): as the deploy workflow runs it, with the stand-in image when the file names none.
    """
    document = yaml.safe_load(stack_file(stack, root).read_text()) or {}
    config: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, raw in (document.get("config") or {}).items():
        value = raw
        if _has_secure(raw):
            secret_keys.append(key)
            value = _strip_secure(raw)
        config[key] = value if isinstance(value, str) else json.dumps(value)
    return (with_deployed_image(config)[0] if deployed else config), secret_keys


def _has_secure(value: Any) -> bool:
    if isinstance(value, dict):
        return set(value) == {"secure"} or any(_has_secure(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_secure(v) for v in value)
    return False


def _strip_secure(value: Any) -> Any:
    if isinstance(value, dict):
        return REDACTED if set(value) == {"secure"} else {k: _strip_secure(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip_secure(v) for v in value]
    return value


def run_callable(
    build: Callable[[], object],
    stack: str,
    config: Mapping[str, str] | None = None,
    secret_keys: list[str] | None = None,
    on_register: Callable[[Resource], None] | None = None,
) -> Plan:
    """Run `build` as a Pulumi program under mocks with exactly `config` (replacing any previous run's);
    `on_register` sees each resource as it is registered."""
    monitor = RecordingMonitor(fakes.FakeCloud(), on_register)
    pulumi.runtime.reset_options()
    pulumi_settings.SETTINGS.outputs.clear()
    pulumi_mocks.set_mocks(monitor.mocks, project=PROJECT, stack=stack, preview=False, monitor=monitor)
    set_all_config(dict(config or {}), secret_keys or [])

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def _run() -> None:
        build()

    _run()
    # Under mocks the root stack never registers its outputs; pulumi.export() leaves them on the root resource.
    root = pulumi_settings.get_root_resource()
    exported = dict(getattr(root, "outputs", {}))
    monitor.stack_outputs = _struct(_sync_await(rpc.serialize_properties(exported, {})))
    if monitor.duplicates:
        raise HarnessError(f"duplicate URNs: {', '.join(sorted(set(monitor.duplicates)))}")
    return Plan(PROJECT, stack, list(monitor.recorded.values()), monitor.stack_outputs)


def run_program(
    stack: str,
    config: Mapping[str, str],
    secret_keys: list[str] | None = None,
    program: Path = ROOT / "__main__.py",
    on_register: Callable[[Resource], None] | None = None,
) -> Plan:
    """Run a whole program file (by default `__main__.py`) under mocks."""
    return run_callable(
        lambda: runpy.run_path(str(program), run_name="__main__"), stack, config, secret_keys, on_register
    )


STAND_IN_IMAGE = "build-offline-plan@sha256:" + "0" * 64
"""What `socialclub:service.image` is planned with when the stack file names none: the stack files never carry
the image (the deploy workflow sets it on every deploy), so an offline plan stands in one of the same form."""
IMAGE_KEY = "socialclub:service"


def with_deployed_image(config: dict[str, str]) -> tuple[dict[str, str], str | None]:
    """`config` as the deploy workflow runs it: with the stand-in image when the service names neither an image
    nor a build context. Returns the stand-in used, or None."""
    service = json.loads(config.get(IMAGE_KEY, "{}"))
    if not isinstance(service, dict) or "image" in service or "buildContext" in service:
        return config, None
    return {**config, IMAGE_KEY: json.dumps({**service, "image": STAND_IN_IMAGE})}, STAND_IN_IMAGE


def stands_in_image(config: Mapping[str, str]) -> bool:
    """Whether `config` (from read_stack_settings) carries the stand-in rather than the stack file's image."""
    service = json.loads(config.get(IMAGE_KEY, "{}"))
    return isinstance(service, dict) and service.get("image") == STAND_IN_IMAGE


def run_stack(stack: str, root: Path = ROOT, on_register: Callable[[Resource], None] | None = None) -> Plan:
    """Run the program for `Pulumi.<stack>.yaml` as the deploy workflow would, offline (the image stood in)."""
    config, secret_keys = read_stack_settings(stack, root)
    plan = run_program(stack, config, secret_keys, root / "__main__.py", on_register)
    plan.stand_in_image = STAND_IN_IMAGE if stands_in_image(config) else None
    return plan

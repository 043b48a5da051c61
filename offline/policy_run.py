"""Run the CrossGuard pack in policy/ on recorded resources, through the same gRPC protocol the Pulumi CLI uses.

The pack is started exactly as `pulumi preview --policy-pack policy` starts it: `python -u -m pulumi.policy <addr> .`
in the pack's directory with PULUMI_PROJECT/STACK/DRY_RUN/ORGANIZATION/CONFIG set; it prints its port and serves the
Analyzer service. Then, as the CLI: Handshake (UNIMPLEMENTED tolerated), ConfigureStack, GetAnalyzerInfo, merge the
config (policy levels and schema defaults, then the pack's initial config, then policy/<stack>.json, each with
"all" first), validate it against each policy's JSON schema, Configure with a level for every policy, Remediate and
Analyze each resource, and one AnalyzeStack.

Differences from the CLI, on purpose: a config file naming an unknown policy or an unknown property is an error
here (the CLI ignores both, so a typo would silently keep the default); and AnalyzeStack receives the resources'
inputs, not their outputs, because under mocks outputs carry fake computed values that a real preview would not
know, so stack rules must not rely on them.
"""

from __future__ import annotations

import json
import os
import queue
import select
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import grpc
import jsonschema
import yaml
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from offline.harness import PROJECT, ROOT, Resource, read_stack_settings
from offline.wire import unwrapped

PACK_DIR = ROOT / "policy"
LEVELS = ("advisory", "mandatory", "remediate", "disabled")
# Protobuf enum value <-> the CLI's level names (analyzer.proto EnforcementLevel).
_LEVEL_OF = {
    analyzer_pb2.ADVISORY: "advisory",
    analyzer_pb2.MANDATORY: "mandatory",
    analyzer_pb2.REMEDIATE: "remediate",
    analyzer_pb2.DISABLED: "disabled",
}
_ENUM_OF = {name: value for value, name in _LEVEL_OF.items()}
_MAX_MESSAGE = 400 * 1024 * 1024  # what the SDK's server accepts; a whole stack travels in one AnalyzeStack
START_TIMEOUT_S = 60.0


class PackError(Exception):
    """The pack could not be started, configured or run (with the pack's stderr when it has one)."""


class PackConfigError(PackError):
    """The merged policy config is invalid: one line per problem, `policy: message`."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("policy pack config is invalid:\n" + "\n".join(f"  {line}" for line in lines))
        self.lines = lines


@dataclass(frozen=True)
class PolicyConfig:
    """One policy's effective config as sent with Configure."""

    level: str
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PolicyInfo:
    name: str
    description: str
    level: str
    schema: dict[str, Any]
    """JSON-schema properties (without the enforcementLevel the CLI injects)."""
    required: list[str]
    kind: str
    """"resource" or "stack"."""


@dataclass(frozen=True)
class Violation:
    policy: str
    enforcement_level: str
    urn: str
    message: str

    def to_document(self) -> dict[str, str]:
        return {
            "policy": self.policy,
            "enforcementLevel": self.enforcement_level,
            "urn": self.urn,
            "message": self.message,
        }


@dataclass
class PackResult:
    pack: str
    version: str
    stack: str
    violations: list[Violation]
    timings: dict[str, float]
    """Seconds per phase: start, configure, analyze (per-resource calls), analyze_stack, total."""
    config: dict[str, PolicyConfig]

    @property
    def mandatory(self) -> int:
        return sum(1 for v in self.violations if v.enforcement_level == "mandatory")

    def of_policy(self, policy: str) -> list[Violation]:
        return [v for v in self.violations if v.policy == policy]

    def to_document(self) -> dict[str, Any]:
        """The plan document's "policy" key."""
        return {"pack": self.pack, "violations": [v.to_document() for v in self.violations]}

    def report(self) -> str:
        """Violations grouped by level (mandatory first), then by policy, with the finding and the fix."""
        lines = [f"Policy pack {self.pack}@{self.version} on stack {self.stack}:"]
        for level in ("mandatory", "advisory", "remediate"):
            found = [v for v in self.violations if v.enforcement_level == level]
            if not found:
                continue
            lines.append(f"  {level.upper()} ({len(found)})")
            for policy in sorted({v.policy for v in found}):
                fixes: list[str] = []
                lines.append(f"    {policy}")
                for violation in (v for v in found if v.policy == policy):
                    # message = "<description>\n<findings> Fix: <fix>"; the fix is shown once per policy.
                    finding, _, fix = violation.message.split("\n", 1)[-1].partition(" Fix: ")
                    lines.append(f"      {_resource_label(violation.urn)}: {finding}")
                    if fix and fix not in fixes:
                        fixes.append(fix)
                lines += [f"      fix: {fix}" for fix in fixes]
        if not self.violations:
            lines.append("  no violations")
        advisory = sum(1 for v in self.violations if v.enforcement_level == "advisory")
        lines.append(
            f"  {self.mandatory} mandatory, {advisory} advisory; "
            + ", ".join(f"{phase} {seconds:.2f}s" for phase, seconds in self.timings.items())
        )
        return "\n".join(lines)


def _resource_label(urn: str) -> str:
    # urn:pulumi:<stack>::<project>::<type chain>::<name> -> "<last type> <name>"
    parts = urn.split("::")
    if len(parts) < 4:
        return urn
    return f"{parts[2].split('$')[-1]} {parts[3]}"


def _yaml_version(pack_dir: Path) -> str:
    path = pack_dir / "PulumiPolicy.yaml"
    document = yaml.safe_load(path.read_text()) if path.is_file() else None
    return str(document.get("version", "")) if isinstance(document, dict) else ""


def stack_urn(project: str, stack: str) -> str:
    return f"urn:pulumi:{stack}::{project}::pulumi:pulumi:Stack::{project}-{stack}"


def _struct(value: Mapping[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(dict(value))
    return message


def _dict(message: struct_pb2.Struct) -> dict[str, Any]:
    return json_format.MessageToDict(message)


# ---------------------------------------------------------------------------------------------------------------
# Config: parsing a --policy-pack-config file and merging it the way the CLI does.


def parse_config_document(document: Any, origin: str) -> dict[str, PolicyConfig | None]:
    """Entries of a policy config document: "name": "<level>" or "name": {"enforcementLevel"?, ...properties}.

    An entry without a level maps to PolicyConfig(level="") (keep the current level).
    """
    if not isinstance(document, Mapping):
        raise PackConfigError([f"{origin}: must be a JSON object of policy name -> level or object"])
    parsed: dict[str, PolicyConfig | None] = {}
    problems: list[str] = []
    for name, value in document.items():
        if isinstance(value, str):
            if value not in LEVELS:
                problems.append(f"{name}: {value!r} is not an enforcement level; accepted: {', '.join(LEVELS)}")
            parsed[name] = PolicyConfig(value)
        elif isinstance(value, Mapping):
            properties = {k: v for k, v in value.items() if k != "enforcementLevel"}
            level = value.get("enforcementLevel", "")
            if level != "" and level not in LEVELS:
                problems.append(f"{name}.enforcementLevel: {level!r} is not one of {', '.join(LEVELS)}")
            parsed[name] = PolicyConfig(str(level), properties) if (level or properties) else None
        else:
            problems.append(f"{name}: {json.dumps(value)} is not a valid value; must be a string or object")
    if problems:
        raise PackConfigError([f"{origin}: {p}" for p in problems])
    return parsed


def load_config_file(path: Path) -> dict[str, PolicyConfig | None]:
    text = path.read_text()
    if not text.strip():
        return {}
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise PackConfigError([f"{path}: not valid JSON: {error}"]) from None
    return parse_config_document(document, str(path))


def _apply(result: dict[str, PolicyConfig], given: Mapping[str, PolicyConfig | None]) -> None:
    entry = given.get("all")
    if entry is not None and entry.level:
        for name, current in result.items():
            result[name] = PolicyConfig(entry.level, current.properties)
    for name, config in given.items():
        if config is None or name == "all":
            continue
        current = result.get(name, PolicyConfig(""))
        result[name] = PolicyConfig(config.level or current.level, {**current.properties, **config.properties})


def merge_config(
    policies: Sequence[PolicyInfo],
    initial: Mapping[str, PolicyConfig | None],
    given: Mapping[str, PolicyConfig | None],
) -> dict[str, PolicyConfig]:
    """The CLI's ReconcilePolicyPackConfig: defaults, then initial config, then the config file; validated."""
    result = {
        p.name: PolicyConfig(p.level, {k: s["default"] for k, s in p.schema.items() if "default" in s})
        for p in policies
    }
    known = {p.name: p for p in policies}
    problems = [
        f"{name}: no such policy in the pack"
        for source in (initial, given)
        for name in source
        if name != "all" and name not in known
    ]
    problems += [
        f"{name}: unknown property '{key}'; the policy accepts {sorted(known[name].schema) or 'none'}"
        for source in (initial, given)
        for name, config in source.items()
        if name in known and config is not None
        for key in config.properties
        if key not in known[name].schema
    ]
    _apply(result, initial)
    _apply(result, given)
    for policy in policies:
        schema = {
            "type": "object",
            "properties": {**policy.schema, "enforcementLevel": {"type": "string", "enum": list(LEVELS)}},
            "required": policy.required,
        }
        validator = jsonschema.Draft7Validator(schema)
        for error in sorted(validator.iter_errors(result[policy.name].properties), key=lambda e: list(e.path)):
            where = ".".join(str(p) for p in error.absolute_path)
            problems.append(f"{policy.name}: {where + ': ' if where else ''}{error.message}")
    if problems:
        raise PackConfigError(problems)
    return {name: result[name] for name in known}


# ---------------------------------------------------------------------------------------------------------------
# The pack process and the protocol.


def _analyzer_resource(
    resource: Resource, properties: Mapping[str, Any], providers: Mapping[str, Resource]
) -> dict[str, Any]:
    """The fields AnalyzeRequest and AnalyzerResource share."""
    fields: dict[str, Any] = {
        "type": resource.type,
        "urn": resource.urn,
        "name": resource.name,
        "properties": _struct(properties),
        "options": analyzer_pb2.AnalyzerResourceOptions(protect=resource.protect, parent=resource.parent),
    }
    provider = providers.get(resource.provider.rsplit("::", 1)[0]) if resource.provider else None
    if provider is not None:
        fields["provider"] = analyzer_pb2.AnalyzerProviderResource(
            type=provider.type,
            urn=provider.urn,
            name=provider.name,
            properties=_struct(unwrapped(provider.inputs)),
        )
    return fields


class PackProcess:
    """One running pack, driven like the CLI drives it. Use as a context manager: the process always ends."""

    def __init__(
        self,
        stack: str,
        *,
        pack_dir: Path = PACK_DIR,
        stack_config: Mapping[str, str] | None = None,
        secret_keys: Sequence[str] = (),
        dry_run: bool = True,
    ) -> None:
        """`dry_run`: the pack serves a preview (default) or the update phase of `pulumi up`."""
        self.stack = stack
        self.dry_run = dry_run
        self.project = PROJECT
        self.pack_dir = pack_dir
        self.stack_config = dict(stack_config or {})
        self.secret_keys = list(secret_keys)
        self.timings: dict[str, float] = {}
        self.config: dict[str, PolicyConfig] = {}
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._channel: grpc.Channel | None = None
        self._stub: analyzer_pb2_grpc.AnalyzerStub | None = None
        self.name = ""
        self.version = ""
        self.policies: list[PolicyInfo] = []
        self.initial_config: dict[str, PolicyConfig] = {}
        self._began = 0.0

    def __enter__(self) -> PackProcess:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def stub(self) -> analyzer_pb2_grpc.AnalyzerStub:
        if self._stub is None:
            raise PackError("the pack is not running")
        return self._stub

    def _environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            PULUMI_PROJECT=self.project,
            PULUMI_STACK=self.stack,
            PULUMI_DRY_RUN="true" if self.dry_run else "false",
            PULUMI_ORGANIZATION=env.get("PULUMI_ORGANIZATION", "organization"),
            PULUMI_CONFIG=json.dumps(self.stack_config),
            PYTHONUNBUFFERED="1",
        )
        return env

    def start(self) -> None:
        self.spawn()
        self.connect()

    def spawn(self) -> None:
        """Start the pack's process and return at once: it boots (imports, loads the policies) on its own while the
        caller works; connect() waits for it."""
        self._began = time.perf_counter()
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process; close() ends both
        self._process = subprocess.Popen(
            # The engine address is required by the entry point but never used by a Python pack.
            [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:0", "."],
            cwd=self.pack_dir,
            env=self._environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )

    def connect(self) -> None:
        """Wait for the spawned pack to serve, then handshake, configure the stack and read the pack's policies."""
        if self._process is None:
            self.spawn()
        port = self._read_port()
        self._channel = grpc.insecure_channel(
            f"127.0.0.1:{port}", options=[("grpc.max_receive_message_length", _MAX_MESSAGE)]
        )
        grpc.channel_ready_future(self._channel).result(timeout=START_TIMEOUT_S)
        self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
        self.timings["start"] = time.perf_counter() - self._began
        self._handshake()
        self.stub.ConfigureStack(
            analyzer_pb2.AnalyzerStackConfigureRequest(
                stack=self.stack,
                project=self.project,
                organization="organization",
                dry_run=self.dry_run,
                config=self.stack_config,
                config_secret_keys=self.secret_keys,
                tags={"pulumi:project": self.project, "pulumi:runtime": "python"},
            )
        )
        self._read_info(self.stub.GetAnalyzerInfo(empty_pb2.Empty()))

    def _read_port(self) -> int:
        assert self._process is not None and self._process.stdout is not None
        ready, _, _ = select.select([self._process.stdout], [], [], START_TIMEOUT_S)
        line = self._process.stdout.readline() if ready else b""
        try:
            return int(line.strip())
        except ValueError:
            raise PackError(f"the pack printed {line!r} instead of its port{self._stderr_tail()}") from None

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        text = self._stderr.read().decode(errors="replace").strip()
        return f"; its stderr:\n{text[-4000:]}" if text else ""

    def _handshake(self) -> None:
        try:
            self.stub.Handshake(
                analyzer_pb2.AnalyzerHandshakeRequest(
                    engine_address="127.0.0.1:0",
                    root_directory=str(self.pack_dir),
                    program_directory=str(self.pack_dir),
                )
            )
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.UNIMPLEMENTED:
                raise

    def _read_info(self, info: analyzer_pb2.AnalyzerInfo) -> None:
        # As the CLI: the version in PulumiPolicy.yaml wins over the SDK's placeholder.
        self.name, self.version = info.name, _yaml_version(self.pack_dir) or info.version
        if not info.supportsConfig:
            raise PackError(f"pack {info.name} does not support config")
        kinds = {analyzer_pb2.POLICY_TYPE_RESOURCE: "resource", analyzer_pb2.POLICY_TYPE_STACK: "stack"}
        self.policies = [
            PolicyInfo(
                name=p.name,
                description=p.description,
                level=_LEVEL_OF[p.enforcementLevel],
                schema=_dict(p.configSchema.properties),
                required=list(p.configSchema.required),
                kind=kinds.get(p.policy_type, "unknown"),
            )
            for p in info.policies
        ]
        # As the CLI: an initial-config entry's level is read as given, so an unset one means ADVISORY.
        self.initial_config = {
            name: PolicyConfig(_LEVEL_OF[c.enforcementLevel], _dict(c.properties))
            for name, c in info.initialConfig.items()
        }

    def configure(self, config_file: Path | None) -> dict[str, PolicyConfig]:
        """Merge, validate and send the config; returns what each policy was configured with."""
        began = time.perf_counter()
        given = load_config_file(config_file) if config_file is not None else {}
        self.config = merge_config(self.policies, self.initial_config, given)
        self.stub.Configure(
            analyzer_pb2.ConfigureAnalyzerRequest(
                policyConfig={
                    name: analyzer_pb2.PolicyConfig(
                        enforcementLevel=_ENUM_OF[c.level], properties=_struct(c.properties)
                    )
                    for name, c in self.config.items()
                }
            )
        )
        self.timings["configure"] = time.perf_counter() - began
        return self.config

    def analyze(self, resources: Sequence[Resource]) -> PackResult:
        """Remediate then Analyze each resource in registration order, then AnalyzeStack once."""
        analysis = Analysis(self, {r.urn: r for r in resources if r.type.startswith("pulumi:providers:")})
        for resource in resources:
            analysis.add(resource)
        return analysis.finish()

    def close(self) -> None:
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        self._stub = None
        if self._process is not None:
            if self._process.poll() is None:
                self._process.terminate()
                try:
                    self._process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait()
            if self._process.stdout is not None:
                self._process.stdout.close()
            self._process = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None


def _violations(diagnostics: Sequence[analyzer_pb2.AnalyzeDiagnostic], default_urn: str) -> Iterator[Violation]:
    # The SDK leaves the URN empty on per-resource diagnostics (and on stack-wide ones); the engine fills it.
    for d in diagnostics:
        yield Violation(d.policyName, _LEVEL_OF[d.enforcementLevel], d.urn or default_urn, d.message)


class Analysis:
    """One stack's analysis by a configured pack: each resource checked as it is added (Remediate, then Analyze
    with the remediated properties), then the whole stack once (AnalyzeStack), as the engine does during a preview."""

    def __init__(self, pack: PackProcess, providers: Mapping[str, Resource] | None = None) -> None:
        """`providers`: provider resources by URN known beforehand; each provider added is known from then on."""
        if not pack.config:
            raise PackError("configure() the pack before analyze()")
        self.pack = pack
        self.resources: list[Resource] = []
        self.providers: dict[str, Resource] = dict(providers or {})
        self.inputs: dict[str, dict[str, Any]] = {}
        self.violations: list[Violation] = []
        self.seconds = 0.0
        """Time spent in the per-resource calls."""

    def add(self, resource: Resource) -> None:
        began = time.perf_counter()
        self.resources.append(resource)
        if resource.type.startswith("pulumi:providers:"):
            self.providers[resource.urn] = resource
        properties = unwrapped(resource.inputs)
        stub = self.pack.stub
        remediated = stub.Remediate(
            analyzer_pb2.AnalyzeRequest(**_analyzer_resource(resource, properties, self.providers))
        )
        for remediation in remediated.remediations:
            if remediation.properties.fields:
                properties = _dict(remediation.properties)
        self.inputs[resource.urn] = properties
        response = stub.Analyze(analyzer_pb2.AnalyzeRequest(**_analyzer_resource(resource, properties, self.providers)))
        self.violations += _violations(response.diagnostics, resource.urn)
        self.seconds += time.perf_counter() - began

    def finish(self) -> PackResult:
        began = time.perf_counter()
        response = self.pack.stub.AnalyzeStack(
            analyzer_pb2.AnalyzeStackRequest(
                resources=[
                    analyzer_pb2.AnalyzerResource(
                        **_analyzer_resource(r, self.inputs[r.urn], self.providers),
                        parent=r.parent,
                        dependencies=r.dependencies,
                        propertyDependencies={
                            key: analyzer_pb2.AnalyzerPropertyDependencies(urns=urns)
                            for key, urns in r.property_dependencies.items()
                            if urns
                        },
                    )
                    for r in self.resources
                ]
            )
        )
        pack = self.pack
        violations = [*self.violations, *_violations(response.diagnostics, stack_urn(pack.project, pack.stack))]
        timings = {**pack.timings, "analyze": self.seconds, "analyze_stack": time.perf_counter() - began}
        timings["total"] = sum(timings.values())
        return PackResult(pack.name, pack.version, pack.stack, violations, timings, dict(pack.config))


class StreamedPack:
    """The pack as `make plan` drives it: spawned before the program runs and fed each resource as the program
    registers it, from a thread of its own. The pack's start and its per-resource checks then run in its own
    process (the second core) while the program runs; only AnalyzeStack waits for the program's end. Same calls,
    same order, same verdict as run_pack()."""

    def __init__(self, stack: str, pack_dir: Path, stack_config: Mapping[str, str], secret_keys: Sequence[str]) -> None:
        self._pack = PackProcess(stack, stack_config=stack_config, secret_keys=secret_keys, pack_dir=pack_dir)
        self._config_file = config_file_for(stack, pack_dir)
        self._queue: queue.SimpleQueue[Resource | None] = queue.SimpleQueue()
        self._result: PackResult | None = None
        self._error: BaseException | None = None
        self._abandoned = False
        self._pack.spawn()
        self._thread = threading.Thread(target=self._work, name="policy-pack", daemon=True)
        self._thread.start()

    def add(self, resource: Resource) -> None:
        self._queue.put(resource)

    def _work(self) -> None:
        try:
            self._pack.connect()
            self._pack.configure(self._config_file)
            analysis = Analysis(self._pack)
            while (resource := self._queue.get()) is not None:
                analysis.add(resource)
            if not self._abandoned:
                self._result = analysis.finish()
        except BaseException as error:  # handed to the caller by result()
            self._error = error

    def result(self) -> PackResult:
        """The verdict once every resource has been added; the pack process has ended when it returns."""
        self._queue.put(None)
        self._thread.join()
        self._pack.close()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result

    def close(self) -> None:
        """End the pack without a verdict (the program failed)."""
        self._abandoned = True
        self._queue.put(None)
        self._thread.join()
        self._pack.close()


def _stack_settings(stack: str) -> tuple[dict[str, str], list[str]]:
    if (ROOT / f"Pulumi.{stack}.yaml").is_file():
        return read_stack_settings(stack)
    return {}, []


def config_file_for(stack: str, pack_dir: Path = PACK_DIR) -> Path | None:
    """policy/<stack>.json, the file given to `--policy-pack-config`; a stack without one runs the pack's defaults."""
    path = pack_dir / f"{stack}.json"
    return path if path.is_file() else None


def run_pack(stack: str, resources: list[Resource], pack_dir: Path = PACK_DIR) -> PackResult:
    """The pack's verdict on a stack's recorded resources, as `pulumi preview --policy-pack <pack_dir>
    --policy-pack-config <pack_dir>/<stack>.json` would give it."""
    settings, secret_keys = _stack_settings(stack)
    with PackProcess(stack, stack_config=settings, secret_keys=secret_keys, pack_dir=pack_dir) as pack:
        pack.configure(config_file_for(stack, pack_dir))
        return pack.analyze(resources)

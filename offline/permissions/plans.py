"""The programs run offline, with the invokes they make recorded: the stacks' `__main__.py` and bootstrap's."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar

from pulumi.runtime.mocks import MockCallArgs

from offline import fakes
from offline.harness import ROOT, Plan, read_stack_settings, run_program, run_stack

BOOTSTRAP = ROOT / "bootstrap"
BOOTSTRAP_STACK = "account"


@dataclass(frozen=True)
class Invoke:
    token: str
    args: dict[str, Any]
    result: dict[str, Any]


@dataclass(frozen=True)
class RecordedPlan:
    plan: Plan
    invokes: tuple[Invoke, ...]


class _RecordingCloud(fakes.FakeCloud):
    calls: ClassVar[list[Invoke]] = []

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        result, failures = super().call(args)
        _RecordingCloud.calls.append(Invoke(args.token, dict(args.args), dict(result)))
        return result, failures


@contextmanager
def _recording_invokes() -> Iterator[list[Invoke]]:
    """The harness builds its own `fakes.FakeCloud()`; swap in one that also records each invoke, for one run."""
    original = fakes.FakeCloud
    recorded: list[Invoke] = []
    _RecordingCloud.calls = recorded
    fakes.FakeCloud = _RecordingCloud  # type: ignore[misc]
    try:
        yield recorded
    finally:
        fakes.FakeCloud = original  # type: ignore[misc]


@cache
def stack(name: str) -> RecordedPlan:
    """`Pulumi.<name>.yaml`'s program under mocks; cached (each run costs about a second)."""
    with _recording_invokes() as invokes:
        plan = run_stack(name)
    return RecordedPlan(plan, tuple(invokes))


@cache
def bootstrap() -> RecordedPlan:
    """The bootstrap program with its committed stack file."""
    config, secret_keys = read_stack_settings(BOOTSTRAP_STACK, BOOTSTRAP)
    with _recording_invokes() as invokes:
        plan = run_program(BOOTSTRAP_STACK, config, secret_keys, BOOTSTRAP / "__main__.py")
    return RecordedPlan(plan, tuple(invokes))


def preview_stacks() -> list[str]:
    """The stacks the bootstrap's preview role may preview (`socialclub-bootstrap:github.previewStacks`)."""
    from bootstrap.config import NAMESPACE, load_bootstrap_config

    config, _ = read_stack_settings(BOOTSTRAP_STACK, BOOTSTRAP)
    prefix = f"{NAMESPACE}:"
    settings = {key.removeprefix(prefix): value for key, value in config.items() if key.startswith(prefix)}
    return load_bootstrap_config(settings, config.get("aws:region")).github.preview_stacks

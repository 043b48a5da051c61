"""One running policy pack per stack for the whole test session, started and configured exactly as the CLI does."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from offline.policy_run import PackProcess, config_file_for
from tests.policy.guardrail_stack import Analyze


@pytest.fixture(scope="session")
def packs() -> Iterator[Callable[[str], PackProcess]]:
    """`packs(stack)`: the pack process for `stack`, configured with policy/<stack>.json; all closed at the end."""
    started: dict[str, PackProcess] = {}

    def pack(stack: str) -> PackProcess:
        if stack not in started:
            process = PackProcess(stack).__enter__()
            started[stack] = process
            process.configure(config_file_for(stack))
        return started[stack]

    yield pack
    for process in started.values():
        process.close()


@pytest.fixture(scope="session")
def analyze(packs: Callable[[str], PackProcess]) -> Analyze:
    """`analyze(stack, resources)`: the pack's verdict, through the real gRPC server."""
    return lambda stack, resources: packs(stack).analyze(resources)

"""One running policy pack per stack for the whole test session, started and configured exactly as the CLI does."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from offline.policy_run import PackProcess, config_file_for
from tests.policy.guardrail_stack import Analyze


def _packs(dry_run: bool) -> Iterator[Callable[[str], PackProcess]]:
    started: dict[str, PackProcess] = {}

    def pack(stack: str) -> PackProcess:
        if stack not in started:
            process = PackProcess(stack, dry_run=dry_run).__enter__()
            started[stack] = process
            process.configure(config_file_for(stack))
        return started[stack]

    yield pack
    for process in started.values():
        process.close()


@pytest.fixture(scope="session")
def packs() -> Iterator[Callable[[str], PackProcess]]:
    """`packs(stack)`: the pack process of a preview for `stack`, configured with policy/<stack>.json."""
    yield from _packs(dry_run=True)


@pytest.fixture(scope="session")
def update_packs() -> Iterator[Callable[[str], PackProcess]]:
    """The same for the update phase of `pulumi up` (PULUMI_DRY_RUN=false), where values are known."""
    yield from _packs(dry_run=False)


@pytest.fixture(scope="session")
def analyze(packs: Callable[[str], PackProcess]) -> Analyze:
    """`analyze(stack, resources)`: the pack's verdict in a preview, through the real gRPC server."""
    return lambda stack, resources: packs(stack).analyze(resources)


@pytest.fixture(scope="session")
def analyze_update(update_packs: Callable[[str], PackProcess]) -> Analyze:
    """`analyze_update(stack, resources)`: the pack's verdict in the update phase."""
    return lambda stack, resources: update_packs(stack).analyze(resources)

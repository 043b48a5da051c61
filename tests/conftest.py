"""Session-wide settings of the test run."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING

import pytest

from tests.support.once import once_per_run

if TYPE_CHECKING:
    from offline.permissions.plans import RecordedPlan


def pytest_configure(config: pytest.Config) -> None:
    """Collection imports the SDKs (pulumi_aws alone is about a million objects): the cyclic collector would walk
    them again and again while they load, for nothing, so it is off until they are in."""
    gc.disable()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Every module is imported now: the long-lived objects are frozen out of the collector's walks and young
    collections run less often. Each whole-program run then spends a few percent in the collector instead of a
    quarter; garbage cycles are still freed."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    gc.enable()


@pytest.fixture(scope="session", autouse=True)
def _stacks_planned_once_per_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A whole stack's recorded plan (`offline.permissions.plans.stack`, which `tests.support.stack_plan` and the
    permission checker read) costs seconds of CPU: the first worker of the run that asks for a stack plans it, the
    other reads it back, so each stack runs once per run instead of once per worker."""
    from offline.permissions import plans  # not at the top: the SDKs load after pytest_configure turns gc off

    original = plans.stack

    @cache
    def shared(name: str) -> RecordedPlan:
        recorded: RecordedPlan = once_per_run(tmp_path_factory, f"stack-{name}", lambda: original(name))
        return recorded

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(plans, "stack", shared)
        yield


SLOWEST_FILES = (
    "tests/policy/test_adversarial.py",
    "tests/offline/test_plan.py",
    "tests/policy/test_policy_rules.py",
    "tests/offline/diff/test_replacements_and_sources.py",
    "tests/policy/test_analyzer.py",
    "tests/stackconfig/test_import_direction.py",
    "tests/stack/test_bucket_guardrails.py",
    "tests/workflows/test_workflows.py",
    "tests/stack/test_observability.py",
    "tests/policy/test_policy_driver.py",
    "tests/policy/test_world_ingress.py",
    "tests/policy/test_aws_types.py",
    "tests/offline/permissions/test_roles.py",
)
"""The slowest files, longest first (measured: 2.5 to 9 s each on one worker: whole programs, policy packs,
subprocesses). The first two need different whole-stack runs, so neither worker starts by waiting for the other."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`make test` runs `--dist loadfile --no-loadscope-reorder`: files go to the workers in collection order. The
    slowest start first and the many short files fill in after, so both workers finish together (xdist's own
    order, most tests first, left long files of few tests to the end of one worker)."""
    rank = {path: index for index, path in enumerate(SLOWEST_FILES)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))

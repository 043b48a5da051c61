"""One running policy pack per stack and phase for the whole session, started and configured exactly as the CLI
does, and each stack's plan judged once as the baseline the cases change."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from offline.harness import Resource
from offline.policy_run import Analysis, PackProcess, PackResult, Violation, config_file_for
from offline.wire import unwrapped
from tests.policy.planned_stack import PlannedStack
from tests.support import stack_plan

Analyze = Callable[[PlannedStack], PackResult]
"""The `analyze` fixture: a (changed) planned stack -> the pack's verdict on it."""
Introduced = Callable[[PlannedStack], set[tuple[str, str, str]]]
"""The `introduced` fixture: a changed planned stack -> (policy, level, resource name) of each new violation."""
Planned = Callable[[str], PlannedStack]


def _is_provider(resource: Resource) -> bool:
    return resource.type.startswith("pulumi:providers:")


class Judge:
    """The pack's verdict on changed plans, through the real Analyzer server.

    A resource policy judges one resource (with its provider) alone, so the per-resource verdict of a resource a
    case left as planned is the baseline's: only the changed and added resources (and the providers) are sent to
    Analyze again. AnalyzeStack always receives the whole stack, as the CLI sends it.
    """

    def __init__(self, pack: PackProcess, stack: str) -> None:
        self.pack = pack
        self.stack = stack
        self.kinds = {p.name: p.kind for p in pack.policies}
        self.baseline = pack.analyze(stack_plan(stack).resources)
        self.per_resource: dict[str, list[Violation]] = {}
        self.planned_inputs: dict[str, dict[str, Any]] = {}
        """Each resource's inputs as the pack receives them, by URN, for the resources as planned."""
        for violation in self.baseline.violations:
            if self.kinds[violation.policy] == "resource":
                self.per_resource.setdefault(violation.urn, []).append(violation)

    def __call__(self, planned: PlannedStack) -> PackResult:
        assert planned.stack == self.stack
        resources = planned.resources
        if any(_is_provider(r) and r.urn in planned.changed for r in resources):
            return self.pack.analyze(resources)  # a provider's change can change every resource's verdict
        analysis = Analysis(self.pack, {r.urn: r for r in resources if _is_provider(r)})
        kept: list[Violation] = []
        for resource in resources:
            if _is_provider(resource) or resource.urn in planned.changed:
                analysis.add(resource)
            else:
                # As planned: the baseline's per-resource verdict, and its inputs for AnalyzeStack (this pack
                # remediates nothing).
                analysis.resources.append(resource)
                analysis.inputs[resource.urn] = self._planned_inputs(resource)
                kept += self.per_resource.get(resource.urn, [])
        result = analysis.finish()
        result.violations = kept + result.violations
        return result

    def _planned_inputs(self, resource: Resource) -> dict[str, Any]:
        """Unwrapped once per resource: a case changes a few resources and leaves the others as planned."""
        if resource.urn not in self.planned_inputs:
            inputs = unwrapped(resource.inputs)
            assert isinstance(inputs, dict)
            self.planned_inputs[resource.urn] = inputs
        return self.planned_inputs[resource.urn]


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


class Judges:
    """The judges of one phase, one per stack, each started on first use."""

    def __init__(self, packs: Callable[[str], PackProcess]) -> None:
        self.packs = packs
        self.judges: dict[str, Judge] = {}

    def judge(self, stack: str) -> Judge:
        if stack not in self.judges:
            self.judges[stack] = Judge(self.packs(stack), stack)
        return self.judges[stack]

    def analyze(self, planned: PlannedStack) -> PackResult:
        return self.judge(planned.stack)(planned)

    def introduced(self, planned: PlannedStack) -> set[tuple[str, str, str]]:
        """(policy, level, resource name) of each violation the case adds to the plan's own verdict."""
        before = {_key(v) for v in self.judge(planned.stack).baseline.violations}
        return {_key(v) for v in self.analyze(planned).violations} - before


def _key(violation: Violation) -> tuple[str, str, str]:
    return violation.policy, violation.enforcement_level, violation.urn.rsplit("::", 1)[-1]


@pytest.fixture(scope="session")
def judges(packs: Callable[[str], PackProcess]) -> Judges:
    return Judges(packs)


@pytest.fixture(scope="session")
def update_judges(update_packs: Callable[[str], PackProcess]) -> Judges:
    return Judges(update_packs)


@pytest.fixture(scope="session")
def analyze(judges: Judges) -> Analyze:
    """`analyze(planned)`: the pack's verdict on a planned stack in a preview."""
    return judges.analyze


@pytest.fixture(scope="session")
def analyze_update(update_judges: Judges) -> Analyze:
    """`analyze_update(planned)`: the pack's verdict in the update phase, where values are known."""
    return update_judges.analyze


@pytest.fixture(scope="session")
def introduced(judges: Judges) -> Introduced:
    """`introduced(planned)`: what a case adds to the plan's verdict in a preview, as (policy, level, name)."""
    return judges.introduced


@pytest.fixture(scope="session")
def introduced_update(update_judges: Judges) -> Introduced:
    """The same in the update phase."""
    return update_judges.introduced


@pytest.fixture
def planned() -> Planned:
    """`planned(stack)`: a fresh copy-on-write view of the stack's plan (the plan itself is computed once)."""
    return lambda stack: PlannedStack(stack_plan(stack))

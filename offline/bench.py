"""`make bench`: how long `make plan` takes per stack, warm, median of 5, and where the time goes, side by side
with the SDK's import floor; then how long `make diff STACK=production` takes against it (target: at most 2.5x
`make plan`).

Each sample is a fresh `python -m offline.plan` process (what a user waits for); the plan itself reports the
in-process time of its phases (program under mocks, the policy pack's wait after the program, cost), so the
remainder is interpreter start, imports and printing. The floor is a bare interpreter importing pulumi, pulumi_aws
and the pulumi_aws submodules the stack's program loads (found by running it once): what any program using those
modules pays before it does anything. Floor and plan samples alternate, so both see the same machine load (these
machines are shared and their speed varies by 2x from day to day: compare the ratio, not the seconds).
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5


DIFF_STACK = "production"
DIFF_TARGET = 2.5
# `make diff` exits 4 when the working tree would replace or delete a stateful production resource: still a run.
DIFF_RAN = (0, 4)

# Prints the pulumi_aws service packages `make plan` loads for a stack. pulumi_aws registers every package as a lazy
# module at import; one the program touched has become a real module.
_USED_MODULES = """
import sys
from pulumi._utils import _LazyModule
from offline.harness import read_stack_settings
from offline.plan import plan_stack
plan_stack(sys.argv[1], *read_stack_settings(sys.argv[1]))
print(" ".join(sorted(
    name for name, module in sys.modules.items()
    if name.startswith("pulumi_aws.") and name.count(".") == 1 and not name.startswith("pulumi_aws._")
    and hasattr(module, "__path__") and not isinstance(module, _LazyModule)
)))
"""

PHASES = re.compile(r"Timings: program under mocks ([\d.]+) s, policy pack ([\d.]+) s, cost ([\d.]+) s")


def sample(stack: str) -> tuple[float, float, float, float]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "offline.plan", "--stack", stack],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    total = time.perf_counter() - started
    if done.returncode not in (0, 3):
        raise SystemExit(f"make plan failed for {stack}:\n{done.stderr}")
    match = PHASES.search(done.stdout)
    if match is None:
        raise SystemExit(f"make plan printed no timings for {stack}")
    program, pack, cost = (float(g) for g in match.groups())
    return total, program, pack, cost


def floor_command(stack: str) -> list[str]:
    """The import floor of `stack`'s program: a bare interpreter importing pulumi and pulumi_aws and loading each
    pulumi_aws package the program loads."""
    done = subprocess.run(
        [sys.executable, "-c", _USED_MODULES, stack], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"running the {stack} program to list its pulumi_aws modules failed:\n{done.stderr}")
    # Any attribute but the module's introspection ones loads a lazily registered package.
    touched = ", ".join(f"aws.{name.removeprefix('pulumi_aws.')}" for name in done.stdout.split())
    return [
        sys.executable,
        "-c",
        f"import pulumi, pulumi_aws as aws; loaded = [hasattr(m, 'load') for m in ({touched})]",
    ]


def timed(command: list[str], ran: tuple[int, ...]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode not in ran:
        raise SystemExit(f"{' '.join(command[1:])} failed:\n{done.stderr}")
    return time.perf_counter() - started


def diff_against_plan(plan_totals: list[float]) -> bool:
    """`make diff` warm (BASE's plan cached, as on every run after the first against a BASE) and without the cache
    (both plans in parallel), against `make plan`, best and median of RUNS each. True when warm meets the target."""
    command = [sys.executable, "-m", "offline.diff", "--stack", DIFF_STACK]
    timed(command, DIFF_RAN)  # warm-up, fills the cache
    warm = [timed(command, DIFF_RAN) for _ in range(RUNS)]
    uncached = [timed([*command, "--no-cache"], DIFF_RAN) for _ in range(RUNS)]
    plan_best, plan_median = min(plan_totals), statistics.median(plan_totals)
    print(f"make diff STACK={DIFF_STACK} against make plan, best / median of {RUNS}:")
    print(f"  make plan                  {plan_best:5.2f} s / {plan_median:5.2f} s")
    for label, runs in (("make diff, warm", warm), ("make diff, BASE not cached", uncached)):
        best, median = min(runs), statistics.median(runs)
        print(
            f"  {label:<26} {best:5.2f} s / {median:5.2f} s  = {best / plan_best:4.2f}x / {median / plan_median:4.2f}x"
        )
    ratio = statistics.median(warm) / plan_median
    verdict = "meets" if ratio <= DIFF_TARGET else "MISSES"
    print(f"  warm median {ratio:4.2f}x {verdict} the target of {DIFF_TARGET}x")
    return ratio <= DIFF_TARGET


def bench_stack(stack: str) -> list[float]:
    """Print `make plan`'s phases for `stack` beside the import floor of its program; returns the plan totals."""
    floor = floor_command(stack)
    sample(stack)
    timed(floor, (0,))
    runs: list[tuple[float, float, float, float]] = []
    floors: list[float] = []
    for _ in range(RUNS):
        floors.append(timed(floor, (0,)))
        runs.append(sample(stack))
    total, program, pack, cost = (statistics.median(r[i] for r in runs) for i in range(4))
    rest = total - program - pack - cost
    print(
        f"  {stack:<12} total {total:5.2f} s = program under mocks {program:5.2f} s + policy pack after the program"
        f" {pack:5.2f} s + cost {cost:5.2f} s + interpreter start, imports and report {rest:5.2f} s"
    )
    totals = [r[0] for r in runs]
    ratio, best_ratio = statistics.median(totals) / statistics.median(floors), min(totals) / min(floors)
    print(
        f"  {'':<12} import floor {statistics.median(floors):5.2f} s (best {min(floors):5.2f} s); make plan"
        f" {ratio:4.2f}x the floor (best {best_ratio:4.2f}x)"
    )
    return totals


def main() -> int:
    stacks = sys.argv[1:] or ["staging", "production"]
    plan_totals: dict[str, list[float]] = {}
    print(
        f"make plan, warm, median of {RUNS} runs (one warm-up run discarded), {time.strftime('%Y-%m-%d %H:%M')}, "
        f"beside the import floor: python -c 'import pulumi, pulumi_aws, <the pulumi_aws submodules it loads>'"
    )
    for stack in stacks:
        plan_totals[stack] = bench_stack(stack)
    if DIFF_STACK in plan_totals and not diff_against_plan(plan_totals[DIFF_STACK]):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

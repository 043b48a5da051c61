"""`make bench`: how long `make plan` takes per stack, warm, median of 5, and where the time goes.

Each sample is a fresh `python -m offline.plan` process (what a user waits for); the plan itself reports the
in-process time of its phases (program under mocks, policy pack, cost), so the remainder is interpreter start,
imports and printing.
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


def main() -> int:
    stacks = sys.argv[1:] or ["staging", "production"]
    print(f"make plan, warm, median of {RUNS} runs (one warm-up run discarded), {time.strftime('%Y-%m-%d')}")
    for stack in stacks:
        sample(stack)
        runs = [sample(stack) for _ in range(RUNS)]
        total, program, pack, cost = (statistics.median(r[i] for r in runs) for i in range(4))
        rest = total - program - pack - cost
        print(
            f"  {stack:<12} total {total:5.2f} s = program under mocks {program:5.2f} s + policy pack {pack:5.2f} s"
            f" + cost {cost:5.2f} s + interpreter start, imports and report {rest:5.2f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

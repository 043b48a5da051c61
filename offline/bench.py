"""`make bench`: how long `make plan` takes per stack, warm, median of 5, and where the time goes.

Each sample is a fresh `python -m offline.plan` process (what a user waits for); the plan itself reports the
in-process time spent running the program under mocks, so the remainder is interpreter start and imports.
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


def sample(stack: str) -> tuple[float, float]:
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
    match = re.search(r"offline under mocks in ([\d.]+) s", done.stdout)
    program = float(match.group(1)) if match else float("nan")
    return total, program


def main() -> int:
    stacks = sys.argv[1:] or ["staging", "production"]
    print(f"make plan, warm, median of {RUNS} runs (one warm-up run discarded), {time.strftime('%Y-%m-%d')}")
    for stack in stacks:
        sample(stack)
        runs = [sample(stack) for _ in range(RUNS)]
        total = statistics.median(r[0] for r in runs)
        program = statistics.median(r[1] for r in runs)
        print(
            f"  {stack:<12} total {total:5.2f} s = program under mocks {program:5.2f} s "
            f"+ interpreter, imports and report {total - program:5.2f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""One computation shared by every worker of a test run (pytest-xdist starts one process per core)."""

from __future__ import annotations

import fcntl
import pickle
from collections.abc import Callable
from typing import Any

import pytest


def once_per_run(tmp_path_factory: pytest.TempPathFactory, name: str, compute: Callable[[], Any]) -> Any:
    """`compute()`'s value (picklable), computed by the first worker that asks and read back by the others.

    The workers of one run share the parent of their base temporary directories (without xdist it is this
    process's own, so a plain run computes once as before). An exclusive lock makes the others wait for the first.
    If the first worker's computation fails, the next one that asks computes it again and fails the same way.
    """
    worker_dir = tmp_path_factory.getbasetemp()
    shared = worker_dir.parent if worker_dir.name.startswith("popen-gw") else worker_dir
    result = shared / f"{name}.pickle"
    with (shared / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if result.is_file():
            return pickle.loads(result.read_bytes())
        value = compute()
        result.write_bytes(pickle.dumps(value))
        return value

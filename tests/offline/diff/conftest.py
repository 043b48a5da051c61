"""Shared by the plan diff tests: one real BASE plan and one working-tree plan per test session."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from offline.diff.sources import git, plans, resolve
from offline.harness import ROOT
from tests.support.diff import left_behind, scratch_worktrees
from tests.support.once import once_per_run


@pytest.fixture(scope="session")
def real_diff(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(commit, BASE document, working-tree document) for production, BASE a few commits back.

    Prefers a commit whose uv.lock is the working tree's (it then reuses .venv). CI runs on a full clone; the
    test is skipped only when history is genuinely too short. Two real plans in subprocesses cost seconds of both
    cores: the run's workers share one.
    """
    commit, base, head = once_per_run(tmp_path_factory, "real-diff-production", _real_diff)
    return commit, base, head


def _real_diff() -> tuple[str, dict[str, Any], dict[str, Any]]:
    candidates = git("rev-list", "--max-count=12", "--skip=3", "HEAD").split()
    if not candidates:
        pytest.skip("history too short for a commit a few back (shallow clone?)")
    same_lock = [
        c
        for c in candidates
        if subprocess.run(["git", "diff", "--quiet", c, "--", "uv.lock"], cwd=ROOT, check=False).returncode == 0
    ]
    commit = (same_lock or candidates)[0]
    with scratch_worktrees() as made:
        base, head = plans(resolve(commit), "production", cached=False)
    assert made and left_behind(made) == [], "the temporary worktree of BASE must be removed"
    return commit, base, head

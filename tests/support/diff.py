"""The plan diff's temporary worktrees, watched: which ones a block of code made, and whether any is left."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from offline.diff import sources


@contextmanager
def scratch_worktrees() -> Iterator[list[Path]]:
    """The scratch directories `offline.diff.sources` makes for its worktrees while the block runs.

    Other engineers' `make diff` runs share `git worktree list`, so a test checks only the worktrees it made.
    """
    made: list[Path] = []
    make = tempfile.mkdtemp

    def recording(*args: Any, **kwargs: Any) -> str:
        path = str(make(*args, **kwargs))
        made.append(Path(path))
        return path

    with pytest.MonkeyPatch.context() as patch:
        # sources calls tempfile.mkdtemp through the module, so the patch reaches it.
        patch.setattr(tempfile, "mkdtemp", recording)
        yield made


def left_behind(made: list[Path]) -> list[Path]:
    """Those of `made` still on disk or still registered as a worktree."""
    listed = sources.git("worktree", "list")
    return [path for path in made if path.exists() or str(path) in listed]

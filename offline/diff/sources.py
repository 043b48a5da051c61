"""The two plan documents to compare: BASE from a temporary git worktree at a commit, HEAD from this working tree.

Each is written by that revision's own `python -m offline.plan --stack S --json F`, so the comparison is between
what each revision's program, policy pack and cost estimate produce. BASE runs in this checkout's virtualenv when
its uv.lock is the working tree's (imports resolve to the worktree's code: `-m` puts its working directory first
on sys.path), else in a virtualenv of its own synced from its lock. The two plans run as parallel processes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from offline.harness import ROOT

DEFAULT_BRANCHES = ("main", "origin/main")
# `make plan` exits 3 on a mandatory policy violation, after writing the document.
PLAN_WRITTEN = (0, 3)
UV = ROOT / ".tools" / "uv" / "bin" / "uv"
# A commit's plan document depends on the commit alone (its program, its lock file), so it is kept: a second
# `make diff` against the same BASE only plans the working tree. In .venv so that `make clean` drops it with the
# environment that produced it.
CACHE = ROOT / ".venv" / "plan-diff-cache"


class SourceError(Exception):
    """A plan document could not be produced: bad ref, a revision whose plan fails, no lock file, ..."""


@dataclass(frozen=True)
class Revision:
    ref: str
    commit: str
    subject: str

    @property
    def label(self) -> str:
        short = self.commit[:7]
        return f"`{short}`" if self.ref in (self.commit, short) else f"`{short}` ({self.ref})"


def git(*args: str, cwd: Path = ROOT) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SourceError(f"git {' '.join(args)}: {done.stderr.strip() or f'exit {done.returncode}'}")
    return done.stdout.strip()


def resolve(ref: str) -> Revision:
    try:
        commit = git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except SourceError:
        raise SourceError(f"BASE {ref!r} is not a commit of this repository (a shallow clone may lack it)") from None
    return Revision(ref, commit, git("log", "-1", "--format=%s", commit))


def default_base() -> Revision:
    """The merge base of HEAD with the main branch; on main itself that is HEAD (the uncommitted changes)."""
    for branch in DEFAULT_BRANCHES:
        try:
            git("rev-parse", "--verify", "--quiet", f"{branch}^{{commit}}")
        except SourceError:
            continue
        return resolve(git("merge-base", "HEAD", branch))
    return resolve("HEAD")


def _plan_command(python: Path, stack: str, out: Path) -> list[str]:
    return [str(python), "-m", "offline.plan", "--stack", stack, "--json", str(out)]


def _start(command: list[str], cwd: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(process: subprocess.Popen[str], out: Path, what: str) -> dict[str, Any]:
    stdout, stderr = process.communicate()
    if process.returncode not in PLAN_WRITTEN or not out.is_file():
        tail = "\n".join((stderr or stdout).strip().splitlines()[-12:])
        raise SourceError(f"{what}: `make plan` failed (exit {process.returncode}):\n{tail}")
    document: dict[str, Any] = json.loads(out.read_text())
    return document


@contextmanager
def worktree(revision: Revision) -> Iterator[Path]:
    """A detached worktree of `revision`, removed afterwards whatever happens."""
    scratch = Path(tempfile.mkdtemp(prefix="socialclub-diff-"))
    tree = scratch / "tree"
    try:
        git("worktree", "add", "--detach", "--quiet", str(tree), revision.commit)
        yield tree
    finally:
        if tree.exists():
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, capture_output=True, check=False
            )
        shutil.rmtree(scratch, ignore_errors=True)
        subprocess.run(["git", "worktree", "prune"], cwd=ROOT, capture_output=True, check=False)


def _python_for(tree: Path, revision: Revision) -> Path:
    lock = tree / "uv.lock"
    if not lock.is_file():
        raise SourceError(f"BASE {revision.label} has no uv.lock: it predates the offline plan")
    if lock.read_bytes() == (ROOT / "uv.lock").read_bytes():
        return ROOT / ".venv" / "bin" / "python"
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(tree / ".venv")}
    done = subprocess.run(
        [str(UV), "sync", "--frozen", "--quiet", "--project", str(tree)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SourceError(f"BASE {revision.label}: its locked environment could not be built:\n{done.stderr.strip()}")
    return tree / ".venv" / "bin" / "python"


def plans(revision: Revision, stack: str, *, cached: bool = True) -> tuple[dict[str, Any], dict[str, Any]]:
    """(BASE document, working-tree document) for `stack`: BASE from the cache when it is there, else both built
    in parallel (and BASE's kept)."""
    kept = CACHE / f"{revision.commit}-{stack}.json"
    if cached and kept.is_file():
        with tempfile.TemporaryDirectory(prefix="socialclub-diff-plans-") as scratch:
            head_out = Path(scratch) / "head.json"
            head = _start(_plan_command(ROOT / ".venv" / "bin" / "python", stack, head_out), ROOT)
            document: dict[str, Any] = json.loads(kept.read_text())
            return document, _finish(head, head_out, "the working tree")
    base_document, head_document = _build(revision, stack)
    if cached:
        CACHE.mkdir(parents=True, exist_ok=True)
        partial = kept.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(base_document))
        partial.replace(kept)
    return base_document, head_document


def _build(revision: Revision, stack: str) -> tuple[dict[str, Any], dict[str, Any]]:
    return build(revision, [stack])[stack]


def build(revision: Revision, stacks: list[str]) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """(BASE document, working-tree document) for each of `stacks`, planned afresh (no cache) from one worktree of
    BASE; each stack's two plans run in parallel."""
    documents: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="socialclub-diff-plans-") as scratch, worktree(revision) as tree:
        python = _python_for(tree, revision)
        for stack in stacks:
            if not (tree / f"Pulumi.{stack}.yaml").is_file():
                raise SourceError(f"BASE {revision.label} has no stack {stack} (no Pulumi.{stack}.yaml)")
            base_out, head_out = Path(scratch) / f"base-{stack}.json", Path(scratch) / f"head-{stack}.json"
            running = [_start(_plan_command(ROOT / ".venv" / "bin" / "python", stack, head_out), ROOT)]
            try:
                running.append(_start(_plan_command(python, stack, base_out), tree))
                documents[stack] = (
                    _finish(running[1], base_out, f"BASE {revision.label}"),
                    _finish(running[0], head_out, "the working tree"),
                )
            finally:
                for process in running:
                    if process.poll() is None:
                        process.kill()
                        process.communicate()
    return documents

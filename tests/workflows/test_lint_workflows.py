"""`.ci/lint-workflows`: clean on this repository, and failing on a finding of each linter it runs.

The script installs its pinned linters when they are missing; if that fails these tests fail (never skip).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / ".ci" / "lint-workflows"

CHECKOUT = "actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd # v6.0.2"
CLEAN = f"""\
name: sample
on:
  push:
    branches: [main]
permissions: {{}}
concurrency:
  group: sample
  cancel-in-progress: false
jobs:
  hello:
    name: hello
    runs-on: ubuntu-24.04
    permissions:
      contents: read
    steps:
      - uses: {CHECKOUT}
        with:
          persist-credentials: false
      - name: greet
        env:
          GREETING: hello
        run: echo "$GREETING"
"""


def lint(repo: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), str(repo)], capture_output=True, text=True, timeout=600, check=False)


def sample_repo(tmp_path: Path, workflow: str) -> Path:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "sample.yml").write_text(workflow)
    return tmp_path


def test_the_repository_workflows_have_no_finding() -> None:
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "lint-workflows: no findings" in result.stdout


def test_a_clean_sample_passes(tmp_path: Path) -> None:
    result = lint(sample_repo(tmp_path, CLEAN))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("mistake", "bad", "reported"),
    [
        ("actionlint: unknown runner label", ("ubuntu-24.04", "ubuntu-24.4"), "[runner-label]"),
        ("shellcheck through actionlint: unquoted variable", ('echo "$GREETING"', "echo $GREETING"), "SC2086"),
        ("zizmor: checkout keeps the token", ("persist-credentials: false", "fetch-depth: 1"), "artipacked"),
        ("zizmor: tag instead of commit", (CHECKOUT, "actions/checkout@v6"), "unpinned-uses"),
    ],
)
def test_a_finding_of_any_linter_fails_the_script(
    tmp_path: Path, mistake: str, bad: tuple[str, str], reported: str
) -> None:
    old, new = bad
    assert old in CLEAN
    result = lint(sample_repo(tmp_path, CLEAN.replace(old, new)))
    assert result.returncode != 0, mistake
    assert reported in result.stdout + result.stderr, mistake

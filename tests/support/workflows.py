"""The GitHub Actions workflows and composite actions, read as data."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from offline.harness import ROOT

GITHUB = ROOT / ".github"
CONFIGURE_AWS = "aws-actions/configure-aws-credentials"


def workflow_paths() -> list[Path]:
    """Every workflow file under .github/workflows."""
    return sorted((GITHUB / "workflows").glob("*.y*ml"))


def action_paths() -> list[Path]:
    """Every composite action under .github/actions."""
    return sorted((GITHUB / "actions").glob("*/action.y*ml"))


def load(path: Path) -> dict[Any, Any]:
    """A workflow or action file as a mapping."""
    document = yaml.safe_load(path.read_text())
    assert isinstance(document, dict), f"{path.name} is not a YAML mapping"
    return document


def workflow(name: str) -> dict[Any, Any]:
    """The workflow file `name` under .github/workflows."""
    return load(GITHUB / "workflows" / name)


def triggers(document: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the bare key `on` as the boolean True.
    found = document.get("on", document.get(True))
    assert isinstance(found, dict), "triggers must be a mapping"
    return found


@dataclass(frozen=True)
class Job:
    """One job of a workflow file, with readers for its steps, permissions and scripts."""

    file: str
    id: str
    body: dict[str, Any]

    @property
    def steps(self) -> list[dict[str, Any]]:
        return list(self.body.get("steps", []))

    @property
    def permissions(self) -> dict[str, str]:
        return dict(self.body.get("permissions") or {})

    def steps_using(self, action: str) -> list[dict[str, Any]]:
        return [s for s in self.steps if str(s.get("uses", "")).split("@")[0] == action]

    def scripts(self) -> list[str]:
        """Every `run:` script with its backslash continuations joined, one command per line."""
        return [str(s["run"]).replace("\\\n", " ") for s in self.steps if "run" in s]


def jobs() -> Iterator[Job]:
    """Every job of every workflow."""
    for path in workflow_paths():
        for job_id, body in load(path)["jobs"].items():
            yield Job(path.name, job_id, body)

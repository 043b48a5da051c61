"""docs/first-deploy.md stays executable: every output, config key and make target it uses exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from offline.harness import ROOT
from tests.support import stack_plan
from tests.support.bootstrap import run as run_bootstrap

RUNBOOK = (ROOT / "docs" / "first-deploy.md").read_text()
OUTPUT = re.compile(r"pulumi stack output --stack (\S+) (\w+)")
MAKE = re.compile(r"make (?:-s )?([a-z][a-z-]*(?: [a-z][a-z-]*)*)")
CONFIG_PATH = re.compile(r"socialclub:([a-zA-Z]+)\.([a-zA-Z./-]+)")


def test_every_stack_output_the_runbook_reads_is_exported() -> None:
    outputs = {
        "account": set(run_bootstrap().outputs),
        "production": set(stack_plan("production").outputs),
        "staging": set(stack_plan("staging").outputs),
    }
    used = OUTPUT.findall(RUNBOOK)
    assert len(used) >= 6
    for qualified, name in used:
        # `organization/<project>/<stack>` names a stack of another project (from the main project's folder).
        stack = qualified.rsplit("/", 1)[-1]
        known = outputs["production"] if stack.startswith("<") else outputs[stack]
        assert name in known, f"{stack}: {name}"


def test_every_make_target_it_runs_exists() -> None:
    makefile = (ROOT / "Makefile").read_text()
    targets = {t for line in MAKE.findall(RUNBOOK) for t in line.split()}
    assert {"venv", "policy-venv", "uv-path", "plan"} <= targets
    for target in targets:
        assert re.search(rf"^{re.escape(target)}:", makefile, re.M), target


@pytest.mark.parametrize(("section", "key"), sorted(set(CONFIG_PATH.findall(RUNBOOK))))
def test_every_config_key_it_sets_is_in_the_model(section: str, key: str) -> None:
    from stackconfig.model import StackConfig

    model = StackConfig.model_fields
    aliases = {info.alias or name: info for name, info in model.items()}
    assert section in aliases, section
    first = key.split(".", maxsplit=1)[0]
    annotation = aliases[section].annotation
    assert annotation is not None and hasattr(annotation, "model_fields"), section
    fields = {info.alias or name for name, info in annotation.model_fields.items()}
    assert first in fields, f"socialclub:{section}.{first}"


def test_it_cites_where_the_commands_come_from() -> None:
    assert "pulumi.com/docs/iac/cli/commands/" in RUNBOOK
    assert "AWS CLI v2 command reference" in RUNBOOK
    assert Path(ROOT / "README.md").read_text().count("docs/first-deploy.md") >= 2

"""Imports point one way: validating a stack file and loading the policy pack never load Pulumi components or
pulumi_aws (components import the Pulumi-free config and facts, never the reverse), and each module imports on its
own, in any order (no cycle)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from offline.harness import ROOT, read_stack_settings

FORBIDDEN = ("components", "pulumi_aws", "pulumi_awsx")
CONFIG_SOURCES = sorted((ROOT / "stackconfig").glob("*.py"))
PACK_SOURCES = sorted((ROOT / "policy").glob("*.py")) + sorted((ROOT / "policy" / "socialclub_guardrails").glob("*.py"))


def imported_modules(source: Path) -> set[str]:
    """Every module `source` imports, at the top or inside a function."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(), str(source))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            modules.add(node.module)
    return modules


def forbidden(modules: set[str], roots: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in roots)


@pytest.mark.parametrize("source", CONFIG_SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_config_modules_import_no_pulumi_at_all(source: Path) -> None:
    """Not even the SDK or another provider: the program reads the Pulumi config and hands it over."""
    assert forbidden(imported_modules(source), (*FORBIDDEN, "pulumi", "pulumiverse_sentry")) == []


@pytest.mark.parametrize("source", PACK_SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_policy_pack_imports_no_component(source: Path) -> None:
    assert forbidden(imported_modules(source), FORBIDDEN) == []


def test_the_checks_see_a_function_level_import(tmp_path: Path) -> None:
    source = tmp_path / "late.py"
    source.write_text("def f():\n    from components.vpc import Vpc\n    import pulumi_aws.ec2\n")
    assert forbidden(imported_modules(source), FORBIDDEN) == ["components.vpc", "pulumi_aws.ec2"]


# Run in a fresh interpreter: what validating both stack files and importing the pack really load.
PROBE = """
import json, sys
from stackconfig.loader import load_settings
import stackconfig.catalog
for settings in json.load(sys.stdin):
    load_settings(settings)
validation = sorted(sys.modules)
import policy.socialclub_guardrails
assert policy.socialclub_guardrails.ALL_POLICIES
print(json.dumps([validation, sorted(sys.modules)]))
"""


def test_validating_stack_files_loads_no_pulumi_module() -> None:
    every = [read_stack_settings(stack)[0] for stack in ("staging", "production")]
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], input=json.dumps(every), capture_output=True, text=True, cwd=ROOT, check=True
    )
    validation, with_pack = (set(modules) for modules in json.loads(probe.stdout))
    assert "stackconfig.model" in validation and "policy.socialclub_guardrails" in with_pack
    # Validation needs no Pulumi SDK at all; the pack needs pulumi_policy (and so pulumi), never a component.
    assert forbidden(validation, (*FORBIDDEN, "pulumi")) == []
    assert forbidden(with_pack, FORBIDDEN) == []


@pytest.mark.parametrize("module", [f"stackconfig.{p.stem}" for p in CONFIG_SOURCES if p.stem != "__init__"])
def test_each_config_module_imports_first(module: str) -> None:
    """The Pulumi CLI runs __main__.py, whose first import may be any of these: a cycle fails only in that order."""
    subprocess.run([sys.executable, "-c", f"import {module}"], cwd=ROOT, check=True, capture_output=True)

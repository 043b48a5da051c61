"""The README and docs/ stay true to the code: outputs table, make targets, links and requirement citations."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from offline.harness import ROOT
from tests.support import stack_plan

README = (ROOT / "README.md").read_text()
REQUIREMENTS = (ROOT / "docs" / "requirements.md").read_text()
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "bootstrap").glob("*.md"),
               *(ROOT / "github").glob("*.md")])  # fmt: skip

# The section numbers other files cite; fixed, so a citation written today stays valid.
SECTIONS = (
    "1", "2", "2.1", "2.2", "3", "3.1", "3.2", "4", "4.1", "4.2", "4.3", "5", "5.1", "5.2", "5.3", "5.4",
    "6", "6.1", "6.2", "6.3", "6.4", "7", "7.1", "7.2", "8", "9", "10",
)  # fmt: skip
HEADING = re.compile(r"^#{2,3} §(\d+(?:\.\d+)?) ", re.M)
CITATION = re.compile(r"docs/requirements\.md,? §(\d+(?:\.\d+)?)")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def outputs_table() -> set[str]:
    section = README.split("## Stack outputs", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `(\w+)` \|", section, re.M))


def test_the_outputs_table_lists_every_stack_output_and_no_other() -> None:
    exported = set(stack_plan("staging").outputs) | set(stack_plan("production").outputs)
    assert len(exported) >= 30
    assert outputs_table() == exported


def test_every_make_target_is_documented_and_every_documented_one_exists() -> None:
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.M))
    documented = {t for run in re.findall(r"`make (?:-s )?((?:[a-z][a-z-]* ?)+)", README) for t in run.split()}
    assert {"plan", "test"} <= documented
    assert documented <= targets, documented - targets
    assert targets <= documented, targets - documented


def test_the_two_commands_come_first() -> None:
    first_block = README.split("```bash\n", 1)[1].split("```", 1)[0]
    assert [line.split("#")[0].strip() for line in first_block.splitlines()] == [
        "make plan STACK=staging",
        "make test",
    ]


def test_requirements_keep_their_section_numbers() -> None:
    numbers = HEADING.findall(REQUIREMENTS)
    assert [n for n in numbers if not n.startswith("10.")] == list(SECTIONS)


def test_every_citation_names_a_section_that_exists() -> None:
    existing = set(HEADING.findall(REQUIREMENTS))
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    cited: dict[str, set[str]] = {}
    for name in tracked.splitlines():
        path = ROOT / name
        if path.suffix in {".py", ".md", ".yaml", ".yml", ".toml", ".json"} or path.name == "Makefile":
            for number in CITATION.findall(path.read_text(errors="replace")):
                cited.setdefault(number, set()).add(name)
    assert cited, "nothing cites docs/requirements.md"
    missing = {number: sorted(files) for number, files in cited.items() if number not in existing}
    assert not missing


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_docs_stand_on_their_own(doc: Path) -> None:
    text = doc.read_text()
    assert "../shared" not in text
    assert not re.search(r"\bthe seed\b|\bseed's\b", text, re.I)
    assert not re.search(r"\bissue \d+\b", text, re.I)
    for target in LINK.findall(text):
        if "://" not in target:
            assert (doc.parent / target).resolve().exists(), f"{doc.name}: broken link {target}"


def layout_entries() -> list[str]:
    section = README.split("## Repository layout", 1)[1].split("\n## ", 1)[0]
    return [
        entry for cell in re.findall(r"^\| (`[^|]*`) \|", section, re.M) for entry in re.findall(r"`([^`]+)`", cell)
    ]


def test_the_layout_names_every_top_level_folder_and_every_component_module() -> None:
    entries = layout_entries()
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    folders = {name.split("/", 1)[0] for name in tracked.splitlines() if "/" in name}
    assert folders <= {entry.split("/", 1)[0] for entry in entries}, folders
    modules = {path.name for path in (ROOT / "components").glob("*.py")} - {"__init__.py"}
    assert modules <= set(entries), modules - set(entries)
    for entry in entries:
        if "<" not in entry:
            assert (ROOT / entry).exists() or (ROOT / "components" / entry).exists(), entry

"""The ForceNew table against the program and the provider SDK, and `make diff` against a real earlier commit."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path
from typing import Any

import pytest

from offline.diff import sources
from offline.diff.__main__ import EXIT_ERROR, main
from offline.diff.compare import compare
from offline.diff.replacements import FORCE_NEW, STATEFUL, forced_by
from offline.diff.sources import SourceError, plans, resolve
from tests.support.diff import left_behind, scratch_worktrees

# Besides the stateful types: the ones whose replacement interrupts traffic or access.
DISRUPTIVE = {
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:lb/loadBalancer:LoadBalancer",
    "aws:lb/targetGroup:TargetGroup",
    "aws:ecs/cluster:Cluster",
    "aws:ecs/service:Service",
    "aws:route53/zone:Zone",
    "aws:route53/record:Record",
    "aws:acm/certificate:Certificate",
    "aws:cloudfront/distribution:Distribution",
    "aws:iam/role:Role",
}


def args_class(type_token: str) -> Any:
    """`aws:rds/instance:Instance` -> pulumi_aws.rds.InstanceArgs."""
    module, name = re.fullmatch(r"aws:(\w+)/\w+:(\w+)", type_token).groups()  # type: ignore[union-attr]
    return getattr(importlib.import_module(f"pulumi_aws.{module}"), f"{name}Args")


def input_names(cls: Any) -> dict[str, Any]:
    """camelCase input name -> its getter, from the SDK's `@pulumi.getter(name=...)` properties."""
    return {getattr(p.fget, "_pulumi_name", key): p.fget for key, p in vars(cls).items() if isinstance(p, property)}


def nested_args(cls: Any, getter: Any) -> Any:
    annotation = str(inspect.signature(getter).return_annotation)
    (name,) = set(re.findall(r"(\w+Args)\b", annotation))
    return getattr(importlib.import_module(cls.__module__.rsplit(".", 1)[0] + "._inputs"), name)


@pytest.mark.parametrize("type_token", sorted(FORCE_NEW))
def test_every_table_property_is_an_input_of_the_pulumi_resource(type_token: str) -> None:
    """The table spells Terraform attributes as the plan does; a misspelt entry would never match a change."""
    entry = FORCE_NEW[type_token]
    assert re.fullmatch(r"internal/service/\w+/\w+\.go", entry.source)
    cls = args_class(type_token)
    for prop in entry.properties | set(entry.conditional):
        top, _, nested = prop.partition(".")
        getters = input_names(cls)
        assert top in getters, f"{type_token}: {top} is not an input of {cls.__name__}"
        if nested:
            assert nested in input_names(nested_args(cls, getters[top])), f"{type_token}: {prop}"


def test_every_stateful_and_disruptive_type_of_the_production_plan_has_an_entry(
    real_diff: tuple[str, dict[str, Any], dict[str, Any]],
) -> None:
    types = {r["type"] for r in real_diff[2]["resources"]}
    assert set(STATEFUL) <= set(FORCE_NEW)
    missing = sorted(t for t in types & (set(STATEFUL) | DISRUPTIVE) if t not in FORCE_NEW)
    assert not missing
    assert forced_by("aws:rds/instance:Instance", "kmsKeyId") == "kmsKeyId"
    # The most specific entry names the reason; an enclosing ForceNew block covers what it does not list.
    assert forced_by("aws:ecr/repository:Repository", "encryptionConfigurations[0].kmsKey") == (
        "encryptionConfigurations.kmsKey"
    )
    assert forced_by("aws:ecr/repository:Repository", "encryptionConfigurations[0].other") == (
        "encryptionConfigurations"
    )


def test_make_diff_against_a_real_earlier_commit(real_diff: tuple[str, dict[str, Any], dict[str, Any]]) -> None:
    _, base, head = real_diff
    assert base["stack"] == head["stack"] == "production" and base["resources"]
    diff = compare(base, head)
    old = {r["urn"] for r in base["resources"] if r["custom"]}
    new = {r["urn"] for r in head["resources"] if r["custom"]}
    assert {r.urn for r in diff.of_action("create")} == new - old
    assert {r.urn for r in diff.of_action("delete")} == old - new


def test_a_bad_base_or_stack_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    with scratch_worktrees() as made:
        assert main(["--stack", "production", "--base", "no-such-ref-anywhere"]) == EXIT_ERROR
        assert "BASE 'no-such-ref-anywhere' is not a commit of this repository" in capsys.readouterr().err
        with pytest.raises(SourceError, match="has no stack nonexistent"):
            plans(resolve("HEAD"), "nonexistent", cached=False)
    assert left_behind(made) == []


def test_a_revision_whose_plan_fails_is_reported_with_its_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """An old commit whose program cannot run: the error names the revision and shows the plan's own message."""

    def failing(python: Path, stack: str, out: Path) -> list[str]:
        return [str(python), "-c", f"import sys; sys.exit('{stack}: invalid stack config')"]

    monkeypatch.setattr(sources, "_plan_command", failing)
    with (
        scratch_worktrees() as made,
        pytest.raises(SourceError, match=r"BASE `[0-9a-f]{7}` \(HEAD\): `make plan` failed \(exit 1\):\nproduction"),
    ):
        plans(resolve("HEAD"), "production", cached=False)
    assert made and left_behind(made) == []

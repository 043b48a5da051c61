"""offline/same_plan.py: what counts as the same plan document, and how a difference is named."""

from __future__ import annotations

import copy
from typing import Any

from offline.same_plan import differences, normalized, report

A = "urn:pulumi:s::socialclub::aws:s3/bucket:Bucket::a"
B = "urn:pulumi:s::socialclub::aws:iam/role:Role::b"


def document() -> dict[str, Any]:
    return {
        "project": "socialclub",
        "stack": "s",
        "resources": [
            {"urn": A, "inputs": {"bucket": "a"}, "dependencies": [], "propertyDependencies": {}},
            {"urn": B, "inputs": {"name": "b"}, "dependencies": [A, "x"], "propertyDependencies": {"p": [A, "x"]}},
        ],
        "outputs": {"bucketName": "a"},
        "policy": {"pack": "p", "violations": [{"policy": "one", "urn": A}, {"policy": "two", "urn": B}]},
        "cost": {"monthly": {"min": 1.0}, "lines": [{"urn": A, "monthlyMin": 1.0}, {"urn": B, "monthlyMin": 0.0}]},
        "preflight": [{"check": "zone-delegated"}],
    }


def test_orderings_that_vary_from_run_to_run_are_not_differences() -> None:
    shuffled = document()
    shuffled["resources"].reverse()
    for resource in shuffled["resources"]:
        resource["dependencies"].reverse()
        for urns in resource["propertyDependencies"].values():
            urns.reverse()
    shuffled["policy"]["violations"].reverse()
    shuffled["cost"]["lines"].reverse()
    identical, text = report("s", document(), shuffled)
    assert identical, text
    assert normalized(document()) == normalized(shuffled)


def test_every_other_change_is_named_by_its_path_with_both_values() -> None:
    changed = document()
    changed["resources"][0]["inputs"]["bucket"] = "renamed"
    changed["outputs"]["extra"] = "new"
    changed["preflight"] = []
    found = {path: (old, new) for path, old, new in differences(normalized(document()), normalized(changed))}
    assert found == {
        f"resources.{A}.inputs.bucket": ("a", "renamed"),
        "outputs.extra": ("<absent>", "new"),
        "preflight[]": ({"check": "zone-delegated"}, "<absent>"),
    }
    identical, text = report("s", document(), changed)
    assert not identical
    assert text.startswith("s: 3 differences")


def test_a_resource_or_a_violation_on_one_side_only_is_a_difference() -> None:
    fewer = copy.deepcopy(document())
    del fewer["resources"][1]
    fewer["policy"]["violations"].pop()
    paths = [path for path, _, _ in differences(normalized(document()), normalized(fewer))]
    assert paths == ["policy.violations[]", f"resources.{B}"]

"""The rule families against the installed provider: aws_types.py is exactly what the generator derives from the
pulumi-aws of uv.lock, every rule table knows every member of its family.
(That the pack imports no provider or component: tests/stackconfig/test_import_direction.py.)"""

from __future__ import annotations

import re
from collections.abc import Mapping
from importlib.metadata import version
from typing import Any

import pytest

from offline.harness import ROOT
from policy.generate_aws_types import TARGET, expected, installed_tokens, main
from policy.socialclub_guardrails import aws_types, cdn, compute, containers, exposure, iam, stores
from policy.socialclub_guardrails.families import FAMILIES, classify


def test_committed_type_list_is_what_the_installed_provider_gives() -> None:
    assert TARGET.read_text() == expected(), "run `.venv/bin/python -m policy.generate_aws_types`"
    assert main(["--check"]) == 0


def test_type_list_is_from_the_locked_provider() -> None:
    locked = re.search(r'name = "pulumi-aws"\nversion = "([^"]+)"', (ROOT / "uv.lock").read_text())
    assert locked is not None
    assert aws_types.PROVIDER_VERSION == version("pulumi-aws") == locked.group(1)


def test_every_family_has_members_and_every_exclusion_still_exists() -> None:
    tokens = installed_tokens()
    assert len(tokens) > 1500  # resource classes only (enums carry the same decorator)
    assert "aws:rds/EngineMode:EngineMode" not in tokens
    for name, family in FAMILIES.items():
        assert aws_types.FAMILIES[name], f"{name}: no member in the provider"
        assert set(family.excluded) <= tokens, f"{name}: stale exclusion"


@pytest.mark.parametrize(
    ("family", "new_type"),
    [
        ("caches", "aws:memorydb/replicationGroup:ReplicationGroup"),
        ("database-storage", "aws:neptune/instance:Instance"),
        ("ingress-rules", "aws:vpc/securityGroupIngressRuleV2:SecurityGroupIngressRuleV2"),
        ("bucket-acls", "aws:s3/bucketAclV3:BucketAclV3"),
        ("managed-policy-attachments", "aws:iam/rolePolicyAttachmentV2:RolePolicyAttachmentV2"),
    ],
)
def test_a_new_provider_type_of_the_same_kind_joins_its_family(family: str, new_type: str) -> None:
    # So the regenerated list differs from the committed one and the first test fails until it is classified.
    assert new_type in classify([*installed_tokens(), new_type])[family]
    assert new_type not in aws_types.FAMILIES[family]


def _members(*families: str) -> set[str]:
    return {t for f in families for t in aws_types.FAMILIES[f]}


@pytest.mark.parametrize(
    ("table", "families"),
    [
        (stores.DATABASES, ("database-storage", "database-endpoints")),
        (stores.CACHES, ("caches",)),
        (iam.ATTACHED_ARNS, ("managed-policy-attachments",)),
        (containers.ENVIRONMENTS, ("workload-environments",)),
        (compute.COMPUTE, ("ec2-compute",)),
        (cdn.DISTRIBUTIONS, ("distributions",)),
        (exposure.POLICY_INPUTS, ("key-policies", "bucket-policies", "buckets", "resource-policies")),
    ],
)
def test_each_rule_table_knows_exactly_its_familys_types(table: Mapping[str, Any], families: tuple[str, ...]) -> None:
    assert set(table) == _members(*families)

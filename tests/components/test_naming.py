"""The physical-name checks: identifiers AWS would refuse fail in the program, and final snapshots get fresh names."""

from __future__ import annotations

import re

import pulumi
import pytest

from components.naming import check_identifier, final_snapshot_identifier
from tests.support import inputs, run_component


@pytest.mark.parametrize(("value", "limit"), [("a", 63), ("socialclub-production-postgres", 63), ("a" * 40, 40)])
def test_an_identifier_aws_accepts_is_returned_unchanged(value: str, limit: int) -> None:
    assert check_identifier(value, limit, "RDS instance identifier") == value


@pytest.mark.parametrize(
    ("value", "limit"),
    [
        ("a" * 64, 63),  # RDS instance identifiers: at most 63 characters
        ("a" * 41, 40),  # ElastiCache replication group ids: at most 40
        ("1socialclub", 63),  # a letter first
        ("socialclub--db", 63),  # no two hyphens in a row
        ("socialclub-", 63),  # no final hyphen
        ("Socialclub", 63),  # lowercase only
        ("social_club", 63),  # letters, digits and hyphens only
        ("", 63),
    ],
)
def test_an_identifier_aws_refuses_is_a_clear_error(value: str, limit: int) -> None:
    with pytest.raises(ValueError) as caught:
        check_identifier(value, limit, "RDS instance identifier")
    assert str(caught.value) == (
        f"{value!r} is not a valid RDS instance identifier: 1-{limit} lowercase letters, digits and hyphens, "
        "starting with a letter, without '--' or a final '-'"
    )


def test_a_final_snapshot_name_is_the_identifier_and_eight_hex_digits_drawn_once() -> None:
    def program() -> None:
        parent = pulumi.ComponentResource("test:index:Parent", "db")
        pulumi.export("snapshot", final_snapshot_identifier("db", "socialclub-test-postgres", parent))

    plan = run_component(program)
    suffix = plan.one("random:index/randomId:RandomId", "db-final-snapshot")
    assert inputs(suffix)["byteLength"] == 4
    assert suffix.parent == plan.one("test:index:Parent").urn
    assert re.fullmatch(r"socialclub-test-postgres-final-[0-9a-f]{8}", plan.outputs["snapshot"])
    assert plan.outputs["snapshot"].endswith(suffix.outputs["hex"])

"""Checks of the physical names AWS constrains, so a bad name fails in the program, not halfway through `up`."""

from __future__ import annotations

import re

import pulumi
import pulumi_random as random

_IDENTIFIER = re.compile(r"^[a-z](?!.*--)[a-z0-9-]*(?<!-)$")


def check_identifier(value: str, max_length: int, kind: str) -> str:
    """RDS instance (63) and ElastiCache replication group (40) identifiers: lowercase letters, digits and
    hyphens, a letter first, no `--`, no final `-`, at most `max_length` characters."""
    if len(value) > max_length or not _IDENTIFIER.match(value):
        raise ValueError(
            f"{value!r} is not a valid {kind}: 1-{max_length} lowercase letters, digits and hyphens, "
            "starting with a letter, without '--' or a final '-'"
        )
    return value


def final_snapshot_identifier(name: str, identifier: str, parent: pulumi.Resource) -> pulumi.Output[str]:
    """`<identifier>-final-<8 hex>`: the snapshot a database or cache leaves when it is deleted.

    A fixed name works once: the snapshot outlives the resource, so the next stack with the same identifier
    could not be destroyed (AWS refuses a second snapshot of that name). The suffix is drawn when the resource
    is created and kept in state, so it is stable for the resource's life and new for its successor.
    """
    suffix = random.RandomId(f"{name}-final-snapshot", byte_length=4, opts=pulumi.ResourceOptions(parent=parent))
    return suffix.hex.apply(lambda hex_: f"{identifier}-final-{hex_}")

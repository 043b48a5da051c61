"""Checks of the physical names AWS constrains, so a bad name fails in the program, not halfway through `up`."""

from __future__ import annotations

import re

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

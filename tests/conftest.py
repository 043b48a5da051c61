"""Session-wide settings of the test run."""

from __future__ import annotations

import gc

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Collection imports the SDKs (pulumi_aws alone is about a million objects): the cyclic collector would walk
    them again and again while they load, for nothing, so it is off until they are in."""
    gc.disable()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Every module is imported now: the long-lived objects are frozen out of the collector's walks and young
    collections run less often. Each whole-program run then spends a few percent in the collector instead of a
    quarter; garbage cycles are still freed."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    gc.enable()

"""Session-wide settings of the test run."""

from __future__ import annotations

import gc

import pytest


def pytest_collection_finish(session: pytest.Session) -> None:
    """After collection every module is imported: the SDKs' million long-lived objects (pulumi_aws's types) are
    frozen out of the cyclic collector's walks, and young collections run less often. Each whole-program run then
    spends a few percent in the collector instead of a quarter; garbage cycles are still freed."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)

"""The offline harness: what it refuses."""

from __future__ import annotations

import pytest

from offline.harness import HarnessError
from tests.support import aws_context, run_component
from tests.support.data import secret_set


def test_duplicate_urns_fail_the_harness() -> None:
    def build() -> None:
        secret_set(aws_context())
        secret_set(aws_context())

    with pytest.raises(HarnessError, match="duplicate URNs"):
        run_component(build)

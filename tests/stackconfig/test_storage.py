"""`socialclub:storage` and `socialclub:cost.s3Buckets`: defaults, and bad values named by their key path."""

from __future__ import annotations

from typing import Any

import pytest

from stackconfig.cost import CostAssumptions
from stackconfig.storage import StorageConfig
from tests.support.config import errors_for, set_path

NEGATIVE_ASSETS = {"storageGb": -1, "putRequestsThousands": 1, "getRequestsThousands": 1}

BAD = [
    (
        "media under the frontend build's path",
        set_path("storage", {"mediaPath": "/assets/*"}),
        "socialclub:storage.mediaPath = '/assets/*': Value error, /assets/* holds the frontend build's own files",
    ),
    (
        "media path without its wildcard",
        set_path("storage", {"mediaPath": "/media"}),
        "socialclub:storage.mediaPath = '/media': String should match pattern",
    ),
    (
        "no noncurrent versions kept",
        set_path("storage", {"assets": {"noncurrentVersionDays": 0}}),
        "socialclub:storage.assets.noncurrentVersionDays = 0: Input should be greater than or equal to 1",
    ),
    (
        "unknown storage key",
        set_path("storage", {"logsBucketKms": True}),
        "socialclub:storage.logsBucketKms",
    ),
    (
        "negative bucket storage",
        set_path(
            "cost", {"s3Buckets": {"assets": {"storageGb": -1, "putRequestsThousands": 1, "getRequestsThousands": 1}}}
        ),
        "socialclub:cost.s3Buckets.assets.storageGb = -1: Input should be greater than or equal to 0",
    ),
]


@pytest.mark.parametrize(("case", "mutate", "expected"), BAD, ids=[b[0] for b in BAD])
def test_bad_storage_config_is_named_by_key_path(case: str, mutate: Any, expected: str) -> None:
    lines = errors_for(mutate)
    assert any(line.startswith(expected) for line in lines), f"{case}: {lines}"


def test_defaults() -> None:
    storage = StorageConfig()
    assert (storage.media_path, storage.logs.s3_access_log_retention_days, storage.logs.protect) == (
        "/media/*",
        90,
        True,
    )
    for bucket in (storage.assets, storage.backend):
        assert (bucket.noncurrent_version_days, bucket.abort_incomplete_upload_days) == (30, 7)
        assert (bucket.cors_max_age_seconds, bucket.protect) == (3600, True)
    usage = CostAssumptions().s3_buckets
    assert {name: (u.storage_gb, u.put_requests_thousands, u.get_requests_thousands) for name, u in usage.items()} == {
        "assets": (50, 20, 500),
        "backend": (10, 20, 100),
        "logs": (30, 100, 1),
    }

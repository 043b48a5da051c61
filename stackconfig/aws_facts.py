"""Plain AWS facts the config checks need, kept free of Pulumi so validating a stack file stays cheap."""

from __future__ import annotations

_GRAVITON_SIZES = ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge")

CACHE_NODE_TYPES: frozenset[str] = frozenset(
    f"cache.{family}.{size}"
    for family, sizes in {
        "t2": ("micro", "small", "medium"),
        "t3": ("micro", "small", "medium"),
        "t4g": ("micro", "small", "medium"),
        "m4": ("large", "xlarge", "2xlarge", "4xlarge", "10xlarge"),
        "m5": ("large", "xlarge", "2xlarge", "4xlarge", "12xlarge", "24xlarge"),
        "m6g": _GRAVITON_SIZES,
        "m7g": _GRAVITON_SIZES,
        "r4": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge"),
        "r5": ("large", "xlarge", "2xlarge", "4xlarge", "12xlarge", "24xlarge"),
        "r6g": _GRAVITON_SIZES,
        "r7g": _GRAVITON_SIZES,
        "c7gn": _GRAVITON_SIZES,
    }.items()
    for size in sizes
)
"""Current-generation ElastiCache node types for Redis OSS 7 and Valkey (ElastiCache API reference, CacheNode,
read 2026-11-30). Left out: previous generations (no new clusters) and the data-tiering r6gd types, which need
`data_tiering_enabled` that this program does not set."""

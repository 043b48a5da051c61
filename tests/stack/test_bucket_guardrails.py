"""The policy pack on the stack's own buckets: drop one setting of a new bucket and the pack says so."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from offline.policy_run import PackProcess, config_file_for
from tests.support import stack_plan

# bucket resource name -> the rules that must catch a missing piece of it (the log bucket is SSE-S3 by AWS's rule
# for ALB access logs, so it is not among the KMS cases).
REMOVALS = [
    ("assets-bucket", "aws:s3/bucketVersioning:BucketVersioning", "s3-versioning"),
    ("backend-objects-bucket", "aws:s3/bucketVersioning:BucketVersioning", "s3-versioning"),
    ("logs-bucket", "aws:s3/bucketVersioning:BucketVersioning", "s3-versioning"),
    (
        "assets-bucket",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "s3-bucket-kms-encryption",
    ),
    (
        "backend-objects-bucket",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "s3-bucket-kms-encryption",
    ),
    ("assets-bucket", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "s3-block-public-access"),
    ("logs-bucket", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "s3-block-public-access"),
]


@pytest.fixture(scope="module")
def pack() -> Iterator[PackProcess]:
    """One running pack (production's config) for the module, driven as the CLI drives it."""
    with PackProcess("production") as process:
        process.configure(config_file_for("production"))
        yield process


def test_the_stack_as_planned_has_none_of_these_violations(pack: PackProcess) -> None:
    rules = {rule for _, _, rule in REMOVALS}
    assert [v.policy for v in pack.analyze(stack_plan("production").resources).violations if v.policy in rules] == []


@pytest.mark.parametrize("case", REMOVALS, ids=[f"{b} without {t.rsplit(':', 1)[1]}" for b, t, _ in REMOVALS])
def test_a_missing_setting_of_a_new_bucket_is_a_mandatory_violation(
    pack: PackProcess, case: tuple[str, str, str]
) -> None:
    bucket, setting, rule = case
    resources = stack_plan("production").resources
    assert [r for r in resources if r.type == setting and r.name == bucket], f"{bucket} has no {setting}"
    kept = [r for r in resources if not (r.type == setting and r.name == bucket)]
    violations = pack.analyze(kept).violations
    caught = [v for v in violations if v.policy == rule]
    assert caught and all(v.enforcement_level == "mandatory" for v in caught), [v.policy for v in violations]
    assert any(v.urn.endswith(f"::{bucket}") for v in caught)

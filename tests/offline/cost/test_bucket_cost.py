"""Each bucket is priced on its own usage (`cost.s3Buckets` by the purpose in its name), and the SPA's CloudFront
function on the distribution's requests."""

from __future__ import annotations

import json

import pytest

from offline.cost import estimate
from offline.cost.prices import DEFAULT_FILE
from stackconfig.cost import BucketUsage, CostAssumptions
from tests.support import stack_config, stack_plan
from tests.support.cost import res, total

PRICES: dict[str, float] = {key: entry["usd"] for key, entry in json.loads(DEFAULT_FILE.read_text())["prices"].items()}
BUCKET = "aws:s3/bucket:Bucket"


def bucket_cost(gb: float, puts: float, gets: float) -> float:
    return gb * PRICES["s3.standard.gbMonth"] + puts * PRICES["s3.put.per1000"] + gets * PRICES["s3.get.per1000"]


@pytest.mark.parametrize(
    ("prefix", "usage"),
    [
        ("socialclub-production-assets-", (50, 20, 500)),
        ("socialclub-production-backend-", (10, 20, 100)),
        ("socialclub-production-logs-", (30, 100, 1)),
        # No entry: the per-bucket defaults (s3StorageGb, s3PutRequestsThousands, s3GetRequestsThousands).
        ("socialclub-production-frontend-", (5, 10, 100)),
    ],
)
def test_a_bucket_is_priced_on_its_purposes_usage(prefix: str, usage: tuple[float, float, float]) -> None:
    report = estimate([res(BUCKET, "b", {"bucketPrefix": prefix})], CostAssumptions())
    expected = round(bucket_cost(*usage), 4)
    assert total(report) == (expected, expected)


def test_a_stack_sets_a_purposes_usage() -> None:
    usage = BucketUsage(storage_gb=1000, put_requests_thousands=0, get_requests_thousands=0)
    assumptions = CostAssumptions(s3_buckets={"assets": usage})
    report = estimate([res(BUCKET, "b", {"bucketPrefix": "socialclub-staging-assets-"})], assumptions)
    assert total(report)[0] == round(1000 * PRICES["s3.standard.gbMonth"], 4)
    assert report.lines[0].description == "assets: 1000 GB + 0k PUT + 0k GET"


def test_the_cloudfront_function_costs_a_dime_per_million_viewer_requests() -> None:
    function = res("aws:cloudfront/function:Function", "spa", {"runtime": "cloudfront-js-2.0"})
    report = estimate([function], CostAssumptions(cloudfront_requests_millions=40))
    assert total(report) == (round(40 * 0.1, 4), round(40 * 0.1, 4))


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_the_four_buckets_of_a_stack_each_have_their_line(stack: str) -> None:
    plan = stack_plan(stack)
    report = estimate(plan.resources, stack_config(stack).cost)
    lines = {line.urn.rsplit("::", 1)[1]: line.description for line in report.lines if f"{BUCKET}::" in line.urn}
    assert {name: text.split(":")[0] for name, text in lines.items() if ":" in text} == {
        "assets-bucket": "assets",
        "backend-objects-bucket": "backend",
        "logs-bucket": "logs",
    }
    assert set(lines) == {"assets-bucket", "backend-objects-bucket", "logs-bucket", "frontend-assets"}

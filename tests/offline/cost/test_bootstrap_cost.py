"""The account bootstrap is priced too: every resource, including the DNSSEC signing key and the query logs."""

from __future__ import annotations

from offline.cost import estimate
from stackconfig.cost import CostAssumptions
from tests.support.bootstrap import run


def test_every_bootstrap_resource_is_priced_or_known_free_with_dnssec_and_query_logs_among_them() -> None:
    report = estimate(run().resources, CostAssumptions())
    assert report.not_priced == {}
    lines = {line.description: (line.service, line.monthly_min) for line in report.lines}
    # DNSSEC: the asymmetric key's month and its few signing requests; the key-signing key itself is free.
    assert lines["ECC_NIST_P256 key + 1000 requests"] == ("KMS", 1.00 + 1_000 / 10_000 * 0.15)
    # Query logs: CloudWatch Logs ingestion and storage of the zone's log group (Route 53 charges nothing).
    (query_logs,) = [service for description, (service, _) in lines.items() if "/aws/route53/" in description]
    assert query_logs == "CloudWatch"

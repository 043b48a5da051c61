"""The price data file: one file, one region, every value with its source and the date it was read."""

from __future__ import annotations

import json
import re

from offline.cost.prices import DEFAULT_FILE, default_prices

DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


def entries(node: object) -> list[dict[str, object]]:
    """Every dict in the file that carries a value (a price or an allowance)."""
    if isinstance(node, dict):
        found = [node] if "usd" in node or "value" in node else []
        return found + [e for v in node.values() for e in entries(v)]
    return []


def test_every_value_has_a_source_and_a_read_date() -> None:
    document = json.loads(DEFAULT_FILE.read_text())
    values = entries({k: v for k, v in document.items() if k != "requirementsCostTable"})
    assert len(values) > 100
    for value in values:
        assert value["source"] and DATE.match(str(value["read"])), value
        assert value["confirmed"] is True or str(value["source"]).startswith("AWS price list as of"), value
        assert not value["confirmed"] or str(value["source"]).startswith(("http://", "https://")), value


def test_one_region_and_the_required_cost_figures_with_their_source() -> None:
    """The data file carries the cost table of docs/requirements.md §9 and says where it comes from."""
    prices = default_prices()
    assert prices.region == "us-east-1" and prices.currency == "USD"
    assert prices.requirements_cost_table.source == "docs/requirements.md §9 Costs"
    assert prices.requirements_cost_table.rows["ElastiCache Redis"].production == 150
    assert prices.requirements_cost_table.total.staging == 251


def test_graviton_equivalents_point_at_priced_classes() -> None:
    prices = default_prices()
    for current, target in prices.graviton_equivalents.items():
        table = "rds.postgresql" if current.startswith("db.") else "elasticache.node"
        assert prices.class_price(table, current) and prices.class_price(table, target), current

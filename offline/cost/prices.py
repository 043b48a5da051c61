"""The price data file: one JSON document with every price, its source, the date it was read, and the region.

Nothing in the calculator carries a number of its own; a price that is missing here is a clear error, and a
class (instance or node type) missing here makes its resource "not priced".
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

DEFAULT_FILE = Path(__file__).with_name("prices-us-east-1.json")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True)


class Sourced(_Model):
    unit: str
    source: str
    """The page the value was read on, or "AWS price list as of <date>" where no stored page showed it."""
    read: str
    """When the value was read (YYYY-MM-DD), or the month it was known from (YYYY-MM)."""
    confirmed: bool
    note: str | None = None


class Price(Sourced):
    usd: float = Field(ge=0)


class ClassPrice(Price):
    vcpus: int | None = None


class Allowance(Sourced):
    value: float


class CloudFrontRegion(_Model):
    data_out_gb: Price
    https_requests_per10k: Price = Field(alias="httpsRequestsPer10k")


class CloudFrontPrices(_Model):
    regions: dict[str, CloudFrontRegion]
    price_classes: dict[str, list[str]]
    served_from: str
    """Where traffic from regions outside a price class is served (and billed) from."""


class CostTableRow(_Model):
    """One row of the requirements' monthly cost table (USD per month)."""

    staging: float
    production: float
    total: float


class RequirementsCostTable(_Model):
    """The monthly cost table of docs/requirements.md §9, as stated: its rows by service and its Total row."""

    source: str
    rows: dict[str, CostTableRow]
    total: CostTableRow


class PriceBook(_Model):
    region: str
    currency: str
    prices_dated: str
    basis: str
    prices: dict[str, Price]
    classes: dict[str, dict[str, ClassPrice]]
    cloudfront: CloudFrontPrices
    allowances: dict[str, Allowance]
    graviton_equivalents: dict[str, str]
    requirements_cost_table: RequirementsCostTable

    def usd(self, key: str) -> float:
        return self.prices[key].usd

    def allowance(self, key: str) -> float:
        return self.allowances[key].value

    def class_price(self, table: str, name: str) -> ClassPrice | None:
        return self.classes[table].get(name)

    def unconfirmed(self) -> list[str]:
        """Keys of the values that no stored page confirmed, for the report's caveats."""
        keys = [k for k, p in self.prices.items() if not p.confirmed]
        keys += [f"{t}.{n}" for t, table in self.classes.items() for n, p in table.items() if not p.confirmed]
        keys += [f"cloudfront.{r}.{k}" for r, p in self.cloudfront.regions.items()
                 for k, v in (("dataOutGb", p.data_out_gb), ("httpsRequestsPer10k", p.https_requests_per10k))
                 if not v.confirmed]  # fmt: skip
        keys += [k for k, a in self.allowances.items() if not a.confirmed]
        return keys


def load_prices(path: Path = DEFAULT_FILE) -> PriceBook:
    return PriceBook.model_validate(json.loads(path.read_text()))


@cache
def default_prices() -> PriceBook:
    return load_prices()

"""Monthly cost estimate of a plan's resources from us-east-1 list prices.

`estimate(resources, assumptions)` prices plan-document resources; `CostReport.to_document()` is the plan
JSON's "cost" key; `cost_stack(...)` adds the savings and `report(...)` renders the readable report.
"""

from offline.cost.calculator import CostReport, Line, NotPriced, estimate
from offline.cost.prices import PriceBook, default_prices, load_prices
from offline.cost.report import StackCost, cost_stack, report
from offline.cost.savings import Saving, find_savings

__all__ = [
    "CostReport",
    "Line",
    "NotPriced",
    "PriceBook",
    "Saving",
    "StackCost",
    "cost_stack",
    "default_prices",
    "estimate",
    "find_savings",
    "load_prices",
    "report",
]

"""The readable cost report: a table by service like the cost table of docs/requirements.md §9, with its figure
and the difference beside each row, totals at minimum and maximum scale, the largest items, the savings, and the
caveats.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from offline.cost.calculator import SERVICES, CostReport, PlanResource, SupportsToPlan, estimate
from offline.cost.prices import PriceBook, RequirementsCostTable, default_prices
from offline.cost.savings import Saving, find_savings
from stackconfig.cost import CostAssumptions

REQUIREMENTS_COLUMNS = ("staging", "production")
"""The stacks the requirements' cost table has a column for."""


@dataclass(frozen=True)
class StackCost:
    stack: str
    production: bool
    cost: CostReport
    savings: list[Saving]

    @property
    def requirements_column(self) -> str | None:
        """The column of the requirements' cost table this stack is compared with (it has staging and production)."""
        if self.stack in REQUIREMENTS_COLUMNS:
            return self.stack
        return "production" if self.production else None


def cost_stack(
    stack: str,
    resources: Iterable[PlanResource | SupportsToPlan],
    assumptions: CostAssumptions,
    *,
    production: bool,
    prices: PriceBook | None = None,
) -> StackCost:
    """The estimate and the savings for one stack's plan: what `make plan` and the CLI print."""
    plan = list(resources)
    return StackCost(
        stack,
        production,
        estimate(plan, assumptions, prices),
        find_savings(plan, assumptions, production=production, prices=prices),
    )


def usd(amount: float) -> str:
    """Whole dollars, like the requirements' cost table; cents below $10 so small services do not read as free."""
    digits = f"{abs(amount):,.2f}" if abs(amount) < 10 else f"{abs(amount):,.0f}"
    return f"-${digits}" if amount < 0 and digits.strip("0.,") else f"${digits}"


def dollars(amount: float) -> str:
    """The requirements' own figures are whole dollars."""
    return f"${amount:,.0f}"


def usd_range(low: float, high: float) -> str:
    return usd(low) if usd(low) == usd(high) else f"{usd(low)}-{usd(high)}"


def signed(amount: float) -> str:
    text = usd(amount)
    return text if text.startswith("-") or not text.strip("$0.,") else f"+{text}"


def table(rows: Sequence[Sequence[str]]) -> list[str]:
    """Left-aligned first column, right-aligned others."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]


def requirements_cost_check(costs: RequirementsCostTable) -> list[str]:
    """Do the rows of the requirements' cost table add up to its Total row? One sentence per column."""
    lines = []
    for column in (*REQUIREMENTS_COLUMNS, "total"):
        rows = sum(getattr(row, column) for row in costs.rows.values())
        stated = getattr(costs.total, column)
        verdict = (
            "matches"
            if rows == stated
            else f"but its Total row says {dollars(stated)} (off by {dollars(rows - stated)})"
        )
        lines.append(f"  {column}: the rows add up to {dollars(rows)}, {verdict}")
    return lines


def _service_rows(stacks: Sequence[StackCost], costs: RequirementsCostTable) -> list[list[str]]:
    header = ["Service"]
    for s in stacks:
        header += [f"{s.stack} min-max", "§9", "vs §9"]
    rows = [header]
    totals = [s.cost.by_service() for s in stacks]
    for service in SERVICES:
        row = [service]
        for s, by_service in zip(stacks, totals, strict=True):
            low, high = by_service[service]
            figure = _requirements_figure(costs, service, s)
            row += [usd_range(low, high), *_versus(figure, low, high)]
        rows.append(row)
    total_row = ["Total"]
    for s in stacks:
        column = s.requirements_column
        figure = sum(getattr(r, column) for r in costs.rows.values()) if column else None
        total_row += [
            usd_range(s.cost.monthly_min, s.cost.monthly_max),
            *_versus(figure, s.cost.monthly_min, s.cost.monthly_max),
        ]
    rows.append(total_row)
    return rows


def _requirements_figure(costs: RequirementsCostTable, service: str, stack: StackCost) -> float | None:
    row = costs.rows.get(service)
    return getattr(row, stack.requirements_column) if row and stack.requirements_column else None


def _versus(figure: float | None, low: float, high: float) -> list[str]:
    if figure is None:
        return ["-", "-"]
    difference = signed(low - figure) if usd(low) == usd(high) else f"{signed(low - figure)}/{signed(high - figure)}"
    return [dollars(figure), difference]


def _largest(stack: StackCost, count: int = 5) -> list[str]:
    ranked = sorted(stack.cost.lines, key=lambda line: line.monthly_max, reverse=True)[:count]
    return [
        f"  {i}. {usd_range(line.monthly_min, line.monthly_max)}  {line.service}: {line.description}"
        f"  [{line.urn.rsplit('::', 1)[-1]}]"
        for i, line in enumerate(ranked, 1)
    ]


def _savings(stack: StackCost) -> list[str]:
    if not stack.savings:
        return ["  none found"]
    lines = []
    for saving in stack.savings:
        amount = usd_range(saving.monthly_min, saving.monthly_max)
        verb = "already saves" if saving.in_place else "would save"
        lines.append(f"  - {saving.title}: {verb} {amount}/month")
        lines.append(f"      change: {saving.change}")
        lines.append(f"      keeps:  {saving.keeps}")
    return lines


def _not_priced(stack: StackCost) -> list[str]:
    return [f"  - {urn.rsplit('::', 1)[-1]}: {why}" for urn, why in stack.cost.not_priced.items()] or ["  none"]


def report(*stacks: StackCost, prices: PriceBook | None = None) -> str:
    """The whole report for one or more stacks (usually staging and production)."""
    book = prices or default_prices()
    out = [
        f"Monthly cost estimate, {book.region} on-demand list prices dated {book.prices_dated} ({book.currency})",
        "min = minimum scale (desired task counts, allocated storage); max = autoscaling maximums, storage ceiling",
        "",
        *table(_service_rows(stacks, book.requirements_cost_table)),
        "",
        f"Cost table check ({book.requirements_cost_table.source}):",
        *requirements_cost_check(book.requirements_cost_table),
    ]
    for stack in stacks:
        out += ["", f"[{stack.stack}] largest items (by max):", *_largest(stack)]
        out += [f"[{stack.stack}] savings that keep every requirement (shown, not applied):", *_savings(stack)]
        out += [f"[{stack.stack}] not priced:", *_not_priced(stack)]
    unconfirmed = book.unconfirmed()
    out += [
        "",
        "Account-wide free tiers are not deducted (3 dashboards, 10 alarm metrics, 25 GB DynamoDB, CloudFront 1 TB"
        " and 10M requests, 20,000 KMS requests...): several stacks share an account and only one gets them.",
        f"{len(unconfirmed)} values in the price file are from the AWS price list as remembered, not confirmed on a "
        f"stored page ('confirmed': false).",
    ]
    return "\n".join(out)

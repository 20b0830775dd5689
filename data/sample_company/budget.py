"""What the sample company aims at: the family budget and the company targets."""

from __future__ import annotations

import numpy as np

from sop.data.sample_company.company import Company
from sop.data.sample_company.months import BUDGET_FIRST, HISTORY_MONTHS, LAST_YEAR, PLAN_MONTHS, month_label
from sop.data.sample_company.profile import FAMILIES


def budget_rows(c: Company, rng: np.random.Generator) -> list[tuple]:
    """Family × month budget for the last 12 months of history and the 18 plan months: the
    expected demand valued at price and unit cost, 3-8 % optimistic (as budgets are)."""
    units = c.expected.sum(axis=1)  # SKU × month
    rows = []
    for f, fam in enumerate(FAMILIES):
        mine = c.family == f
        optimism = rng.uniform(1.03, 1.08)
        for t in range(BUDGET_FIRST, HISTORY_MONTHS + PLAN_MONTHS):
            u = units[mine, t] * optimism
            rows.append((fam.name, month_label(t), round(float(u.sum())),
                         round(float((u * c.price[mine]).sum()), 2),
                         round(float((u * c.unit_cost[mine]).sum()), 2)))
    return rows


def targets_rows(c: Company) -> list[tuple]:
    """The company's targets. Working capital is what 45 days of inventory, 45 days of
    receivables and 40 days of payables come to on the last year's shipments."""
    last_year = c.shipped[:, :, LAST_YEAR].sum(axis=(1, 2))
    revenue, cogs = float(last_year @ c.price), float(last_year @ c.unit_cost)
    working_capital = round((45 * cogs + 45 * revenue - 40 * cogs) / 365, -4)
    return [
        ("mape", 0.25, "fraction"),
        ("days_on_hand", 45.0, "days"),
        ("otif", 0.95, "fraction"),
        ("gross_margin_pct", 0.38, "fraction"),
        ("working_capital", working_capital, "currency"),
    ]

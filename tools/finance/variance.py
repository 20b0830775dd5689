"""Variances of the plan's money against the budget and the company's targets.

variance = actual − reference, in the metric's unit; variance_pct = variance / |reference| (a
fraction, None when the reference is 0). A variance is favourable when it moves the way the
metric should: more margin, less working capital; for a two-sided metric (days on hand, plan
attainment) any deviation is unfavourable. A row is flagged when |variance_pct| is above the
tolerance, favourable or not: a forecast 20 % over budget deserves a look as much as one 20 %
under it. A rate (a fraction such as OTIF, fill rate, MAPE or margin %) is flagged by points
instead: OTIF at 91 % against a 95 % target misses by 4 points, which a tolerance of 5 % of the
target (4.75 points) would let pass.

Days on hand is one figure wherever it appears: stock at standard cost over the standard cost
of the units sold per day (`days_on_hand`), in the projection as in the key metrics.
"""

from __future__ import annotations

from typing import Literal

import pandas as pd
from pydantic import BaseModel, Field

from sop.tools.finance.projection import DAYS_PER_MONTH, FinanceRow

Basis = Literal["budget", "target", "plan"]
HORIZON = "horizon"  # the `month` of a row that sums (or averages) the whole horizon
TOTAL = "total"  # the `scope` of a row over every family

# Which way each metric should move: True higher is better, False lower, None either way is bad.
DIRECTION: dict[str, bool | None] = {
    "revenue": True, "gross_margin": True, "units": True, "gross_margin_pct": True, "otif": True,
    "working_capital": False, "mape": False, "wape": False,
    "days_on_hand": None, "plan_attainment": None,
}
# Metrics that are fractions of a whole, compared in points; and the default points they may miss by.
RATES = frozenset({"otif", "fill_rate", "mape", "wape", "forecast_accuracy", "gross_margin_pct"})
RATE_TOLERANCE = 0.02


class Comparison(BaseModel):
    metric: str
    scope: str = Field(description="a family, or 'total'")
    month: str = Field(description="YYYY-MM, or 'horizon' for the whole plan")
    basis: Basis
    actual: float
    reference: float = Field(description="the budget or target value, in the metric's unit")


class VarianceRow(Comparison):
    variance: float = Field(description="actual − reference, in the metric's unit")
    variance_pct: float | None = Field(description="variance / |reference|; None when the reference is 0")
    favourable: bool
    flagged: bool = Field(description="|variance_pct| above the tolerance; for a rate, |variance| above the "
                                      "rate tolerance in points")


def compare(c: Comparison, tolerance: float, rate_tolerance: float = RATE_TOLERANCE) -> VarianceRow:
    """One comparison with its variance, direction and flag (see the module docstring);
    `rate_tolerance` is in points (0.02 = 2 points) and applies to the metrics of `RATES`."""
    variance = c.actual - c.reference
    pct = variance / abs(c.reference) if c.reference else None
    direction = DIRECTION.get(c.metric, True)
    if c.metric in RATES:
        outside = abs(variance) > rate_tolerance
    else:
        outside = (abs(pct) > tolerance) if pct is not None else variance != 0
    if direction is None:
        favourable = not outside
    elif direction:
        favourable = variance >= 0
    else:
        favourable = variance <= 0
    return VarianceRow(**c.model_dump(), variance=variance, variance_pct=pct, favourable=favourable, flagged=outside)


def days_on_hand(inventory_value: float, standard_cogs: float) -> float | None:
    """Stock at month end (at standard cost) in days of the month's units sold at standard cost
    (currency over currency per day): both sides on one cost basis, so spend timing and cost
    variances do not move it."""
    return inventory_value / (standard_cogs / DAYS_PER_MONTH) if standard_cogs > 0 else None


def _budget_comparisons(table: pd.DataFrame) -> list[Comparison]:
    """Revenue, gross margin and units against budget per family and month, per family over the
    horizon, and in total per month and over the horizon; only where a budget exists."""
    scopes = [
        table,
        table.assign(month=HORIZON),
        table.assign(scope=TOTAL),
        table.assign(scope=TOTAL, month=HORIZON),
    ]
    sums = pd.concat(scopes).groupby(["scope", "month"], sort=True)[
        ["revenue", "gross_margin", "fulfilled_units", "budget_revenue", "budget_margin", "budget_units"]].sum()
    pairs = (("revenue", "revenue", "budget_revenue"), ("gross_margin", "gross_margin", "budget_margin"),
             ("units", "fulfilled_units", "budget_units"))
    return [
        Comparison(metric=metric, scope=scope, month=month, basis="budget", actual=row[actual], reference=row[ref])
        for (scope, month), row in sums.iterrows() if row["budget_revenue"] > 0
        for metric, actual, ref in pairs
    ]


def _target_comparisons(table: pd.DataFrame, targets: dict[str, float]) -> list[Comparison]:
    """Gross margin %, working capital and days on hand of the whole company per month against
    the targets; over the horizon, margin % of the sums and the average month of the other two."""
    monthly = table.groupby("month", sort=True)[["revenue", "gross_margin", "standard_cogs", "inventory_value",
                                                  "working_capital"]].sum()
    values = pd.DataFrame({
        "gross_margin_pct": (monthly["gross_margin"] / monthly["revenue"]).where(monthly["revenue"] > 0),
        "working_capital": monthly["working_capital"],
        "days_on_hand": [days_on_hand(v, c) for v, c in zip(monthly["inventory_value"], monthly["standard_cogs"])],
    }, index=monthly.index).astype(float)
    revenue = monthly["revenue"].sum()
    horizon = {"gross_margin_pct": monthly["gross_margin"].sum() / revenue if revenue > 0 else None,
               "working_capital": values["working_capital"].mean(), "days_on_hand": values["days_on_hand"].mean()}
    values.loc[HORIZON] = pd.Series(horizon, dtype=float)
    return [
        Comparison(metric=metric, scope=TOTAL, month=month, basis="target", actual=value, reference=targets[metric])
        for metric in values.columns if metric in targets
        for month, value in values[metric].items() if pd.notna(value)
    ]


class VarianceInput(BaseModel):
    financials: list[FinanceRow] = Field(description="one scenario's projection, family × month")
    targets: dict[str, float] = Field(default_factory=dict,
                                      description="gross_margin_pct (fraction), working_capital (currency), "
                                                  "days_on_hand (days); absent targets are not compared")
    tolerance: float = Field(0.05, ge=0, description="flag beyond this fraction of the reference")
    rate_tolerance: float = Field(RATE_TOLERANCE, ge=0, description="flag a rate (gross margin %) beyond this "
                                                                    "many points (0.02 = 2 points)")


class VarianceOutput(BaseModel):
    rows: list[VarianceRow]


def financial_variances(inp: VarianceInput) -> VarianceOutput:
    """The projection against budget (family × month, family, total) and targets (total)."""
    table = pd.DataFrame([r.model_dump() for r in inp.financials], columns=list(FinanceRow.model_fields))
    table = table.rename(columns={"family": "scope"}).assign(
        budget_margin=table["budget_revenue"] - table["budget_cogs"])
    comparisons = _budget_comparisons(table) + _target_comparisons(table, inp.targets) if len(table) else []
    return VarianceOutput(rows=[compare(c, inp.tolerance, inp.rate_tolerance) for c in comparisons])

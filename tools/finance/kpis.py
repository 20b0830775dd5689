"""The key metrics of the month just closed, each against its target, kept cycle after cycle.

- Forecast accuracy: MAPE and WAPE of last cycle's consensus (or, on a first cycle, of the
  backtest), against the MAPE target.
- Plan attainment: units actually shipped to customers over the units the last published plan
  put into the DCs for the month, against 1.0 (two-sided: under- and over-delivery both miss).
  None on a first cycle, when no plan has been published.
- Days on hand: month-end stock at standard cost over the month's standard COGS per day, the
  one basis the projection uses too (`variance.days_on_hand`).
- OTIF: share of the order lines promised in the month delivered on or before the promised
  date and in full; lines still open count as misses.
- Gross margin at standard cost against the budget, and its percentage against the target.
- Rates (OTIF, MAPE, WAPE, margin %) are flagged by points off the target (`rate_tolerance`),
  the rest by their share of it (`tolerance`).
- Working capital (stock + receivables − payables, `tools.finance.working_capital`) against
  the target.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from pydantic import BaseModel, Field

from sop.tools.finance.projection import FinanceItem, working_capital
from sop.tools.finance.variance import RATE_TOLERANCE, Basis, Comparison, compare, days_on_hand


class OrderLine(BaseModel):
    sku: str
    promised_date: date
    delivered_date: date | None = Field(None, description="None while nothing is delivered")
    qty_ordered: float = Field(ge=0)
    qty_delivered: float = Field(ge=0)


class SkuQty(BaseModel):
    sku: str
    qty: float = Field(description="units")


class Accuracy(BaseModel):
    mape: float | None = Field(description="fraction")
    wape: float | None = Field(description="fraction")
    source: str = Field(description="where the figures come from, e.g. 'consensus 2026-10' or 'backtest'")


class KpiInput(BaseModel):
    month: str = Field(description="the closed month measured, YYYY-MM")
    items: list[FinanceItem]
    orders: list[OrderLine] = Field(default_factory=list)
    shipped: list[SkuQty] = Field(default_factory=list, description="units shipped to customers in the month")
    on_hand: list[SkuQty] = Field(default_factory=list, description="stock at the month end, all DCs")
    planned: list[SkuQty] | None = Field(None, description="the last published plan for the month; None if none")
    accuracy: Accuracy | None = None
    budget_revenue: float | None = None
    budget_cogs: float | None = None
    targets: dict[str, float] = Field(default_factory=dict)
    dso_days: float = Field(0.0, ge=0)
    dpo_days: float = Field(0.0, ge=0)
    tolerance: float = Field(0.05, ge=0, description="flag beyond this fraction of the target")
    rate_tolerance: float = Field(RATE_TOLERANCE, ge=0, description="flag a rate (OTIF, MAPE, WAPE, margin %) "
                                                                    "beyond this many points (0.02 = 2 points)")


class KpiRow(BaseModel):
    metric: str
    month: str
    value: float | None = Field(description="fraction, days or currency; None when it cannot be measured")
    target: float | None = Field(description="the target, budget or plan it is held to")
    basis: Basis | None
    variance: float | None
    variance_pct: float | None
    favourable: bool | None
    flagged: bool
    source: str


class KpiOutput(BaseModel):
    rows: list[KpiRow]


def otif(orders: list[OrderLine], month: str) -> float | None:
    """Share of the lines promised in `month` that arrived on time and in full (None: no lines)."""
    due = [o for o in orders if f"{o.promised_date:%Y-%m}" == month]
    hits = [o.delivered_date is not None and o.delivered_date <= o.promised_date and o.qty_delivered >= o.qty_ordered
            for o in due]
    return sum(hits) / len(hits) if hits else None


def _total(rows: list[SkuQty], per_unit: pd.Series | None = None) -> float:
    """Units summed over SKUs, or valued at `per_unit` (currency per unit)."""
    qty = pd.Series({r.sku: 0.0 for r in rows}, dtype=float)
    for r in rows:
        qty[r.sku] += r.qty
    return float(qty.sum() if per_unit is None else (qty * per_unit.reindex(qty.index).fillna(0.0)).sum())


def _row(metric: str, month: str, value: float | None, reference: float | None, basis: Basis | None,
         source: str, tolerance: tuple[float, float]) -> KpiRow:
    if value is None or reference is None or basis is None:
        return KpiRow(metric=metric, month=month, value=value, target=reference, basis=basis, variance=None,
                      variance_pct=None, favourable=None, flagged=False, source=source)
    v = compare(Comparison(metric=metric, scope="total", month=month, basis=basis, actual=value, reference=reference),
                *tolerance)
    return KpiRow(metric=metric, month=month, value=value, target=reference, basis=basis, variance=v.variance,
                  variance_pct=v.variance_pct, favourable=v.favourable, flagged=v.flagged, source=source)


def kpi_scorecard(inp: KpiInput) -> KpiOutput:
    """Every key metric of `month` against its target (see the module docstring)."""
    items = pd.DataFrame([i.model_dump() for i in inp.items]).set_index("sku")
    revenue = _total(inp.shipped, items["price"])
    standard_cogs = _total(inp.shipped, items["unit_cost"])
    stock_value = _total(inp.on_hand, items["unit_cost"])
    margin = revenue - standard_cogs
    _, _, capital = working_capital(stock_value, revenue, standard_cogs, inp.dso_days, inp.dpo_days)
    planned = _total(inp.planned) if inp.planned is not None else 0.0
    attainment = _total(inp.shipped) / planned if planned > 0 else None
    budget_margin = (inp.budget_revenue - inp.budget_cogs
                     if inp.budget_revenue is not None and inp.budget_cogs is not None else None)
    acc = inp.accuracy or Accuracy(mape=None, wape=None, source="no accuracy yet")
    t, m, tol = inp.targets, inp.month, (inp.tolerance, inp.rate_tolerance)
    rows = [
        _row("mape", m, acc.mape, t.get("mape"), "target", acc.source, tol),
        _row("wape", m, acc.wape, t.get("wape"), "target", acc.source, tol),
        _row("plan_attainment", m, attainment, 1.0 if attainment is not None else None, "plan",
             "shipped vs last published plan" if inp.planned is not None else "no published plan yet", tol),
        _row("days_on_hand", m, days_on_hand(stock_value, standard_cogs), t.get("days_on_hand"), "target",
             "month-end stock / standard COGS per day", tol),
        _row("otif", m, otif(inp.orders, m), t.get("otif"), "target", "customer order lines promised in the month",
             tol),
        _row("gross_margin", m, margin, budget_margin, "budget", "shipped units at standard cost", tol),
        _row("gross_margin_pct", m, margin / revenue if revenue > 0 else None, t.get("gross_margin_pct"), "target",
             "shipped units at standard cost", tol),
        _row("working_capital", m, capital, t.get("working_capital"), "target",
             "stock + receivables − payables at month end", tol),
    ]
    return KpiOutput(rows=rows)

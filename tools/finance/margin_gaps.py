"""The plan's gaps ranked by the margin they put at risk, in currency over the horizon.

By kind of gap:
- demand_over_supply: lost units × (price − standard cost), per family;
- inventory_low: the deepest safety-stock shortfall of each SKU × DC × its unit margin: the
  margin exposed if demand comes in high while the buffer is missing;
- inventory_high: stock value above the days-on-hand target × the monthly holding rate;
- financial_target: budget margin − projected margin for a family that misses its budget by
  more than the tolerance, and (target − projected) gross margin % × revenue for the company;
- supplier, lane: |shadow price| × limit × the share of it at risk, per binding month: the
  first-order cost of losing that share (for a supplier, 1 − its fill rate; otherwise
  `RiskTerms.disruption_share`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import pandas as pd

from sop.numbers import days, money, percent, signed_percent
from sop.numbers import units as units_text
from sop.tools.finance.projection import DAYS_PER_MONTH, FinanceItem, FinanceRow
from sop.tools.finance.recommendations import (
    GapKind,
    GapResolutionInput,
    MarginGap,
    RiskTerms,
    SupplierRisk,
    sku_families,
)
from sop.tools.finance.variance import HORIZON, TOTAL, VarianceRow
from sop.tools.supply.supply_plan import ZERO, SupplyPlanResult


def _unit_margin(items: list[FinanceItem]) -> pd.Series:
    """Price − standard cost per SKU, currency per unit."""
    return pd.Series({i.sku: i.price - i.unit_cost for i in items})


def demand_gaps(plan: SupplyPlanResult, items: list[FinanceItem]) -> list[MarginGap]:
    """Lost demand per family: units and their margin at standard cost."""
    margin, family = _unit_margin(items), sku_families(items)
    units: dict[str, float] = defaultdict(float)
    value: dict[str, float] = defaultdict(float)
    months: dict[str, set[str]] = defaultdict(set)
    for row in plan.unmet:
        f = family[row.sku]
        units[f] += row.qty
        value[f] += row.qty * margin[row.sku]
        months[f].add(row.period)
    return [_gap("demand_over_supply", f, f, months[f], units[f], value[f],
                 f"{units_text(units[f])} units of demand lost") for f in units]


def safety_gaps(plan: SupplyPlanResult, items: list[FinanceItem]) -> list[MarginGap]:
    """Safety-stock shortfall per family: the deepest shortfall of each SKU × DC, at unit margin."""
    margin, family = _unit_margin(items), sku_families(items)
    deepest: dict[tuple[str, str], float] = defaultdict(float)
    months: dict[str, set[str]] = defaultdict(set)
    for row in plan.ss_shortfall:
        deepest[row.sku, row.dc] = max(deepest[row.sku, row.dc], row.qty)
        months[family[row.sku]].add(row.period)
    units: dict[str, float] = defaultdict(float)
    value: dict[str, float] = defaultdict(float)
    for (sku, _), q in deepest.items():
        units[family[sku]] += q
        value[family[sku]] += q * margin[sku]
    return [_gap("inventory_low", f, f, months[f], units[f], value[f],
                 f"{units_text(units[f])} units below safety stock at the deepest point") for f in units]


def inventory_high_gaps(financials: list[FinanceRow], targets: dict[str, float], tolerance: float) -> list[MarginGap]:
    """Months whose stock exceeds the days-on-hand target by more than the tolerance: the excess
    value × the instance's mean monthly holding rate (holding cost per unit over standard cost)."""
    if "days_on_hand" not in targets or not financials:
        return []
    monthly = pd.DataFrame([r.model_dump() for r in financials]).groupby("month")[
        ["inventory_value", "cogs", "holding_cost"]].sum()
    allowed = targets["days_on_hand"] * (1 + tolerance) * monthly["cogs"] / DAYS_PER_MONTH
    excess = (monthly["inventory_value"] - allowed).clip(lower=0)
    rate = (monthly["holding_cost"].sum() / monthly["inventory_value"].sum()) if monthly["inventory_value"].sum() else 0
    over = excess[excess > 0]
    if over.empty:
        return []
    return [_gap("inventory_high", TOTAL, None, set(over.index), 0.0, float(over.sum() * rate),
                 f"stock worth {money(over.sum())} above {days(targets['days_on_hand'])} days on "
                 "hand, summed over months")]


def financial_gaps(variances: list[VarianceRow], financials: list[FinanceRow]) -> list[MarginGap]:
    """Families whose horizon margin misses budget beyond the tolerance, and the company's margin
    % when it misses its target; each with the months where it misses."""
    short_months: dict[str, set[str]] = defaultdict(set)
    for v in variances:
        if v.metric == "gross_margin" and v.month != HORIZON and v.flagged and not v.favourable:
            short_months[v.scope].add(v.month)
    revenue = sum(r.revenue for r in financials)
    gaps = []
    for v in variances:
        if v.month != HORIZON or not v.flagged or v.favourable:
            continue
        if v.metric == "gross_margin" and v.scope != TOTAL:
            gaps.append(_gap("financial_target", v.scope, v.scope, short_months[v.scope], 0.0, -v.variance,
                             f"gross margin {money(v.actual)} against a budget of "
                             f"{money(v.reference)} ({signed_percent(v.variance_pct)})"))
        elif v.metric == "gross_margin_pct":
            gaps.append(_gap("financial_target", TOTAL, None, short_months[TOTAL], 0.0, -v.variance * revenue,
                             f"gross margin {percent(v.actual)} against a target of {percent(v.reference)}"))
    return gaps


def limit_gaps(plan: SupplyPlanResult, suppliers: list[SupplierRisk], risk: RiskTerms) -> list[MarginGap]:
    """Binding supplier and lane limits: Σ |shadow price| × limit × share at risk over their months."""
    fill = {s.supplier: s for s in suppliers}
    value: dict[tuple[GapKind, str], float] = defaultdict(float)
    units: dict[tuple[GapKind, str], float] = defaultdict(float)
    months: dict[tuple[GapKind, str], set[str]] = defaultdict(set)
    for b in plan.binding:
        if b.family not in ("supplier", "lane") or not b.shadow_price or b.shadow_price > -ZERO:
            continue
        key = (b.family, "/".join(b.keys.values()))
        known = fill.get(key[1]) if b.family == "supplier" else None
        share = 1 - known.fill_rate if known is not None and known.fill_rate is not None else risk.disruption_share
        value[key] += -b.shadow_price * b.limit * share
        units[key] += b.used
        months[key].add(b.period)

    def detail(family: GapKind, subject: str) -> str:
        tier = f"; tier {fill[subject].tier}" if family == "supplier" and subject in fill else ""
        return f"at its limit in {len(months[family, subject])} months{tier}"

    return [_gap(family, subject, None, months[family, subject], units[family, subject], value[family, subject],
                 detail(family, subject)) for family, subject in value]


def _gap(kind: GapKind, subject: str, family: str | None, months: Iterable[str], units: float, value: float,
         detail: str) -> MarginGap:
    return MarginGap(rank=0, kind=kind, subject=subject, family=family, months=sorted(months), units=float(units),
                     margin_at_risk=float(value), detail=detail)


def rank_margin_gaps(inp: GapResolutionInput) -> list[MarginGap]:
    """Every gap with margin at risk, largest first, numbered from 1."""
    gaps = (financial_gaps(inp.variances, inp.financials) + demand_gaps(inp.plan, inp.items)
            + safety_gaps(inp.plan, inp.items)
            + inventory_high_gaps(inp.financials, inp.targets, inp.tolerance)
            + limit_gaps(inp.plan, inp.suppliers, inp.risk))
    gaps = sorted((g for g in gaps if g.margin_at_risk > 0), key=lambda g: (-g.margin_at_risk, g.kind, g.subject))
    return [g.model_copy(update={"rank": i}) for i, g in enumerate(gaps, start=1)]

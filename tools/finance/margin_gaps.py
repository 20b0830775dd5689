"""The plan's gaps ranked by the margin they put at risk, in currency over the horizon.

The plan's own gaps are week 2's ranked supply gaps (`supply_gaps`), valued once by
`gap_values`, summed over the horizon per kind and subject, so the package, the workbook and
`/gaps` rank them on one scale:
- demand_over_supply: lost units × (price − standard cost), per family;
- inventory_low: the safety-stock shortfall × the SKU's penalty per unit-month, per family;
- plant_hours, supplier, lane, storage: |shadow price| × the share of the limit at risk
  (`RiskTerms.disruption_share`), per binding month; the supplier's detail names its tier;
- prebuild: the holding cost of the stock built ahead of a peak.
Two more come from the money alone:
- inventory_high: stock value above the days-on-hand target × the monthly holding rate;
- financial_target: budget margin − projected margin for a family that misses its budget by
  more than the tolerance, and (target − projected) gross margin % × revenue for the company.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import cast

import pandas as pd

from sop.numbers import days, money, percent, signed_percent
from sop.numbers import units as units_text
from sop.tools.finance.projection import DAYS_PER_MONTH, FinanceRow
from sop.tools.finance.recommendations import GapKind, GapResolutionInput, MarginGap, sku_families
from sop.tools.finance.variance import HORIZON, TOTAL, VarianceRow
from sop.tools.supply.gaps import SupplyGapsInput, supply_gaps

# Week 2's line kinds as margin-gap kinds; the unnamed keep their name.
KINDS: dict[str, GapKind] = {"unmet": "demand_over_supply", "safety_stock": "inventory_low"}
FAMILY_KINDS = ("demand_over_supply", "inventory_low")  # the kinds whose subject is a family


def supply_line_gaps(inp: GapResolutionInput) -> list[MarginGap]:
    """Week 2's ranked supply gaps of the plan, summed per kind and subject over the horizon:
    lost demand and low stock per family, limits per plant, supplier, lane or DC."""
    families = sku_families(inp.items)
    lines = supply_gaps(SupplyGapsInput(
        instance=inp.instance, plan=inp.plan, prices={i.sku: i.price for i in inp.items}, families=families,
        unit_costs={i.sku: i.unit_cost for i in inp.items}, disruption_share=inp.risk.disruption_share)).ranked
    tiers = {s.supplier: s.tier for s in inp.suppliers}
    units: dict[tuple[GapKind, str], float] = defaultdict(float)
    value: dict[tuple[GapKind, str], float] = defaultdict(float)
    months: dict[tuple[GapKind, str], set[str]] = defaultdict(set)
    for line in lines:
        kind = KINDS.get(line.kind, cast(GapKind, line.kind))
        subject = families.get(line.subject.split("@")[0], "unassigned") if kind == "inventory_low" else line.subject
        units[kind, subject] += line.units
        value[kind, subject] += line.value
        months[kind, subject].add(line.month)
    return [_gap(kind, subject, subject if kind in FAMILY_KINDS else None, months[kind, subject],
                 units[kind, subject], value[kind, subject],
                 _detail(kind, units[kind, subject], len(months[kind, subject]), tiers.get(subject)))
            for kind, subject in value]


def _detail(kind: GapKind, units: float, months: int, tier: str | None) -> str:
    """What a summed supply gap is, in the planner's words."""
    if kind == "demand_over_supply":
        return f"{units_text(units)} units of demand lost"
    if kind == "inventory_low":
        return f"{units_text(units)} unit-months below safety stock"
    if kind == "prebuild":
        return f"{units_text(units)} unit-months above safety stock ahead of peaks"
    return f"at its limit in {months} months" + (f"; tier {tier}" if kind == "supplier" and tier else "")


def inventory_high_gaps(financials: list[FinanceRow], targets: dict[str, float], tolerance: float) -> list[MarginGap]:
    """Months whose stock exceeds the days-on-hand target by more than the tolerance: the excess
    value × the instance's mean monthly holding rate (holding cost per unit over standard cost)."""
    if "days_on_hand" not in targets or not financials:
        return []
    monthly = pd.DataFrame([r.model_dump() for r in financials]).groupby("month")[
        ["inventory_value", "standard_cogs", "holding_cost"]].sum()
    allowed = targets["days_on_hand"] * (1 + tolerance) * monthly["standard_cogs"] / DAYS_PER_MONTH
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


def _gap(kind: GapKind, subject: str, family: str | None, months: Iterable[str], units: float, value: float,
         detail: str) -> MarginGap:
    return MarginGap(rank=0, kind=kind, subject=subject, family=family, months=sorted(months), units=float(units),
                     margin_at_risk=float(value), detail=detail)


def rank_margin_gaps(inp: GapResolutionInput) -> list[MarginGap]:
    """Every gap with margin at risk, largest first, numbered from 1."""
    gaps = (financial_gaps(inp.variances, inp.financials) + supply_line_gaps(inp)
            + inventory_high_gaps(inp.financials, inp.targets, inp.tolerance))
    gaps = sorted((g for g in gaps if g.margin_at_risk > 0), key=lambda g: (-g.margin_at_risk, g.kind, g.subject))
    return [g.model_copy(update={"rank": i}) for i, g in enumerate(gaps, start=1)]

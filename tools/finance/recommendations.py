"""Gap resolution: the plan's gaps ranked by the margin they put at risk, and for the top ones,
recommendations quantified by a what-if re-plan through the same supply-plan LP.

Margin at risk, in currency over the horizon, by kind of gap:
- demand_over_supply: lost units × (price − standard cost), per family;
- inventory_low: the deepest safety-stock shortfall of each SKU × DC × its unit margin: the
  margin exposed if demand comes in high while the buffer is missing;
- inventory_high: stock value above the days-on-hand target × the monthly holding rate;
- financial_target: budget margin − projected margin for a family that misses its budget by
  more than the tolerance, and (target − projected) gross margin % × revenue for the company;
- supplier, lane: |shadow price| × limit × the share of it at risk, per binding month: the
  first-order cost of losing that share (for a supplier, 1 − its fill rate; otherwise
  `RiskTerms.disruption_share`).

A what-if copies the base instance, changes one lever, solves it with `solve_supply_plan` and
prices both plans with `financial_projection`. The base instance and plan are never changed:
a what-if is a scenario, and the approved plan stays the base plan. The margin recovered is
the what-if's gross margin minus the base's (overtime, freight and holding are in both); the
cost is what the lever costs outside the LP (a shift premium, a sourcing premium, capital);
the net benefit is their difference.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

import pandas as pd
from pydantic import BaseModel, Field

from sop.tools.finance.projection import DAYS_PER_MONTH, FinanceInput, FinanceItem, FinanceRow, financial_projection
from sop.tools.finance.variance import HORIZON, TOTAL, VarianceRow
from sop.tools.periods import month_number
from sop.tools.supply.supply_plan import ZERO, SupplyPlanInstance, SupplyPlanResult, solve_supply_plan

GapKind = Literal["demand_over_supply", "inventory_low", "inventory_high", "financial_target", "supplier", "lane"]
LeverKind = Literal["promotion", "overtime", "sourcing", "prebuild", "shift", "capital"]
LEVER_ORDER: tuple[LeverKind, ...] = ("promotion", "overtime", "sourcing", "prebuild", "shift", "capital")


class Promotion(BaseModel):
    """A planned promotion (a market event with positive uplift), as market_events.csv has it."""

    event_id: str
    family: str
    sku: str | None = None
    start_month: str
    end_month: str
    uplift_pct: float = Field(description="percent: 25 means +25 % demand in the window")


class SupplierRisk(BaseModel):
    supplier: str
    tier: str
    fill_rate: float | None = Field(None, ge=0, le=1, description="share of ordered units delivered")


class LeverTerms(BaseModel):
    """What each lever changes and costs. The defaults are planning assumptions, stated here so a
    planner can change them in the tool input; costs are relative to the plant's overtime
    premium (currency per hour) or the SKU's standard cost, the only rates the data carries."""

    overtime_uplift: float = Field(0.5, gt=0, description="share added to the maximum overtime hours")
    shift_share: float = Field(0.2, gt=0, description="an added shift's hours as a share of regular hours")
    shift_premium_share: float = Field(0.5, ge=0, description="premium per added shift hour as a share of the "
                                                              "overtime premium, paid for every hour added")
    prebuild_months: int = Field(3, ge=1, description="months before the peak that get the pre-build shift")
    sourcing_uplift: float = Field(0.2, gt=0, description="share added to the supplier's capacity")
    sourcing_premium: float = Field(0.1, ge=0, description="premium on standard cost per extra unit made")
    capital_uplift: float = Field(0.1, gt=0, description="permanent share added to regular hours")
    capital_lead_months: int = Field(3, ge=0, description="months before new capacity produces")
    capital_cost_share: float = Field(0.5, ge=0, description="depreciation and fixed cost per added hour as a "
                                                             "share of the overtime premium")


class RiskTerms(BaseModel):
    disruption_share: float = Field(0.1, ge=0, le=1, description="share of a binding limit at risk when no "
                                                                 "fill rate is known")


class GapResolutionInput(BaseModel):
    instance: SupplyPlanInstance = Field(description="the base scenario's instance")
    plan: SupplyPlanResult = Field(description="the base plan, optimal")
    items: list[FinanceItem]
    financials: list[FinanceRow] = Field(default_factory=list, description="the base plan's projection")
    variances: list[VarianceRow] = Field(default_factory=list, description="the base projection's variances")
    promotions: list[Promotion] = Field(default_factory=list, description="future promotions")
    suppliers: list[SupplierRisk] = Field(default_factory=list)
    targets: dict[str, float] = Field(default_factory=dict)
    terms: LeverTerms = Field(default_factory=LeverTerms)
    risk: RiskTerms = Field(default_factory=RiskTerms)
    tolerance: float = Field(0.05, ge=0, description="the variance tolerance, for stock above target")
    major_gaps: int = Field(5, ge=0, description="the top gaps put to the executives when no lever closes them")
    max_whatifs: int = Field(4, ge=0, description="LP re-plans at most (each takes seconds)")


class MarginGap(BaseModel):
    rank: int
    kind: GapKind
    subject: str = Field(description="a family, supplier, lane (plant/dc) or 'total'")
    family: str | None = Field(description="the family whose supply levers can close it")
    months: list[str]
    units: float = Field(description="units lost, short or in excess; material or lane units for limits")
    margin_at_risk: float = Field(description="currency over the horizon")
    detail: str


class PlanOutcome(BaseModel):
    status: str
    objective: float | None = Field(description="LP objective, currency")
    unmet_units: float
    fulfilled_units: float
    revenue: float
    margin: float = Field(description="gross margin, currency")


class Recommendation(BaseModel):
    recommendation_id: str
    gap_ranks: list[int]
    lever: LeverKind
    title: str
    months: list[str]
    base: PlanOutcome
    whatif: PlanOutcome
    margin_recovered: float = Field(description="what-if gross margin − base gross margin, currency")
    cost: float = Field(description="the lever's cost outside the LP, currency")
    net_benefit: float = Field(description="margin recovered − cost, currency")
    units: float = Field(description="units served beyond the base plan")
    risks: str
    recommended: bool = Field(description="True when the net benefit is positive")


class DecisionRequest(BaseModel):
    seq: int
    decision: str
    detail: str
    recommendation_id: str | None = None


class GapResolution(BaseModel):
    gaps: list[MarginGap]
    recommendations: list[Recommendation]
    not_evaluated: list[str] = Field(description="levers found for the top gaps beyond the what-if cap")
    decisions: list[DecisionRequest]


# ---------------------------------------------------------------------------------------------
# Ranking the gaps by margin at risk


def _unit_margin(items: list[FinanceItem]) -> pd.Series:
    return pd.Series({i.sku: i.price - i.unit_cost for i in items})


def _families(items: list[FinanceItem]) -> dict[str, str]:
    return {i.sku: i.family for i in items}


def _months_text(months: list[str]) -> str:
    """'2027-03…2027-05' for a run of months; with the count when the run has holes."""
    if len(months) <= 1:
        return months[0] if months else "no month"
    run = month_number(months[-1]) - month_number(months[0]) + 1 == len(months)
    return f"{months[0]}…{months[-1]}" + ("" if run else f" ({len(months)} months)")


def demand_gaps(plan: SupplyPlanResult, items: list[FinanceItem]) -> list[MarginGap]:
    """Lost demand per family: units and their margin at standard cost."""
    margin, family = _unit_margin(items), _families(items)
    units, value, months = defaultdict(float), defaultdict(float), defaultdict(set)
    for row in plan.unmet:
        f = family[row.sku]
        units[f] += row.qty
        value[f] += row.qty * margin[row.sku]
        months[f].add(row.period)
    return [_gap("demand_over_supply", f, f, months[f], units[f], value[f], f"{units[f]:,.0f} units of demand lost")
            for f in units]


def safety_gaps(plan: SupplyPlanResult, items: list[FinanceItem]) -> list[MarginGap]:
    """Safety-stock shortfall per family: the deepest shortfall of each SKU × DC, at unit margin."""
    margin, family = _unit_margin(items), _families(items)
    deepest: dict[tuple[str, str], float] = defaultdict(float)
    months = defaultdict(set)
    for row in plan.ss_shortfall:
        deepest[row.sku, row.dc] = max(deepest[row.sku, row.dc], row.qty)
        months[family[row.sku]].add(row.period)
    units, value = defaultdict(float), defaultdict(float)
    for (sku, _), q in deepest.items():
        units[family[sku]] += q
        value[family[sku]] += q * margin[sku]
    return [_gap("inventory_low", f, f, months[f], units[f], value[f],
                 f"{units[f]:,.0f} units below safety stock at the deepest point") for f in units]


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
                 f"stock {over.sum():,.0f} above {targets['days_on_hand']:g} days on hand, summed over months")]


def financial_gaps(variances: list[VarianceRow], financials: list[FinanceRow]) -> list[MarginGap]:
    """Families whose horizon margin misses budget beyond the tolerance, and the company's margin
    % when it misses its target; each with the months where it misses."""
    short_months = defaultdict(set)
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
                             f"gross margin {v.actual:,.0f} against a budget of {v.reference:,.0f} "
                             f"({v.variance_pct:+.1%})"))
        elif v.metric == "gross_margin_pct":
            gaps.append(_gap("financial_target", TOTAL, None, short_months[TOTAL], 0.0, -v.variance * revenue,
                             f"gross margin {v.actual:.1%} against a target of {v.reference:.1%}"))
    return gaps


def limit_gaps(plan: SupplyPlanResult, suppliers: list[SupplierRisk], risk: RiskTerms) -> list[MarginGap]:
    """Binding supplier and lane limits: Σ |shadow price| × limit × share at risk over their months."""
    fill = {s.supplier: s for s in suppliers}
    value, units, months = defaultdict(float), defaultdict(float), defaultdict(set)
    for b in plan.binding:
        if b.family not in ("supplier", "lane") or not b.shadow_price or b.shadow_price > -ZERO:
            continue
        key = (b.family, "/".join(b.keys.values()))
        known = fill.get(key[1]) if b.family == "supplier" else None
        share = 1 - known.fill_rate if known is not None and known.fill_rate is not None else risk.disruption_share
        value[key] += -b.shadow_price * b.limit * share
        units[key] += b.used
        months[key].add(b.period)

    def detail(family: str, subject: str) -> str:
        tier = f"; tier {fill[subject].tier}" if family == "supplier" and subject in fill else ""
        return f"at its limit in {len(months[family, subject])} months{tier}"

    return [_gap(family, subject, None, months[family, subject], units[family, subject], value[family, subject],
                 detail(family, subject)) for family, subject in value]


def _gap(kind: GapKind, subject: str, family: str | None, months, units: float, value: float, detail: str) -> MarginGap:
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


# ---------------------------------------------------------------------------------------------
# Levers: what a what-if changes, where a gap can use it, and what it costs


@dataclass(frozen=True)
class Lever:
    kind: LeverKind
    resource: str  # plant, supplier or promotion id
    months: tuple[str, ...] = ()
    moved_to: tuple[str, ...] = ()  # promotions only: the new window
    title: str = ""


@dataclass(frozen=True)
class Bindings:
    """Where the base plan is short, by resource: months whose limit binds at a price."""

    hours: dict[str, dict[str, float]]  # plant → month → |shadow price| of a regular hour
    overtime: dict[str, set[str]]  # plant → months with overtime at its maximum
    supplier: dict[str, set[str]]  # supplier → months at capacity
    made_at: dict[str, dict[str, float]]  # SKU → plant → units the base plan makes there
    family_plant: dict[str, str]  # family → the plant that makes most of it in the base plan
    supplier_of: dict[str, str]  # SKU → supplier of its material


def bindings(instance: SupplyPlanInstance, plan: SupplyPlanResult, items: list[FinanceItem]) -> Bindings:
    hours, overtime, supplier = defaultdict(dict), defaultdict(set), defaultdict(set)
    for b in plan.binding:
        priced = b.shadow_price is not None and b.shadow_price < -ZERO
        if b.family == "plant_hours" and priced:
            hours[b.keys["plant"]][b.period] = -b.shadow_price
        elif b.family == "overtime":
            overtime[b.keys["plant"]].add(b.period)
        elif b.family == "supplier" and priced:
            supplier[b.keys["supplier"]].add(b.period)
    made_at = defaultdict(lambda: defaultdict(float))
    for row in plan.production:
        made_at[row.sku][row.plant] += row.qty
    members = defaultdict(set)
    for sku, f in _families(items).items():
        members[f].add(sku)
    family_plant = {f: plant for f, skus in members.items() if (plant := _primary(skus, made_at)) is not None}
    return Bindings(hours=dict(hours), overtime=dict(overtime), supplier=dict(supplier), made_at=made_at,
                    family_plant=family_plant,
                    supplier_of={s.sku: s.material.supplier for s in instance.skus if s.material is not None})


def _window(start: str, end: str, periods: list[str]) -> list[str]:
    return [m for m in periods if start <= m <= end]


def short_skus(gap: MarginGap, plan: SupplyPlanResult, families: dict[str, str]) -> tuple[set[str], set[str]]:
    """The SKUs a gap is about and the months they fall short: lost demand for demand and
    financial gaps (a supply lever helps a family's margin only by serving demand it loses),
    the safety-stock shortfall for low stock."""
    rows = plan.ss_shortfall if gap.kind == "inventory_low" else plan.unmet
    hit = [(r.sku, r.period) for r in rows if families.get(r.sku) == gap.family]
    return {sku for sku, _ in hit}, {m for _, m in hit}


def _primary(skus: set[str], made_at: dict[str, dict[str, float]]) -> str | None:
    """The plant that makes most of these SKUs in the base plan: where capacity levers act."""
    units = defaultdict(float)
    for sku in skus:
        for plant, q in made_at.get(sku, {}).items():
            units[plant] += q
    return max(sorted(units), key=units.__getitem__) if units else None


def promotion_levers(gap_months: set[str], plant: str, promotions: list[Promotion], b: Bindings,
                     periods: list[str]) -> list[Lever]:
    """Promotions not yet started, on families made mostly at the plant, that fall in months it
    is short of hours and the gap is short of supply, moved to the first later window of the
    same length where the plant is not short."""
    short = set(b.hours.get(plant, {}))
    levers = []
    for promo in sorted(promotions, key=lambda p: (p.start_month, p.event_id)):
        window = _window(promo.start_month, promo.end_month, periods)
        started = promo.start_month <= periods[0]
        if promo.uplift_pct <= 0 or started or b.family_plant.get(promo.family) != plant \
                or not set(window) & short & gap_months:
            continue
        after = periods.index(window[-1]) + 1
        target = next((periods[i:i + len(window)] for i in range(after, len(periods) - len(window) + 1)
                       if not set(periods[i:i + len(window)]) & short), None)
        if target:
            levers.append(Lever("promotion", promo.event_id, tuple(window), tuple(target),
                                f"Move promotion {promo.event_id} ({promo.family}, {promo.uplift_pct:+g} %) from "
                                f"{_months_text(window)} to {_months_text(target)}"))
    return levers


def capacity_levers(plant: str, months: set[str], b: Bindings, t: LeverTerms, periods: list[str]) -> list[Lever]:
    """Overtime, pre-build, an added shift and a capital request at the plant, each where it
    acts: overtime in months at its maximum, the shift in months short of regular hours, the
    pre-build in the months before the dearest of those, capital from its lead time on."""
    levers = []
    if ms := sorted(b.overtime.get(plant, set()) & months):
        levers.append(Lever("overtime", plant, tuple(ms), (), f"Overtime +{t.overtime_uplift:.0%} above the "
                            f"maximum at {plant}, {_months_text(ms)}"))
    short = {m: v for m, v in b.hours.get(plant, {}).items() if m in months}
    if not short:
        return levers
    peak = periods.index(max(sorted(short), key=short.__getitem__))
    if ahead := periods[max(0, peak - t.prebuild_months):peak]:
        levers.append(Lever("prebuild", plant, tuple(ahead), (), f"Pre-build: added shift at {plant} in "
                            f"{_months_text(ahead)}, ahead of the {periods[peak]} peak"))
    levers.append(Lever("shift", plant, tuple(sorted(short)), (), f"Added shift at {plant} (+{t.shift_share:.0%} "
                        f"hours), {_months_text(sorted(short))}"))
    if t.capital_lead_months < len(periods):
        permanent = periods[t.capital_lead_months:]
        levers.append(Lever("capital", plant, tuple(permanent), (), f"Capital request: +{t.capital_uplift:.0%} "
                            f"permanent hours at {plant} from {permanent[0]}"))
    return levers


def candidate_levers(gap: MarginGap, inp: GapResolutionInput, b: Bindings) -> list[Lever]:
    """The levers that can act on a gap, cheapest kind first; none for lanes and excess stock,
    nor for a family that loses no demand (its margin gap is volume, price or cost)."""
    t, periods = inp.terms, list(inp.instance.periods)
    if gap.kind == "supplier":
        months = sorted(b.supplier.get(gap.subject, set()) & set(gap.months))
        return [_sourcing(gap.subject, months, t)] if months else []
    if gap.family is None or gap.kind not in ("demand_over_supply", "financial_target", "inventory_low"):
        return []
    skus, months = short_skus(gap, inp.plan, _families(inp.items))
    plant = _primary(skus, b.made_at)
    if plant is None:
        return []
    sources = sorted({b.supplier_of[s] for s in skus if s in b.supplier_of})
    levers = (promotion_levers(months, plant, inp.promotions, b, periods)
              + [_sourcing(k, ms, t) for k in sources if (ms := sorted(b.supplier.get(k, set()) & months))]
              + capacity_levers(plant, months, b, t, periods))
    return sorted(levers, key=lambda lever: LEVER_ORDER.index(lever.kind))


def _sourcing(supplier: str, months: list[str], t: LeverTerms) -> Lever:
    return Lever("sourcing", supplier, tuple(months), (), f"Second source for {supplier}: "
                 f"+{t.sourcing_uplift:.0%} capacity at a {t.sourcing_premium:.0%} premium, {_months_text(months)}")


def apply_lever(instance: SupplyPlanInstance, lever: Lever, terms: LeverTerms,
                promotions: list[Promotion], families: dict[str, str]) -> SupplyPlanInstance:
    """A changed deep copy of the instance; the instance passed in is left as it was."""
    copy = instance.model_copy(deep=True)
    at = [copy.periods.index(m) for m in lever.months]
    if lever.kind == "overtime":
        plant = next(p for p in copy.plants if p.plant == lever.resource)
        for i in at:
            plant.max_overtime_hours[i] *= 1 + terms.overtime_uplift
    elif lever.kind in ("shift", "prebuild", "capital"):
        plant = next(p for p in copy.plants if p.plant == lever.resource)
        share = terms.capital_uplift if lever.kind == "capital" else terms.shift_share
        for i in at:
            plant.regular_hours[i] += plant.regular_hours[i] * share
    elif lever.kind == "sourcing":
        supplier = next(s for s in copy.suppliers if s.supplier == lever.resource)
        for i in at:
            supplier.capacity[i] *= 1 + terms.sourcing_uplift
    elif lever.kind == "promotion":
        promo = next(p for p in promotions if p.event_id == lever.resource)
        factor = 1 + promo.uplift_pct / 100
        moved = [copy.periods.index(m) for m in lever.moved_to]
        for row in copy.demand:
            if promo.sku == row.sku or (not promo.sku and families.get(row.sku) == promo.family):
                for old, new in zip(at, moved):
                    row.qty[old] /= factor
                    row.qty[new] *= factor
    return copy


def lever_cost(lever: Lever, base: SupplyPlanInstance, terms: LeverTerms, base_plan: SupplyPlanResult,
               whatif_plan: SupplyPlanResult, items: list[FinanceItem]) -> float:
    """What the lever costs outside the LP, in currency over the horizon: the shift premium on
    every added hour, capital per added hour, or the sourcing premium on the extra units made
    from the supplier's material. Overtime is already priced in the LP and so in the margin."""
    at = [base.periods.index(m) for m in lever.months]
    if lever.kind in ("shift", "prebuild", "capital"):
        plant = next(p for p in base.plants if p.plant == lever.resource)
        share, rate = ((terms.capital_uplift, terms.capital_cost_share) if lever.kind == "capital"
                       else (terms.shift_share, terms.shift_premium_share))
        return sum(plant.regular_hours[i] * share for i in at) * rate * plant.overtime_cost_per_hour
    if lever.kind == "sourcing":
        fed = {s.sku for s in base.skus if s.material is not None and s.material.supplier == lever.resource}
        made = _production(base_plan, fed, set(lever.months))
        extra = (_production(whatif_plan, fed, set(lever.months)).sub(made, fill_value=0.0)).clip(lower=0)
        cost = pd.Series({i.sku: i.unit_cost for i in items})
        return float((extra * cost.reindex(extra.index.get_level_values(0)).to_numpy()).sum() * terms.sourcing_premium)
    return 0.0


def _production(plan: SupplyPlanResult, skus: set[str], months: set[str]) -> pd.Series:
    """Units made per (SKU, month), all plants, for the SKUs and months given."""
    rows = [(p.sku, p.period, p.qty) for p in plan.production if p.sku in skus and p.period in months]
    frame = pd.DataFrame(rows, columns=["sku", "period", "qty"])
    return frame.groupby(["sku", "period"])["qty"].sum()


RISKS: dict[LeverKind, str] = {
    "promotion": "retailer and marketing commitments were made for the original dates; the uplift may differ "
                 "out of season",
    "overtime": "overtime beyond the agreed maximum: fatigue, quality and labour-agreement risk",
    "sourcing": "a second source needs qualification; its quality and lead time are unproven",
    "prebuild": "stock built ahead ties up working capital and ages if demand comes in lower",
    "shift": "crew must be hired and trained in time; the premium is paid whether or not the hours are used",
    "capital": "commits capital for years; the capacity outlives a demand dip",
}


# ---------------------------------------------------------------------------------------------
# What-ifs and decisions


def plan_outcome(items: list[FinanceItem], instance: SupplyPlanInstance, plan: SupplyPlanResult) -> PlanOutcome:
    """A plan's totals over the horizon: LP objective, lost and served units, revenue, margin."""
    if plan.status != "optimal":
        return PlanOutcome(status=plan.status, objective=None, unmet_units=0.0, fulfilled_units=0.0,
                           revenue=0.0, margin=0.0)
    rows = financial_projection(FinanceInput(items=items, instance=instance, plan=plan)).rows
    return PlanOutcome(status=plan.status, objective=plan.objective, unmet_units=sum(u.qty for u in plan.unmet),
                       fulfilled_units=sum(r.fulfilled_units for r in rows), revenue=sum(r.revenue for r in rows),
                       margin=sum(r.gross_margin for r in rows))


def evaluate(lever: Lever, gap_ranks: list[int], inp: GapResolutionInput, base: PlanOutcome,
             recommendation_id: str) -> Recommendation:
    """Re-plan a changed copy of the base instance and compare it with the base plan."""
    instance = apply_lever(inp.instance, lever, inp.terms, inp.promotions, _families(inp.items))
    plan = solve_supply_plan(instance)
    whatif = plan_outcome(inp.items, instance, plan)
    solved = plan.status == "optimal"
    recovered = whatif.margin - base.margin if solved else 0.0
    cost = lever_cost(lever, inp.instance, inp.terms, inp.plan, plan, inp.items) if solved else 0.0
    return Recommendation(
        recommendation_id=recommendation_id, gap_ranks=gap_ranks, lever=lever.kind, title=lever.title,
        months=sorted(set(lever.months) | set(lever.moved_to)), base=base, whatif=whatif,
        margin_recovered=recovered, cost=cost, net_benefit=recovered - cost,
        units=whatif.fulfilled_units - base.fulfilled_units if solved else 0.0,
        risks=RISKS[lever.kind] if solved else f"the what-if plan is {plan.status}: {plan.message}",
        recommended=solved and recovered - cost > 0)


def choose_levers(gaps: list[MarginGap], inp: GapResolutionInput,
                  b: Bindings) -> tuple[list[tuple[Lever, list[int]]], list[str]]:
    """The gaps' levers, the top gap's first, up to `max_whatifs` of them, and the titles of those
    left over. A lever two gaps share is solved once and names both."""
    serves: dict[Lever, list[int]] = {}
    for gap in gaps:
        for lever in candidate_levers(gap, inp, b):
            serves.setdefault(lever, []).append(gap.rank)
    chosen = list(serves)[:inp.max_whatifs]
    return [(lever, serves[lever]) for lever in chosen], [lever.title for lever in list(serves)[inp.max_whatifs:]]


def decisions_requested(gaps: list[MarginGap], recommendations: list[Recommendation], base: PlanOutcome,
                        major_gaps: int) -> list[DecisionRequest]:
    """What the executives are asked to decide: the base plan, each recommendation that pays,
    and each major margin gap that no evaluated lever closes."""
    asks = [("Approve the base supply plan as the operating plan",
             f"revenue {base.revenue:,.0f}, gross margin {base.margin:,.0f}, {base.unmet_units:,.0f} units of "
             f"demand left unmet", None)]
    for r in sorted((r for r in recommendations if r.recommended), key=lambda r: -r.net_benefit):
        asks.append((f"Approve: {r.title}", f"recovers {r.margin_recovered:,.0f} of margin for {r.cost:,.0f} "
                     f"(net {r.net_benefit:,.0f}), {r.units:,.0f} more units served; risks: {r.risks}",
                     r.recommendation_id))
    closed = {rank for r in recommendations if r.recommended for rank in r.gap_ranks}
    for g in gaps[:major_gaps]:
        if g.rank not in closed and g.kind == "financial_target":
            asks.append((f"Accept or act on the {g.subject} margin gap of {g.margin_at_risk:,.0f}",
                         f"{g.detail}; no evaluated supply lever pays for itself against it, so the options are "
                         f"pricing, cost or a re-forecast of the budget", None))
    return [DecisionRequest(seq=i, decision=d, detail=t, recommendation_id=rid)
            for i, (d, t, rid) in enumerate(asks, start=1)]


def resolve_gaps(inp: GapResolutionInput) -> GapResolution:
    """Rank the gaps, re-plan the best levers for the top ones, and say what to decide."""
    if inp.plan.status != "optimal":
        raise ValueError(f"gap resolution needs an optimal base plan, but it is {inp.plan.status!r}")
    gaps = rank_margin_gaps(inp)
    b = bindings(inp.instance, inp.plan, inp.items)
    base = plan_outcome(inp.items, inp.instance, inp.plan)
    chosen, left = choose_levers(gaps, inp, b)
    recommendations = [evaluate(lever, ranks, inp, base, f"R{i}") for i, (lever, ranks) in enumerate(chosen, start=1)]
    return GapResolution(gaps=gaps, recommendations=recommendations, not_evaluated=left,
                         decisions=decisions_requested(gaps, recommendations, base, inp.major_gaps))

"""The gaps week 2 reports from an optimal supply plan (the last section of SUPPLY_PLAN.md).

Each gap is a pure function of the instance and its `SupplyPlanResult`: lost demand by SKU,
family and month (units and revenue at risk), plant months loaded to 95 % or more of regular
plus overtime hours, safety-stock shortfall, supplier/lane/storage limits the plan runs into
(with shadow prices), and the seasonal pre-build: stock above safety stock carried out of a
normal month into a run of peak months. `ranked` lists them all by their money value
(`gap_values`: lost margin, |shadow price| × exposure, the cost of a shortfall or of a
pre-build), the one valuation week 3's ranking by margin at risk sums over the horizon; each
with a detail in the planner's words: a shadow price becomes what one more plant hour or unit
of capacity in that month would save of plan cost (the LP's objective: costs and penalties).
"""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise
from typing import Literal

import pandas as pd
from pydantic import BaseModel, Field

from sop.numbers import money_words, percent, units
from sop.tools.supply.gap_values import DISRUPTION_SHARE, limit_value, lost_margin, prebuild_cost, shortfall_cost
from sop.tools.supply.supply_plan import ZERO, SupplyPlanInstance, SupplyPlanResult
from sop.tools.supply.supply_plan_result_rows import BindingConstraint

PEAK_UTILISATION = 0.95  # share of regular + maximum overtime hours that makes a month a peak
# What one unit of each binding limit is, in a planner's words.
LIMIT_UNITS = {"plant_hours": ("plant hours", "plant hour"), "supplier": ("units of material", "unit of material"),
               "lane": ("units shipped", "unit of lane capacity"), "storage": ("units stored", "unit of storage"),
               "work_centre": ("work-centre hours", "work-centre hour")}


class SupplyGapsInput(BaseModel):
    instance: SupplyPlanInstance
    plan: SupplyPlanResult
    prices: dict[str, float] | None = Field(None, description="currency per unit, by SKU")
    families: dict[str, str] | None = Field(None, description="family of each SKU")
    unit_costs: dict[str, float] | None = Field(None, description="standard cost per unit, by SKU: lost demand is "
                                                                  "valued at its margin; without, at its revenue")
    disruption_share: float = Field(DISRUPTION_SHARE, ge=0, le=1, description="share of a binding limit at risk")


class UnmetBySku(BaseModel):
    sku: str
    period: str
    units: float = Field(description="demand lost in the month, all DCs")
    revenue_at_risk: float | None = Field(description="units × price; None without prices")
    margin_at_risk: float | None = Field(None, description="units × (price − standard cost); None without both")


class UnmetByFamily(BaseModel):
    family: str
    period: str
    units: float
    revenue_at_risk: float | None
    margin_at_risk: float | None = None


class PlantLoad(BaseModel):
    plant: str
    period: str
    used_hours: float = Field(description="production hours in the month")
    available_hours: float = Field(description="regular plus maximum overtime hours")
    utilisation: float = Field(description="used_hours / available_hours, 0.97 = 97 %")


class SafetyStockGap(BaseModel):
    sku: str
    dc: str
    period: str
    target: float = Field(description="safety stock, units")
    shortfall: float = Field(description="units below the target at the end of the month")


class Prebuild(BaseModel):
    """Units above safety stock, of SKUs made at plant `resource`, on hand at the end of the
    normal month `period` just before the run of peak months that starts at `peak_start`."""

    resource: str
    period: str
    peak_start: str
    units: float
    holding_cost: float = Field(0.0, description="the month's holding cost of these units, currency")


class RankedGap(BaseModel):
    """One line of the gap table, ranked by `value`, its money value in currency (`gap_values`):
    lost margin (revenue without standard costs), |shadow price| × exposure of a limit, the
    cost of a safety-stock shortfall or of a pre-build; ties by `units`."""

    rank: int
    kind: Literal["unmet", "plant_hours", "safety_stock", "supplier", "lane", "storage", "work_centre", "prebuild"]
    subject: str
    month: str
    units: float
    value: float
    detail: str


class SupplyGaps(BaseModel):
    unmet: list[UnmetBySku]
    unmet_by_family: list[UnmetByFamily]
    plant_overload: list[PlantLoad]
    safety_stock: list[SafetyStockGap]
    binding_limits: list[BindingConstraint]
    prebuild: list[Prebuild]
    ranked: list[RankedGap]


def supply_gaps(payload: SupplyGapsInput) -> SupplyGaps:
    """All gaps of an optimal plan. Prices turn lost units into revenue at risk; families add
    the family roll-up ("unassigned" for SKUs without one)."""
    instance, plan = payload.instance, payload.plan
    if plan.status != "optimal":
        raise ValueError(f"gaps need an optimal plan, but the plan is {plan.status!r}")
    loads = plant_loads(instance, plan)
    unmet = unmet_by_sku(plan, payload.prices, payload.unit_costs)
    by_family = unmet_by_family(unmet, payload.families) if payload.families is not None else []
    overload = [load for load in loads if load.utilisation >= PEAK_UTILISATION]
    shortfall = safety_stock_gaps(instance, plan)
    limits = [b for b in plan.binding if b.family in ("supplier", "lane", "storage", "work_centre")]
    ahead = prebuild(instance, plan, loads)
    return SupplyGaps(
        unmet=unmet,
        unmet_by_family=by_family,
        plant_overload=overload,
        safety_stock=shortfall,
        binding_limits=limits,
        prebuild=ahead,
        ranked=rank_gaps(by_family or unmet, overload, shortfall, limits, ahead,
                         [b for b in plan.binding if b.family in ("plant_hours", "overtime")],
                         ss_penalty={s.sku: s.ss_penalty for s in instance.skus}, share=payload.disruption_share),
    )


def unmet_by_sku(plan: SupplyPlanResult, prices: dict[str, float] | None,
                 unit_costs: dict[str, float] | None = None) -> list[UnmetBySku]:
    """Lost units per SKU and month, summed over DCs, with revenue at risk when priced and
    margin at risk when standard costs are known too."""
    units: dict[tuple[str, str], float] = defaultdict(float)
    for row in plan.unmet:
        units[row.sku, row.period] += row.qty
    missing = sorted({sku for sku, _ in units} - set(prices)) if prices is not None else []
    if missing:
        raise ValueError(f"no price for SKU(s) {missing}; add them to prices (currency per unit)")
    return [
        UnmetBySku(sku=sku, period=period, units=q,
                   revenue_at_risk=q * prices[sku] if prices is not None else None,
                   margin_at_risk=lost_margin(q, prices[sku], unit_costs.get(sku))
                   if prices is not None and unit_costs is not None and sku in unit_costs else None)
        for (sku, period), q in units.items()
    ]  # fmt: skip


def unmet_by_family(by_sku: list[UnmetBySku], families: dict[str, str]) -> list[UnmetByFamily]:
    """The SKU roll-up summed per family and month."""
    units: dict[tuple[str, str], float] = defaultdict(float)
    revenue: dict[tuple[str, str], float | None] = defaultdict(float)
    margin: dict[tuple[str, str], float | None] = defaultdict(float)
    for row in by_sku:
        key = (families.get(row.sku, "unassigned"), row.period)
        units[key] += row.units
        revenue[key] = _add(revenue[key], row.revenue_at_risk)
        margin[key] = _add(margin[key], row.margin_at_risk)
    return [
        UnmetByFamily(family=family, period=period, units=q, revenue_at_risk=revenue[family, period],
                      margin_at_risk=margin[family, period])
        for (family, period), q in units.items()
    ]


def _add(so_far: float | None, more: float | None) -> float | None:
    """A sum that is unknown (None) once any part is."""
    return so_far + more if so_far is not None and more is not None else None


def plant_loads(instance: SupplyPlanInstance, plan: SupplyPlanResult) -> list[PlantLoad]:
    """Production hours against regular plus maximum overtime, per plant and month."""
    per_unit = {(r.sku, r.plant): r.hours_per_unit for r in instance.routings}
    used: dict[tuple[str, str], float] = defaultdict(float)
    for row in plan.production:
        used[row.plant, row.period] += row.qty * per_unit[row.sku, row.plant]
    return [
        PlantLoad(plant=plant.plant, period=period, used_hours=used[plant.plant, period],
                  available_hours=regular + overtime,
                  utilisation=used[plant.plant, period] / (regular + overtime) if regular + overtime > 0 else 0.0)
        for plant in instance.plants
        for period, regular, overtime in zip(instance.periods, plant.regular_hours, plant.max_overtime_hours)
    ]  # fmt: skip


def safety_stock_gaps(instance: SupplyPlanInstance, plan: SupplyPlanResult) -> list[SafetyStockGap]:
    targets = {(r.sku, r.dc): r.qty for r in instance.safety_stock}
    return [
        SafetyStockGap(sku=row.sku, dc=row.dc, period=row.period,
                       target=targets[row.sku, row.dc], shortfall=row.qty)
        for row in plan.ss_shortfall
    ]  # fmt: skip


def peak_months(plan: SupplyPlanResult, loads: list[PlantLoad]) -> dict[str, set[str]]:
    """Months per plant that are short of hours: loaded to 95 % or more of regular plus
    overtime, or with regular hours binding at a non-zero shadow price (the plan would pay
    for one more hour, e.g. because it pre-builds to avoid dearer overtime)."""
    peaks: dict[str, set[str]] = defaultdict(set)
    for load in loads:
        if load.utilisation >= PEAK_UTILISATION:
            peaks[load.plant].add(load.period)
    for b in plan.binding:
        if b.family == "plant_hours" and b.shadow_price is not None and b.shadow_price < -ZERO:
            peaks[b.keys["plant"]].add(b.period)
    return peaks


def prebuild(instance: SupplyPlanInstance, plan: SupplyPlanResult, loads: list[PlantLoad]) -> list[Prebuild]:
    """Stock above safety stock at the end of a month that is not a peak of the plant making
    the SKU while the next month is; a SKU made at several plants counts at the first of
    them (in the order of `plants`) whose peak follows."""
    peaks = peak_months(plan, loads)
    periods = list(instance.periods)
    next_month = dict(pairwise(periods))
    plants_of: dict[str, list[str]] = defaultdict(list)
    for r in instance.routings:
        plants_of[r.sku].append(r.plant)
    order = {p.plant: i for i, p in enumerate(instance.plants)}
    safety = {(r.sku, r.dc): r.qty for r in instance.safety_stock}
    holding = {s.sku: s.holding_cost for s in instance.skus}
    units: dict[tuple[str, str], float] = defaultdict(float)
    cost: dict[tuple[str, str], float] = defaultdict(float)
    for row in plan.inventory:
        above = row.qty - safety.get((row.sku, row.dc), 0.0)
        following = next_month.get(row.period)
        ahead = [p for p in sorted(plants_of[row.sku], key=order.__getitem__)
                 if following in peaks[p] and row.period not in peaks[p]]  # fmt: skip
        if above > ZERO and ahead:
            units[ahead[0], row.period] += above
            cost[ahead[0], row.period] += prebuild_cost(above, holding[row.sku])
    return [
        Prebuild(resource=plant, period=period, peak_start=next_month[period], units=q,
                 holding_cost=cost[plant, period])
        for (plant, period), q in sorted(units.items(), key=lambda kv: (kv[0][0], periods.index(kv[0][1])))
    ]


def rank_gaps(
    unmet: list[UnmetByFamily] | list[UnmetBySku],
    plant_overload: list[PlantLoad],
    safety_stock: list[SafetyStockGap],
    binding_limits: list[BindingConstraint],
    prebuild: list[Prebuild],
    plant_hours: list[BindingConstraint] | None = None,
    ss_penalty: dict[str, float] | None = None,
    share: float = DISRUPTION_SHARE,
) -> list[RankedGap]:
    """Every gap as one line, by its money value (`gap_values`), then units; lost demand is
    reported per family when families are known, else per SKU. `plant_hours`, the binding
    plant-hour (and overtime) limits, value a loaded plant month and say what one more hour of
    it would save; `ss_penalty` (currency per unit-month, by SKU) prices a safety-stock
    shortfall; `share` is the share of a binding limit at risk."""
    hours = {(b.keys["plant"], b.period): b for b in plant_hours or [] if b.family == "plant_hours"}
    plant_value: dict[tuple[str, str], float] = defaultdict(float)
    for b in plant_hours or []:
        plant_value[b.keys["plant"], b.period] += limit_value(b, share)
    penalty = ss_penalty or {}
    lines = (
        [("unmet", u.family if isinstance(u, UnmetByFamily) else u.sku, u.period, u.units,
          _unmet_value(u), "units of demand lost") for u in unmet]
        + [("plant_hours", p.plant, p.period, p.used_hours, plant_value[p.plant, p.period],
            f"{percent(p.utilisation, 0)} of {units(p.available_hours)} regular + overtime hours"
            + (f"; {worth(hours[p.plant, p.period])}" if (p.plant, p.period) in hours else ""))
           for p in plant_overload]
        + [("safety_stock", f"{s.sku}@{s.dc}", s.period, s.shortfall,
            shortfall_cost(s.shortfall, penalty.get(s.sku, 0.0)), f"units below a safety stock of {units(s.target)}")
           for s in safety_stock]
        + [(b.family, "/".join(b.keys.values()), b.period, b.used, limit_value(b, share),
            f"at its limit of {units(b.limit)} {LIMIT_UNITS[b.family][0]}; {worth(b)}") for b in binding_limits]
        + [("prebuild", p.resource, p.period, p.units, p.holding_cost,
            f"units above safety stock ahead of the peak from {p.peak_start}") for p in prebuild]
    )  # fmt: skip
    lines.sort(key=lambda line: (-line[4], -line[3]))
    return [
        RankedGap(rank=i, kind=kind, subject=subject, month=month, units=units, value=value, detail=detail)
        for i, (kind, subject, month, units, value, detail) in enumerate(lines, start=1)
    ]


def _unmet_value(u: UnmetByFamily | UnmetBySku) -> float:
    """Lost margin when standard costs are known, else revenue at risk, else 0 (no prices)."""
    if u.margin_at_risk is not None:
        return u.margin_at_risk
    return u.revenue_at_risk or 0.0


def worth(limit: BindingConstraint) -> str:
    """What one more unit of a binding limit would save, from its shadow price (≤ 0, currency per
    unit of the limit): "each extra plant hour in 2027-03 would save 18 ¢ of plan cost"."""
    one = f"each extra {LIMIT_UNITS[limit.family][1]} in {limit.period}"
    if limit.shadow_price is None:
        return f"the solver gave no value for {one}"
    saving = -limit.shadow_price
    if saving < 0.005:
        return f"{one} would not lower plan cost"
    return f"{one} would save {money_words(saving)} of plan cost"


def gap_frame(gaps: SupplyGaps) -> pd.DataFrame:
    """The ranked gaps as the `gaps` table's columns (rank, kind, subject, month, units, value,
    detail)."""
    columns = list(RankedGap.model_fields)
    return pd.DataFrame([g.model_dump() for g in gaps.ranked], columns=columns)

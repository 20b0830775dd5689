"""The gaps a solved supply plan leaves, as listed at the end of docs/SUPPLY_PLAN.md.

Each gap is something a planner must act on or explain: demand the plan cannot serve, plants
running at their limit, stock below its safety target, binding supplier, lane and storage
limits (with what one more unit of capacity is worth), and the stock pre-built ahead of a
peak the plants cannot make in time.
"""

from __future__ import annotations

from typing import Literal

import pandas as pd
from pydantic import BaseModel, Field

from tools.supply_plan import BindingConstraint, SupplyPlanInstance, SupplyPlanResult

OVERLOAD_SHARE = 0.95
GapKind = Literal["unmet", "plant_overload", "binding_limit", "ss_shortfall", "prebuild"]


class SupplyGapsInput(BaseModel):
    instance: SupplyPlanInstance
    plan: SupplyPlanResult
    prices: dict[str, float] = Field(default_factory=dict, description="price per unit by SKU")
    families: dict[str, str] = Field(default_factory=dict, description="family by SKU")


class UnmetGap(BaseModel):
    family: str
    sku: str
    period: str
    units: float
    revenue_at_risk: float = Field(description="units × price, currency")


class PlantLoad(BaseModel):
    plant: str
    period: str
    used_hours: float
    available_hours: float = Field(description="regular plus maximum overtime hours")
    utilisation: float


class Prebuild(BaseModel):
    resource: str = Field(description="the plant or supplier that runs out in the peak")
    period: str = Field(description="the month whose closing stock is carried into the peak")
    peak_start: str
    units: float = Field(description="stock above safety stock of the SKUs that need the resource, all DCs")


class RankedGap(BaseModel):
    rank: int
    kind: GapKind
    subject: str
    month: str
    units: float
    value: float = Field(description="revenue at risk (unmet demand only), currency; 0 for the other kinds, "
                                     "which rank after it by kind and size")
    detail: str


class SupplyGapsOutput(BaseModel):
    unmet: list[UnmetGap]
    plant_overload: list[PlantLoad]
    ss_shortfall_units: float
    binding: list[BindingConstraint] = Field(description="binding supplier, lane and storage limits")
    prebuild: list[Prebuild]
    ranked: list[RankedGap]


def _plant_loads(instance: SupplyPlanInstance, plan: SupplyPlanResult) -> pd.DataFrame:
    hours = {(r.sku, r.plant): r.hours_per_unit for r in instance.routings}
    used = pd.DataFrame([(p.plant, p.period, p.qty * hours[(p.sku, p.plant)]) for p in plan.production],
                        columns=["plant", "period", "hours"]).groupby(["plant", "period"])["hours"].sum()
    rows = [(p.plant, m, float(used.get((p.plant, m), 0.0)), p.regular_hours[t] + p.max_overtime_hours[t])
            for p in instance.plants for t, m in enumerate(instance.periods)]
    loads = pd.DataFrame(rows, columns=["plant", "period", "used_hours", "available_hours"])
    loads["utilisation"] = (loads["used_hours"] / loads["available_hours"]).where(loads["available_hours"] > 0, 0.0)
    return loads


def _peaks(instance: SupplyPlanInstance, loads: pd.DataFrame, binding: list[BindingConstraint]) -> dict:
    """Months each resource runs out: a plant at 95 % of its hours, or a binding supplier limit.

    Returns {resource: (months at the limit, SKUs that need it)}.
    """
    peaks = {}
    for plant, g in loads.groupby("plant", sort=False):
        skus = {r.sku for r in instance.routings if r.plant == plant}
        peaks[plant] = (set(g.loc[g["utilisation"] >= OVERLOAD_SHARE, "period"]), skus)
    for s in instance.suppliers:
        months = {b.period for b in binding if b.family == "supplier" and b.keys.get("supplier") == s.supplier}
        skus = {k.sku for k in instance.skus if k.material and k.material.supplier == s.supplier}
        peaks[s.supplier] = (months, skus)
    return peaks


def _prebuild(instance: SupplyPlanInstance, plan: SupplyPlanResult, peaks: dict) -> list[Prebuild]:
    """Stock above safety stock held at the end of the month before each run of peak months."""
    safety = {(s.sku, s.dc): s.qty for s in instance.safety_stock}
    stock = pd.DataFrame([(r.sku, r.period, max(0.0, r.qty - safety.get((r.sku, r.dc), 0.0)))
                          for r in plan.inventory], columns=["sku", "period", "excess"])
    out = []
    for resource, (months, skus) in peaks.items():
        for before, month in zip(instance.periods, instance.periods[1:]):
            if month in months and before not in months:
                units = stock.loc[(stock["period"] == before) & stock["sku"].isin(skus), "excess"].sum()
                if units > 0:
                    out.append(Prebuild(resource=resource, period=before, peak_start=month, units=float(units)))
    return out


def supply_gaps(inp: SupplyGapsInput) -> SupplyGapsOutput:
    if inp.plan.status != "optimal":
        raise ValueError(f"gaps need an optimal plan; this one is {inp.plan.status}: {inp.plan.message}")
    unmet = pd.DataFrame([(inp.families.get(r.sku, ""), r.sku, r.period, r.qty, r.qty * inp.prices.get(r.sku, 0.0))
                          for r in inp.plan.unmet],
                         columns=["family", "sku", "period", "units", "revenue_at_risk"])
    unmet = unmet.groupby(["family", "sku", "period"], as_index=False).sum()
    loads = _plant_loads(inp.instance, inp.plan)
    overload = loads[loads["utilisation"] >= OVERLOAD_SHARE]
    binding = [b for b in inp.plan.binding if b.family in ("supplier", "lane", "storage")]
    shortfall = pd.DataFrame([(r.sku, r.period, r.qty) for r in inp.plan.ss_shortfall], columns=["sku", "period", "units"])
    prebuild = _prebuild(inp.instance, inp.plan, _peaks(inp.instance, loads, binding))

    ranked: list[dict] = []
    by_family = unmet.groupby(["family", "period"], as_index=False)[["units", "revenue_at_risk"]].sum()
    ranked += [{"kind": "unmet", "subject": r.family, "month": r.period, "units": r.units, "value": r.revenue_at_risk,
                "detail": f"{r.units:,.0f} units of {r.family} demand cannot be supplied"} for r in by_family.itertuples()]
    ranked += [{"kind": "plant_overload", "subject": r.plant, "month": r.period, "units": r.used_hours, "value": 0.0,
                "detail": f"{r.plant} uses {r.utilisation:.0%} of its regular and overtime hours"} for r in overload.itertuples()]
    ranked += [{"kind": "binding_limit", "subject": f"{b.family} {'/'.join(b.keys.values())}", "month": b.period,
                "units": b.limit, "value": 0.0,
                "detail": f"{b.family} limit of {b.limit:,.0f} is used in full; one more unit is worth "
                          f"{abs(b.shadow_price or 0.0):,.2f}"} for b in binding]
    short = shortfall.groupby("period", as_index=False)["units"].sum()
    ranked += [{"kind": "ss_shortfall", "subject": "all SKUs", "month": r.period, "units": r.units, "value": 0.0,
                "detail": f"stock ends {r.units:,.0f} units below safety stock"} for r in short.itertuples()]
    ranked += [{"kind": "prebuild", "subject": p.resource, "month": p.period, "units": p.units, "value": 0.0,
                "detail": f"{p.units:,.0f} units built ahead of the {p.peak_start} peak at {p.resource}"} for p in prebuild]
    order = {kind: i for i, kind in enumerate(GapKind.__args__)}
    ranked.sort(key=lambda g: (-g["value"], order[g["kind"]], -g["units"], g["month"], g["subject"]))
    return SupplyGapsOutput(
        unmet=unmet.to_dict("records"),
        plant_overload=overload.to_dict("records"),
        ss_shortfall_units=float(shortfall["units"].sum()),
        binding=binding,
        prebuild=prebuild,
        ranked=[RankedGap(rank=i, **g) for i, g in enumerate(ranked, start=1)],
    )


def gap_frame(gaps: SupplyGapsOutput) -> pd.DataFrame:
    """The ranked gaps as the rows the store keeps."""
    return pd.DataFrame([g.model_dump() for g in gaps.ranked],
                        columns=["rank", "kind", "subject", "month", "units", "value", "detail"])

"""Stock queries: reorder policies at a service level (`/reorder-calc`), stock on hand against
safety stock (`/inventory-status`, `inventory-summary`) and the ABC/XYZ segments
(`/abc-analysis`)."""

from __future__ import annotations

from typing import cast

import pandas as pd
from pydantic import BaseModel, Field

from sop.agents.queries.core import ALL, NO_HISTORY, QueryContext, QueryError, one_of, records
from sop.store.demand_reads import demand_statistics
from sop.store.plan_inputs import abc_items, lead_times
from sop.store.stock_reads import latest_policy_cycle, ordering_terms, policy_demand, stock_positions
from sop.store.supplier_reads import DAYS_PER_MONTH
from sop.tools import registry
from sop.tools.periods import add_months, month_range, to_timestamp
from sop.tools.supply.inventory import (
    SEGMENTS,
    SENSITIVITY_LEVELS,
    AbcXyzInput,
    AbcXyzOutput,
    ReorderCalcOutput,
    ReorderResult,
    ServiceLevelCost,
    ServiceSensitivityOutput,
)


def _last_month(ctx: QueryContext) -> str:
    month = ctx.store.last_history_month()
    if month is None:
        raise QueryError(NO_HISTORY)
    return month


# --- reorder-policy ---------------------------------------------------------------------------


class ReorderQuery(BaseModel):
    family: str = Field(ALL, description="a product family, or all of them")
    service_level: float = Field(0.95, ge=0.5, lt=1, description="cycle service level, e.g. 0.98")


class ReorderPosition(ReorderResult):
    """One SKU × DC's policy with the demand and lead time it was sized on."""

    dc: str
    mean_demand: float
    demand_std: float
    lead_time: float
    lead_time_std: float
    unit_cost: float


class ReorderHeadline(BaseModel):
    family: str
    service_level: float
    safety_stock_units: float
    safety_stock_value: float


class ReorderPolicy(BaseModel):
    family: str
    service_level: float
    source: str = Field(description="where the demand mean and σ came from")
    ordering_cost: float
    holding_rate: float
    positions: list[ReorderPosition]
    sensitivity: list[ServiceLevelCost]
    headline: ReorderHeadline


def _demand(ctx: QueryContext, family: str) -> tuple[pd.DataFrame, str, str]:
    """(sku, dc, mean_demand, demand_std per month), where they came from, and the plan month.

    The latest cycle's inventory policy carries the forecast mean and the backtest error σ;
    before any cycle, the last 12 months of ordered units give the mean and sample std.
    """
    cycle = latest_policy_cycle(ctx.store)
    if cycle is not None:
        return policy_demand(ctx.store, cycle, family), f"cycle {cycle}: forecast mean and backtest error σ", cycle
    last = _last_month(ctx)
    first = add_months(last, -11)
    return (demand_statistics(ctx.store, family, first), f"history {first} to {last}: mean and std of ordered units",
            add_months(last, 1))


def _sized(ctx: QueryContext, family: str) -> tuple[pd.DataFrame, str]:
    """Every SKU × DC with demand and a unit cost, with its lead time in months (from the last
    year's receipts, or the supplier's quoted lead time when nothing was received)."""
    demand, source, period = _demand(ctx, family)
    rows = (demand[demand["mean_demand"] > 0].join(ordering_terms(ctx.store), on="sku")
            .join(lead_times(ctx.store, period), on="supplier"))
    rows["lead_time"] = rows["lead_time"].fillna(rows["lead_time_days"] / DAYS_PER_MONTH)
    rows["lead_time_std"] = rows["lead_time_std"].fillna(0.0)
    return rows[rows["unit_cost"] > 0].reset_index(drop=True), source


def reorder_policy(ctx: QueryContext, q: ReorderQuery) -> ReorderPolicy:
    """EOQ, safety stock and reorder points per SKU × DC at one service level, and what other
    service levels would cost in safety stock."""
    family = one_of(q.family, [ALL, *ctx.families()], "family")
    rows, source = _sized(ctx, family)
    if rows.empty:
        raise QueryError(f"no {family} SKU has demand to size stock for ({source})")
    s = ctx.settings
    profiles = [{"sku": r.sku, "mean_demand": r.mean_demand, "demand_std": r.demand_std, "lead_time": r.lead_time,
                 "lead_time_std": r.lead_time_std, "unit_cost": r.unit_cost} for r in rows.itertuples()]
    policy = cast(ReorderCalcOutput, registry.run("reorder-calc", {"items": [
        {**p, "ordering_cost": s.ordering_cost, "holding_rate": s.holding_rate, "service_level": q.service_level,
         "moq": r.moq, "pack_size": r.pack_size} for p, r in zip(profiles, rows.itertuples())]}))
    levels = sorted({*SENSITIVITY_LEVELS, q.service_level})
    sensitivity = cast(ServiceSensitivityOutput,
                       registry.run("service-sensitivity", {"items": profiles, "levels": levels}))
    positions = [ReorderPosition(**p, dc=dc, **result.model_dump(exclude={"sku"}))
                 for p, dc, result in zip(profiles, rows["dc"], policy.items)]
    return ReorderPolicy(
        family=family, service_level=q.service_level, source=source, ordering_cost=s.ordering_cost,
        holding_rate=s.holding_rate, positions=positions, sensitivity=sensitivity.levels,
        headline=ReorderHeadline(family=family, service_level=q.service_level,
                                 safety_stock_units=sum(p.safety_stock for p in positions),
                                 safety_stock_value=sum(p.safety_stock * p.unit_cost for p in positions)))


# --- inventory-summary ------------------------------------------------------------------------


class InventoryQuery(BaseModel):
    family: str = Field(ALL, description="a product family, or all of them")


class StockPosition(BaseModel):
    family: str
    dc: str
    on_hand: float
    on_hand_value: float
    safety_stock: float | None
    safety_stock_value: float | None
    above_safety_stock: float | None
    days_of_supply: float | None


class InventoryHeadline(BaseModel):
    text: str
    on_hand_units: float
    on_hand_value: float


class InventorySummary(BaseModel):
    cycle: str | None = Field(description="the cycle whose safety stocks are the targets; None before any")
    family: str
    demand_months: list[str] = Field(description="the months whose average daily demand sets days of supply")
    demand_days: int
    positions: list[StockPosition]
    headline: InventoryHeadline


def inventory_summary(ctx: QueryContext, q: InventoryQuery) -> InventorySummary:
    """On-hand stock by family and DC against the latest safety-stock targets, and how many days
    of the last three months' average demand it covers."""
    family = one_of(q.family, [ALL, *ctx.families()], "family")
    last = _last_month(ctx)
    recent = month_range(add_months(last, -2), 3)
    days = sum(to_timestamp(m).days_in_month for m in recent)
    cycle = latest_policy_cycle(ctx.store)
    frame = stock_positions(ctx.store, cycle, recent[0], days)
    frame = frame[(frame["family"] == family) | (family == ALL)]
    covered = frame.dropna(subset=["days_of_supply"]).sort_values("days_of_supply")
    lowest = covered.iloc[0] if len(covered) else None
    safety = frame["safety_stock"].dropna()
    on_hand, value = float(frame["on_hand"].sum()), float(frame["on_hand_value"].sum())
    text = (f"{family}: {on_hand:,.0f} units on hand worth {value:,.0f}"
            + (f", against {safety.sum():,.0f} units of safety stock (cycle {cycle})" if len(safety)
               else ", with no safety-stock targets until a cycle has run")
            + (f". The thinnest cover is {lowest['family']} at {lowest['dc']}: {lowest['days_of_supply']:,.0f} days of "
               "supply." if lowest is not None else "."))
    return InventorySummary(cycle=cycle, family=family, demand_months=recent, demand_days=days,
                            positions=records(frame),
                            headline=InventoryHeadline(text=text, on_hand_units=on_hand, on_hand_value=value))


# --- abc-segments -----------------------------------------------------------------------------


class AbcQuery(BaseModel):
    """No inputs: the segments of the 12 months before the next cycle."""


class Segment(BaseModel):
    segment: str
    skus: int
    revenue_share: float
    service_level: float


class AbcHeadline(BaseModel):
    window: str
    skus: int
    a_skus: int


class AbcSegments(BaseModel):
    window: str
    skus: int
    segments: list[Segment]
    headline: AbcHeadline


def abc_segments(ctx: QueryContext, q: AbcQuery) -> AbcSegments:
    """ABC by revenue and XYZ by demand variability over the last 12 months, per segment."""
    period = add_months(_last_month(ctx), 1)
    out = cast(AbcXyzOutput, registry.run("abc-xyz", AbcXyzInput(items=abc_items(ctx.store, period))))
    frame = pd.DataFrame([r.model_dump() for r in out.items])
    grouped = frame.groupby("segment").agg(skus=("abc", "size"), revenue_share=("revenue_share", "sum"),
                                           service_level=("service_level", "first"))
    segments = records(grouped.reindex([s for s in SEGMENTS if s in grouped.index]).rename_axis("segment")
                       .reset_index())
    window = f"{add_months(period, -12)} to {add_months(period, -1)}"
    return AbcSegments(window=window, skus=len(frame), segments=segments,
                       headline=AbcHeadline(window=window, skus=len(frame),
                                            a_skus=int((frame["abc"] == "A").sum())))

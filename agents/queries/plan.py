"""Supply-plan queries over the latest stored plan: lane load (`/logistics-plan`), the ranked
gaps (`/gaps`) and the plan's summary with its largest gaps (`plan-summary`).

While the current cycle has not solved its plan yet (week 1 and the consensus gate), each
answers from the last solved plan and says so in its `note`."""

from __future__ import annotations

from typing import Literal, cast

from pydantic import BaseModel, Field

from sop.agents.queries.core import ALL, QueryContext, QueryError, one_of, records
from sop.store import company
from sop.store.plan_reads import (
    base_plan_months,
    lane_shipments,
    latest_gaps_cycle,
    latest_shipments_cycle,
    latest_summary_cycle,
    plan_summary,
    ranked_gaps,
)
from sop.tools import registry
from sop.tools.supply.logistics import LogisticsPlanOutput

MAX_GAPS = 5
Scenario = Literal["base", "upside", "downside"]


def plan_note(ctx: QueryContext, cycle: str | None) -> str | None:
    """Why the plan shown is not the current cycle's: it is made in week 2, after the consensus
    gate; None when it is the current cycle's, or no cycle has run."""
    if ctx.cycle_id is None or cycle == ctx.cycle_id:
        return None
    last = f"the last solved plan is {cycle}'s" if cycle else "no cycle has solved a supply plan yet"
    return (f"the supply plan for {ctx.cycle_id} is made in week 2, after the consensus gate (the cycle is "
            f"{ctx.state}); {last}")


class Gap(BaseModel):
    rank: int
    kind: str
    subject: str = Field(description="a family, SKU, SKU@DC, plant or lane")
    month: str
    units: float
    value: float | None = Field(description="its money value: lost margin, shortfall or holding cost, or what a "
                                            "share of a binding limit is worth to the plan")
    detail: str | None


# --- lane-plan --------------------------------------------------------------------------------


class LaneQuery(BaseModel):
    """No inputs: the lanes of the latest base plan."""


class LaneHeadline(BaseModel):
    cycle: str | None
    total_cost: float
    binding_lane_months: int


class LanePlan(LogisticsPlanOutput):
    cycle: str | None = Field(description="the cycle whose base plan ships; None before any has")
    note: str | None = Field(None, description="why the plan is not the current cycle's")
    scenario: Scenario = "base"
    headline: LaneHeadline


def lane_plan(ctx: QueryContext, q: LaneQuery) -> LanePlan:
    """Lane volume, capacity, utilisation and cost of the latest cycle's base plan."""
    cycle = latest_shipments_cycle(ctx.store)
    if cycle is None:
        return LanePlan(cycle=None, note=plan_note(ctx, None), lanes=[], binding=[], total_cost=0.0,
                        headline=LaneHeadline(cycle=None, total_cost=0.0, binding_lane_months=0))
    months = base_plan_months(ctx.store, cycle)
    out = cast(LogisticsPlanOutput, registry.run("logistics-plan", {
        "periods": months, "shipments": records(lane_shipments(ctx.store, cycle)),
        "lanes": [{"plant": r.plant, "dc": r.dc, "cost_per_unit": r.cost_per_unit,
                   "capacity": [r.capacity_per_month] * len(months)}
                  for r in company.lanes(ctx.store).itertuples()]}))
    return LanePlan(**out.model_dump(), cycle=cycle, note=plan_note(ctx, cycle),
                    headline=LaneHeadline(cycle=cycle, total_cost=out.total_cost, binding_lane_months=len(out.binding)))


# --- ranked-gaps ------------------------------------------------------------------------------


class GapsQuery(BaseModel):
    """No inputs: the base scenario of the latest cycle that ranked gaps."""


class GapsHeadline(BaseModel):
    cycle: str | None
    gaps: int
    units: float


class RankedGaps(BaseModel):
    cycle: str | None = Field(description="None before any cycle has ranked gaps")
    note: str | None = Field(None, description="why the gaps are not the current cycle's")
    scenario: Scenario = "base"
    gaps: list[Gap]
    headline: GapsHeadline


def ranked_supply_gaps(ctx: QueryContext, q: GapsQuery) -> RankedGaps:
    """The latest cycle's ranked supply gaps in the base scenario."""
    cycle = latest_gaps_cycle(ctx.store)
    gaps = [Gap(**g) for g in records(ranked_gaps(ctx.store, cycle, "base"))] if cycle else []
    return RankedGaps(cycle=cycle, note=plan_note(ctx, cycle), gaps=gaps,
                      headline=GapsHeadline(cycle=cycle, gaps=len(gaps), units=sum(g.units for g in gaps)))


# --- plan-summary -----------------------------------------------------------------------------


class PlanQuery(BaseModel):
    family: str = Field(ALL, description="a product family to pick out of the gaps, or all")
    scenario: Scenario = "base"


class PlanTotals(BaseModel):
    status: str
    objective: float
    demand_units: float
    unmet_units: float
    demand_revenue: float
    unmet_revenue: float


class PlanHeadline(BaseModel):
    cycle: str
    scenario: str
    status: str
    demand_units: float
    unmet_units: float
    unmet_revenue: float
    unmet_share: float
    gaps_text: str


class PlanSummary(BaseModel):
    cycle: str
    note: str | None = Field(None, description="why the plan is not the current cycle's")
    scenario: Scenario
    family: str
    summary: PlanTotals
    gaps: list[Gap] = Field(description=f"the {MAX_GAPS} largest")
    headline: PlanHeadline


# What a gap's money value is (tools/supply/gap_values.py); a binding limit's is the cost to the
# plan of losing a share of it.
_VALUE_IS = {"unmet": "of margin lost", "safety_stock": "of shortfall cost", "prebuild": "of holding cost"}
_IN_HOURS = ("plant_hours", "work_centre")


def _gaps_text(top: list[Gap], family: str) -> str:
    if not top:
        return f"No gap{'' if family == ALL else ' for ' + family} in this plan."
    return "The largest gaps: " + "; ".join(
        f"{g.rank}. {g.kind} {g.subject} in {g.month}: {g.units:,.0f} {'hours' if g.kind in _IN_HOURS else 'units'}"
        + (f", {g.value:,.0f} {_VALUE_IS.get(g.kind, 'at stake on the limit')}" if g.value else "")
        for g in top) + "."


def plan_overview(ctx: QueryContext, q: PlanQuery) -> PlanSummary:
    """The latest plan of a scenario: demand, unmet demand, revenue at risk and its largest gaps,
    optionally those of one family (its name, its SKUs or their SKU@DC)."""
    family = one_of(q.family, [ALL, *ctx.families()], "family")
    cycle = latest_summary_cycle(ctx.store)
    if cycle is None:
        raise QueryError(plan_note(ctx, None) or "no supply plan yet: no cycle has run; start one with 'sop cycle run'")
    summary = plan_summary(ctx.store, cycle, q.scenario)
    if summary.empty:
        raise QueryError(f"the {cycle} plan has no {q.scenario} scenario")
    gaps = ranked_gaps(ctx.store, cycle, q.scenario)
    if family != ALL:
        families = company.families(ctx.store)
        skus = families.index[families == family].tolist()
        gaps = gaps[gaps["subject"].isin([family, *skus]) | gaps["subject"].str.split("@").str[0].isin(skus)]
    top = [Gap(**g) for g in records(gaps.head(MAX_GAPS))]
    totals = PlanTotals(**records(summary)[0])
    share = totals.unmet_units / totals.demand_units if totals.demand_units else 0.0
    return PlanSummary(
        cycle=cycle, note=plan_note(ctx, cycle), scenario=q.scenario, family=family, summary=totals, gaps=top,
        headline=PlanHeadline(cycle=cycle, scenario=q.scenario, status=totals.status,
                              demand_units=totals.demand_units, unmet_units=totals.unmet_units,
                              unmet_revenue=totals.unmet_revenue, unmet_share=share,
                              gaps_text=_gaps_text(top, family)))

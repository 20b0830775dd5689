"""The `propose-override` query: a change to the consensus forecast checked with the same rules
as `sop override add`, and its effect on units, revenue and the supply gaps. It stores nothing:
storing is the planner's confirmation in `sop chat`, outside the agent loop."""

from __future__ import annotations

from dataclasses import asdict
from typing import Literal

import pandas as pd
from pydantic import BaseModel, Field

from sop.agents.queries.core import QueryContext, QueryError, records
from sop.store import Store, company
from sop.store.forecasts import consensus_proposal
from sop.store.override_effects import beyond_bound, check_effect, override_effects
from sop.store.override_rules import LEVELS, Override, OverrideError, check_change, check_node, check_waiting
from sop.store.plan_reads import full_plant_months, latest_base_plan_cycle, unmet_spots
from sop.tools.forecasting.consensus import apply_overrides, in_scope


class OverrideProposal(BaseModel):
    """A change to the consensus forecast, as a planner would enter it with `sop override add`."""

    level: Literal[LEVELS] = Field(  # type: ignore[valid-type]
        description="the node of the hierarchy the change applies to")
    key: str = Field("total", description="the family, SKU or SKU/DC (e.g. WID-001/DC-EAST); total for the total")
    month_from: str = Field(description="first month, YYYY-MM")
    month_to: str | None = Field(None, description="last month, YYYY-MM; default: month_from")
    change_pct: float | None = Field(None, description="percentage change, e.g. 8 for +8 %, -5 for -5 %")
    set_qty: float | None = Field(None, description="units per month for the whole node, instead of a percentage")
    reason: str = Field(min_length=3, max_length=300, description="why, in the planner's words")


class Proposal(BaseModel):
    """The checked override, ready for `sop override add` or the planner's y."""

    period: str
    level: str
    key: str
    month_from: str
    month_to: str
    change_pct: float | None
    set_qty: float | None
    reason: str


class EffectMonth(BaseModel):
    month: str
    units_before: float
    units_after: float
    delta_units: float
    delta_revenue: float = Field(description="Δ units × list price")
    gap_units: float = Field(description="Δ units where the base plan is already short")


class Effect(BaseModel):
    by_month: list[EffectMonth]
    plan_cycle: str | None = Field(description="the base plan the gaps are checked against; None before any")
    gap_units: float
    gap_months: list[str]
    units_before: float
    units_after: float
    delta_units: float
    delta_revenue: float


class ProposalHeadline(BaseModel):
    level: str
    key: str
    months: str
    change_text: str
    reason: str
    units_before: float
    units_after: float
    delta_units: float
    delta_revenue: float
    gap_text: str


class ProposedOverride(BaseModel):
    proposal: Proposal
    effect: Effect
    headline: ProposalHeadline
    beyond_bound: str | None = Field(None, description="set when the override moves a node-month beyond "
                                                       "±SOP_OVERRIDE_MAX_PCT: storing it needs a second confirmation")


def _short(store: Store, rows: pd.DataFrame) -> tuple[pd.Series, str | None]:
    """Which SKU × DC × month rows fall where the latest base plan is already short: demand left
    unmet there, or every plant that makes the SKU out of regular and overtime hours. The plan
    may be last cycle's while this one waits at the consensus gate."""
    plan_cycle = latest_base_plan_cycle(store)
    if plan_cycle is None:
        return pd.Series(False, index=rows.index), None
    short, full = unmet_spots(store, plan_cycle), full_plant_months(store, plan_cycle)
    plants = company.routings(store).groupby("sku")["plant"].apply(list).to_dict()
    flags = [(r.sku, r.dc, r.month) in short or all((p, r.month) in full for p in plants.get(r.sku, [None]))
             for r in rows.itertuples()]
    return pd.Series(flags, index=rows.index), plan_cycle


def _gap_text(plan_cycle: str | None, gap_units: float, gap_months: list[str]) -> str:
    if plan_cycle is None:
        return "There is no supply plan yet to check the gaps against."
    if not gap_months:
        return (f"None of it lands where the base plan of cycle {plan_cycle} is short, so the supply gaps stay as "
                "they are.")
    return (f"{abs(gap_units):,.0f} units of it land in {', '.join(gap_months)}, where the base plan of cycle "
            f"{plan_cycle} already leaves demand unmet or runs out of plant hours, so the supply gap would "
            f"{'widen' if gap_units > 0 else 'narrow'} by that much.")


def override_effect(store: Store, o: Proposal) -> Effect:
    """What the override does to the consensus: units and revenue by month, and the units that
    land where the base plan is already short, which would widen the supply gap by that much (or
    narrow it, for a cut)."""
    current = consensus_proposal(store, o.period)
    items = company.items(store).set_index("sku")
    change = pd.DataFrame([o.model_dump(include={"level", "key", "month_from", "month_to", "change_pct", "set_qty"})])
    after = apply_overrides(current, change, items["family"])
    scope = in_scope(current, items["family"], o.level, o.key) & current["month"].between(o.month_from, o.month_to)
    rows = current.loc[scope, ["sku", "dc", "month", "qty"]].assign(after=after[scope])
    rows["delta"] = rows["after"] - rows["qty"]
    rows["revenue"] = rows["delta"] * rows["sku"].map(items["price"])
    rows["constrained"], plan_cycle = _short(store, rows)
    rows["gap_units"] = rows["delta"].where(rows["constrained"], 0.0)
    by_month = rows.groupby("month").agg(units_before=("qty", "sum"), units_after=("after", "sum"),
                                         delta_units=("delta", "sum"), delta_revenue=("revenue", "sum"),
                                         gap_units=("gap_units", "sum")).reset_index()
    return Effect(by_month=records(by_month), plan_cycle=plan_cycle, gap_units=float(rows["gap_units"].sum()),
                  gap_months=by_month.loc[by_month["gap_units"].abs() > 1e-9, "month"].tolist(),
                  units_before=float(rows["qty"].sum()), units_after=float(rows["after"].sum()),
                  delta_units=float(rows["delta"].sum()), delta_revenue=float(rows["revenue"].sum()))


def _checked(ctx: QueryContext, q: OverrideProposal) -> tuple[Proposal, str | None]:
    """The proposal through the rules of `sop override add`, the gate read from the cycle's record,
    and how it goes beyond the bound (None within it): flagged for a second confirmation, not refused."""
    period = ctx.period or "next"
    o = check_change(Override(**q.model_dump(), period=period))
    record = ctx.record
    check_waiting(period, record.state if record else "not started", record.gate if record else None)
    checked = check_node(ctx.store, o, ctx.horizon)
    effect = override_effects(ctx.store, period, checked)[-1]
    check_effect(effect, ctx.settings.override_max_pct, force=True)
    proposal = Proposal(**{k: v for k, v in asdict(checked).items() if k not in ("author", "force")})
    return proposal, beyond_bound(effect, ctx.settings.override_max_pct)


def propose_override(ctx: QueryContext, q: OverrideProposal) -> ProposedOverride:
    try:
        p, beyond = _checked(ctx, q)
    except OverrideError as exc:
        raise QueryError(str(exc)) from exc
    effect = override_effect(ctx.store, p)
    months = p.month_from if p.month_from == p.month_to else f"{p.month_from} to {p.month_to}"
    change_text = f"{p.change_pct:+g} %" if p.change_pct is not None else f"set to {p.set_qty:,.0f} units a month"
    return ProposedOverride(proposal=p, effect=effect, headline=ProposalHeadline(
        level=p.level, key=p.key, months=months, change_text=change_text, reason=p.reason,
        units_before=effect.units_before, units_after=effect.units_after, delta_units=effect.delta_units,
        delta_revenue=effect.delta_revenue, gap_text=_gap_text(effect.plan_cycle, effect.gap_units, effect.gap_months)),
        beyond_bound=beyond)

"""The read-only query tools the agents call in chat, over the current cycle's data and state.

Each tool takes a few typed parameters (a family, a month window, a supplier), reads the store
with fixed SQL and `?` parameters, and returns JSON: the rows behind the answer and a flat
`headline` that the offline model's answer template (`prompts/NAME.answer.txt`) fills in. No
SQL a model writes ever runs, and no tool writes: `propose-override` checks a proposal with the
same rules as `sop override add` and works out its effect, but storing it is the planner's
confirmation in `sop chat`, outside the agent loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, Field

from sop.agents.narrator import load_prompt
from sop.agents.offline import OfflineChatModel
from sop.agents.runtime import ChatTool, ToolError
from sop.chat.slash import (
    ALL,
    SlashContext,
    SlashError,
    demand_forecast,
    family_clause,
    inventory_status,
    latest_cycle,
    records,
    supplier_scorecard,
)
from sop.config import Settings
from sop.graph.context import CycleContext
from sop.graph.overrides import LEVELS, Override, OverrideError, check_override
from sop.graph.runner import Cycles
from sop.store import Store
from sop.store.forecasts import consensus_proposal
from sop.tools.forecasting.consensus import apply_overrides, in_scope
from sop.tools.periods import add_months, month_range

MAX_GAPS = 5


@dataclass(frozen=True)
class ChatDeps:
    """What the query tools read: the store, the settings and the cycle the chat is about (the
    latest one with a forecast), with its state and horizon."""

    store: Store
    settings: Settings
    cycle_id: str | None
    state: str
    horizon: list[str]

    @classmethod
    def current(cls, store: Store, settings: Settings) -> ChatDeps:
        cycle_id = latest_cycle(store, "forecast_layers")
        if cycle_id is None:
            last = store.last_history_month()
            horizon = month_range(add_months(last, 1), settings.horizon_months) if last else []
            return cls(store, settings, None, "no cycle has run yet", horizon)
        with Cycles(CycleContext(settings=settings, store=store)) as cycles:
            outcome = cycles.status(cycle_id)
        horizon = outcome.values.get("horizon") or sorted(store.query(
            "SELECT DISTINCT month FROM forecast_layers WHERE cycle_id = ?", [cycle_id])["month"])
        state = outcome.state.replace("_", " ") + (f" at the {outcome.gate} gate" if outcome.gate else "")
        return cls(store, settings, cycle_id, state, list(horizon))

    @property
    def context(self) -> str:
        """One line for the agents' prompts: which cycle, where it stands, which months."""
        cycle = f"cycle {self.cycle_id}" if self.cycle_id else "no cycle yet"
        months = f"; horizon {self.horizon[0]} to {self.horizon[-1]}" if self.horizon else ""
        return f"{cycle}, {self.state}{months}"

    def families(self) -> list[str]:
        return sorted(self.store.query("SELECT DISTINCT family FROM items")["family"])

    def suppliers(self) -> list[str]:
        return sorted(self.store.query("SELECT supplier FROM suppliers")["supplier"])

    def slash(self) -> SlashContext:
        return SlashContext(store=self.store, settings=self.settings)


def _one_of(value: str, choices: list[str], what: str) -> str:
    match = next((c for c in choices if c.lower() == value.lower()), None)
    if match is None:
        raise ToolError(f"unknown {what} {value!r}; use one of: {', '.join(choices)}")
    return match


def _units(frame: pd.DataFrame, by: str = "month", value: str = "qty") -> pd.Series:
    return frame.groupby(by)[value].sum() if len(frame) else pd.Series(dtype=float)


# --- forecast-summary -------------------------------------------------------------------------


class ForecastQuery(BaseModel):
    family: str = Field(ALL, description="a product family, or all of them")
    start: str | None = Field(None, description="first month, YYYY-MM; default: the first month of the horizon")
    months: int = Field(6, ge=1, le=36, description="how many months from the start")


def _window(deps: ChatDeps, start: str | None, months: int) -> list[str]:
    if not deps.horizon:
        raise ToolError("no demand history is loaded; run 'sop data load DIR' first")
    first = start or deps.horizon[0]
    if first not in deps.horizon:
        raise ToolError(f"start must be a month of the horizon {deps.horizon[0]} to {deps.horizon[-1]}, not {first!r}")
    return deps.horizon[deps.horizon.index(first):][:months]


def _cycle_layers(deps: ChatDeps, family: str, window: list[str]) -> tuple[pd.DataFrame, str]:
    """Statistical, sales-input and consensus units per month from the cycle's layers."""
    condition, params = family_clause(family)
    layers = deps.store.query(
        "SELECT f.layer, f.month, SUM(f.qty) AS qty FROM forecast_layers f JOIN items i USING (sku) "
        f"WHERE f.cycle_id = ? AND f.layer IN ('statistical', 'sales_input') AND f.month BETWEEN ? AND ? AND {condition} "
        "GROUP BY 1, 2", [deps.cycle_id, window[0], window[-1], *params])
    proposal = consensus_proposal(deps.store, deps.cycle_id)
    proposal["family"] = proposal["sku"].map(deps.store.table("items").set_index("sku")["family"])
    proposal = proposal[proposal["month"].isin(window) & ((proposal["family"] == family) | (family == ALL))]
    frame = pd.DataFrame({"statistical": _units(layers[layers["layer"] == "statistical"]),
                          "sales_input": _units(layers[layers["layer"] == "sales_input"]),
                          "consensus": _units(proposal)}).reindex(window).fillna(0.0)
    return frame, f"the {deps.cycle_id} consensus (sales input with the planners' overrides)"


def _baseline(deps: ChatDeps, family: str, window: list[str]) -> tuple[pd.DataFrame, str]:
    """Before any cycle: the demand-forecaster's statistical baseline, as /demand-forecast gives it."""
    horizon = deps.horizon.index(window[-1]) + 1
    try:
        _, figures = demand_forecast(deps.slash(), family, horizon)
    except SlashError as exc:
        raise ToolError(str(exc)) from exc
    forecast = pd.Series({f["month"]: f["forecast"] for f in figures["forecast"]}).reindex(window).fillna(0.0)
    frame = pd.DataFrame({"statistical": forecast, "sales_input": forecast, "consensus": forecast})
    return frame, "the statistical baseline (no cycle has run yet, so no sales input or overrides)"


def _events(deps: ChatDeps, family: str, window: list[str]) -> list[dict[str, Any]]:
    """Market events overlapping the window; their notes are the commercial team's words, data."""
    condition = "TRUE" if family == ALL else "family = ?"
    return records(deps.store.query(
        "SELECT event_id, type, family, sku, start_month, end_month, uplift_pct, note FROM market_events "
        f"WHERE start_month <= ? AND end_month >= ? AND {condition} ORDER BY start_month, event_id",
        [window[-1], window[0], *([] if family == ALL else [family])]))


def forecast_summary(deps: ChatDeps, q: ForecastQuery) -> dict[str, Any]:
    family = _one_of(q.family, [ALL, *deps.families()], "family")
    window = _window(deps, q.start, q.months)
    frame, basis = (_cycle_layers if deps.cycle_id else _baseline)(deps, family, window)
    condition, params = family_clause(family)
    last_year = deps.store.query(
        "SELECT h.month, SUM(h.ordered_qty) AS qty FROM demand_history h JOIN items i USING (sku) "
        f"WHERE h.month BETWEEN ? AND ? AND {condition} GROUP BY 1",
        [add_months(window[0], -12), add_months(window[-1], -12), *params]).set_index("month")["qty"]
    frame["last_year"] = [float(last_year.get(add_months(m, -12), 0.0)) for m in window]
    events = _events(deps, family, window)
    overrides = records(deps.store.query(
        "SELECT override_id, level, key, month_from, month_to, change_pct, set_qty, author, reason FROM overrides "
        "WHERE cycle_id = ? AND month_from <= ? AND month_to >= ? ORDER BY override_id",
        [deps.cycle_id, window[-1], window[0]])) if deps.cycle_id else []
    units, last = float(frame["consensus"].sum()), float(frame["last_year"].sum())
    change = units / last - 1 if last > 0 else None
    change_text = (f"That is {abs(change):.1%} {'above' if change >= 0 else 'below'} the {last:,.0f} units "
                   "ordered in the same months last year." if change is not None
                   else "Nothing was ordered in the same months last year.")
    events_text = ("Market events in the window: " + "; ".join(
        f"{e['event_id']} ({e['type']}, {e['family']}{' ' + e['sku'] if e['sku'] else ''}, {e['start_month']} to "
        f"{e['end_month']}, {e['uplift_pct']:+g} %)" + (f", note as written: \u201c{e['note']}\u201d" if e["note"] else "")
        for e in events) + "." if events else "No market event touches the window.")
    overrides_text = (f"{len(overrides)} planner override(s) touch the window." if overrides
                      else "No planner override touches the window.")
    window_text = window[0] if len(window) == 1 else f"{window[0]} to {window[-1]}"
    return {
        "cycle": deps.cycle_id, "family": family, "window": window, "basis": basis,
        "by_month": records(frame.rename_axis("month").reset_index()),
        "events": events, "overrides": overrides,
        "headline": {"family": family, "window": window_text, "basis": basis, "units": units,
                     "statistical_units": float(frame["statistical"].sum()),
                     "sales_input_units": float(frame["sales_input"].sum()), "last_year_units": last,
                     "change_vs_last_year": change, "change_text": change_text, "events_text": events_text,
                     "overrides_text": overrides_text},
    }


# --- plan-summary -----------------------------------------------------------------------------


class PlanQuery(BaseModel):
    family: str = Field(ALL, description="a product family to pick out of the gaps, or all")
    scenario: Literal["base", "upside", "downside"] = "base"


def plan_summary(deps: ChatDeps, q: PlanQuery) -> dict[str, Any]:
    family = _one_of(q.family, [ALL, *deps.families()], "family")
    cycle = latest_cycle(deps.store, "plan_summary")
    if cycle is None:
        raise ToolError(f"no supply plan yet: {deps.context}; the plan is made in week 2, after the consensus gate")
    summary = deps.store.query("SELECT status, objective, demand_units, unmet_units, demand_revenue, unmet_revenue "
                               "FROM plan_summary WHERE cycle_id = ? AND scenario = ?", [cycle, q.scenario])
    if summary.empty:
        raise ToolError(f"the {cycle} plan has no {q.scenario} scenario")
    skus = deps.store.query("SELECT sku FROM items WHERE family = ?", [family])["sku"].tolist()
    gaps = deps.store.query("SELECT rank, kind, subject, month, units, value, detail FROM gaps "
                            "WHERE cycle_id = ? AND scenario = ? ORDER BY rank", [cycle, q.scenario])
    if family != ALL:
        gaps = gaps[gaps["subject"].isin([family, *skus]) | gaps["subject"].str.split("@").str[0].isin(skus)]
    top = records(gaps.head(MAX_GAPS))
    row = summary.iloc[0]
    share = float(row["unmet_units"] / row["demand_units"]) if row["demand_units"] else 0.0
    gaps_text = ("The largest gaps: " + "; ".join(
        f"{g['rank']}. {g['kind']} {g['subject']} in {g['month']}: {g['units']:,.0f} units"
        + (f", {g['value']:,.0f} of revenue at risk" if g["value"] else "") for g in top) + "."
        if top else f"No gap{'' if family == ALL else ' for ' + family} in this plan.")
    return {
        "cycle": cycle, "scenario": q.scenario, "family": family, "summary": records(summary)[0], "gaps": top,
        "headline": {"cycle": cycle, "scenario": q.scenario, "status": str(row["status"]),
                     "demand_units": float(row["demand_units"]), "unmet_units": float(row["unmet_units"]),
                     "unmet_revenue": float(row["unmet_revenue"]), "unmet_share": share, "gaps_text": gaps_text},
    }


# --- supplier-summary -------------------------------------------------------------------------


class SupplierQuery(BaseModel):
    supplier: str = Field(ALL, description="a supplier code, or all of them")


def supplier_summary(deps: ChatDeps, q: SupplierQuery) -> dict[str, Any]:
    """Scorecards over the last 12 months of deliveries, from the belt tool supplier-scorecard."""
    supplier = _one_of(q.supplier, [ALL, *deps.suppliers()], "supplier")
    try:
        _, figures = supplier_scorecard(deps.slash(), None if supplier == ALL else supplier, None)
    except SlashError as exc:
        raise ToolError(str(exc)) from exc
    if supplier != ALL:
        card = figures["scorecard"]
        m = card["metrics"]
        text = (f"{supplier} scores {card['weighted_score']:.1f} of 100 over {figures['window']} (tier {card['tier']}): "
                f"{m['on_time_delivery']:.1%} on time, {m['ppm']:,.0f} PPM defective, mean lead time "
                f"{m['mean_lead_time_days']:.1f} days. First action: {card['actions'][0] if card['actions'] else 'none'}.")
        return {**figures, "headline": {"text": text}}
    rows = sorted(figures["suppliers"], key=lambda r: r["score"])
    watch = [r for r in rows if r["tier"] in ("at risk", "development")]
    text = (f"{len(rows)} suppliers scored over {figures['window']}: the lowest is {rows[0]['supplier']} at "
            f"{rows[0]['score']:.1f} ({rows[0]['tier']}), the highest {rows[-1]['supplier']} at {rows[-1]['score']:.1f} "
            f"({rows[-1]['tier']}). "
            + (f"Needing a corrective action plan: {', '.join(r['supplier'] for r in watch)}." if watch
               else "None is rated at risk or development."))
    return {**figures, "headline": {"text": text}}


# --- inventory-summary ------------------------------------------------------------------------


class InventoryQuery(BaseModel):
    family: str = Field(ALL, description="a product family, or all of them")


def inventory_summary(deps: ChatDeps, q: InventoryQuery) -> dict[str, Any]:
    """On-hand stock against safety stock, as /inventory-status gives it, for one family or all."""
    family = _one_of(q.family, [ALL, *deps.families()], "family")
    try:
        _, figures = inventory_status(deps.slash())
    except SlashError as exc:
        raise ToolError(str(exc)) from exc
    positions = [p for p in figures["positions"] if family == ALL or p["family"] == family]
    frame = pd.DataFrame(positions)
    covered = frame.dropna(subset=["days_of_supply"]).sort_values("days_of_supply")
    lowest = covered.iloc[0] if len(covered) else None
    safety = frame["safety_stock"].dropna()
    text = (f"{family}: {frame['on_hand'].sum():,.0f} units on hand worth {frame['on_hand_value'].sum():,.0f}"
            + (f", against {safety.sum():,.0f} units of safety stock (cycle {figures['cycle']})" if len(safety)
               else ", with no safety-stock targets until a cycle has run")
            + (f". The thinnest cover is {lowest['family']} at {lowest['dc']}: {lowest['days_of_supply']:,.0f} days of "
               "supply." if lowest is not None else "."))
    return {"cycle": figures["cycle"], "family": family, "positions": positions, "headline": {"text": text}}


# --- propose-override -------------------------------------------------------------------------


class OverrideProposal(BaseModel):
    """A change to the consensus forecast, as a planner would enter it with `sop override add`."""

    level: Literal[LEVELS] = Field(description="the node of the hierarchy the change applies to")  # type: ignore[valid-type]
    key: str = Field("total", description="the family, SKU or SKU/DC (e.g. WID-001/DC-EAST); total for the total")
    month_from: str = Field(description="first month, YYYY-MM")
    month_to: str | None = Field(None, description="last month, YYYY-MM; default: month_from")
    change_pct: float | None = Field(None, description="percentage change, e.g. 8 for +8 %, -5 for -5 %")
    set_qty: float | None = Field(None, description="units per month for the whole node, instead of a percentage")
    reason: str = Field(min_length=3, max_length=300, description="why, in the planner's words")


def _constrained(store: Store, rows: pd.DataFrame) -> tuple[pd.Series, str | None]:
    """Which SKU × DC × month rows fall where the latest base plan is already short: demand left
    unmet there, or every plant that makes the SKU out of regular and overtime hours. The plan
    may be last cycle's while this one waits at the consensus gate."""
    plan_cycle = latest_cycle(store, "plan_lines", "scenario = 'base'")
    if plan_cycle is None:
        return pd.Series(False, index=rows.index), None
    unmet = store.query("SELECT sku, dc, month FROM plan_lines WHERE cycle_id = ? AND scenario = 'base' "
                        "AND kind = 'unmet' AND qty > 1e-6", [plan_cycle])
    short = set(unmet.itertuples(index=False, name=None))
    bound = store.query("SELECT plant, month FROM plant_hours WHERE cycle_id = ? AND scenario = 'base' "
                        "AND used_hours >= regular_hours + max_overtime_hours - 1e-6", [plan_cycle])
    full = set(bound.itertuples(index=False, name=None))
    plants = store.query("SELECT sku, plant FROM routings").groupby("sku")["plant"].apply(list).to_dict()
    flags = [(r.sku, r.dc, r.month) in short or all((p, r.month) in full for p in plants.get(r.sku, [None]))
             for r in rows.itertuples()]
    return pd.Series(flags, index=rows.index), plan_cycle


def override_effect(deps: ChatDeps, o: Override) -> dict[str, Any]:
    """What the override does to the consensus: units and revenue (Δunits × list price) by
    month, and the units that land where the base plan is already short, which would widen the
    supply gap by that much (or narrow it, for a cut)."""
    current = consensus_proposal(deps.store, o.period)
    items = deps.store.table("items").set_index("sku")
    change = pd.DataFrame([{"level": o.level, "key": o.key, "month_from": o.month_from, "month_to": o.month_to,
                            "change_pct": o.change_pct, "set_qty": o.set_qty}])
    after = apply_overrides(current, change, items["family"])
    scope = in_scope(current, items["family"], o.level, o.key) & current["month"].between(o.month_from, o.month_to)
    rows = current.loc[scope, ["sku", "dc", "month", "qty"]].assign(after=after[scope])
    rows["delta"] = rows["after"] - rows["qty"]
    rows["revenue"] = rows["delta"] * rows["sku"].map(items["price"])
    rows["constrained"], plan_cycle = _constrained(deps.store, rows)
    rows["gap_units"] = rows["delta"].where(rows["constrained"], 0.0)
    by_month = rows.groupby("month").agg(units_before=("qty", "sum"), units_after=("after", "sum"),
                                         delta_units=("delta", "sum"), delta_revenue=("revenue", "sum"),
                                         gap_units=("gap_units", "sum")).reset_index()
    gap_units = float(rows["gap_units"].sum())
    gap_months = by_month.loc[by_month["gap_units"].abs() > 1e-9, "month"].tolist()
    if plan_cycle is None:
        gap_text = "There is no supply plan yet to check the gaps against."
    elif not gap_months:
        gap_text = f"None of it lands where the base plan of cycle {plan_cycle} is short, so the supply gaps stay as they are."
    else:
        gap_text = (f"{abs(gap_units):,.0f} units of it land in {', '.join(gap_months)}, where the base plan of cycle "
                    f"{plan_cycle} already leaves demand unmet or runs out of plant hours, so the supply gap would "
                    f"{'widen' if gap_units > 0 else 'narrow'} by that much.")
    return {"by_month": records(by_month), "plan_cycle": plan_cycle, "gap_units": gap_units, "gap_months": gap_months,
            "units_before": float(rows["qty"].sum()), "units_after": float(rows["after"].sum()),
            "delta_units": float(rows["delta"].sum()), "delta_revenue": float(rows["revenue"].sum()),
            "gap_text": gap_text}


def propose_override(deps: ChatDeps, q: OverrideProposal) -> dict[str, Any]:
    try:
        o = check_override(deps.store, deps.settings, Override(**q.model_dump(), period=deps.cycle_id))
    except OverrideError as exc:
        raise ToolError(str(exc)) from exc
    effect = override_effect(deps, o)
    months = o.month_from if o.month_from == o.month_to else f"{o.month_from} to {o.month_to}"
    change_text = f"{o.change_pct:+g} %" if o.change_pct is not None else f"set to {o.set_qty:,.0f} units a month"
    proposal = {"period": o.period, "level": o.level, "key": o.key, "month_from": o.month_from,
                "month_to": o.month_to, "change_pct": o.change_pct, "set_qty": o.set_qty, "reason": o.reason}
    return {"proposal": proposal, "effect": {k: v for k, v in effect.items() if k != "gap_text"},
            "headline": {"level": o.level, "key": o.key, "months": months, "change_text": change_text,
                         "reason": o.reason, **{k: effect[k] for k in (
                             "units_before", "units_after", "delta_units", "delta_revenue", "gap_text")}}}


# --- the toolbox ------------------------------------------------------------------------------


def _families(deps: ChatDeps) -> dict[str, list[str]]:
    return {"family": [ALL, *deps.families()]}


TOOLBOX: dict[str, ChatTool] = {t.name: t for t in (
    ChatTool("forecast-summary", "The forecast layers of the current cycle by month for a family (statistical, "
             "sales input, consensus with overrides), against the same months last year, with the market events "
             "and planner overrides in the window.", ForecastQuery, forecast_summary,
             keywords=("forecast", "demand", "sell", "sales", "consensus", "statistical", "baseline", "why",
                       "expect", "last year", "trend", "season", "seasonal", "family", "outlook"),
             choices=lambda deps: {**_families(deps), "start": deps.horizon}),
    ChatTool("propose-override", "Propose a planner override of the consensus forecast and show its effect on "
             "units, revenue and the supply gaps. It stores nothing: the planner confirms or declines it.",
             OverrideProposal, propose_override,
             keywords=("raise", "increase", "lift", "boost", "bump", "add", "lower", "reduce", "cut", "decrease",
                       "override", "adjust", "change the forecast", "set"),
             choices=lambda deps: {"month_from": deps.horizon, "month_to": deps.horizon}),
    ChatTool("plan-summary", "The latest supply plan of a scenario: demand, unmet demand and revenue at risk, and "
             "its largest ranked gaps, optionally for one family.", PlanQuery, plan_summary,
             keywords=("plan", "supply plan", "unmet", "gap", "gaps", "capacity", "shortage", "short", "lost sales",
                       "at risk", "plant", "plants", "overtime", "lane", "lanes", "constrained", "upside", "downside"),
             choices=_families),
    ChatTool("supplier-summary", "Supplier scorecards over the last twelve months: score, tier, on-time delivery, "
             "quality, lead time and actions; one supplier in full or all in summary.", SupplierQuery,
             supplier_summary,
             keywords=("supplier", "suppliers", "scorecard", "vendor", "on-time", "on time", "lead time", "late",
                       "quality", "ppm", "delivery", "deliveries", "tier"),
             choices=lambda deps: {"supplier": [ALL, *deps.suppliers()]}),
    ChatTool("inventory-summary", "Stock on hand by family and DC against the safety-stock targets, with days of "
             "supply.", InventoryQuery, inventory_summary,
             keywords=("inventory", "stock", "stocks", "on hand", "safety stock", "reorder", "days of supply", "cover",
                       "coverage", "stockout", "warehouse", "holding"),
             choices=_families),
)}


def offline_model() -> OfflineChatModel:
    """The offline model over this toolbox: its routing keywords and answer templates."""
    return OfflineChatModel(keywords={n: t.keywords for n, t in TOOLBOX.items()},
                            templates={n: load_prompt(n, ".answer.txt") for n in TOOLBOX})

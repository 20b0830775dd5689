"""Slash commands: deterministic answers from the planning tools, for `sop chat` and `sop ask`.

No language model is involved: each command reads the store, runs registry tools and returns
what it shows (rich renderables) together with the figures behind them (a JSON-able dict), so
the same question gives the same answer every time, in the REPL and in scripts.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from itertools import zip_longest
from typing import Any, NamedTuple

import pandas as pd
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from sop.agents.inventory_optimizer import INVENTORY_OPTIMIZER
from sop.chat.textchart import fan_chart
from sop.config import Settings
from sop.graph.plan_inputs import DAYS_PER_MONTH, abc_items, lead_times
from sop.log import get_logger
from sop.store import Store
from sop.tools import registry
from sop.tools.forecasting.demand_forecast import DemandPoint, ForecastInput
from sop.tools.forecasting.seasonality import stl_explain
from sop.tools.periods import MONTH_PATTERN, add_months, month_number, month_range, to_timestamp
from sop.tools.supply.inventory import SEGMENTS, SENSITIVITY_LEVELS, AbcXyzInput
from sop.tools.supply.supplier import TIER_FLOORS, ScorecardWeights, SupplierScorecard, SupplierScorecardOutput

DEFAULT_HORIZON = 18
DEFAULT_SERVICE_LEVEL = 0.95
ALL = "all"
NO_HISTORY = "no demand history is loaded; run 'sop data load DIR' first"
RUN_CYCLE = "run 'sop cycle run' first"

Reply = tuple[list[RenderableType], dict[str, Any]]


class SlashError(Exception):
    """The command is valid but the data cannot answer it yet (nothing loaded, unknown period)."""


class SlashUsageError(SlashError):
    """An unknown command or a bad argument; the message is one line ending with the usage."""


@dataclass(frozen=True)
class SlashContext:
    """What a handler may use: the planning data and the settings built once by the CLI."""

    store: Store
    settings: Settings


@dataclass(frozen=True)
class SlashResult:
    command: str
    renderables: list[RenderableType]
    figures: dict[str, Any]


@dataclass(frozen=True)
class Arg:
    """A positional argument: `parse` turns the typed word into a value or raises ValueError
    saying what was expected; `default` is used when the word is left out."""

    name: str
    parse: Callable[[SlashContext, str], Any]
    default: Any = None


@dataclass(frozen=True)
class SlashCommand:
    """A command: its name, arguments in order, one line of help and the handler that answers."""

    name: str
    args: tuple[Arg, ...]
    help: str
    handler: Callable[..., Reply]

    @property
    def usage(self) -> str:
        return " ".join([f"/{self.name}", *(f"[{a.name}]" for a in self.args)])


# --- tables -----------------------------------------------------------------------------------


class Col(NamedTuple):
    key: str
    header: str
    fmt: str = "text"


FORMATS: dict[str, Callable[[Any], str]] = {
    "text": str,
    "units": lambda v: f"{v:,.0f}",
    "num": lambda v: f"{v:,.2f}",
    "pct": lambda v: f"{v:.1%}",
}


def table(title: str, rows: list[dict[str, Any]], columns: tuple[Col, ...], caption: str | None = None) -> Table:
    """A rich table of `rows` (dicts) showing `columns`; None shows as a dash. Cells are plain
    text, never markup, so a usage line's [brackets] survive."""
    out = Table(title=Text(title, style="table.title"),
                caption=Text(caption, style="table.caption") if caption else None)
    for col in columns:
        out.add_column(Text(col.header), justify="left" if col.fmt == "text" else "right", overflow="fold")
    for row in rows:
        out.add_row(*(Text("—" if row.get(c.key) is None else FORMATS[c.fmt](row[c.key])) for c in columns))
    return out


def facts(title: str, pairs: dict[str, str]) -> Table:
    """Labelled values, already formatted, as a two-column table."""
    out = Table("", "", title=Text(title, style="table.title"), show_header=False)
    for label, value in pairs.items():
        out.add_row(Text(label), Text(value))
    return out


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of plain Python values, missing values as None, so figures are JSON-able."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


# --- arguments --------------------------------------------------------------------------------


def _family(ctx: SlashContext, text: str) -> str:
    families = sorted(ctx.store.query("SELECT DISTINCT family FROM items")["family"])
    match = next((f for f in [ALL, *families] if f.lower() == text.lower()), None)
    if match is None:
        raise ValueError(f"unknown product family {text!r}; use one of: {', '.join([ALL, *families])}")
    return match


def _int_between(low: int, high: int, what: str) -> Callable[[SlashContext, str], int]:
    def parse(ctx: SlashContext, text: str) -> int:
        if not text.isdigit() or not low <= int(text) <= high:
            raise ValueError(f"{what} must be a whole number from {low} to {high}, got {text!r}")
        return int(text)
    return parse


def _service_level(ctx: SlashContext, text: str) -> float:
    """Percent in, fraction out: 98 → 0.98. Below 50 % safety stock would be negative."""
    try:
        pct = float(text.rstrip("%"))
    except ValueError:
        pct = float("nan")
    if not 50 <= pct < 100:
        raise ValueError(f"service level must be a percentage from 50 to below 100 (e.g. 98), got {text!r}")
    return pct / 100


def _supplier(ctx: SlashContext, text: str) -> str | None:
    """A supplier code, or None for `all` (the summary)."""
    if text.lower() == ALL:
        return None
    suppliers = sorted(ctx.store.query("SELECT supplier FROM suppliers")["supplier"])
    if text not in suppliers:
        raise ValueError(f"unknown supplier {text!r}; use one of: {', '.join([ALL, *suppliers])}")
    return text


def _month(ctx: SlashContext, text: str) -> str:
    if not re.fullmatch(MONTH_PATTERN, text):
        raise ValueError(f"period must be a month as YYYY-MM, got {text!r}")
    return text


# --- store look-ups ---------------------------------------------------------------------------


def last_month(store: Store) -> str:
    month = store.last_history_month()
    if month is None:
        raise SlashError(NO_HISTORY)
    return month


def latest_cycle(store: Store, table_name: str, where: str = "TRUE") -> str | None:
    """The newest cycle with rows in a cycle table (cycle ids are their months, so max is latest)."""
    return store.query(f"SELECT max(cycle_id) AS c FROM {table_name} WHERE {where}")["c"].iloc[0]


def family_clause(family: str) -> tuple[str, list[str]]:
    """SQL condition on items.family (alias `i`) and its parameters; `all` selects every family."""
    return ("TRUE", []) if family == ALL else ("i.family = ?", [family])


# --- /demand-forecast -------------------------------------------------------------------------


def family_history(store: Store, family: str) -> pd.DataFrame:
    """Monthly ordered units of a family over all SKUs and DCs, every month of the history
    (0 where nothing was ordered), with the number of SKUs summed."""
    condition, params = family_clause(family)
    sums = store.query(
        "SELECT h.month, SUM(h.ordered_qty) AS demand, COUNT(DISTINCT h.sku) AS skus FROM demand_history h "
        f"JOIN items i USING (sku) WHERE {condition} GROUP BY 1 ORDER BY 1", params)
    if sums.empty:
        raise SlashError(NO_HISTORY)
    first, last = sums["month"].iloc[0], sums["month"].iloc[-1]
    months = month_range(first, month_number(last) - month_number(first) + 1)
    return sums.set_index("month").reindex(months, fill_value=0).rename_axis("month").reset_index()


def demand_forecast(ctx: SlashContext, family: str, horizon: int) -> Reply:
    """Forecast the family's total ordered demand and explain the method and its accuracy."""
    history = family_history(ctx.store, family)
    out = registry.run("demand-forecast", ForecastInput(
        history=[DemandPoint(unique_id=family, ds=r.month, y=r.demand) for r in history.itertuples()],
        horizon=horizon))
    forecast = [{"month": r.ds, "forecast": r.yhat, "lo_80": r.lo_80, "hi_80": r.hi_80,
                 "lo_95": r.lo_95, "hi_95": r.hi_95} for r in out.forecast]
    backtest = out.backtest[0]
    improvement = 1 - backtest.mae / backtest.benchmark_mae if backtest.benchmark_mae > 0 else None
    method = {"model": backtest.model, "reason": getattr(backtest, "reason", None), "mae": backtest.mae,
              "benchmark_mae": backtest.benchmark_mae, "mae_vs_benchmark": improvement}
    first, last = history["month"].iloc[0], history["month"].iloc[-1]
    assumptions = [
        f"history window {first} to {last} ({len(history)} months)",
        f"demand = ordered quantities (unconstrained by stock), summed over {int(history['skus'].max())} SKUs "
        "and all DCs",
        "no sales input, market events or overrides applied: the statistical baseline",
    ]
    chart = fan_chart([*history["month"], *(f["month"] for f in forecast)], history["demand"].tolist(),
                      [f["forecast"] for f in forecast], [(f["lo_80"], f["hi_80"]) for f in forecast],
                      [(f["lo_95"], f["hi_95"]) for f in forecast])
    shown = [
        table(f"{family}: demand forecast, units per month", forecast, (
            Col("month", "month"), Col("forecast", "forecast", "units"), Col("lo_80", "80 % low", "units"),
            Col("hi_80", "80 % high", "units"), Col("lo_95", "95 % low", "units"), Col("hi_95", "95 % high", "units"))),
        facts("method and backtest accuracy", {
            "model": method["model"],
            "why": method["reason"] or "lowest backtest MAE",
            "backtest MAE": f"{method['mae']:,.0f} units/month",
            "seasonal-naive MAE": f"{method['benchmark_mae']:,.0f} units/month",
            "MAE vs benchmark": "—" if improvement is None
            else f"{abs(improvement):.1%} {'lower' if improvement >= 0 else 'higher'}",
        }),
        facts("assumptions", {str(i): a for i, a in enumerate(assumptions, 1)}),
        *seasonality_facts(history),
        Text(chart),
    ]
    return shown, {"family": family, "horizon": horizon, "history": records(history[["month", "demand"]]),
                   "forecast": forecast, "method": method, "assumptions": assumptions}


def seasonality_facts(history: pd.DataFrame) -> list[RenderableType]:
    """What the STL decomposition says about the family's season: how strong, and when it peaks."""
    if len(history) < 24:
        return []
    profile = stl_explain(history["demand"].to_numpy())
    first = int(history["month"].iloc[0][5:]) - 1
    calendar = {(first + i) % 12: v for i, v in enumerate(profile.seasonal_indices)}
    name = lambda m: date(2000, m + 1, 1).strftime("%B")  # noqa: E731
    return [facts("seasonality (STL decomposition)", {
        "seasonal strength": f"{profile.seasonal_strength:.2f} (0 none, 1 all of the variation)",
        "trend strength": f"{profile.trend_strength:.2f}",
        "peak month": f"{name(max(calendar, key=calendar.get))} ({max(calendar.values()):+,.0f} units vs trend)",
        "low month": f"{name(min(calendar, key=calendar.get))} ({min(calendar.values()):+,.0f} units vs trend)",
    })]


# --- /reorder-calc ----------------------------------------------------------------------------


def demand_inputs(store: Store, family: str) -> tuple[pd.DataFrame, str, str]:
    """(sku, dc, mean_demand, demand_std per month), where they came from, and the plan month.

    The latest cycle's inventory policy carries the forecast mean and the backtest error σ;
    before any cycle, the last 12 months of ordered units give the mean and sample std.
    """
    condition, params = family_clause(family)
    cycle = latest_cycle(store, "inventory_policy")
    if cycle is not None:
        frame = store.query(
            "SELECT p.sku, p.dc, p.mean_demand, p.demand_std FROM inventory_policy p JOIN items i USING (sku) "
            f"WHERE p.cycle_id = ? AND {condition} ORDER BY 1, 2", [cycle, *params])
        return frame, f"cycle {cycle}: forecast mean and backtest error σ", cycle
    last = last_month(store)
    first = add_months(last, -11)
    frame = store.query(
        "SELECT h.sku, h.dc, AVG(h.ordered_qty) AS mean_demand, COALESCE(STDDEV_SAMP(h.ordered_qty), 0) AS demand_std "
        f"FROM demand_history h JOIN items i USING (sku) WHERE h.month >= ? AND {condition} GROUP BY 1, 2 ORDER BY 1, 2",
        [first, *params])
    return frame, f"history {first} to {last}: mean and std of ordered units", add_months(last, 1)


def reorder_inputs(ctx: SlashContext, family: str) -> tuple[pd.DataFrame, str]:
    """Every SKU × DC with demand, with its lead time (months, from the last year's receipts, or
    the supplier's quoted lead time when nothing was received) and item master terms."""
    demand, source, period = demand_inputs(ctx.store, family)
    items = ctx.store.query("SELECT i.sku, i.supplier, i.unit_cost, i.moq, i.pack_size, s.lead_time_days "
                            "FROM items i JOIN suppliers s USING (supplier)").set_index("sku")
    lead = lead_times(ctx.store, period)
    rows = demand[demand["mean_demand"] > 0].join(items, on="sku").join(lead, on="supplier")
    rows["lead_time"] = rows["lead_time"].fillna(rows["lead_time_days"] / DAYS_PER_MONTH)
    rows["lead_time_std"] = rows["lead_time_std"].fillna(0.0)
    return rows[rows["unit_cost"] > 0].reset_index(drop=True), source


def reorder_calc(ctx: SlashContext, family: str, service_level: float) -> Reply:
    """EOQ, safety stock and reorder points per SKU × DC at one service level, and what other
    service levels would cost in safety stock."""
    rows, source = reorder_inputs(ctx, family)
    if rows.empty:
        raise SlashError(f"no {family} SKU has demand to size stock for ({source})")
    s = ctx.settings
    profiles = [{"sku": r.sku, "mean_demand": r.mean_demand, "demand_std": r.demand_std, "lead_time": r.lead_time,
                 "lead_time_std": r.lead_time_std, "unit_cost": r.unit_cost} for r in rows.itertuples()]
    policy = registry.run("reorder-calc", {"items": [
        {**p, "ordering_cost": s.ordering_cost, "holding_rate": s.holding_rate, "service_level": service_level,
         "moq": r.moq, "pack_size": r.pack_size} for p, r in zip(profiles, rows.itertuples())]})
    levels = sorted({*SENSITIVITY_LEVELS, service_level})
    sensitivity = registry.run("service-sensitivity", {"items": profiles, "levels": levels})
    positions = [{**p, "dc": dc, **result.model_dump(exclude={"sku"})}
                 for p, dc, result in zip(profiles, rows["dc"], policy.items)]
    levels_shown = [{**lv.model_dump(), "chosen": "◀" if lv.service_level == service_level else ""}
                    for lv in sensitivity.levels]
    total_ss = sum(p["safety_stock"] for p in positions)
    total_value = sum(p["safety_stock"] * p["unit_cost"] for p in positions)
    caption = (f"demand: {source}; lead time: supplier receipts of the last year; ordering cost "
               f"{s.ordering_cost:,.0f} per order, holding {s.holding_rate:.0%} of unit cost per year. "
               f"Safety stock {total_ss:,.0f} units worth {total_value:,.0f}.")
    shown = [
        table(f"{family}: reorder policy at {service_level:.1%} cycle service, units", positions, (
            Col("sku", "sku"), Col("dc", "dc"), Col("eoq", "EOQ", "units"), Col("safety_stock", "safety stock", "units"),
            Col("reorder_point", "reorder point", "units"), Col("order_up_to", "order-up-to", "units"),
            Col("cycle_stock", "cycle stock", "units"), Col("annual_ordering_cost", "ordering/yr", "units"),
            Col("annual_holding_cost", "holding/yr", "units")), caption=caption),
        table("safety stock against service level", levels_shown, (
            Col("service_level", "service level", "pct"), Col("z", "z", "num"),
            Col("safety_stock_units", "safety stock, units", "units"),
            Col("safety_stock_value", "investment", "units"), Col("chosen", ""))),
    ]
    return shown, {"family": family, "service_level": service_level, "source": source,
                   "ordering_cost": s.ordering_cost, "holding_rate": s.holding_rate,
                   "positions": positions, "sensitivity": [lv.model_dump() for lv in sensitivity.levels]}


# --- /supplier-scorecard ----------------------------------------------------------------------


def scorecard_window(period: str) -> tuple[date, date]:
    """First and last day of the 12 months ending with `period`."""
    end = to_timestamp(add_months(period, 1)) - pd.Timedelta(days=1)
    return to_timestamp(add_months(period, -11)).date(), end.date()


def supplier_scorecard(ctx: SlashContext, supplier: str | None, period: str | None) -> Reply:
    """Scorecards over the 12 months ending with `period`: one supplier in full, or all in summary."""
    period = period or last_month(ctx.store)
    start, end = scorecard_window(period)
    deliveries = ctx.store.query("SELECT * FROM supplier_deliveries WHERE order_date <= ?", [end])
    if deliveries.empty:
        raise SlashError(f"no purchase orders were placed by {end}; load supplier_deliveries first")
    weights = ScorecardWeights()
    out = registry.run("supplier-scorecard", {
        "records": records(deliveries), "period_start": start, "period_end": end, "weights": weights,
        "item_sources": records(ctx.store.query("SELECT sku, supplier FROM items"))})
    window = f"{start:%Y-%m} to {period}"
    if supplier is None:
        return scorecard_summary(out, window)
    card = next((c for c in out.scorecards if c.supplier == supplier), None)
    if card is None:
        raise SlashError(f"{supplier} received nothing from {start} to {end}, so it has no scorecard")
    return scorecard_detail(card, weights, window)


def scorecard_summary(out: SupplierScorecardOutput, window: str) -> Reply:
    """One row per scored supplier: weighted and category scores, tier and what to watch."""
    rows = [{"supplier": c.supplier, "score": c.weighted_score, "tier": c.tier, **c.scores.model_dump(),
             "on_time": c.metrics.on_time_delivery, "ppm": c.metrics.ppm,
             "trend_flags": sum(q.flagged for q in c.trend), "open_pos": c.open_pos} for c in out.scorecards]
    shown = [table(f"supplier scorecards, {window}", rows, (
        Col("supplier", "supplier"), Col("score", "score", "num"), Col("tier", "tier"),
        Col("quality", "quality", "num"), Col("delivery", "delivery", "num"), Col("cost", "cost", "num"),
        Col("responsiveness", "responsiveness", "num"), Col("on_time", "on time", "pct"), Col("ppm", "PPM", "units"),
        Col("trend_flags", "trend flags", "units"), Col("open_pos", "open POs", "units")),
        caption="score 0–100: " + ", ".join(f"{tier} ≥ {floor:g}" for floor, tier in TIER_FLOORS) + ", else at risk")]
    if out.unscored_suppliers:
        shown.append(Text(f"nothing received in the window: {', '.join(out.unscored_suppliers)}"))
    return shown, {"window": window, "suppliers": rows, "unscored_suppliers": out.unscored_suppliers}


def scorecard_detail(card: SupplierScorecard, weights: ScorecardWeights, window: str) -> Reply:
    """One supplier's metrics, category scores with their weights, trend, risks and action plan."""
    m, r, weights = card.metrics, card.risks, weights.model_dump()
    drift = "—" if r.lead_time_drift is None else f"{r.lead_time_drift:+.1%}"
    shown = [
        Text(f"{card.supplier}, {window}: weighted score {card.weighted_score:.1f} of 100, tier {card.tier}"),
        facts("metrics", {
            "received POs": f"{m.received_pos:,}", "open POs": f"{card.open_pos:,} ({card.past_due_pos:,} past due)",
            "PPM defective": f"{m.ppm:,.0f}", "first-pass yield": f"{m.first_pass_yield:.2%}",
            "return rate": f"{m.return_rate:.2%}", "on-time delivery": f"{m.on_time_delivery:.1%}",
            "fill rate": f"{m.fill_rate:.1%}", "mean lead time": f"{m.mean_lead_time_days:.1f} days",
            "lead-time σ": f"{m.lead_time_variance_days2 ** 0.5:.1f} days", "spend": f"{m.spend:,.0f}",
            "price index": f"{m.price_index:.1f} (list = 100)", "cost savings": f"{m.cost_savings:.1%}",
        }),
        table("category scores (0–100)", [{"category": k, "weight": weights[k], "score": v}
                                          for k, v in card.scores.model_dump().items()],
              (Col("category", "category"), Col("weight", "weight", "pct"), Col("score", "score", "num"))),
        table("quarterly trend", [{**q.model_dump(), "flag": "moved > 5 points" if q.flagged else ""}
                                  for q in card.trend],
              (Col("quarter", "quarter"), Col("score", "score", "num"), Col("change", "change", "num"),
               Col("flag", "flag"))),
        facts("risks", {
            "single-source SKUs": f"{len(r.single_source_skus)} ({r.single_source_spend_share:.1%} of all spend)",
            "share of all spend": f"{r.spend_share:.1%}",
            "lead-time drift, last quarter": drift + (" flagged" if r.lead_time_drift_flag else ""),
        }),
        Text("action plan:\n" + "\n".join(f"{i}. {a}" for i, a in enumerate(card.actions, 1))),
    ]
    return shown, {"window": window, "scorecard": card.model_dump(mode="json")}


# --- /logistics-plan --------------------------------------------------------------------------


LANE_MONTH_STATUS = (("over_capacity", "over capacity"), ("binding", "binding"), ("near_capacity", "near"))


def logistics_plan(ctx: SlashContext) -> Reply:
    """Lane volume, capacity, utilisation and cost of the latest cycle's base plan."""
    cycle = latest_cycle(ctx.store, "plan_lines", "scenario = 'base' AND kind = 'shipment'")
    if cycle is None:
        return [Text(f"No cycle has planned shipments yet: {RUN_CYCLE}.")], {"cycle": None}
    months = ctx.store.query("SELECT DISTINCT month FROM plan_lines WHERE cycle_id = ? AND scenario = 'base' "
                             "ORDER BY 1", [cycle])["month"].tolist()
    shipped = ctx.store.query("SELECT plant, dc, month AS period, SUM(qty) AS qty FROM plan_lines WHERE cycle_id = ? "
                              "AND scenario = 'base' AND kind = 'shipment' GROUP BY 1, 2, 3", [cycle])
    lanes = ctx.store.table("lanes")
    out = registry.run("logistics-plan", {
        "periods": months, "shipments": records(shipped),
        "lanes": [{"plant": r.plant, "dc": r.dc, "cost_per_unit": r.cost_per_unit,
                   "capacity": [r.capacity_per_month] * len(months)} for r in lanes.itertuples()]})
    lane_months = [{"lane": f"{lane.plant}→{lane.dc}", **m.model_dump(),
                    "status": next((label for flag, label in LANE_MONTH_STATUS if getattr(m, flag)), "")}
                   for lane in out.lanes for m in lane.months]
    totals = [{"lane": f"{p.plant}→{p.dc}", **p.model_dump(exclude={"months"})} for p in out.lanes]
    binding = [{"lane": f"{b.plant}→{b.dc}", **b.model_dump()} for b in out.binding]
    load = (Col("volume", "volume", "units"), Col("capacity", "capacity", "units"),
            Col("utilisation", "utilisation", "pct"))
    shown = [
        table(f"lanes by month, cycle {cycle} base plan, units", lane_months,
              (Col("lane", "lane"), Col("period", "month"), *load, Col("cost", "cost", "units"), Col("status", ""))),
        table("lanes over the horizon", totals, (
            Col("lane", "lane"), Col("total_volume", "volume", "units"), Col("total_capacity", "capacity", "units"),
            Col("utilisation", "utilisation", "pct"), Col("total_cost", "cost", "units"),
            Col("binding_months", "binding months", "units")), caption=f"freight cost {out.total_cost:,.0f}"),
        table("binding lanes", binding, (Col("lane", "lane"), Col("period", "month"), *load))
        if binding else Text("No lane binds in any month."),
    ]
    return shown, {"cycle": cycle, "scenario": "base", **out.model_dump()}


# --- /inventory-status ------------------------------------------------------------------------


def inventory_status(ctx: SlashContext) -> Reply:
    """On-hand stock by family and DC against the latest safety-stock targets, and how many days
    of the last three months' average demand it covers."""
    last = last_month(ctx.store)
    recent = month_range(add_months(last, -2), 3)
    days = sum(to_timestamp(m).days_in_month for m in recent)
    cycle = latest_cycle(ctx.store, "inventory_policy")
    status = ctx.store.query(
        "WITH stock AS (SELECT i.family, v.dc, SUM(v.on_hand) AS on_hand, SUM(v.on_hand * i.unit_cost) AS on_hand_value "
        "  FROM inventory v JOIN items i USING (sku) GROUP BY 1, 2), "
        "target AS (SELECT i.family, p.dc, SUM(p.safety_stock) AS safety_stock, "
        "  SUM(p.safety_stock * i.unit_cost) AS safety_stock_value FROM inventory_policy p JOIN items i USING (sku) "
        "  WHERE p.cycle_id = ? GROUP BY 1, 2), "
        "recent AS (SELECT i.family, h.dc, SUM(h.ordered_qty) AS demand FROM demand_history h JOIN items i USING (sku) "
        "  WHERE h.month >= ? GROUP BY 1, 2) "
        "SELECT s.*, t.safety_stock, t.safety_stock_value, s.on_hand - t.safety_stock AS above_safety_stock, "
        "  s.on_hand / NULLIF(r.demand / ?, 0) AS days_of_supply "
        "FROM stock s LEFT JOIN target t USING (family, dc) LEFT JOIN recent r USING (family, dc) ORDER BY 1, 2",
        [cycle, recent[0], days])
    rows = records(status)
    targets = (f"safety stock from cycle {cycle}" if cycle
               else f"no safety-stock targets until a cycle has run ({RUN_CYCLE})")
    caption = (f"{targets}; days of supply on the average daily demand of {recent[0]} to {last}; "
               f"on hand {status['on_hand'].sum():,.0f} units worth {status['on_hand_value'].sum():,.0f}")
    shown = [table("inventory by family and DC, units and value", rows, (
        Col("family", "family"), Col("dc", "dc"), Col("on_hand", "on hand", "units"),
        Col("on_hand_value", "value", "units"), Col("safety_stock", "safety stock", "units"),
        Col("safety_stock_value", "SS value", "units"), Col("above_safety_stock", "above SS", "units"),
        Col("days_of_supply", "days of supply", "units")), caption=caption)]
    return shown, {"cycle": cycle, "demand_months": recent, "demand_days": days, "positions": rows}


# --- /abc-analysis ----------------------------------------------------------------------------


def abc_analysis(ctx: SlashContext) -> Reply:
    """ABC by revenue and XYZ by demand variability over the last 12 months, per segment."""
    period = add_months(last_month(ctx.store), 1)
    log = get_logger(cycle_id=None, node="slash", agent=INVENTORY_OPTIMIZER.name)
    out = INVENTORY_OPTIMIZER.use("abc-xyz", AbcXyzInput(items=abc_items(ctx.store, period)), log)
    items = pd.DataFrame([r.model_dump() for r in out.items]).set_index("sku")
    grouped = items.groupby("segment").agg(skus=("abc", "size"), revenue_share=("revenue_share", "sum"),
                                           service_level=("service_level", "first"))
    rows = records(grouped.reindex([s for s in SEGMENTS if s in grouped.index]).rename_axis("segment").reset_index())
    window = f"{add_months(period, -12)} to {add_months(period, -1)}"
    shown = [table(f"ABC/XYZ segments, {window}", rows, (
        Col("segment", "segment"), Col("skus", "SKUs", "units"), Col("revenue_share", "revenue share", "pct"),
        Col("service_level", "service target", "pct")),
        caption="A: top 80 % of revenue, B: next 15 %; X: demand CV ≤ 0.5, Y: ≤ 1, Z: above")]
    return shown, {"window": window, "skus": len(items), "segments": rows}


# --- /gaps ------------------------------------------------------------------------------------


def gaps(ctx: SlashContext) -> Reply:
    """The latest cycle's ranked supply gaps in the base scenario."""
    cycle = latest_cycle(ctx.store, "gaps", "scenario = 'base'")
    if cycle is None:
        return [Text(f"No cycle has ranked supply gaps yet: {RUN_CYCLE}.")], {"cycle": None}
    rows = records(ctx.store.query("SELECT rank, kind, subject, month, units, value, detail FROM gaps "
                                   "WHERE cycle_id = ? AND scenario = 'base' ORDER BY rank", [cycle]))
    shown = [table(f"gaps, cycle {cycle}, base scenario", rows, (
        Col("rank", "rank"), Col("kind", "kind"), Col("subject", "subject"), Col("month", "month"),
        Col("units", "units", "units"), Col("value", "value", "units"), Col("detail", "detail")))]
    return shown, {"cycle": cycle, "scenario": "base", "gaps": rows}


# --- /help and dispatch -----------------------------------------------------------------------


def help_(ctx: SlashContext) -> Reply:
    rows = [{"usage": c.usage, "help": c.help} for c in COMMANDS.values()]
    return [table("slash commands", rows, (Col("usage", "usage"), Col("help", "what it shows")))], {"commands": rows}


FAMILY = Arg("product-line", _family, ALL)
COMMANDS: dict[str, SlashCommand] = {c.name: c for c in (
    SlashCommand("demand-forecast", (FAMILY, Arg("horizon", _int_between(1, 36, "horizon"), DEFAULT_HORIZON)),
                 "Family forecast by month with 80/95 % bands, the method chosen and its backtest", demand_forecast),
    SlashCommand("reorder-calc", (Arg("product-category", _family, ALL),
                                  Arg("service-level", _service_level, DEFAULT_SERVICE_LEVEL)),
                 "EOQ, safety stock and reorder points per SKU × DC, and service-level sensitivity", reorder_calc),
    SlashCommand("supplier-scorecard", (Arg("supplier", _supplier), Arg("period", _month)),
                 "Supplier scores, tier, trend, risks and actions over 12 months (all: one row each)",
                 supplier_scorecard),
    SlashCommand("logistics-plan", (), "Lane volume, capacity, utilisation and cost of the latest base plan",
                 logistics_plan),
    SlashCommand("inventory-status", (), "On hand by family and DC against safety stock, with days of supply",
                 inventory_status),
    SlashCommand("abc-analysis", (), "ABC/XYZ segments with SKU counts, revenue share and service targets",
                 abc_analysis),
    SlashCommand("gaps", (), "The latest cycle's ranked supply gaps (base scenario)", gaps),
    SlashCommand("help", (), "Every command with its usage", help_),
)}


def parse(ctx: SlashContext, line: str) -> tuple[SlashCommand, list[Any]]:
    """The command a line names and its argument values, defaults filled in."""
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise SlashUsageError(f"cannot read the line ({exc}); try /help") from None
    if not words or not words[0].startswith("/"):
        raise SlashUsageError("a slash command starts with '/'; try /help")
    name = words[0][1:].lower()
    command = COMMANDS.get(name)
    if command is None:
        raise SlashUsageError(f"unknown command /{name}; commands: {' '.join('/' + c for c in COMMANDS)}")
    if len(words) - 1 > len(command.args):
        raise SlashUsageError(f"too many arguments; usage: {command.usage}")
    values = []
    for arg, word in zip_longest(command.args, words[1:]):
        try:
            values.append(arg.default if word is None else arg.parse(ctx, word))
        except ValueError as exc:
            raise SlashUsageError(f"{exc}; usage: {command.usage}") from None
    return command, values


def dispatch(store: Store, line: str, settings: Settings) -> SlashResult:
    """Run the slash command on `line` ("/name arg arg") and return what it shows and its figures."""
    ctx = SlashContext(store=store, settings=settings)
    command, values = parse(ctx, line)
    renderables, figures = command.handler(ctx, *values)
    return SlashResult(command=command.name, renderables=renderables, figures=figures)

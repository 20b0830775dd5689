"""How the slash commands show a query's result: tables, facts and the fan chart.

Each view takes the typed result of one query and returns what the REPL prints; the figures
behind it are the result itself, as JSON. Nothing here reads the store or computes a figure.
"""

from __future__ import annotations

from datetime import date

from rich.console import RenderableType
from rich.text import Text

from sop.agents.queries.forecast import FamilyForecast, Seasonality
from sop.agents.queries.plan import LanePlan, RankedGaps
from sop.agents.queries.stock import AbcSegments, InventorySummary, ReorderPolicy
from sop.agents.queries.suppliers import SupplierSummary
from sop.chat.tables import Col, facts, table
from sop.chat.textchart import fan_chart
from sop.numbers import days, money, number, percent, score, signed_percent, units
from sop.tools.supply.supplier import TIER_FLOORS, SupplierScorecard

RUN_CYCLE = "run 'sop cycle run' first"
LANE_MONTH_STATUS = (("over_capacity", "over capacity"), ("binding", "binding"), ("near_capacity", "near"))


def _month_name(month: int) -> str:
    return date(2000, month, 1).strftime("%B")


def _season(s: Seasonality) -> RenderableType:
    return facts("seasonality (STL decomposition)", {
        "seasonal strength": f"{number(s.seasonal_strength)} (0 none, 1 all of the variation)",
        "trend strength": number(s.trend_strength),
        "peak month": f"{_month_name(s.peak_month)} ({units(s.peak_units, signed=True)} units vs trend)",
        "low month": f"{_month_name(s.low_month)} ({units(s.low_units, signed=True)} units vs trend)",
    })


def family_forecast(r: FamilyForecast) -> list[RenderableType]:
    m = r.method
    chart = fan_chart([*(h.month for h in r.history), *(f.month for f in r.forecast)],
                      [h.demand for h in r.history], [f.forecast for f in r.forecast],
                      [(f.lo_80, f.hi_80) for f in r.forecast], [(f.lo_95, f.hi_95) for f in r.forecast])
    return [
        table(f"{r.family}: demand forecast, units per month", r.forecast, (
            Col("month", "month", "month"), Col("forecast", "forecast", "units"), Col("lo_80", "80 % low", "units"),
            Col("hi_80", "80 % high", "units"), Col("lo_95", "95 % low", "units"), Col("hi_95", "95 % high", "units"))),
        facts("method and backtest accuracy", {
            "model": m.model,
            "why": m.reason or "lowest backtest MAE",
            "backtest MAE": f"{units(m.mae)} units/month",
            "seasonal-naive MAE": f"{units(m.benchmark_mae)} units/month",
            "MAE vs benchmark": "—" if m.mae_vs_benchmark is None
            else f"{percent(abs(m.mae_vs_benchmark))} {'lower' if m.mae_vs_benchmark >= 0 else 'higher'}",
        }),
        facts("assumptions", {str(i): a for i, a in enumerate(r.assumptions, 1)}),
        *([_season(r.seasonality)] if r.seasonality else []),
        Text(chart),
    ]


def reorder_policy(r: ReorderPolicy) -> list[RenderableType]:
    h = r.headline
    caption = (f"demand: {r.source}; lead time: supplier receipts of the last year; ordering cost "
               f"{money(r.ordering_cost)} per order, holding {percent(r.holding_rate, 0)} of unit cost per year. "
               f"Safety stock {units(h.safety_stock_units)} units worth {money(h.safety_stock_value)}.")
    levels = [{**lv.model_dump(), "chosen": "◀" if lv.service_level == r.service_level else ""} for lv in r.sensitivity]
    return [
        table(f"{r.family}: reorder policy at {percent(r.service_level)} cycle service, units", r.positions, (
            Col("sku", "sku"), Col("dc", "dc"), Col("eoq", "EOQ", "units"),
            Col("safety_stock", "safety stock", "units"),
            Col("reorder_point", "reorder point", "units"), Col("order_up_to", "order-up-to", "units"),
            Col("cycle_stock", "cycle stock", "units"), Col("annual_ordering_cost", "ordering/yr", "money"),
            Col("annual_holding_cost", "holding/yr", "money")), caption=caption),
        table("safety stock against service level", levels, (
            Col("service_level", "service level", "percent"), Col("z", "z", "number"),
            Col("safety_stock_units", "safety stock, units", "units"),
            Col("safety_stock_value", "investment", "money"), Col("chosen", ""))),
    ]


def supplier_summary(r: SupplierSummary) -> list[RenderableType]:
    if r.scorecard is not None:
        return _scorecard(r.scorecard, r)
    shown: list[RenderableType] = [table(f"supplier scorecards, {r.window}", r.suppliers, (
        Col("supplier", "supplier"), Col("score", "score", "score"), Col("tier", "tier"),
        Col("quality", "quality", "score"), Col("delivery", "delivery", "score"), Col("cost", "cost", "score"),
        Col("responsiveness", "responsiveness", "score"), Col("on_time", "on time", "percent"),
        Col("ppm", "PPM", "units"), Col("trend_flags", "trend flags", "units"), Col("open_pos", "open POs", "units")),
        caption="score 0–100: " + ", ".join(f"{tier} ≥ {floor:g}" for floor, tier in TIER_FLOORS) + ", else at risk")]
    if r.unscored_suppliers:
        shown.append(Text(f"nothing received in the window: {', '.join(r.unscored_suppliers)}"))
    return shown


def _scorecard(card: SupplierScorecard, r: SupplierSummary) -> list[RenderableType]:
    """One supplier's metrics, category scores with their weights, trend, risks and action plan."""
    m, risks, weights = card.metrics, card.risks, r.weights.model_dump()
    drift = "—" if risks.lead_time_drift is None else signed_percent(risks.lead_time_drift)
    return [
        Text(f"{card.supplier}, {r.window}: weighted score {score(card.weighted_score)} of 100, tier {card.tier}"),
        facts("metrics", {
            "received POs": f"{m.received_pos:,}", "open POs": f"{card.open_pos:,} ({card.past_due_pos:,} past due)",
            "PPM defective": units(m.ppm), "first-pass yield": percent(m.first_pass_yield, 2),
            "return rate": percent(m.return_rate, 2), "on-time delivery": percent(m.on_time_delivery),
            "fill rate": percent(m.fill_rate), "mean lead time": f"{days(m.mean_lead_time_days)} days",
            "lead-time σ": f"{days(m.lead_time_variance_days2 ** 0.5)} days", "spend": money(m.spend),
            "price index": f"{score(m.price_index)} (list = 100)", "cost savings": percent(m.cost_savings),
        }),
        table("category scores (0–100)", [{"category": k, "weight": weights[k], "score": v}
                                          for k, v in card.scores.model_dump().items()],
              (Col("category", "category"), Col("weight", "weight", "percent"), Col("score", "score", "score"))),
        table("quarterly trend", [{**q.model_dump(), "flag": "moved > 5 points" if q.flagged else ""}
                                  for q in card.trend],
              (Col("quarter", "quarter"), Col("score", "score", "score"), Col("change", "change", "score"),
               Col("flag", "flag"))),
        facts("risks", {
            "single-source SKUs": f"{len(risks.single_source_skus)} "
                                  f"({percent(risks.single_source_spend_share)} of all spend)",
            "share of all spend": percent(risks.spend_share),
            "lead-time drift, last quarter": drift + (" flagged" if risks.lead_time_drift_flag else ""),
        }),
        Text("action plan:\n" + "\n".join(f"{i}. {a}" for i, a in enumerate(card.actions, 1))),
    ]


def lane_plan(r: LanePlan) -> list[RenderableType]:
    if r.cycle is None:
        return [Text(f"No cycle has planned shipments yet: {RUN_CYCLE}.")]
    lane_months = [{"lane": f"{lane.plant}→{lane.dc}", **m.model_dump(),
                    "status": next((label for flag, label in LANE_MONTH_STATUS if getattr(m, flag)), "")}
                   for lane in r.lanes for m in lane.months]
    totals = [{"lane": f"{p.plant}→{p.dc}", **p.model_dump(exclude={"months"})} for p in r.lanes]
    binding = [{"lane": f"{b.plant}→{b.dc}", **b.model_dump()} for b in r.binding]
    load = (Col("volume", "volume", "units"), Col("capacity", "capacity", "units"),
            Col("utilisation", "utilisation", "percent"))
    return [
        table(f"lanes by month, cycle {r.cycle} base plan, units", lane_months,
              (Col("lane", "lane"), Col("period", "month"), *load, Col("cost", "cost", "money"), Col("status", ""))),
        table("lanes over the horizon", totals, (
            Col("lane", "lane"), Col("total_volume", "volume", "units"), Col("total_capacity", "capacity", "units"),
            Col("utilisation", "utilisation", "percent"), Col("total_cost", "cost", "money"),
            Col("binding_months", "binding months", "units")), caption=f"freight cost {money(r.total_cost)}"),
        table("binding lanes", binding, (Col("lane", "lane"), Col("period", "month"), *load))
        if binding else Text("No lane binds in any month."),
    ]


def inventory_summary(r: InventorySummary) -> list[RenderableType]:
    targets = (f"safety stock from cycle {r.cycle}" if r.cycle
               else f"no safety-stock targets until a cycle has run ({RUN_CYCLE})")
    caption = (f"{targets}; days of supply on the average daily demand of {r.demand_months[0]} to "
               f"{r.demand_months[-1]}; on hand {units(r.headline.on_hand_units)} units worth "
               f"{money(r.headline.on_hand_value)}")
    return [table("inventory by family and DC, units and value", r.positions, (
        Col("family", "family"), Col("dc", "dc"), Col("on_hand", "on hand", "units"),
        Col("on_hand_value", "value", "money"), Col("safety_stock", "safety stock", "units"),
        Col("safety_stock_value", "SS value", "money"), Col("above_safety_stock", "above SS", "units"),
        Col("days_of_supply", "days of supply", "days")), caption=caption)]


def abc_segments(r: AbcSegments) -> list[RenderableType]:
    return [table(f"ABC/XYZ segments, {r.window}", r.segments, (
        Col("segment", "segment"), Col("skus", "SKUs", "units"), Col("revenue_share", "revenue share", "percent"),
        Col("service_level", "service target", "percent")),
        caption="A: top 80 % of revenue, B: next 15 %; X: demand CV ≤ 0.5, Y: ≤ 1, Z: above")]


def ranked_gaps(r: RankedGaps) -> list[RenderableType]:
    if r.cycle is None:
        return [Text(f"No cycle has ranked supply gaps yet: {RUN_CYCLE}.")]
    return [table(f"gaps, cycle {r.cycle}, base scenario", r.gaps, (
        Col("rank", "rank"), Col("kind", "kind"), Col("subject", "subject"), Col("month", "month"),
        Col("units", "units", "units"), Col("value", "value", "money"), Col("detail", "detail")))]

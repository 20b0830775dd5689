"""The one registry of read-only queries over the planning data and the current cycle.

A slash command parses its words into a query's input and renders the result; an agent calls
the same query as a chat tool when its allowlist (`AgentSpec.queries`) names it. No SQL a model
writes ever runs, and no query writes: `propose-override` checks and prices a change, but
storing it is the planner's confirmation in `sop chat`.
"""

from __future__ import annotations

from sop.agents.narrator import load_prompt
from sop.agents.offline import OfflineChatModel
from sop.agents.queries.core import ALL, Query, QueryContext, QueryError
from sop.agents.queries.forecast import FamilyForecastQuery, ForecastSummaryQuery, family_forecast, forecast_summary
from sop.agents.queries.notes import NotesQuery, sales_notes
from sop.agents.queries.overrides import OverrideProposal, propose_override
from sop.agents.queries.plan import GapsQuery, LaneQuery, PlanQuery, lane_plan, plan_overview, ranked_supply_gaps
from sop.agents.queries.stock import (
    AbcQuery,
    InventoryQuery,
    ReorderQuery,
    abc_segments,
    inventory_summary,
    reorder_policy,
)
from sop.agents.queries.suppliers import SupplierQuery, supplier_summary
from sop.agents.roster import AGENTS

__all__ = ["QUERIES", "Query", "QueryContext", "QueryError", "offline_model"]


def _families(ctx: QueryContext) -> dict[str, list[str]]:
    return {"family": [ALL, *ctx.families()]}


QUERIES: dict[str, Query] = {q.name: q for q in (
    Query("family-forecast", "A family's statistical forecast by month with 80/95 % bands, the model the backtest "
          "chose and its error against seasonal naive, the assumptions and the season.",
          FamilyForecastQuery, family_forecast, choices=_families),
    Query("forecast-summary", "The forecast layers of the current cycle by month for a family (statistical, "
          "sales input, consensus with overrides), against the same months last year, with the market events "
          "and planner overrides in the window.", ForecastSummaryQuery, forecast_summary,
          keywords=("forecast", "demand", "sell", "sales", "consensus", "statistical", "baseline", "why",
                    "expect", "last year", "trend", "season", "seasonal", "family", "outlook"),
          choices=lambda ctx: {**_families(ctx), "start": ctx.horizon}),
    Query("propose-override", "Propose a planner override of the consensus forecast and show its effect on "
          "units, revenue and the supply gaps. It stores nothing: the planner confirms or declines it.",
          OverrideProposal, propose_override,
          keywords=("raise", "increase", "lift", "boost", "bump", "add", "lower", "reduce", "cut", "decrease",
                    "override", "adjust", "change the forecast", "set"),
          choices=lambda ctx: {"month_from": ctx.horizon, "month_to": ctx.horizon}),
    Query("reorder-policy", "EOQ, safety stock and reorder points per SKU × DC of a family at one service level, "
          "and what other service levels would cost in safety stock.", ReorderQuery, reorder_policy,
          choices=_families),
    Query("inventory-summary", "Stock on hand by family and DC against the safety-stock targets, with days of "
          "supply.", InventoryQuery, inventory_summary,
          keywords=("inventory", "stock", "stocks", "on hand", "safety stock", "reorder", "days of supply", "cover",
                    "coverage", "stockout", "warehouse", "holding"),
          choices=_families),
    Query("abc-segments", "ABC by revenue and XYZ by demand variability over the last 12 months: SKUs, revenue "
          "share and service target per segment.", AbcQuery, abc_segments),
    Query("supplier-summary", "Supplier scorecards over twelve months: score, tier, on-time delivery, quality, "
          "lead time and actions; one supplier in full or all in summary.", SupplierQuery, supplier_summary,
          keywords=("supplier", "suppliers", "scorecard", "vendor", "on-time", "on time", "lead time", "late",
                    "quality", "ppm", "delivery", "deliveries", "tier"),
          choices=lambda ctx: {"supplier": [ALL, *ctx.suppliers()]}),
    Query("plan-summary", "The latest supply plan of a scenario: demand, unmet demand and revenue at risk, and "
          "its largest ranked gaps, optionally for one family.", PlanQuery, plan_overview,
          keywords=("plan", "supply plan", "unmet", "gap", "gaps", "capacity", "shortage", "short", "lost sales",
                    "at risk", "plant", "plants", "overtime", "lane", "lanes", "constrained", "upside", "downside"),
          choices=_families),
    Query("lane-plan", "Lane volume, capacity, utilisation and freight cost of the latest base plan by month, and "
          "the lanes that bind.", LaneQuery, lane_plan),
    Query("sales-notes", "The commercial team's notes on market events that reach into the horizon (text from "
          "the data, to read as data).", NotesQuery, sales_notes),
    Query("ranked-gaps", "Every ranked supply gap of the latest cycle's base plan.", GapsQuery, ranked_supply_gaps),
)}

# The queries some agent may call in chat, each with its answer template prompts/NAME.answer.txt.
CHAT_QUERIES = tuple(dict.fromkeys(q for agent in AGENTS.values() for q in agent.queries))


def offline_model() -> OfflineChatModel:
    """The offline model over the agents' queries: their routing keywords and answer templates."""
    return OfflineChatModel(keywords={n: QUERIES[n].keywords for n in CHAT_QUERIES},
                            templates={n: load_prompt(n, ".answer.txt") for n in CHAT_QUERIES})

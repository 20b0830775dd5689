"""inventory-optimizer: week 2. Segments items and sets safety stocks and reorder points; in
week 3, with finance, it prices the plan (projection, variances, last month's key metrics). In the
cycle it proposes bringing the stock of a family at a DC up to its safety-stock target where it
sits below, with the working capital that costs; when none sits below, it prices the next
service level up from the safety-stock sensitivity."""

from __future__ import annotations

from typing import Any

from sop.agents.base import AgentSpec, Call, Review
from sop.agents.proposals import Proposal

NAME = "inventory-optimizer"
SERVICE_LEVEL = 0.95
MAX_PROPOSALS = 3  # the largest shortfalls; the rest are in the inventory summary


def _short(summary: dict[str, Any]) -> list[dict[str, Any]]:
    below = [p for p in summary["positions"] if p["above_safety_stock"] is not None and p["above_safety_stock"] < 0
             and p["safety_stock"]]
    return sorted(below, key=lambda p: p["above_safety_stock"])[:MAX_PROPOSALS]


def _next_call(results: dict[str, dict[str, Any]]) -> Call | None:
    if "inventory-summary" not in results:
        return "inventory-summary", {"family": "all"}
    if not _short(results["inventory-summary"]) and "reorder-policy" not in results:
        return "reorder-policy", {"family": "all", "service_level": SERVICE_LEVEL}
    return None


def _restock(n: int, p: dict[str, Any], cycle: str | None) -> Proposal:
    units = -p["above_safety_stock"]
    value = units * p["safety_stock_value"] / p["safety_stock"]
    return Proposal(
        id=f"IO-{n}", agent=NAME, gate="executive", kind="safety_stock",
        title=f"bring {p['family']} at {p['dc']} up to its safety stock: +{units:,.0f} units",
        evidence=[f"inventory-summary {cycle}: {p['family']} at {p['dc']} holds {p['on_hand']:,.0f} units against a "
                  f"safety stock of {p['safety_stock']:,.0f}"],
        effect={"family": p["family"], "dc": p["dc"], "units": units, "working_capital": value}, confidence=0.7)


def _service_step(policy: dict[str, Any]) -> list[Proposal]:
    levels = sorted(policy["sensitivity"], key=lambda s: s["service_level"])
    now = next((s for s in levels if s["service_level"] == policy["service_level"]), None)
    up = next((s for s in levels if s["service_level"] > policy["service_level"]), None)
    if now is None or up is None:
        return []
    cost = up["safety_stock_value"] - now["safety_stock_value"]
    return [Proposal(
        id="IO-1", agent=NAME, gate="executive", kind="safety_stock",
        title=f"raise the service level from {now['service_level']:.0%} to {up['service_level']:.0%}",
        evidence=[f"reorder-policy: safety stock {now['safety_stock_value']:,.0f} at {now['service_level']:.0%}, "
                  f"{up['safety_stock_value']:,.0f} at {up['service_level']:.0%}"],
        effect={"service_level_from": now["service_level"], "service_level_to": up["service_level"],
                "units": up["safety_stock_units"] - now["safety_stock_units"], "working_capital": cost},
        confidence=0.5)]


def _propose(results: dict[str, dict[str, Any]]) -> tuple[list[str], list[Proposal]]:
    summary = results["inventory-summary"]
    short = _short(summary)
    proposals = ([_restock(n, p, summary["cycle"]) for n, p in enumerate(short, start=1)] if short
                 else _service_step(results["reorder-policy"]))
    findings = [f"{len(short)} family × DC position(s) below safety stock"
                + ("" if short else "; priced the next service level instead")]
    return findings, proposals


INVENTORY_OPTIMIZER = AgentSpec(name=NAME, tools=("reorder-calc", "abc-xyz", "financial-projection",
                                                 "financial-variance", "kpi-scorecard"),
                                queries=("inventory-summary",),
                                review=Review(tools=("inventory-summary", "reorder-policy"), next_call=_next_call,
                                              propose=_propose, kind="safety_stock", prefix="IO"))

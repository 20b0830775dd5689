"""supplier-relationship-manager: week 2. Scores suppliers from their delivery history, and in
the cycle flags each supplier scored below the approved tier's threshold: a second source for
one at risk, an allocation review for one in development."""

from __future__ import annotations

from typing import Any

from sop.agents.base import AgentSpec, Review, call_once
from sop.agents.proposals import Proposal
from sop.tools.supply.supplier import TIER_FLOORS

NAME = "supplier-relationship-manager"
THRESHOLD = next(floor for floor, tier in TIER_FLOORS if tier == "approved")  # weighted score, 0-100


def _propose(results: dict[str, dict[str, Any]]) -> tuple[list[str], list[Proposal]]:
    summary = results["supplier-summary"]
    below = [s for s in summary["suppliers"] if s["score"] < THRESHOLD]
    proposals = [Proposal(
        id=f"SRM-{n}", agent=NAME, gate="executive", kind="supplier_risk",
        title=(f"qualify a second source for {s['supplier']}" if s["tier"] == "at risk"
               else f"review the allocation to {s['supplier']}"),
        evidence=[f"supplier-summary {summary['window']}: {s['supplier']} scores {s['score']:.1f} ({s['tier']}), "
                  f"on-time {s['on_time']:.1%}, {s['ppm']:,.0f} ppm"],
        effect={"supplier": s["supplier"], "score": s["score"], "threshold": THRESHOLD,
                "shortfall": THRESHOLD - s["score"], "action": "second source" if s["tier"] == "at risk"
                else "allocation"},
        confidence=0.8) for n, s in enumerate(below, start=1)]
    findings = [f"scored {len(summary['suppliers'])} supplier(s); {len(below)} below the approved threshold "
                f"of {THRESHOLD:.0f}"]
    return findings, proposals


SUPPLIER_RELATIONSHIP_MANAGER = AgentSpec(
    name=NAME, tools=("supplier-scorecard",), queries=("supplier-summary",),
    review=Review(tools=("supplier-summary",), next_call=call_once("supplier-summary", {"supplier": "all"}),
                  propose=_propose, kind="supplier_risk", prefix="SRM"))

"""What the executive gate shows the people deciding at it."""

from __future__ import annotations

from typing import Any

from sop.store.database import Store

TOP = 10  # gaps of each ranking shown at the gate


def executive_view(store: Store, cycle_id: str) -> dict[str, Any]:
    """The ranked gaps of the base plan and each scenario's outcome, the gaps ranked by margin at
    risk with the recommendations their what-ifs quantified (best net benefit first), and the
    decisions the executives are asked to take. Units in units, money in the company's currency."""
    q = store.query
    gaps = q("SELECT rank, kind, subject, month, units, value, detail FROM gaps "
             "WHERE cycle_id = ? AND scenario = 'base' ORDER BY rank LIMIT ?", [cycle_id, TOP])
    plans = q("SELECT scenario, objective, unmet_units, unmet_revenue FROM plan_summary "
              "WHERE cycle_id = ? ORDER BY scenario", [cycle_id])
    margin_gaps = q("SELECT rank, kind, subject, margin_at_risk, detail FROM margin_gaps WHERE cycle_id = ? "
                    "ORDER BY rank LIMIT ?", [cycle_id, TOP])
    recommendations = q("SELECT recommendation_id, title, gap_ranks, margin_recovered, cost, net_benefit, units, "
                        "months, risks FROM whatifs WHERE cycle_id = ? ORDER BY net_benefit DESC", [cycle_id])
    asks = q("SELECT seq, decision, detail FROM decision_requests WHERE cycle_id = ? ORDER BY seq", [cycle_id])
    return {"gaps": gaps.to_dict("records"), "scenarios": plans.to_dict("records"),
            "margin_gaps": margin_gaps.to_dict("records"), "recommendations": recommendations.to_dict("records"),
            "decisions_requested": asks.to_dict("records")}

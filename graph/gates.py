"""The two human gates. Each pauses the cycle with `interrupt()` unless the approval policy
passes it, and checks on resume that the approver holds the gate's role.

A rejection is an answer too: the router after each gate sends the cycle back for rework.
"""

from __future__ import annotations

from typing import Any, Literal

from langgraph.runtime import Runtime
from langgraph.types import interrupt

from sop.graph.context import CycleContext
from sop.graph.decisions import parse_decisions
from sop.graph.state import Approval, CycleState, Gate
from sop.log import get_logger
from sop.store.database import Store
from sop.store.forecasts import adopt_consensus, consensus_view


class NotAuthorized(PermissionError):
    """The named person may not approve or reject this gate."""


def authorize(ctx: CycleContext, gate: Gate, person: str) -> None:
    """Refuse anyone the team file does not name as an approver of this gate."""
    team = ctx.store.query("SELECT approves FROM team WHERE person = ?", [person])
    if team.empty:
        raise NotAuthorized(f"{person!r} is not in the team file; only its approvers may decide at a gate")
    if team["approves"].iloc[0] != gate:
        raise NotAuthorized(
            f"{person!r} may not decide at the {gate} gate (their approval right: {team['approves'].iloc[0]})"
        )


def _figures(gate: Gate, state: CycleState) -> dict[str, float]:
    if gate == "consensus":
        return dict(state["demand"])
    return {**state["supply"]["figures"], **state["finance"]["figures"]}


def _executive_view(store: Store, cycle_id: str) -> dict[str, Any]:
    """The ranked gaps of the base plan and each scenario's outcome, the gaps ranked by margin at
    risk with the recommendations their what-ifs quantified (best net benefit first), and the
    decisions the executives are asked to take."""
    q = store.query
    gaps = q("SELECT rank, kind, subject, month, units, value, detail FROM gaps "
             "WHERE cycle_id = ? AND scenario = 'base' ORDER BY rank LIMIT 10", [cycle_id])
    plans = q("SELECT scenario, objective, unmet_units, unmet_revenue FROM plan_summary "
              "WHERE cycle_id = ? ORDER BY scenario", [cycle_id])
    margin_gaps = q("SELECT rank, kind, subject, margin_at_risk, detail FROM margin_gaps WHERE cycle_id = ? "
                    "ORDER BY rank LIMIT 10", [cycle_id])
    recommendations = q("SELECT recommendation_id, title, gap_ranks, margin_recovered, cost, net_benefit, units, "
                        "months, risks FROM whatifs WHERE cycle_id = ? ORDER BY net_benefit DESC", [cycle_id])
    asks = q("SELECT seq, decision, detail FROM decision_requests WHERE cycle_id = ? ORDER BY seq", [cycle_id])
    return {"gaps": gaps.to_dict("records"), "scenarios": plans.to_dict("records"),
            "margin_gaps": margin_gaps.to_dict("records"), "recommendations": recommendations.to_dict("records"),
            "decisions_requested": asks.to_dict("records")}


def _payload(gate: Gate, ctx: CycleContext, state: CycleState, figures: dict[str, float],
             failures: list[str]) -> dict[str, Any]:
    what = "the consensus demand forecast" if gate == "consensus" else "the supply plan and financial projection"
    view = consensus_view if gate == "consensus" else _executive_view
    return {
        "gate": gate,
        "cycle_id": state["cycle_id"],
        "period": state["period"],
        "approving": what,
        "figures": figures,
        "reports": [r for r in state.get("reports", []) if r],
        "view": view(ctx.store, state["cycle_id"]),
        "policy_failures": failures,
        "options": ["approve", "reject"],
    }


def _decide(gate: Gate, state: CycleState, runtime: Runtime[CycleContext]) -> dict:
    ctx = runtime.context
    log = get_logger(cycle_id=state["cycle_id"], node=f"{gate}_gate", agent=None)
    figures = _figures(gate, state)
    failures = ctx.policy.failures(gate, figures) if ctx.policy else []
    if ctx.policy and not failures:
        approval = Approval(gate=gate, approved=True, by=f"policy:{ctx.policy.name}",
                            notes="every policy rule held", decisions=[])
    else:
        answer = interrupt(_payload(gate, ctx, state, figures, failures))
        authorize(ctx, gate, answer["by"])
        approval = Approval(gate=gate, approved=bool(answer["approved"]), by=answer["by"],
                            notes=answer.get("notes", ""), decisions=answer.get("decisions", []))
    if gate == "consensus" and approval["approved"]:
        adopt_consensus(ctx.store, state["cycle_id"])
    attempt = sum(1 for a in state.get("approvals", []) if a["gate"] == gate) + 1
    ctx.store.log_decision(
        cycle_id=state["cycle_id"], gate=gate, attempt=attempt,
        decision="approved" if approval["approved"] else "rejected",
        by=approval["by"], rationale=approval["notes"], figures=figures,
    )
    _log_decisions(ctx, state["cycle_id"], approval, attempt, figures)
    log.info("gate_decided", gate=gate, approved=approval["approved"], by=approval["by"])
    return {"approvals": [approval]}


def _log_decisions(ctx: CycleContext, cycle_id: str, approval: Approval, attempt: int,
                   figures: dict[str, float]) -> None:
    """Each executive decision is an entry of its own, after the approval it came with and
    based on the same figures; week 4 carries them out."""
    for number, decision in enumerate(parse_decisions(approval["decisions"]), start=1):
        ctx.store.log_decision(cycle_id=cycle_id, gate=approval["gate"], attempt=attempt, ref=f"decision {number}",
                               decision=decision.summary(), by=approval["by"],
                               rationale=decision.rationale or approval["notes"], figures=figures)


def consensus_gate(state: CycleState, runtime: Runtime[CycleContext]) -> dict:
    return _decide("consensus", state, runtime)


def executive_gate(state: CycleState, runtime: Runtime[CycleContext]) -> dict:
    return _decide("executive", state, runtime)


def _last_approved(state: CycleState) -> bool:
    return state["approvals"][-1]["approved"]


def after_consensus(state: CycleState) -> Literal["supply_planning", "demand_planning"]:
    return "supply_planning" if _last_approved(state) else "demand_planning"


def after_executive(state: CycleState) -> Literal["execution", "financial_review"]:
    return "execution" if _last_approved(state) else "financial_review"

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
from sop.store.company import approval_right
from sop.store.executive_view import executive_view
from sop.store.forecasts import adopt_consensus, consensus_view


class NotAuthorized(PermissionError):
    """The named person may not approve or reject this gate."""


def authorize(ctx: CycleContext, gate: Gate, person: str) -> None:
    """Refuse anyone the team file does not name as an approver of this gate."""
    right = approval_right(ctx.store, person)
    if right is None:
        raise NotAuthorized(f"{person!r} is not in the team file; only its approvers may decide at a gate")
    if right != gate:
        raise NotAuthorized(f"{person!r} may not decide at the {gate} gate (their approval right: {right})")


def _figures(gate: Gate, state: CycleState) -> dict[str, float]:
    if gate == "consensus":
        return dict(state["demand"])
    return {**state["supply"]["figures"], **state["finance"]["figures"]}


def _payload(gate: Gate, ctx: CycleContext, state: CycleState, figures: dict[str, float],
             failures: list[str]) -> dict[str, Any]:
    what = "the consensus demand forecast" if gate == "consensus" else "the supply plan and financial projection"
    view = consensus_view if gate == "consensus" else executive_view
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

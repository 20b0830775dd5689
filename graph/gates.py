"""The two human gates. Each pauses the cycle with `interrupt()` unless the approval policy
passes it, and checks the answer inside the graph before it accepts it.

The answer (the resume value) is `{"approved": true|false, "by": NAME, "notes": TEXT,
"decisions": [...]}`, with an optional `"accept": [ID, ...]` naming the agents' proposals (shown
in the payload under `proposals`) that an approval accepts. One that is malformed, comes from
someone without the gate's approval right, carries decisions that do not fit or accepts a
proposal the gate does not have is refused: the refusal goes to the decision log and
the gate asks again, with the reason in its payload (`refusal`). The gate loops on `interrupt()`
rather than raising, because an exception after `interrupt()` would keep the refused answer
stuck to the thread. On every resume LangGraph runs the node again from its start and hands
the answers given so far back in order, so each refusal is logged once, under its number.

A rejection is an answer too: the router after each gate sends the cycle back for rework.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime
from langgraph.types import interrupt
from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError

from sop.graph.accepting import ProposalRefused, acceptable, accepted, add_overrides, log_accepted
from sop.graph.context import CycleContext, RunContext, open_context
from sop.graph.decisions import InvalidDecisions, check_decisions, company_facts, field_path, parse_decisions
from sop.graph.standing import mark
from sop.graph.state import Approval, CycleState, Gate
from sop.log import get_logger
from sop.store.company import approval_right
from sop.store.executive_view import executive_view
from sop.store.forecasts import adopt_consensus, consensus_view
from sop.store.proposals import cycle_proposals

CONTRACT = '{"approved": true|false, "by": NAME, "notes": TEXT, "decisions": [...]}'  # and optionally "accept"


class NotAuthorized(PermissionError):
    """The named person may not approve or reject this gate."""


class AnswerRefused(ValueError):
    """An answer the gate does not accept; the message says why, in one line."""


class Answer(BaseModel):
    """The resume value of both gates: the stable contract every client sends."""

    model_config = ConfigDict(extra="forbid")

    approved: StrictBool
    by: str = Field(min_length=1, description="who decides: a person of the team file")
    notes: str = ""
    decisions: list[dict[str, Any]] = Field(default_factory=list,
                                            description="executive decisions, with an approval at the executive gate")
    accept: list[str] = Field(default_factory=list,
                              description="ids of the agents' proposals at this gate that an approval accepts")


def authorize(ctx: CycleContext, gate: Gate, person: str) -> None:
    """Refuse anyone the team file does not name as an approver of this gate."""
    right = approval_right(ctx.store, person)
    if right is None:
        raise NotAuthorized(f"{person!r} is not in the team file; only its approvers may decide at a gate")
    if right != gate:
        raise NotAuthorized(f"{person!r} may not decide at the {gate} gate (their approval right: {right})")


def check_answer(ctx: CycleContext, gate: Gate, horizon: list[str], raw: object, cycle_id: str = "") -> Approval:
    """The answer as an approval, or AnswerRefused (or NotAuthorized) saying what is wrong."""
    try:
        answer = Answer.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the answer"
        raise AnswerRefused(f"malformed answer: {where}: {first['msg']}; send {CONTRACT}") from None
    authorize(ctx, gate, answer.by)
    if answer.decisions and (gate != "executive" or not answer.approved):
        raise AnswerRefused("decisions come with an approval at the executive gate; at the consensus gate, change "
                            "the forecast with an override")
    try:
        check_decisions(parse_decisions(answer.decisions), company_facts(ctx.store, horizon))
    except ValidationError as exc:
        first = exc.errors()[0]
        raise AnswerRefused(f"{field_path(('decisions', *first['loc']))}: {first['msg']}") from None
    except InvalidDecisions as exc:
        raise AnswerRefused(str(exc)) from None
    approval = Approval(gate=gate, approved=answer.approved, by=answer.by, notes=answer.notes,
                        decisions=answer.decisions)
    if answer.accept:
        if not answer.approved:
            raise AnswerRefused("proposals are accepted with an approval; a rejection accepts none")
        try:
            accepted(ctx, gate, cycle_id, horizon, answer.accept, answer.by)
        except ProposalRefused as exc:
            raise AnswerRefused(str(exc)) from None
        approval["accepted"] = answer.accept
    return approval


def _figures(gate: Gate, state: CycleState) -> dict[str, float]:
    if gate == "consensus":
        return dict(state["demand"])
    return {**state["supply"]["figures"], **state["finance"]["figures"]}


def _payload(gate: Gate, ctx: CycleContext, state: CycleState, figures: dict[str, float],
             failures: list[str], refusal: dict[str, str] | None) -> dict[str, Any]:
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
        "proposals": cycle_proposals(ctx.store, state["cycle_id"], gate),
        "policy_failures": failures,
        "options": ["approve", "reject"],
        "answer": CONTRACT,
        "refusal": refusal,
    }


def _ask(gate: Gate, ctx: CycleContext, state: CycleState, figures: dict[str, float], failures: list[str],
         attempt: int) -> Approval:
    """Interrupt until a valid answer comes; log each refused one and ask again with the reason."""
    log = get_logger(cycle_id=state["cycle_id"], node=f"{gate}_gate", agent=None)
    refusal: dict[str, str] | None = None
    number = 0
    while True:
        mark(ctx, state["cycle_id"], "waiting", gate, state["horizon"])
        raw = interrupt(_payload(gate, ctx, state, figures, failures, refusal))
        try:
            return check_answer(ctx, gate, state["horizon"], raw, state["cycle_id"])
        except (AnswerRefused, NotAuthorized) as exc:
            number += 1
            by = (raw.get("by") if isinstance(raw, dict) and isinstance(raw.get("by"), str) else "") or "unknown"
            ctx.store.log_decision(cycle_id=state["cycle_id"], gate=gate, attempt=attempt, decision="refused",
                                   by=by, rationale=str(exc), figures=figures, ref=f"refused answer {number}")
            log.info("approval_refused", gate=gate, by=by, reason=str(exc))
            refusal = {"by": by, "reason": str(exc)}


def _decide(gate: Gate, state: CycleState, ctx: CycleContext) -> dict:
    log = get_logger(cycle_id=state["cycle_id"], node=f"{gate}_gate", agent=None)
    figures = _figures(gate, state)
    attempt = sum(1 for a in state.get("approvals", []) if a["gate"] == gate) + 1
    failures = ctx.policy.failures(gate, figures) if ctx.policy else []
    if ctx.policy and not failures:
        approval = Approval(gate=gate, approved=True, by=f"policy:{ctx.policy.name}",
                            notes="every policy rule held", decisions=[])
        named = ctx.policy.accepts(cycle_proposals(ctx.store, state["cycle_id"], gate))
        if ids := acceptable(ctx, gate, state["cycle_id"], state["horizon"], named, approval["by"]):
            approval["accepted"] = ids
    else:
        approval = _ask(gate, ctx, state, figures, failures, attempt)
    ids = approval.get("accepted", []) if approval["approved"] else []
    if ids:
        add_overrides(ctx, gate, state["cycle_id"], state["horizon"], ids, approval["by"])
    if gate == "consensus" and approval["approved"]:
        adopt_consensus(ctx.store, state["cycle_id"])
    ctx.store.log_decision(
        cycle_id=state["cycle_id"], gate=gate, attempt=attempt,
        decision="approved" if approval["approved"] else "rejected",
        by=approval["by"], rationale=approval["notes"], figures=figures,
    )
    _log_decisions(ctx, state["cycle_id"], approval, attempt, figures)
    log_accepted(ctx, gate, state["cycle_id"], ids, approval["by"], attempt)
    mark(ctx, state["cycle_id"], "running", horizon=state["horizon"])
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


def consensus_gate(state: CycleState, runtime: Runtime[RunContext]) -> dict:
    with open_context(runtime.context, state["cycle_id"]) as ctx:
        return _decide("consensus", state, ctx)


def executive_gate(state: CycleState, runtime: Runtime[RunContext]) -> dict:
    with open_context(runtime.context, state["cycle_id"]) as ctx:
        return _decide("executive", state, ctx)

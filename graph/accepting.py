"""Accepting the agents' proposals at a gate: the answer names them (`accept`), the gate checks
they are this gate's, and on an approval each accepted one becomes a decision-log entry. An
accepted consensus adjustment becomes a planner override of exactly its stated units in its
month (checked like any override), so the adopted consensus moves by that much and no more.
Other proposals change no plan: their entry is the decision on record for week 4 and the next
cycle to carry out."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sop.graph.context import CycleContext
from sop.graph.overrides import Override
from sop.graph.state import Gate
from sop.store.override_effects import check_effect, override_effects
from sop.store.override_rules import OverrideError, check_change, check_node
from sop.store.overrides import add_planner_override, planner_overrides
from sop.store.proposals import cycle_proposals


class ProposalRefused(ValueError):
    """An `accept` list the gate cannot carry out; the message says which id and why."""


def _reason(proposal: dict[str, Any]) -> str:
    return f"proposal {proposal['id']}: {proposal['title']}"


def proposal_override(ctx: CycleContext, cycle_id: str, horizon: list[str], proposal: dict[str, Any],
                      by: str) -> Override:
    """The override that moves the proposal's node-month by its units, checked like any other."""
    effect = proposal["effect"]
    probe = Override(level=effect["level"], key=effect["key"], month_from=effect["month"], month_to=effect["month"],
                     change_pct=0.0, set_qty=None, reason=_reason(proposal), author=by, period=cycle_id)
    probe = check_node(ctx.store, check_change(probe), horizon)
    before = override_effects(ctx.store, cycle_id, probe)[-1].units_before
    override = replace(probe, change_pct=None, set_qty=before + float(effect["units"]))
    check_effect(override_effects(ctx.store, cycle_id, override)[-1], ctx.settings.override_max_pct, False)
    return override


def accepted(ctx: CycleContext, gate: Gate, cycle_id: str, horizon: list[str], ids: list[str],
             by: str) -> list[dict[str, Any]]:
    """The proposals `ids` names, checked to be this gate's and to fit; ProposalRefused if not."""
    known = {p["id"]: p for p in cycle_proposals(ctx.store, cycle_id, gate)}
    unknown = [i for i in ids if i not in known]
    if unknown:
        listed = ", ".join(known) or "none"
        raise ProposalRefused(f"no proposal {unknown[0]} at the {gate} gate of {cycle_id} (its proposals: {listed})")
    for i in ids:
        if known[i]["kind"] == "consensus_adjustment":
            try:
                proposal_override(ctx, cycle_id, horizon, known[i], by)
            except OverrideError as exc:
                raise ProposalRefused(f"proposal {i}: {exc}") from None
    return [known[i] for i in dict.fromkeys(ids)]


def acceptable(ctx: CycleContext, gate: Gate, cycle_id: str, horizon: list[str], ids: list[str],
               by: str) -> list[str]:
    """Those of `ids` that can be accepted, each on its own: what a policy accepts, so that one
    proposal that does not fit never stops an unattended gate."""
    fits = []
    for i in ids:
        try:
            accepted(ctx, gate, cycle_id, horizon, [i], by)
        except ProposalRefused:
            continue
        fits.append(i)
    return fits


def add_overrides(ctx: CycleContext, gate: Gate, cycle_id: str, horizon: list[str], ids: list[str],
                  by: str) -> None:
    """Each accepted consensus adjustment's override, once even when the gate runs again; before
    the gate adopts the consensus."""
    overridden = set(planner_overrides(ctx.store, cycle_id)["reason"])
    for proposal in accepted(ctx, gate, cycle_id, horizon, ids, by):
        if proposal["kind"] == "consensus_adjustment" and _reason(proposal) not in overridden:
            add_planner_override(ctx.store, proposal_override(ctx, cycle_id, horizon, proposal, by))


def log_accepted(ctx: CycleContext, gate: Gate, cycle_id: str, ids: list[str], by: str, attempt: int) -> None:
    """Each accepted proposal is a decision-log entry of its own, after the approval it came with."""
    known = {p["id"]: p for p in cycle_proposals(ctx.store, cycle_id, gate)}
    for proposal in (known[i] for i in dict.fromkeys(ids)):
        numbers = {k: v for k, v in proposal["effect"].items() if isinstance(v, int | float)}
        ctx.store.log_decision(cycle_id=cycle_id, gate=gate, attempt=attempt, ref=f"proposal {proposal['id']}",
                               decision=f"accepted {proposal['agent']} proposal {proposal['id']}: {proposal['title']}",
                               by=by, rationale="; ".join(proposal["evidence"]), figures=numbers)

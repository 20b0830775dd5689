"""Planner overrides of the consensus forecast: the rules an override must pass, how it is
stored and how it is taken back. `sop override add` and a confirmed chat proposal both come
through here, so an override is checked the same way however it is entered.

An override names a node of the hierarchy (total, a family, a SKU or SKU/DC), a month range and
a change (a percentage or a monthly quantity); `tools.consensus.apply_overrides` splits it down
proportionally and the consensus gate shows it beside the statistical and sales-input layers.
It is checked against what it does: no quantity below zero, and a change beyond
SOP_OVERRIDE_MAX_PCT only when forced. Where the cycle stands is read from the store
(`sop.store.cycles`), not from the checkpointer.
"""

from __future__ import annotations

from dataclasses import replace

from sop.config import Settings
from sop.store import Store
from sop.store.cycles import NO_HISTORY, cycle_record, next_period
from sop.store.forecasts import adopt_consensus, consensus_adopted
from sop.store.override_effects import broken_override, check_effect, override_effects
from sop.store.override_rules import (
    LEVELS,
    Override,
    OverrideError,
    check_author,
    check_change,
    check_node,
    check_waiting,
)
from sop.store.overrides import add_planner_override, planner_override, remove_planner_override

__all__ = ["LEVELS", "Override", "OverrideError", "add_override", "check_override", "remove_override"]


def check_override(store: Store, settings: Settings, override: Override) -> Override:
    """Every rule an override must pass, in order; the override with its period and last month
    filled in. The author is checked when known."""
    o = check_change(override)
    period = o.period or next_period(store)
    if period is None:
        raise OverrideError(NO_HISTORY)
    record = cycle_record(store, period)
    check_waiting(period, record.state if record else "not_started", record.gate if record else None)
    if o.author is not None:
        check_author(store, o.author)
    assert record is not None  # check_waiting passed, so the cycle has run
    checked = replace(check_node(store, o, record.horizon), period=period)
    check_effect(override_effects(store, period, checked)[-1], settings.override_max_pct, checked.force)
    return checked


def add_override(store: Store, settings: Settings, override: Override) -> tuple[int, Override]:
    """Check the override (author required) and store it; its id and the stored override."""
    if override.author is None:
        raise OverrideError("an override needs its author (a person in the team file)", code=2)
    o = check_override(store, settings, override)
    return add_planner_override(store, o), o


def remove_override(store: Store, override_id: int, by: str, reason: str) -> str:
    """Take an override back while its cycle waits at the consensus gate, or after it broke the
    cycle (then the adopted consensus is rebuilt without it, so `sop cycle resume` plans from
    sound demand). The removal is a decision-log entry; the cycle's period."""
    row = planner_override(store, override_id)
    if row is None:
        raise OverrideError(f"there is no override {override_id}; 'sop override list' lists them")
    check_author(store, by)
    period = row["cycle_id"]
    record = cycle_record(store, period)
    waiting = record is not None and record.state == "waiting" and record.gate == "consensus"
    broke = record is not None and record.state == "failed" and (broken_override(store, period) or "").startswith(
        f"override {override_id} ")
    if not (waiting or broke):
        raise OverrideError(f"override {override_id} belongs to the {period} cycle, which is not waiting at the "
                            "consensus gate; an override is removed there, or after it broke the cycle")
    effect = next(e for e in override_effects(store, period) if e.override_id == override_id)
    remove_planner_override(store, override_id)
    if broke and consensus_adopted(store, period):
        adopt_consensus(store, period)
    decided = store.decision_log(period)
    decided = decided[(decided["gate"] == "consensus") & decided["decision"].isin(["approved", "rejected"])]
    store.log_decision(cycle_id=period, gate="consensus", attempt=len(decided) + (1 if waiting else 0),
                       ref=f"override {override_id} removed", decision=f"override {override_id} removed", by=by,
                       rationale=reason or f"override {override_id} taken back",
                       figures={"units_before": effect.units_before, "units_after": effect.units_after})
    return str(period)

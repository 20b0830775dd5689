"""Planner overrides of the consensus forecast: the rules an override must pass and how it is
stored. `sop override add` and a confirmed chat proposal both come through here, so an override
is checked the same way however it is entered.

An override names a node of the hierarchy (total, a family, a SKU or SKU/DC), a month range and
a change (a percentage or a monthly quantity); `tools.consensus.apply_overrides` splits it down
proportionally and the consensus gate shows it beside the statistical and sales-input layers.
Where the cycle stands is read from the store (`sop.store.cycles`), not from the checkpointer.
"""

from __future__ import annotations

from dataclasses import replace

from sop.config import Settings
from sop.graph.context import CycleContext
from sop.graph.runner import default_period
from sop.store import Store
from sop.store.cycles import cycle_record
from sop.store.override_rules import (
    LEVELS,
    Override,
    OverrideError,
    check_author,
    check_change,
    check_node,
    check_waiting,
)
from sop.store.overrides import add_planner_override

__all__ = ["LEVELS", "Override", "OverrideError", "add_override", "check_override"]


def check_override(store: Store, settings: Settings, override: Override) -> Override:
    """Every rule an override must pass, in order; the override with its period and last month
    filled in. The author is checked when known."""
    o = check_change(override)
    period = o.period or default_period(CycleContext(settings=settings, store=store))
    record = cycle_record(store, period)
    check_waiting(period, record.state if record else "not_started", record.gate if record else None)
    if o.author is not None:
        check_author(store, o.author)
    assert record is not None  # check_waiting passed, so the cycle has run
    return replace(check_node(store, o, record.horizon), period=period)


def add_override(store: Store, settings: Settings, override: Override) -> tuple[int, Override]:
    """Check the override (author required) and store it; its id and the stored override."""
    if override.author is None:
        raise OverrideError("an override needs its author (a person in the team file)", code=2)
    o = check_override(store, settings, override)
    return add_planner_override(store, o), o

"""Planner overrides of the consensus forecast: the rules an override must pass and how it is
stored. `sop override add` and a confirmed chat proposal both come through here, so an override
is checked the same way however it is entered.

An override names a node of the hierarchy (total, a family, a SKU or SKU/DC), a month range and
a change (a percentage or a monthly quantity); `tools.consensus.apply_overrides` splits it down
proportionally and the consensus gate shows it beside the statistical and sales-input layers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sop.config import Settings
from sop.graph.context import CycleContext
from sop.graph.runner import Cycles, default_period
from sop.store import Store

LEVELS = ("total", "family", "sku", "sku_dc")


class OverrideError(ValueError):
    """An override that cannot be entered; the message says what to fix. `code` 2 marks a
    malformed request (a usage error), 1 one the data or the cycle refuses."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Override:
    """One override as entered. `author` may be unknown while it is only a proposal; `period`
    and `month_to` default to the waiting cycle and `month_from`."""

    level: str
    key: str
    month_from: str
    month_to: str | None
    change_pct: float | None
    set_qty: float | None
    reason: str
    author: str | None = None
    period: str | None = None


def _check_key(store: Store, level: str, key: str) -> None:
    known = {
        "total": lambda: {"total"},
        "family": lambda: set(store.query("SELECT DISTINCT family FROM items")["family"]),
        "sku": lambda: set(store.query("SELECT sku FROM items")["sku"]),
        "sku_dc": lambda: set(store.query("SELECT DISTINCT sku || '/' || dc AS k FROM demand_history")["k"]),
    }[level]()
    if key not in known:
        raise OverrideError(f"--key {key!r} is not a {level} of this company; e.g. {', '.join(sorted(known)[:3])}")


def check_override(store: Store, settings: Settings, override: Override) -> Override:
    """Every rule an override must pass, in order; the override with its period and last month
    filled in. The author is checked when known."""
    o = override
    if o.level not in LEVELS:
        raise OverrideError(f"--level must be one of {', '.join(LEVELS)}, not {o.level!r}", code=2)
    if (o.change_pct is None) == (o.set_qty is None):
        raise OverrideError("give exactly one of --change-pct and --set", code=2)
    if o.set_qty is not None and o.set_qty < 0:
        raise OverrideError("--set must be zero or more units", code=2)
    month_to = o.month_to or o.month_from
    context = CycleContext(settings=settings, store=store)
    period = o.period or default_period(context)
    with Cycles(context) as cycles:
        outcome = cycles.status(period)
    if outcome.state != "waiting" or outcome.gate != "consensus":
        raise OverrideError(f"the {period} cycle is not waiting at the consensus gate; overrides are entered there")
    if o.author is not None and store.query("SELECT 1 FROM team WHERE person = ?", [o.author]).empty:
        raise OverrideError(f"{o.author!r} is not in the team file")
    _check_key(store, o.level, o.key)
    horizon = outcome.values["horizon"]
    if not (o.month_from in horizon and month_to in horizon and o.month_from <= month_to):
        raise OverrideError(f"--from/--to must be months of the horizon {horizon[0]}..{horizon[-1]}, in order")
    return replace(o, period=period, month_to=month_to)


def add_override(store: Store, settings: Settings, override: Override) -> tuple[int, Override]:
    """Check the override (author required) and store it; its id and the stored override."""
    if override.author is None:
        raise OverrideError("an override needs its author (a person in the team file)", code=2)
    o = check_override(store, settings, override)
    override_id = int(store.query("SELECT COALESCE(MAX(override_id), 0) + 1 AS n FROM overrides")["n"].iloc[0])
    store.con.execute(
        "INSERT INTO overrides VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [override_id, o.period, o.level, o.key, o.month_from, o.month_to, o.change_pct, o.set_qty, o.author,
         o.reason, datetime.now(UTC).isoformat(timespec="seconds")])
    return override_id, o

"""The rules a planner override must pass that need no checkpoint: its level, its change, the
node it names and its months against the cycle's horizon. `sop override add`, a confirmed chat
proposal and the chat's `propose-override` query all check an override with these, so it is
checked the same way however it is entered; only the gate check differs (the checkpoint for a
write, the recorded cycle state for a proposal).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from sop.store import company
from sop.store.company import is_team_member
from sop.store.database import Store

LEVELS = ("total", "family", "sku", "sku_dc")
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


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
    force: bool = False


def check_change(o: Override) -> Override:
    """The level is one of the hierarchy's and the change is one percentage or one quantity."""
    if o.level not in LEVELS:
        raise OverrideError(f"--level must be one of {', '.join(LEVELS)}, not {o.level!r}", code=2)
    if (o.change_pct is None) == (o.set_qty is None):
        raise OverrideError("give exactly one of --change-pct and --set", code=2)
    if o.set_qty is not None and o.set_qty < 0:
        raise OverrideError("--set must be zero or more units", code=2)
    for option, month in (("--from", o.month_from), ("--to", o.month_to)):
        if month is not None and not MONTH.match(month):
            raise OverrideError(f"{option} must be a month as YYYY-MM (e.g. 2027-03), not {month!r}", code=2)
    if not o.reason.strip():
        raise OverrideError("--reason must say why, in the planner's words", code=2)
    return o


def check_waiting(period: str, state: str, gate: str | None) -> None:
    """Overrides are entered while the cycle waits at the consensus gate, and only then."""
    if state != "waiting" or gate != "consensus":
        raise OverrideError(f"the {period} cycle is not waiting at the consensus gate; overrides are entered there")


def check_author(store: Store, author: str) -> None:
    if not is_team_member(store, author):
        raise OverrideError(f"{author!r} is not in the team file")


def _known_keys(store: Store, level: str) -> set[str]:
    if level == "total":
        return {"total"}
    if level == "sku_dc":
        return set(store.query("SELECT DISTINCT sku || '/' || dc AS k FROM demand_history")["k"])
    items = company.items(store)
    return set(items["family" if level == "family" else "sku"])


def check_node(store: Store, o: Override, horizon: list[str]) -> Override:
    """The key names a node of this company at its level and the months lie in the horizon, in
    order; the override with its last month filled in."""
    known = _known_keys(store, o.level)
    if o.key not in known:
        raise OverrideError(f"--key {o.key!r} is not a {o.level} of this company; e.g. {', '.join(sorted(known)[:3])}")
    month_to = o.month_to or o.month_from
    if not (o.month_from in horizon and month_to in horizon and o.month_from <= month_to):
        raise OverrideError(f"--from/--to must be months of the horizon {horizon[0]}..{horizon[-1]}, in order")
    return replace(o, month_to=month_to)

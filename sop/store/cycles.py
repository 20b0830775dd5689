"""Where each cycle stands, kept in the planning store beside its data.

The runner records a cycle's state before and after every step it runs, so the chat, the
report and a second terminal read it here without opening the checkpointer. A process killed
mid-step leaves `running`, which is the truth: `sop cycle resume` carries it on.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel

from sop.store.database import Store
from sop.tools.periods import add_months

NO_HISTORY = "no demand history is loaded; run 'sop data demo' or 'sop data load DIR' first"
CycleState = Literal["running", "waiting", "done", "failed"]


class CycleRecord(BaseModel):
    """One cycle's state: `gate` is set while it waits at one; `horizon` is its planned months."""

    cycle_id: str
    state: CycleState
    gate: Literal["consensus", "executive"] | None = None
    horizon: list[str] = []
    error: str | None = None
    updated_at: str = ""


def record_cycle(store: Store, record: CycleRecord) -> None:
    """Keep the cycle's latest state (one row per cycle)."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    store.con.execute(
        "INSERT INTO cycle_status VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (cycle_id) DO UPDATE SET "
        "state = excluded.state, gate = excluded.gate, horizon = excluded.horizon, error = excluded.error, "
        "updated_at = excluded.updated_at",
        [record.cycle_id, record.state, record.gate, json.dumps(record.horizon), record.error, now])


def _record(row: tuple | None) -> CycleRecord | None:
    if row is None:
        return None
    cycle_id, state, gate, horizon, error, updated_at = row
    return CycleRecord(cycle_id=cycle_id, state=state, gate=gate, horizon=json.loads(horizon or "[]"), error=error,
                       updated_at=updated_at)


def cycle_record(store: Store, cycle_id: str) -> CycleRecord | None:
    """The cycle's state, or None when it has never run."""
    return _record(store.con.execute("SELECT cycle_id, state, gate, horizon, error, updated_at FROM cycle_status "
                                     "WHERE cycle_id = ?", [cycle_id]).fetchone())


def latest_cycle_record(store: Store) -> CycleRecord | None:
    """The newest cycle that has run (cycle ids are their months, so the largest is the latest)."""
    return _record(store.con.execute("SELECT cycle_id, state, gate, horizon, error, updated_at FROM cycle_status "
                                     "ORDER BY cycle_id DESC LIMIT 1").fetchone())


def next_period(store: Store) -> str | None:
    """The cycle to run by default: the month after the demand history, None before any is loaded."""
    last = store.last_history_month()
    return add_months(last, 1) if last else None

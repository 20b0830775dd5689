"""Where each cycle stands, kept in the planning store beside its data.

The runner records a cycle's state before and after every step it runs, so the chat, the
report and a second terminal read it here without opening the checkpointer. A process killed
mid-step leaves `running`, which is the truth: `sop cycle resume` carries it on.

It also keeps the answers given at the gates, so that a cycle whose checkpoint is lost can be
replayed to where it stood (`sop cycle recover`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

if TYPE_CHECKING:
    from sop.store.database import Store

NO_HISTORY = "no demand history is loaded; run 'sop data demo' or 'sop data load DIR' first"
CycleState = Literal["running", "waiting", "done", "failed"]


class CycleRecord(BaseModel):
    """One cycle's state: `gate` is set while it waits at one; `horizon` is its planned months;
    `answers` the gate answers given so far, in order (gate, approved, by, notes, decisions)."""

    cycle_id: str
    state: CycleState
    gate: Literal["consensus", "executive"] | None = None
    horizon: list[str] = []
    error: str | None = None
    updated_at: str = ""
    answers: list[dict[str, Any]] = []


def record_cycle(store: Store, record: CycleRecord, replace_answers: bool = False) -> None:
    """Keep the cycle's latest state (one row per cycle). Answers only grow, unless told to
    replace them (an answer the gate refused): a replay that has not yet caught up with the
    answers on record (`sop cycle recover`) leaves them in place."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    stored = cycle_record(store, record.cycle_id)
    answers = record.answers
    if not replace_answers and stored is not None and stored.answers[:len(answers)] == answers:
        answers = stored.answers
    store.con.execute(
        "INSERT INTO cycle_status VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (cycle_id) DO UPDATE SET "
        "state = excluded.state, gate = excluded.gate, horizon = excluded.horizon, error = excluded.error, "
        "updated_at = excluded.updated_at, answers = excluded.answers",
        [record.cycle_id, record.state, record.gate, json.dumps(record.horizon), record.error, now,
         json.dumps(answers)])


_COLUMNS = "cycle_id, state, gate, horizon, error, updated_at, answers"


def _record(row: tuple | None) -> CycleRecord | None:
    if row is None:
        return None
    cycle_id, state, gate, horizon, error, updated_at, answers = row
    return CycleRecord(cycle_id=cycle_id, state=state, gate=gate, horizon=json.loads(horizon or "[]"), error=error,
                       updated_at=updated_at, answers=json.loads(answers or "[]"))


def cycle_record(store: Store, cycle_id: str) -> CycleRecord | None:
    """The cycle's state, or None when it has never run."""
    return _record(store.con.execute(f"SELECT {_COLUMNS} FROM cycle_status WHERE cycle_id = ?", [cycle_id]).fetchone())


def latest_cycle_record(store: Store) -> CycleRecord | None:
    """The newest cycle that has run (cycle ids are their months, so the largest is the latest)."""
    return _record(store.con.execute(f"SELECT {_COLUMNS} FROM cycle_status ORDER BY cycle_id DESC LIMIT 1").fetchone())


def whereabouts(record: CycleRecord) -> str:
    """Where the store shows a cycle, for a person: 'waiting at consensus', 'running after the
    consensus gate'."""
    if record.state == "waiting":
        return f"waiting at {record.gate}"
    passed = [a["gate"] for a in record.answers if a.get("approved")]
    after = f" after the {passed[-1]} gate" if passed else " in week 1"
    return f"{record.state}{after}"


def lost_checkpoint_line(record: CycleRecord) -> str:
    """What to say when the store shows a cycle that its checkpoint no longer has."""
    return (f"the checkpoint of {record.cycle_id} is missing; the store shows it {whereabouts(record)}; "
            f"run 'sop cycle recover --period {record.cycle_id}'")


def next_period(store: Store) -> str | None:
    """The cycle to run by default: the month after the demand history, None before any is loaded."""
    last = store.last_history_month()
    if not last:
        return None
    from sop.tools.periods import add_months  # which loads pandas

    return add_months(last, 1)

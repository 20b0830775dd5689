"""Entering a planner's override of the consensus forecast (checked first by
`sop.store.override_rules`), and reading them back in the order they apply."""

from __future__ import annotations

import pandas as pd

from sop.store.connection import now_utc, one_row, transaction
from sop.store.database import Store
from sop.store.override_rules import Override


def add_planner_override(store: Store, o: Override) -> int:
    """Store a checked override (its period and last month filled in) under the next id; the id."""
    with transaction(store.con):
        store.con.serialise("overrides")
        (override_id,) = one_row(store.con, "SELECT COALESCE(MAX(override_id), 0) + 1 FROM overrides")
        store.con.execute(
            "INSERT INTO overrides VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [override_id, o.period, o.level, o.key, o.month_from, o.month_to, o.change_pct, o.set_qty, o.author,
             o.reason, now_utc()])
    return int(override_id)


def planner_overrides(store: Store, cycle_id: str) -> pd.DataFrame:
    """A cycle's overrides in the order they apply: level and key of the node, month range,
    change_pct (percent) or set_qty (units per month), author, reason, created_at."""
    return store.query("SELECT override_id, level, key, month_from, month_to, change_pct, set_qty, author, "
                       "reason, created_at FROM overrides WHERE cycle_id = ? ORDER BY override_id", [cycle_id])


def planner_override(store: Store, override_id: int) -> dict | None:
    """One stored override (cycle_id, level, key, months, change, author, reason), or None."""
    rows = store.query("SELECT * FROM overrides WHERE override_id = ?", [override_id])
    return rows.iloc[0].to_dict() if len(rows) else None


def remove_planner_override(store: Store, override_id: int) -> None:
    """Delete one override; the caller logs who removed it and why."""
    store.con.execute("DELETE FROM overrides WHERE override_id = ?", [override_id])

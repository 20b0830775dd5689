"""Action items: what the executive meeting decided someone must do, by when, and whether it
was done. The next cycle's executives review them (`follow_through`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sop.store.connection import Connection, now_utc, transaction

if TYPE_CHECKING:
    import pandas as pd


class ActionItems(Connection):
    """Adding, listing and closing action items."""

    def add_action_items(self, cycle_id: str, items: list[dict]) -> None:
        """Add a cycle's action items (source, ref, title, owner, due); an item already there,
        keyed by cycle, source and ref, is kept as it is, so a re-run never reopens a closed one."""
        created = now_utc()
        with transaction(self.con):
            self.con.serialise("action_items")
            for item in items:
                self.con.execute(
                    "INSERT INTO action_items SELECT COALESCE(MAX(action_id), 0) + 1, ?, ?, ?, ?, ?, ?, 'open', ?, "
                    "NULL, NULL, NULL FROM action_items ON CONFLICT DO NOTHING",
                    [cycle_id, item["source"], item["ref"], item["title"], item["owner"], item["due"], created])

    def action_items(self, cycle_id: str | None = None, status: str | None = None) -> pd.DataFrame:
        """Action items, oldest first, optionally of one cycle and one status (open or closed)."""
        return self.query(
            "SELECT action_id, cycle_id, source, title, owner, CAST(due AS VARCHAR) AS due, status, closed_by, "
            "closed_at, notes FROM action_items WHERE (? IS NULL OR cycle_id = ?) AND (? IS NULL OR status = ?) "
            "ORDER BY action_id",
            [cycle_id, cycle_id, status, status])

    def close_action_item(self, action_id: int, by: str, notes: str) -> None:
        """Mark an open action item done, with who closed it, when and how."""
        found = self.con.execute("SELECT status FROM action_items WHERE action_id = ?", [action_id]).fetchone()
        if found is None:
            raise KeyError(f"there is no action item {action_id}; see 'sop actions list'")
        if found[0] == "closed":
            raise ValueError(f"action item {action_id} is already closed")
        self.con.execute("UPDATE action_items SET status = 'closed', closed_by = ?, closed_at = ?, notes = ? "
                         "WHERE action_id = ?", [by, now_utc(), notes, action_id])

    def follow_through(self, period: str) -> pd.DataFrame:
        """What the executives review at the next cycle: the previous cycle's action items, and any
        older item still open. `overdue` is true for an open item due before `period` starts."""
        return self.query(
            "SELECT action_id, cycle_id, title, owner, CAST(due AS VARCHAR) AS due, status, closed_by, notes, "
            "status = 'open' AND due < CAST(? || '-01' AS DATE) AS overdue FROM action_items "
            "WHERE cycle_id < ? AND (status = 'open' OR cycle_id = "
            "(SELECT MAX(cycle_id) FROM action_items WHERE cycle_id < ?)) ORDER BY due, action_id",
            [period, period, period])

"""Language-model cost: calls and tokens per cycle, per agent in a cycle (scope 'agent', scope_id
'CYCLE:AGENT') and per chat session, as running totals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sop.store.connection import Connection, now_utc

if TYPE_CHECKING:
    import pandas as pd


class ModelUsage(Connection):
    """Adding a run's model calls to its scope's totals and reading a cycle's totals."""

    def add_model_usage(self, scope: str, scope_id: str, cycle_id: str | None, counts: dict[str, int]) -> None:
        """Add a run's model calls and tokens to its cycle's or chat session's running totals."""
        self.con.execute(
            "INSERT INTO model_usage VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (scope, scope_id) DO UPDATE SET "
            "calls = calls + excluded.calls, failed_calls = failed_calls + excluded.failed_calls, "
            "input_tokens = input_tokens + excluded.input_tokens, "
            "output_tokens = output_tokens + excluded.output_tokens, updated_at = excluded.updated_at",
            [scope, scope_id, cycle_id, counts["calls"], counts["failed_calls"], counts["input_tokens"],
             counts["output_tokens"], now_utc()])

    def model_usage(self, cycle_id: str) -> pd.DataFrame:
        """Model calls and tokens of a cycle and of the chat sessions about it, one row per scope."""
        return self.query(
            "SELECT scope, COUNT(*) AS runs, SUM(calls) AS calls, SUM(failed_calls) AS failed_calls, "
            "SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens FROM model_usage "
            "WHERE cycle_id = ? AND scope <> 'agent' GROUP BY scope ORDER BY scope", [cycle_id])

    def agent_usage(self, cycle_id: str) -> pd.DataFrame:
        """Model calls and tokens of each agent in a cycle (its steps and narratives), by agent."""
        usage = self.query("SELECT scope_id, calls, failed_calls, input_tokens, output_tokens FROM model_usage "
                           "WHERE cycle_id = ? AND scope = 'agent' ORDER BY scope_id", [cycle_id])
        usage.insert(0, "agent", usage.pop("scope_id").str.removeprefix(f"{cycle_id}:"))
        return usage

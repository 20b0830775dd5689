"""The decision log: every gate decision, executive decision and refused approval, hash-chained.

Each entry's hash covers its fields and the previous hash, so an edited, removed or reordered
entry breaks the chain at that entry; `Store.decision_log` reads it back for the report and the CLI.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from sop.store.connection import Connection, now_utc, one_row, transaction

if TYPE_CHECKING:
    import pandas as pd

GENESIS_HASH = "0" * 64
DECISION_LOG_COLUMNS = ("seq", "cycle_id", "gate", "attempt", "ref", "decision", "decided_by", "decided_at",
                        "rationale", "figures", "prev_hash", "hash")
HASHED_FIELDS = ("seq", "cycle_id", "gate", "attempt", "decision", "decided_by", "decided_at",
                 "rationale", "figures", "prev_hash")


def entry_hash(entry: dict[str, Any]) -> str:
    """`ref` tells apart several entries of one gate attempt (each executive decision, each
    refusal). It is hashed only when set, so entries written before it existed still verify."""
    fields = {k: entry[k] for k in HASHED_FIELDS}
    if entry.get("ref"):
        fields["ref"] = entry["ref"]
    body = json.dumps(fields, sort_keys=True, default=str)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def verify_chain(entries: list[dict[str, Any]]) -> list[str]:
    """Every break in the chain, named by entry; an empty list means the log is intact."""
    problems, prev = [], GENESIS_HASH
    for position, entry in enumerate(entries, start=1):
        if entry["seq"] != position:
            problems.append(f"entry {entry['seq']} stands at position {position}: an entry was removed or reordered")
        if entry["prev_hash"] != prev:
            problems.append(f"entry {entry['seq']} does not follow the entry before it")
        if entry_hash(entry) != entry["hash"]:
            problems.append(f"entry {entry['seq']} was edited after it was written")
        prev = entry["hash"]
    return problems


class DecisionLedger(Connection):
    """Appending to the decision log, and reading it back for the report and the CLI."""

    def decision_log(self, cycle_id: str | None = None) -> pd.DataFrame:
        """Every entry in `seq` order, of one cycle when `cycle_id` is given; `figures` is the JSON
        the gate decided on, `prev_hash` and `hash` link the chain."""
        return self.query(f"SELECT {', '.join(DECISION_LOG_COLUMNS)} FROM decisions "
                          "WHERE ? IS NULL OR cycle_id = ? ORDER BY seq", [cycle_id, cycle_id])

    def log_decision(self, *, cycle_id: str, gate: str, attempt: int, decision: str, by: str,
                     rationale: str, figures: dict, ref: str = "") -> None:
        """Append a decision to the hash-chained log, once per cycle, gate, attempt and ref, so a
        node that runs again after a resume does not write it twice. Concurrent writers (two
        approvals at once on a PostgreSQL store) wait for each other, so the chain never forks."""
        with transaction(self.con):
            self.con.serialise("decisions")
            self._append(cycle_id=cycle_id, gate=gate, attempt=attempt, decision=decision, by=by,
                         rationale=rationale, figures=figures, ref=ref)

    def log_refusal(self, *, cycle_id: str, gate: str, attempt: int, by: str, reason: str, figures: dict) -> None:
        """A refused approval is an entry of its own: each refusal is a separate event, never a retry."""
        with transaction(self.con):
            self.con.serialise("decisions")
            (refusals,) = one_row(self.con, "SELECT COUNT(*) FROM decisions WHERE cycle_id = ? AND gate = ? "
                                  "AND attempt = ? AND decision = 'refused'", [cycle_id, gate, attempt])
            self._append(cycle_id=cycle_id, gate=gate, attempt=attempt, decision="refused", by=by,
                         rationale=reason, figures=figures, ref=f"refusal {refusals + 1}")

    def _append(self, *, cycle_id: str, gate: str, attempt: int, decision: str, by: str,
                rationale: str, figures: dict, ref: str) -> None:
        """The entry after the last one, inside the caller's transaction, which holds the log."""
        exists = self.con.execute("SELECT 1 FROM decisions WHERE cycle_id = ? AND gate = ? AND attempt = ? "
                                  "AND ref = ?", [cycle_id, gate, attempt, ref]).fetchone()
        if exists:
            return
        last = self.con.execute("SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
        entry = {"seq": seq, "cycle_id": cycle_id, "gate": gate, "attempt": attempt, "ref": ref,
                 "decision": decision, "decided_by": by, "decided_at": now_utc(),
                 "rationale": rationale, "figures": json.dumps(figures, sort_keys=True), "prev_hash": prev}
        entry["hash"] = entry_hash(entry)
        self.con.execute(f"INSERT INTO decisions ({', '.join(entry)}) VALUES ({', '.join('?' * len(entry))})",
                         list(entry.values()))

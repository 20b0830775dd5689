"""The agents' proposals of a cycle, kept per agent step (a step that runs again replaces its
own), and read back for the gates and `sop cycle proposals` with whether each was accepted."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from sop.store.database import Store

COLUMNS = ["id", "agent", "gate", "kind", "title", "evidence", "effect", "confidence"]


def keep_proposals(store: Store, cycle_id: str, agent: str, proposals: list[dict[str, Any]]) -> None:
    rows = pd.DataFrame([{**p, "evidence": json.dumps(p["evidence"]), "effect": json.dumps(p["effect"])}
                         for p in proposals], columns=COLUMNS)
    store.replace("agent_proposals", rows.drop(columns="agent"), cycle_id=cycle_id, agent=agent)


def cycle_proposals(store: Store, cycle_id: str, gate: str | None = None) -> list[dict[str, Any]]:
    """A cycle's proposals (of one gate when named), in gate then id order, each with `accepted_by`:
    who accepted it at its gate (from the decision log), or None."""
    rows = store.query(
        "SELECT p.id, p.agent, p.gate, p.kind, p.title, p.evidence, p.effect, p.confidence, "
        "(SELECT d.decided_by FROM decisions d WHERE d.cycle_id = p.cycle_id AND d.gate = p.gate "
        " AND d.ref = 'proposal ' || p.id ORDER BY d.seq DESC LIMIT 1) AS accepted_by "
        "FROM agent_proposals p WHERE p.cycle_id = ? AND (? IS NULL OR p.gate = ?) "
        "ORDER BY p.gate DESC, p.agent, length(p.id), p.id", [cycle_id, gate, gate])
    out = []
    for r in rows.astype(object).where(rows.notna(), None).to_dict("records"):
        out.append({**r, "evidence": json.loads(r["evidence"]), "effect": json.loads(r["effect"])})
    return out

"""`sop cycle proposals`: what the agents proposed in a cycle, by gate, with their evidence,
effect and confidence, and who accepted each (`sop cycle approve ... --accept ID,ID`)."""

from __future__ import annotations

import json
from typing import Any

import typer

from sop.cli.common import announce, console, fail, open_store


def rows(proposals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One table row per proposal, for the terminal (the gate's view and this command)."""
    return [{"id": p["id"], "agent": p["agent"], "gate": p["gate"], "proposal": p["title"],
             "effect": json.dumps(p["effect"]), "confidence": p["confidence"],
             "evidence": " | ".join(p["evidence"]), "accepted by": p.get("accepted_by") or ""} for p in proposals]


def proposals(ctx: typer.Context, gate: str | None, period: str | None, as_json: bool) -> None:
    from sop.chat.tables import records_table
    from sop.store.cycles import NO_HISTORY, next_period
    from sop.store.proposals import cycle_proposals

    if gate not in (None, "consensus", "executive"):
        raise fail(f"--gate must be consensus or executive, not {gate!r}", code=2)
    with open_store(ctx) as store:
        the_period = period or next_period(store)
        if the_period is None:
            raise fail(NO_HISTORY)
        announce(ctx, the_period)
        found = cycle_proposals(store, the_period, gate)
    if as_json:
        console.print_json(json.dumps(found))
    elif not found:
        console.print(f"No agent proposals in the {the_period} cycle" + (f" at the {gate} gate." if gate else "."))
    else:
        console.print(records_table(f"{the_period}: the agents' proposals", rows(found), {"confidence": "percent"}))

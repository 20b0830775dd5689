"""`sop cycle proposals`: what the agents proposed in a cycle, by gate, with their evidence,
effect and confidence, and who accepted each (`sop cycle approve ... --accept ID,ID`)."""

from __future__ import annotations

import json

import typer

from sop.chat.standing import proposal_rows
from sop.cli.common import console, cycle_of, fail, open_store


def proposals(ctx: typer.Context, gate: str | None, period: str | None, as_json: bool) -> None:
    from sop.chat.tables import records_table
    from sop.store.proposals import cycle_proposals

    if gate not in (None, "consensus", "executive"):
        raise fail(f"--gate must be consensus or executive, not {gate!r}", code=2)
    with open_store(ctx) as store:
        the_period = cycle_of(ctx, store, period)
        found = cycle_proposals(store, the_period, gate)
    if as_json:
        console.print_json(json.dumps(found))
    elif not found:
        console.print(f"No agent proposals in the {the_period} cycle" + (f" at the {gate} gate." if gate else "."))
    else:
        console.print(records_table(f"{the_period}: the agents' proposals", proposal_rows(found),
                                    {"confidence": "percent"}))

"""`sop decisions`: the hash-chained decision log; list its entries and verify that none was
edited, removed or reordered."""

from __future__ import annotations

import typer

from sop.chat.tables import records_table
from sop.cli.common import console, errors, open_store, period_option

app = typer.Typer(help="The decision log: list and verify it.", no_args_is_help=True)
LISTED = ["seq", "cycle_id", "gate", "attempt", "decision", "decided_by", "decided_at", "rationale"]


@app.command("list")
def list_entries(ctx: typer.Context,
                 period: str | None = period_option("one cycle only, YYYY-MM")) -> None:
    """Every decision: the gate, what was decided, by whom, when and why."""
    with open_store(ctx) as store:
        entries = store.decision_log(period)[LISTED]
    if entries.empty:
        console.print("The decision log is empty." if period is None else f"No decisions in the {period} cycle.")
        return
    console.print(records_table("Decision log", entries.to_dict("records"), {"seq": "text", "attempt": "text"}))


@app.command("verify")
def verify(ctx: typer.Context) -> None:
    """Check the hash chain; names every entry that was edited, removed or reordered (exit 1)."""
    from sop.store.ledger import verify_chain

    with open_store(ctx) as store:
        entries = store.decision_log().to_dict("records")
    problems = verify_chain(entries)
    for problem in problems:
        errors.print(f"[bold red]broken:[/] {problem}", highlight=False)
    if problems:
        errors.print("The decision log was changed after it was written; restore it from a backup "
                     "and find out who changed it.", highlight=False)
        raise typer.Exit(1)
    last = f"; last hash {entries[-1]['hash'][:12]}…" if entries else ""
    console.print(f"The decision log is intact: {len(entries)} entries{last}.")

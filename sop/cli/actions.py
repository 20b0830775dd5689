"""`sop actions`: the action items week 4 writes from the executive decisions and the plan's
gaps; each has an owner, a due date and a status, and the next cycle's package reviews them."""

from __future__ import annotations

import typer

from sop.chat.tables import records_table
from sop.cli.common import console, fail, open_store, period_option

app = typer.Typer(help="Action items from the executive decisions and the plan's gaps.", no_args_is_help=True)


@app.command("list")
def list_items(
    ctx: typer.Context,
    period: str | None = period_option("one cycle only, YYYY-MM"),
    status: str = typer.Option("all", "--status", help="open, closed or all"),
) -> None:
    """Action items, oldest first, with owner, due date and status."""
    if status not in ("open", "closed", "all"):
        raise fail(f"--status must be open, closed or all, not {status!r}", code=2)
    with open_store(ctx) as store:
        items = store.action_items(period, None if status == "all" else status)
    if items.empty:
        console.print("No action items" + (f" in the {period} cycle." if period else "."))
        return
    console.print(records_table("Action items", items.to_dict("records"), {"action_id": "text"}))


@app.command("close")
def close(
    ctx: typer.Context,
    action_id: int = typer.Argument(..., help="the item's number from 'sop actions list'"),
    person: str = typer.Option(..., "--as", help="who closes it (a person in the team file)"),
    notes: str = typer.Option("", "--notes", help="what was done"),
) -> None:
    """Mark an action item done."""
    from sop.store.company import is_team_member

    with open_store(ctx) as store:
        if not is_team_member(store, person):
            raise fail(f"{person!r} is not in the team file; only team members close action items")
        try:
            store.close_action_item(action_id, person, notes)
        except (KeyError, ValueError) as exc:
            raise fail(exc.args[0]) from exc
    console.print(f"Action item {action_id} closed by {person}.")

"""`sop override`: planner overrides of the forecast while the cycle waits at the consensus gate.

An override names a node of the hierarchy (total, a family, a SKU or SKU/DC), a month range and
a change (a percentage or a monthly quantity); it is split down proportionally and shown at the
consensus gate beside the statistical and sales-input layers, with who entered it and why.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

import typer

from graph.context import CycleContext
from sop.commands.common import console, fail, open_store, settings
from sop.runner import Cycles, default_period

app = typer.Typer(help="Planner overrides of the consensus forecast.", no_args_is_help=True)

LEVELS = ("total", "family", "sku", "sku_dc")


def _check_key(store, level: str, key: str) -> None:
    known = {
        "total": lambda: {"total"},
        "family": lambda: set(store.query("SELECT DISTINCT family FROM items")["family"]),
        "sku": lambda: set(store.query("SELECT sku FROM items")["sku"]),
        "sku_dc": lambda: set(store.query("SELECT DISTINCT sku || '/' || dc AS k FROM demand_history")["k"]),
    }[level]()
    if key not in known:
        raise fail(f"--key {key!r} is not a {level} of this company; e.g. {', '.join(sorted(known)[:3])}")


@app.command("add")
def add(
    ctx: typer.Context,
    level: str = typer.Option(..., "--level", help="total, family, sku or sku_dc"),
    key: str = typer.Option("total", "--key", help="the family, SKU or SKU/DC"),
    month_from: str = typer.Option(..., "--from", help="first month, YYYY-MM"),
    month_to: Optional[str] = typer.Option(None, "--to", help="last month, YYYY-MM (default: --from)"),
    change_pct: Optional[float] = typer.Option(None, "--change-pct", help="e.g. 8 for +8 %"),
    set_qty: Optional[float] = typer.Option(None, "--set", help="units per month for the whole node"),
    author: str = typer.Option(..., "--as", help="who enters it (a person in the team file)"),
    reason: str = typer.Option(..., "--reason", help="why, in the planner's words"),
    period: Optional[str] = typer.Option(None, "--period", help="cycle month; default: the month after the history"),
) -> None:
    """Add an override to the cycle waiting at the consensus gate."""
    if level not in LEVELS:
        raise fail(f"--level must be one of {', '.join(LEVELS)}, not {level!r}", code=2)
    if (change_pct is None) == (set_qty is None):
        raise fail("give exactly one of --change-pct and --set", code=2)
    if set_qty is not None and set_qty < 0:
        raise fail("--set must be zero or more units", code=2)
    month_to = month_to or month_from
    with open_store(ctx) as store:
        context = CycleContext(settings=settings(ctx), store=store)
        the_period = period or default_period(context)
        outcome = Cycles(context).status(the_period)
        if outcome.state != "waiting" or outcome.gate != "consensus":
            raise fail(f"the {the_period} cycle is not waiting at the consensus gate; overrides are entered there")
        if store.query("SELECT 1 FROM team WHERE person = ?", [author]).empty:
            raise fail(f"{author!r} is not in the team file")
        _check_key(store, level, key)
        horizon = outcome.values["horizon"]
        if not (month_from in horizon and month_to in horizon and month_from <= month_to):
            raise fail(f"--from/--to must be months of the horizon {horizon[0]}..{horizon[-1]}, in order")
        override_id = int(store.query("SELECT COALESCE(MAX(override_id), 0) + 1 AS n FROM overrides")["n"].iloc[0])
        store.con.execute(
            "INSERT INTO overrides VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [override_id, the_period, level, key, month_from, month_to, change_pct, set_qty, author, reason,
             datetime.now(timezone.utc).isoformat(timespec="seconds")])
    console.print(f"Override {override_id} added to the {the_period} consensus by {author}.")


@app.command("list")
def list_overrides(ctx: typer.Context, period: Optional[str] = typer.Option(None, "--period")) -> None:
    """The overrides of a cycle, in the order they apply."""
    with open_store(ctx) as store:
        the_period = period or default_period(CycleContext(settings=settings(ctx), store=store))
        rows = store.query("SELECT override_id, level, key, month_from, month_to, change_pct, set_qty, author, "
                           "reason, created_at FROM overrides WHERE cycle_id = ? ORDER BY override_id", [the_period])
    console.print(rows.to_string(index=False) if len(rows) else f"No overrides in the {the_period} cycle.")

"""`sop override`: planner overrides of the forecast while the cycle waits at the consensus gate.

An override names a node of the hierarchy (total, a family, a SKU or SKU/DC), a month range and
a change (a percentage or a monthly quantity); it is split down proportionally and shown at the
consensus gate beside the statistical and sales-input layers, with who entered it and why.
"""

from __future__ import annotations

import typer

from sop.cli.common import console, fail, open_store, settings
from sop.graph.context import CycleContext
from sop.graph.overrides import Override, OverrideError, add_override
from sop.graph.runner import default_period
from sop.store.overrides import planner_overrides

app = typer.Typer(help="Planner overrides of the consensus forecast.", no_args_is_help=True)


@app.command("add")
def add(
    ctx: typer.Context,
    level: str = typer.Option(..., "--level", help="total, family, sku or sku_dc"),
    key: str = typer.Option("total", "--key", help="the family, SKU or SKU/DC"),
    month_from: str = typer.Option(..., "--from", help="first month, YYYY-MM"),
    month_to: str | None = typer.Option(None, "--to", help="last month, YYYY-MM (default: --from)"),
    change_pct: float | None = typer.Option(None, "--change-pct", help="e.g. 8 for +8 %"),
    set_qty: float | None = typer.Option(None, "--set", help="units per month for the whole node"),
    author: str = typer.Option(..., "--as", help="who enters it (a person in the team file)"),
    reason: str = typer.Option(..., "--reason", help="why, in the planner's words"),
    period: str | None = typer.Option(None, "--period", help="cycle month; default: the month after the history"),
) -> None:
    """Add an override to the cycle waiting at the consensus gate."""
    with open_store(ctx) as store:
        try:
            override_id, added = add_override(store, settings(ctx), Override(
                level=level, key=key, month_from=month_from, month_to=month_to, change_pct=change_pct,
                set_qty=set_qty, reason=reason, author=author, period=period))
        except OverrideError as exc:
            raise fail(str(exc), code=exc.code) from exc
    console.print(f"Override {override_id} added to the {added.period} consensus by {author}.")


@app.command("list")
def list_overrides(ctx: typer.Context, period: str | None = typer.Option(None, "--period")) -> None:
    """The overrides of a cycle, in the order they apply."""
    with open_store(ctx) as store:
        the_period = period or default_period(CycleContext(settings=settings(ctx), store=store))
        rows = planner_overrides(store, the_period)
    console.print(rows.to_string(index=False) if len(rows) else f"No overrides in the {the_period} cycle.")

"""`sop override`: planner overrides of the forecast while the cycle waits at the consensus gate.

An override names a node of the hierarchy (total, a family, a SKU or SKU/DC), a month range and
a change (a percentage or a monthly quantity); it is split down proportionally and shown at the
consensus gate beside the statistical and sales-input layers, with who entered it and why.
"""

from __future__ import annotations

import typer

from sop.cli.common import console, cycle_of, fail, open_store, period_option, settings

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
    period: str | None = period_option("cycle month YYYY-MM; default: the month after the history"),
    force: bool = typer.Option(False, "--force",
                               help="enter a change beyond SOP_OVERRIDE_MAX_PCT; the reason says why"),
) -> None:
    """Add an override to the cycle waiting at the consensus gate."""
    from sop.graph.overrides import Override, OverrideError, add_override

    with open_store(ctx) as store:
        try:
            override_id, added = add_override(store, settings(ctx), Override(
                level=level, key=key, month_from=month_from, month_to=month_to, change_pct=change_pct,
                set_qty=set_qty, reason=reason, author=author, period=period, force=force))
        except OverrideError as exc:
            raise fail(str(exc), code=exc.code) from exc
    console.print(f"Override {override_id} added to the {added.period} consensus by {author}.")


@app.command("remove")
def remove(
    ctx: typer.Context,
    override_id: int = typer.Argument(..., help="the override's id, as 'sop override list' shows it"),
    person: str = typer.Option(..., "--as", help="who takes it back (a person in the team file)"),
    reason: str = typer.Option("", "--reason", help="why it is taken back"),
) -> None:
    """Take an override back; the removal is logged in the decision log."""
    from sop.graph.overrides import OverrideError, remove_override

    with open_store(ctx) as store:
        try:
            period = remove_override(store, override_id, person, reason)
        except OverrideError as exc:
            raise fail(str(exc), code=exc.code) from exc
    console.print(f"Override {override_id} removed from the {period} consensus by {person}.")


@app.command("list")
def list_overrides(ctx: typer.Context,
                   period: str | None = period_option("cycle month YYYY-MM; default: the month after the history"),
                   effect: bool = typer.Option(False, "--effect", help="add each override's effect in units")) -> None:
    """The overrides of a cycle, in the order they apply."""
    from sop.store.override_effects import override_effects
    from sop.store.overrides import planner_overrides

    with open_store(ctx) as store:
        the_period = cycle_of(ctx, store, period)
        rows = planner_overrides(store, the_period)
        if effect and len(rows):
            effects = {e.override_id: e for e in override_effects(store, the_period)}
            rows = rows.drop(columns=["created_at"]).assign(
                units_before=[round(effects[i].units_before) for i in rows["override_id"]],
                units_after=[round(effects[i].units_after) for i in rows["override_id"]],
                delta_units=[round(effects[i].delta_units) for i in rows["override_id"]])
    console.print(rows.to_string(index=False) if len(rows) else f"No overrides in the {the_period} cycle.")

"""`sop plan`: the published plan versions; list them, show one, compare two.

A version is published when a cycle's executive gate is approved and never changes after; a
version whose rows were edited in the database is refused, not shown.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from sop.chat.tables import FitTable, records_table
from sop.cli.common import console, fail, open_store
from sop.numbers import timestamp, units

if TYPE_CHECKING:
    import pandas as pd

    from sop.store import Store

app = typer.Typer(help="Published plan versions: list, show and compare them.", no_args_is_help=True)

ByOpt = typer.Option("family", "--by", help="family, sku or month")
CsvOpt = typer.Option(False, "--csv", help="every row as CSV on stdout, for a spreadsheet, in whole units")


def _table(title: str, frame: pd.DataFrame) -> FitTable:
    return records_table(title, frame.to_dict("records"))


def _csv(frame: pd.DataFrame) -> None:
    """The rows for a spreadsheet: units whole (the plan ships whole units), changes as fractions
    to 0.01 %."""
    from pandas.api.types import is_float_dtype

    rounded = frame.copy()
    for column in rounded.columns:
        if column == "change_pct":
            rounded[column] = rounded[column].round(4)
        elif is_float_dtype(rounded[column]):
            rounded[column] = rounded[column].round().astype("Int64")
    rounded.to_csv(sys.stdout, index=False)


def _version(store: Store, version: int | None) -> tuple[pd.DataFrame, pd.Series]:
    """A version's rows and its row of `plan_versions`; refuses unknown and tampered versions."""
    from sop.store import PlanNotFound, PlanTampered

    try:
        plan = store.published_plan(version)
    except (PlanNotFound, PlanTampered) as exc:
        raise fail(str(exc)) from exc
    versions = store.plan_versions().set_index("version")
    return plan, versions.loc[version if version is not None else versions.index.max()]


def _check_by(by: str) -> None:
    if by not in ("family", "sku", "month"):
        raise fail(f"--by must be family, sku or month, not {by!r}", code=2)


@app.command("list")
def list_versions(ctx: typer.Context) -> None:
    """Every published version: its cycle, scenario, approver and time."""
    with open_store(ctx) as store:
        versions = store.plan_versions()
    if versions.empty:
        console.print("No plan version is published yet; approving a cycle's executive gate publishes one.")
        return
    console.print(_table("Published plan versions", versions))


@app.command("show")
def show(ctx: typer.Context, version: int | None = typer.Argument(None, help="default: the latest"),
         by: str = ByOpt, as_csv: bool = CsvOpt) -> None:
    """Planned units (shipments into the DCs) of a version, per month by family, SKU or month."""
    from sop.report.plans import plan_totals

    _check_by(by)
    with open_store(ctx) as store:
        plan, meta = _version(store, version)
    totals = plan_totals(plan, by)
    if as_csv:
        _csv(totals)
        return
    console.print(f"Plan version {meta.name}: cycle {meta['cycle_id']}, scenario {meta['scenario']}, "
                  f"approved by {meta['approved_by']} at {timestamp(meta['published_at'])}; "
                  f"{units(plan['qty'].sum())} units.")
    console.print(_table(f"Units per month by {by}", totals))


@app.command("diff")
def diff(ctx: typer.Context, old: int = typer.Argument(..., help="the earlier version"),
         new: int = typer.Argument(..., help="the later version"), by: str = ByOpt,
         top: int = typer.Option(20, "--top", help="largest changes shown"), as_csv: bool = CsvOpt) -> None:
    """What changed between two versions, per month by family, SKU or month, largest first."""
    from sop.report.plans import overlap_totals, plan_diff

    _check_by(by)
    with open_store(ctx) as store:
        old_plan, old_meta = _version(store, old)
        new_plan, new_meta = _version(store, new)
    changes = plan_diff(old_plan, new_plan, by).rename(columns={"units_old": f"v{old}", "units_new": f"v{new}"})
    if as_csv:
        _csv(changes)
        return
    before, after = overlap_totals(old_plan, new_plan)
    console.print(f"Plan v{old} (cycle {old_meta['cycle_id']}) against v{new} (cycle {new_meta['cycle_id']}): "
                  f"{units(before)} → {units(after)} units over the months both plan "
                  f"({units(after - before, signed=True)}).")
    if changes.empty:
        console.print(f"No {by} and month changed by more than half a unit.")
        return
    console.print(_table(f"The {min(top, len(changes))} largest of {len(changes)} changes by {by} and month",
                         changes.head(top)))

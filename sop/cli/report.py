"""`sop report`: rebuild the executive package of a cycle from the store."""

from __future__ import annotations

from pathlib import Path

import typer

from sop.cli.common import console, fail, open_store, period_option


def report(
    ctx: typer.Context,
    period: str | None = period_option("cycle month YYYY-MM; default: the latest cycle"),
    out: Path = typer.Option(..., "--out", help="folder for executive-package.html and the CSVs"),
) -> None:
    """Write the executive package, decision log and approved plan of a cycle."""
    from sop.report.package import build_package
    from sop.store.forecasts import forecast_cycles

    with open_store(ctx) as store:
        cycles = forecast_cycles(store)
        if not cycles:
            raise fail("no cycle has run yet; start one with 'sop cycle run'")
        cycle_id = period or cycles[0]
        if cycle_id not in cycles:
            raise fail(f"there is no {cycle_id} cycle; cycles: {', '.join(cycles)}")
        page = build_package(store, cycle_id, cycle_id, out)
    console.print(f"Executive package: {page}")

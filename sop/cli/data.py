"""`sop data`: load a company's planning data, or build the sample company."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from sop.cli.common import console, fail, open_store
from sop.data.sample_company import write_sample_company
from sop.store import DataError

app = typer.Typer(help="Load planning data into the DuckDB store.", no_args_is_help=True)


def _load(ctx: typer.Context, directory: Path) -> None:
    with open_store(ctx) as store:
        try:
            counts = store.load_dir(directory)
        except DataError as exc:
            raise fail(str(exc)) from exc
    table = Table("table", "rows", title=f"Loaded {directory}")
    for name, rows in counts.items():
        table.add_row(name, f"{rows:,}")
    console.print(table)


@app.command("load")
def load(ctx: typer.Context,
         directory: Path = typer.Argument(..., help="folder with one CSV per table (data/README.md)")) -> None:
    """Validate every file in DIRECTORY, then load all of them, or none."""
    if not directory.is_dir():
        raise fail(f"{directory} is not a folder; pass the folder that holds the CSV files")
    _load(ctx, directory)


@app.command("demo")
def demo(
    ctx: typer.Context,
    out: Path = typer.Option(Path("data/sample"), help="where the sample company's CSVs are written"),
    seed: int = typer.Option(7, help="random seed; the same seed gives the same company"),
) -> None:
    """Generate the sample company and load it."""
    write_sample_company(out, seed=seed)
    _load(ctx, out)

"""`sop data`: load a company's planning data, build the sample company, back the store up and
restore it. A backup holds the store (and a SQLite checkpoint file) as of one moment: it is
taken while this command holds the store, so no cycle step writes meanwhile."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from sop.cli.common import EXIT_BUSY, console, fail, hold, open_store, settings, store_file
from sop.store.busy import StoreBusy, status_path
from sop.store.checkpoint_file import CheckpointFileDamaged, copy_checkpoints, holds_thread
from sop.store.location import POSTGRES_SCHEMES

app = typer.Typer(help="Load planning data into the DuckDB store.", no_args_is_help=True)


def _load(ctx: typer.Context, directory: Path) -> None:
    from sop.store import DataError

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
    from sop.data.sample_company import write_sample_company

    write_sample_company(out, seed=seed)
    _load(ctx, out)


def _checkpoints_beside(backup: Path) -> Path:
    return backup.with_name(f"{backup.name}.checkpoints.sqlite")


@app.command("backup")
def backup(ctx: typer.Context, to: Path | None = typer.Option(
        None, "--to", help="the backup file; default: backups/STEM-YYYYMMDD-HHMMSS.duckdb beside the store")) -> None:
    """Write a consistent copy of the store (and of a SQLite checkpoint file, beside it)."""
    from sop.store.backup import BackupError, backup_store, default_backup_path

    cfg = settings(ctx)
    db = store_file(cfg.db)
    target = to or default_backup_path(db)
    if target.exists():
        raise fail(f"{target} exists already; name a new file with --to", code=2)
    with open_store(ctx) as store:
        try:
            backup_store(store, target)
            kept = (not cfg.checkpoint_url.startswith(POSTGRES_SCHEMES)
                    and copy_checkpoints(Path(cfg.checkpoint_url), _checkpoints_beside(target)))
        except (BackupError, CheckpointFileDamaged, OSError) as exc:
            raise fail(f"the backup was not written: {exc}") from exc
    console.print(f"Backed up {db} to {target}", highlight=False)
    if kept:
        console.print(f"Checkpoints: {_checkpoints_beside(target)}", highlight=False)
    elif cfg.checkpoint_url.startswith(POSTGRES_SCHEMES):
        console.print("The PostgreSQL checkpoints are not in this backup; back the server up with its own tools.")
    console.print(f"Restore with: sop data restore {target}", highlight=False)


@app.command("restore")
def restore(ctx: typer.Context, backup_file: Path = typer.Argument(..., help="a file 'sop data backup' wrote")) -> None:
    """Put a backup in place of the store; the current file is moved aside, never deleted."""
    from sop.store.backup import BackupError, aside, restore_store

    cfg = settings(ctx)
    db = store_file(cfg.db)
    if not backup_file.is_file():
        raise fail(f"{backup_file} is not a file; pass a backup 'sop data backup' wrote", code=2)
    try:
        with hold(ctx):
            checkpoints = _checkpoints_beside(backup_file)
            restored = not cfg.checkpoint_url.startswith(POSTGRES_SCHEMES) and checkpoints.is_file()
            if restored:
                holds_thread(checkpoints, "")  # a damaged copy stops the restore before anything moves
            moved = restore_store(backup_file, db)
            aside(status_path(db))  # it describes the store that was replaced
            if restored:
                aside(Path(cfg.checkpoint_url))
                copy_checkpoints(checkpoints, Path(cfg.checkpoint_url))
    except StoreBusy as exc:
        raise fail(str(exc), code=EXIT_BUSY) from exc
    except (BackupError, CheckpointFileDamaged, OSError) as exc:
        raise fail(f"nothing was restored: {exc}") from exc
    console.print(f"Restored {db} from {backup_file}" + (f"; the file it replaced is {moved}" if moved else ""),
                  highlight=False)
    if restored:
        console.print(f"Checkpoints restored to {cfg.checkpoint_url}", highlight=False)
    console.print("Check where each cycle stands with 'sop cycle status'; "
                  "'sop cycle recover' rebuilds one whose checkpoint does not match.", highlight=False)

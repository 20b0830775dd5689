"""A consistent copy of the planning store, and putting one back.

The copy is taken by the command that holds the store (`sop.store.busy`), so no other command
writes while it is made: DuckDB first folds its write-ahead log into the file (CHECKPOINT), then
the file is copied whole and opened to check it reads. Restoring moves the current file (and
any write-ahead log of it) aside rather than deleting it.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import duckdb

from sop.store.database import Store


class BackupError(RuntimeError):
    """A backup that cannot be written or read back; the message names the file."""


def backup_store(store: Store, to: Path) -> Path:
    """Copy the open store to `to` (written beside it first, then renamed, so a half-written
    copy never carries the name)."""
    to.parent.mkdir(parents=True, exist_ok=True)
    store.con.execute("CHECKPOINT")
    partial = to.with_name(f"{to.name}.partial")
    shutil.copyfile(Path(store.path), partial)
    check_backup(partial)
    partial.replace(to)
    return to


def check_backup(path: Path) -> str:
    """The latest migration a backup holds; BackupError when it is no planning store."""
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise BackupError(f"{path} is not a readable DuckDB file ({str(exc).splitlines()[0]})") from exc
    try:
        row = con.execute("SELECT name FROM schema_migrations ORDER BY version DESC LIMIT 1").fetchone()
    except duckdb.Error as exc:
        raise BackupError(f"{path} is a DuckDB file but no planning store (no schema_migrations table)") from exc
    finally:
        con.close()
    return row[0] if row else ""


def aside(path: Path) -> Path | None:
    """Move a file out of the way under a timestamped name; None when there is none."""
    if not path.exists():
        return None
    moved = path.with_name(f"{path.name}.before-restore-{datetime.now():%Y%m%d-%H%M%S}")
    path.replace(moved)
    return moved


def restore_store(backup: Path, db: Path) -> Path | None:
    """Put a checked backup in place of the store at `db`; returns where the old file went."""
    check_backup(backup)
    partial = db.with_name(f"{db.name}.partial")
    shutil.copyfile(backup, partial)
    moved = aside(db)
    aside(Path(f"{db}.wal"))
    partial.replace(db)
    return moved


def default_backup_path(db: Path) -> Path:
    """`backups/STEM-YYYYMMDD-HHMMSS.duckdb` beside the store."""
    return db.parent / "backups" / f"{db.stem}-{datetime.now():%Y%m%d-%H%M%S}.duckdb"

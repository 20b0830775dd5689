"""The SQLite file of cycle checkpoints, read and copied without LangGraph: whether it still
holds a cycle's thread (what `sop cycle status` checks before it trusts the recorded status) and
a consistent copy of it for `sop data backup`. The file's tables are LangGraph's SqliteSaver's."""

from __future__ import annotations

import sqlite3
from pathlib import Path


class CheckpointFileDamaged(RuntimeError):
    """The file is not a SQLite database, or not a whole one; the message names it and the way back."""

    def __init__(self, path: Path | str, exc: sqlite3.DatabaseError):
        super().__init__(f"the checkpoint database {path} is damaged ({exc}); move it aside, then "
                         "'sop cycle recover' rebuilds the cycle's position from the store")


def holds_thread(path: Path, thread: str) -> bool:
    """Whether the checkpoint file holds any checkpoint of `thread` (False when there is no file)."""
    if not path.is_file():
        return False
    conn = sqlite3.connect(path)
    try:
        tables = conn.execute("SELECT name FROM sqlite_master WHERE name = 'checkpoints'").fetchall()
        return bool(tables) and conn.execute("SELECT 1 FROM checkpoints WHERE thread_id = ? LIMIT 1",
                                             [thread]).fetchone() is not None
    except sqlite3.DatabaseError as exc:
        raise CheckpointFileDamaged(path, exc) from exc
    finally:
        conn.close()


def copy_checkpoints(source: Path, to: Path) -> bool:
    """Copy the file with SQLite's online backup (consistent even while it is open); False when
    there is no such file."""
    if not source.is_file():
        return False
    src, dst = sqlite3.connect(source), sqlite3.connect(to)
    try:
        src.backup(dst)
    except sqlite3.DatabaseError as exc:
        raise CheckpointFileDamaged(source, exc) from exc
    finally:
        dst.close()
        src.close()
    return True

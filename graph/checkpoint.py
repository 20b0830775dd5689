"""The checkpointer factory: cycles survive crashes and week-long waits at a gate."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from langgraph.checkpoint.sqlite import SqliteSaver


def sqlite_checkpointer(path: str | Path) -> SqliteSaver:
    """A SQLite checkpointer on a file; one writer at a time is enough for a CLI run."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    saver = SqliteSaver(sqlite3.connect(str(path), check_same_thread=False))
    saver.setup()
    return saver

"""The checkpointer factory: cycles survive crashes and week-long waits at a gate.

SQLite on a local file by default; PostgreSQL when the URL is a postgresql:// URL, so that the
checkpoints live on a server that outlives the machine running the cycle. LangGraph and the
PostgreSQL driver load only when a checkpointer is opened, so `sop cycle status` can ask
`saved_thread` whether a cycle's checkpoint is still there without loading them.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sop.store.checkpoint_file import CheckpointFileDamaged, holds_thread
from sop.store.location import POSTGRES_SCHEMES, without_password

if TYPE_CHECKING:
    from langgraph.checkpoint.base import BaseCheckpointSaver
    from langgraph.checkpoint.postgres import PostgresSaver
    from langgraph.checkpoint.sqlite import SqliteSaver


class CheckpointUnavailable(RuntimeError):
    """The checkpoint database cannot be opened; the message names it without its password."""


# Fixed for good: changing it would move every cycle to another thread.
THREAD_NAMESPACE = uuid.UUID("5d0b6f0e-3c55-4e5e-9a52-2f0c1e0b5a13")


def thread_id(period: str) -> str:
    """The checkpoint thread of a cycle, one per period, the same from the CLI and from a LangGraph
    Server client: a UUID (the server takes no other thread ids), derived from the period."""
    return str(uuid.uuid5(THREAD_NAMESPACE, f"sop-cycle:{period}"))


def _damaged(path: str | Path, exc: sqlite3.DatabaseError) -> CheckpointUnavailable:
    return CheckpointUnavailable(str(CheckpointFileDamaged(path, exc)))


def sqlite_checkpointer(path: str | Path) -> SqliteSaver:
    """A SQLite checkpointer on a file; one writer at a time is enough for a CLI run."""
    from langgraph.checkpoint.sqlite import SqliteSaver

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=False)
    saver = SqliteSaver(conn)
    try:
        saver.setup()
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise _damaged(path, exc) from exc
    return saver


def saved_thread(url: str, thread: str) -> bool | None:
    """Whether the SQLite checkpoint file holds `thread`, read without loading LangGraph; None
    for PostgreSQL, where only the checkpointer can say. CheckpointUnavailable for a damaged file."""
    if url.startswith(POSTGRES_SCHEMES):
        return None
    try:
        return holds_thread(Path(url), thread)
    except CheckpointFileDamaged as exc:
        raise CheckpointUnavailable(str(exc)) from exc


@contextmanager
def _postgres_checkpointer(url: str) -> Iterator[PostgresSaver]:
    """A PostgreSQL checkpointer on one connection, set up as PostgresSaver.from_conn_string does."""
    import psycopg
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg.rows import dict_row

    try:
        conn = psycopg.connect(url, autocommit=True, prepare_threshold=0, row_factory=dict_row)
    except psycopg.Error as exc:
        raise CheckpointUnavailable(
            f"cannot connect to the PostgreSQL checkpoint database {without_password(url)} ({exc}); "
            "check SOP_CHECKPOINT_URL and that the server is running") from exc
    with conn:
        saver = PostgresSaver(conn)
        saver.setup()
        yield saver


@contextmanager
def checkpointer(url: str) -> Iterator[BaseCheckpointSaver]:
    """The checkpointer SOP_CHECKPOINT_URL names, with its tables created; closed on exit."""
    if url.startswith(POSTGRES_SCHEMES):
        with _postgres_checkpointer(url) as postgres:
            yield postgres
        return
    sqlite = sqlite_checkpointer(url)
    try:
        yield sqlite
    finally:
        sqlite.conn.close()


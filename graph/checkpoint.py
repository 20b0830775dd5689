"""The checkpointer factory: cycles survive crashes and week-long waits at a gate.

SQLite on a local file by default; PostgreSQL when the URL is a postgresql:// URL, so that the
checkpoints live on a server that outlives the machine running the cycle.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.checkpoint.sqlite import SqliteSaver
from psycopg.rows import dict_row

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


class CheckpointUnavailable(RuntimeError):
    """The checkpoint database cannot be opened; the message names it without its password."""


def sqlite_checkpointer(path: str | Path) -> SqliteSaver:
    """A SQLite checkpointer on a file; one writer at a time is enough for a CLI run."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    saver = SqliteSaver(sqlite3.connect(str(path), check_same_thread=False))
    saver.setup()
    return saver


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")).geturl()


@contextmanager
def _postgres_checkpointer(url: str) -> Iterator[PostgresSaver]:
    """A PostgreSQL checkpointer on one connection, set up as PostgresSaver.from_conn_string does."""
    try:
        conn = psycopg.connect(url, autocommit=True, prepare_threshold=0, row_factory=dict_row)
    except psycopg.Error as exc:
        raise CheckpointUnavailable(
            f"cannot connect to the PostgreSQL checkpoint database {_without_password(url)} ({exc}); "
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

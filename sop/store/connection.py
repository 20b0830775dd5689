"""The connection every part of the store shares: opening and closing it (a DuckDB file or a
PostgreSQL database, `sop.store.backends`), transactions, and the two generic reads (a whole
table, a parameterised query)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from sop.store.backends import Backend, open_backend, quote
from sop.store.location import shown

if TYPE_CHECKING:  # pandas loads with the first query that returns a frame (duckdb's .df())
    import pandas as pd

__all__ = ["Backend", "Connection", "now_utc", "one_row", "quote", "transaction"]


@contextmanager
def transaction(con: Backend) -> Iterator[None]:
    """Commit when the block succeeds, roll back on any exception so nothing is half-written."""
    con.begin()
    try:
        yield
    except BaseException:
        con.rollback()
        raise
    con.commit()


def now_utc() -> str:
    """The time a row is written, as ISO 8601 in UTC to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def one_row(con: Backend, sql: str, params: list | None = None) -> tuple[Any, ...]:
    """The row of a query that always returns exactly one (an aggregate such as COUNT or MAX)."""
    row = con.execute(sql, params or []).fetchone()
    if row is None:
        raise LookupError(f"expected one row from: {sql}")
    return row


class Connection:
    """An open planning database; closed on exit when used as a context manager. `path` is a
    DuckDB file (or `:memory:`) or a `postgresql://` URL."""

    def __init__(self, path: Path | str) -> None:
        self.path = path
        self.con: Backend = open_backend(path)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None,
    ) -> None:
        self.close()

    def table(self, name: str) -> pd.DataFrame:
        """A whole input or output table."""
        if not self.con.columns(name):
            raise KeyError(f"no table named {name!r} in {shown(self.path)}")
        return self.con.execute(f"SELECT * FROM {quote(name)}").df()

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        """Run a parameterised query (`?` marks each parameter) and return the result."""
        return self.con.execute(sql, params or []).df()

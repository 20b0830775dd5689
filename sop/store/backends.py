"""The two databases the store runs on, behind one small interface.

Every module of the store writes its SQL once, in the dialect DuckDB and PostgreSQL share
(`?` marks a parameter), and talks to `Backend`: run a statement, begin, commit or roll back a
transaction, bulk-insert a frame, list a table's columns, and serialise writers. `DuckDBBackend`
is the embedded default (a file); `PostgresBackend` keeps the same tables in a PostgreSQL
database named by a `postgresql://` URL. The few differences are translated here and nowhere
else: the `?` placeholders, DuckDB's `DOUBLE` type name, bulk inserts (a registered frame in
DuckDB, COPY in PostgreSQL), frames from results, and locks between concurrent writers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sop.store.location import is_server_url, shown, without_password

if TYPE_CHECKING:
    import duckdb
    import pandas as pd
    import psycopg


def quote(name: str) -> str:
    """A table or column name as an SQL identifier (the same in DuckDB and PostgreSQL)."""
    return '"' + name.replace('"', '""') + '"'


class Result(Protocol):
    """A statement's result: its rows as tuples, or as a frame."""

    def fetchone(self) -> tuple[Any, ...] | None: ...

    def fetchall(self) -> list[tuple[Any, ...]]: ...

    def df(self) -> pd.DataFrame: ...


class Backend(Protocol):
    """An open connection to the planning database, in auto-commit mode outside `begin()`."""

    name: str

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> Result: ...

    def begin(self) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def close(self) -> None: ...

    def columns(self, table: str) -> list[str]:
        """The table's column names in order; empty when there is no such table."""
        ...

    def insert_frame(self, table: str, frame: pd.DataFrame) -> None:
        """Append the frame's rows; its columns are the table's, in order, typed as the table's
        (a text cell of a DATE column as YYYY-MM-DD)."""
        ...

    def serialise(self, subject: str) -> None:
        """Inside a transaction, wait until no other connection writes `subject` (the decision
        log, the plan versions), and hold that until the transaction ends."""
        ...


def open_backend(db: Path | str) -> Backend:
    """The backend for a store location: a PostgreSQL URL, or a DuckDB file (`:memory:` too)."""
    if is_server_url(db):
        return PostgresBackend(str(db))
    if "://" in str(db):
        raise ValueError(f"SOP_DB: {shown(db)} is not a store sop can open; give a DuckDB file or a "
                         "postgresql://USER@HOST:PORT/DATABASE URL")
    return DuckDBBackend(db)


class DuckDBBackend:
    """The embedded store: one DuckDB file, which one process holds at a time (`sop.store.busy`),
    so writers are already serialised before they reach it."""

    name = "duckdb"

    def __init__(self, path: Path | str) -> None:
        import duckdb

        self.con: duckdb.DuckDBPyConnection = duckdb.connect(str(path))

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> duckdb.DuckDBPyConnection:
        return self.con.execute(sql, list(params or []))

    def begin(self) -> None:
        self.con.begin()

    def commit(self) -> None:
        self.con.commit()

    def rollback(self) -> None:
        self.con.rollback()

    def close(self) -> None:
        self.con.close()

    def _types(self, table: str) -> list[tuple[str, str]]:
        """(column, type) of the table, in order."""
        return self.con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
                                "ORDER BY ordinal_position", [table]).fetchall()

    def columns(self, table: str) -> list[str]:
        return [name for name, _ in self._types(table)]

    def insert_frame(self, table: str, frame: pd.DataFrame) -> None:
        types = dict(self._types(table))
        casts = ", ".join(f"CAST({quote(c)} AS {types[c]})" for c in frame.columns)
        self.con.register("incoming_rows", frame.reset_index(drop=True))
        try:
            self.con.execute(f"INSERT INTO {quote(table)} SELECT {casts} FROM incoming_rows")
        finally:
            self.con.unregister("incoming_rows")

    def serialise(self, subject: str) -> None:
        """Nothing to do: DuckDB has one writer, the process that holds the file."""


COPY_ROWS = 200_000  # rows per block of CSV handed to COPY: bounded memory, few round trips
NULL = "\\N"  # how COPY's CSV marks a missing value

# PostgreSQL type OIDs that need care when a result becomes a frame.
_INTEGER_OIDS = {20, 21, 23}   # int8, int2, int4
_FLOAT_OIDS = {700, 701, 1700}  # float4, float8, numeric (loaded as float, below)
_DATE_OIDS = {1082, 1114, 1184}  # date, timestamp, timestamptz

_PLACEHOLDER_OR_LITERAL = re.compile(r"'(?:[^']|'')*'|\?|%")
_DUCKDB_DOUBLE = re.compile(r"\bDOUBLE\b(?!\s+PRECISION)", re.IGNORECASE)


def postgres_sql(sql: str, with_params: bool) -> str:
    """The shared dialect in PostgreSQL's: `DOUBLE` is `DOUBLE PRECISION`, and, when parameters
    are passed, `?` outside string literals is `%s` and a literal `%` is doubled for psycopg."""
    sql = _DUCKDB_DOUBLE.sub("DOUBLE PRECISION", sql)
    if not with_params:
        return sql

    def swap(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "?":
            return "%s"
        return token.replace("%", "%%")

    return _PLACEHOLDER_OR_LITERAL.sub(swap, sql)


class PostgresResult:
    """A psycopg cursor's result, read like DuckDB's: tuples, or a frame typed as DuckDB types
    one (whole numbers with gaps as Int64, dates as datetime64)."""

    def __init__(self, cursor: psycopg.Cursor[Any]) -> None:
        self.cursor = cursor

    def fetchone(self) -> tuple[Any, ...] | None:
        return self.cursor.fetchone()

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.cursor.fetchall()

    def df(self) -> pd.DataFrame:
        import pandas as pd

        description = self.cursor.description or []
        names = [d.name for d in description]
        frame = pd.DataFrame.from_records(self.cursor.fetchall(), columns=names)
        for position, d in enumerate(description):
            column = frame.iloc[:, position]
            if d.type_code in _DATE_OIDS:
                frame[d.name] = pd.to_datetime(column)
            elif d.type_code in _INTEGER_OIDS and column.isna().any():
                frame[d.name] = column.astype("Int64")
            elif d.type_code in _FLOAT_OIDS:
                frame[d.name] = column.astype("float64")
        return frame


class StoreUnavailable(RuntimeError):
    """The PostgreSQL server of SOP_DB cannot be reached; the message names it without its password."""


class PostgresBackend:
    """The planning store in a PostgreSQL database: every table, the same migrations, and the
    database's own locks between concurrent writers (several planners, several machines)."""

    name = "postgresql"

    def __init__(self, url: str) -> None:
        import psycopg
        from psycopg.types.numeric import FloatLoader

        try:
            self.con = psycopg.connect(url, autocommit=True, cursor_factory=psycopg.ClientCursor)
        except psycopg.OperationalError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StoreUnavailable(f"cannot connect to the PostgreSQL planning store {without_password(url)} "
                                   f"({first}); check SOP_DB and that the server is running") from exc
        # SUM and AVG of whole numbers are NUMERIC in PostgreSQL; the planning numbers are floats.
        self.con.adapters.register_loader("numeric", FloatLoader)

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> PostgresResult:
        values = [_python_value(v) for v in params] if params else None
        cursor = self.con.cursor()
        cursor.execute(postgres_sql(sql, values is not None), values)
        return PostgresResult(cursor)

    def begin(self) -> None:
        self.con.execute("BEGIN")

    def commit(self) -> None:
        self.con.execute("COMMIT")

    def rollback(self) -> None:
        self.con.execute("ROLLBACK")

    def close(self) -> None:
        self.con.close()

    def _types(self, table: str) -> list[tuple[str, str]]:
        return self.con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = %s ORDER BY ordinal_position", [table]).fetchall()

    def columns(self, table: str) -> list[str]:
        return [name for name, _ in self._types(table)]

    def insert_frame(self, table: str, frame: pd.DataFrame) -> None:
        """COPY the rows in as CSV, written by pandas a block of rows at a time, each column first
        made its table column's type (DuckDB casts a float to BIGINT and a timestamp to DATE when
        it inserts; COPY does not). A missing value is written as \\N, so NULL and an empty text
        stay apart."""
        if frame.empty:
            return
        types = dict(self._types(table))
        ready = frame.reset_index(drop=True).apply(lambda column: _copy_ready(column, types[column.name]))
        names = ", ".join(quote(c) for c in frame.columns)
        with self.con.cursor().copy(f"COPY {quote(table)} ({names}) FROM STDIN WITH (FORMAT csv, NULL '{NULL}')") \
                as copy:
            for start in range(0, len(ready), COPY_ROWS):
                copy.write(ready.iloc[start : start + COPY_ROWS].to_csv(
                    index=False, header=False, na_rep=NULL, lineterminator="\n"))

    def serialise(self, subject: str) -> None:
        self.con.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"sop:{subject}"])


def _python_value(value: Any) -> Any:
    """A parameter as psycopg adapts it: numpy scalars become Python numbers."""
    item = getattr(value, "item", None)
    return item() if callable(item) and not isinstance(value, (str, bytes, date)) else value


def _copy_ready(column: pd.Series, data_type: str) -> pd.Series:
    """The column as COPY reads its table column's type: whole numbers rounded, booleans as
    booleans, timestamps as dates, anything else in a text column as its text."""
    import pandas as pd

    if data_type in ("bigint", "integer", "smallint"):
        return pd.to_numeric(column).round().astype("Int64")
    if data_type == "boolean":
        return column.astype("boolean")
    if data_type == "date" and pd.api.types.is_datetime64_any_dtype(column):
        return column.dt.strftime("%Y-%m-%d")
    if data_type in ("character varying", "text") and not (
            pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)):
        return column.astype("string")
    return column

"""The planning database: a DuckDB file with ordered migrations and an all-or-nothing CSV import.

Every input table is declared once in `sop.schema`; this module turns those declarations into
DDL (migration 1) and into the checks a company's CSV files must pass before anything is
written. Referential integrity (foreign keys, family references) is checked here in Python and
not declared in DuckDB, because DuckDB foreign keys would block the delete-then-insert reload.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

import duckdb
import numpy as np
import pandas as pd

from sop.store.ledger import GENESIS_HASH, entry_hash
from sop.store.schema import FAMILY_REFERENCES, TABLES, Column, ForeignKey, Table

RELOAD_HINT = "run 'sop data load' again"

DUCKDB_TYPES = {"text": "VARCHAR", "int": "BIGINT", "float": "DOUBLE", "month": "VARCHAR", "date": "DATE"}

EXPECTED = {
    "float": "expected a number",
    "int": "expected a whole number",
    "month": "expected a month as YYYY-MM with the month 01-12",
    "date": "expected a date that exists, as YYYY-MM-DD",
}

MONTH_PATTERN = r"\d{4}-(0[1-9]|1[0-2])"
DATE_PATTERN = r"\d{4}-\d{2}-\d{2}"


class DataError(Exception):
    """A problem in an input file, located the way a person finds it in a spreadsheet.

    `row` is the line number in the file: the header is line 1, so the first data row is line 2.
    `row` and `column` are None when the problem is the whole file.
    """

    def __init__(
        self, file: str, message: str, row: int | None = None, column: str | None = None,
        hint: str = "Fix the value",
    ) -> None:
        self.file, self.message, self.row, self.column, self.hint = file, message, row, column, hint
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" line {self.row}"
        if self.column is not None:
            where += f", column {self.column}"
        return f"{where}: {self.message}. {self.hint} and {RELOAD_HINT}."


class PublishedPlanImmutable(PermissionError):
    """A write that would change a published plan version."""


class PlanNotFound(LookupError):
    """No such published plan version."""


class PlanTampered(RuntimeError):
    """A published version's rows differ from what was published."""


PUBLISHED_TABLES = ("plan_versions", "published_plan", "plan_checksums")


# ---------------------------------------------------------------------------------------------
# Migrations: append a function to MIGRATIONS to change the schema; never edit an applied one.


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _column_ddl(column: Column) -> str:
    null = "" if column.nullable else " NOT NULL"
    return f"{_quote(column.name)} {DUCKDB_TYPES[column.type]}{null}"


def _create_table_sql(table: Table) -> str:
    columns = [_column_ddl(c) for c in table.columns]
    key = ", ".join(_quote(k) for k in table.key)
    return f"CREATE TABLE {_quote(table.name)} ({', '.join(columns)}, PRIMARY KEY ({key}))"


def create_input_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create one table per input file declared in `sop.schema.TABLES`."""
    for table in TABLES:
        con.execute(_create_table_sql(table))


# What each cycle writes. Every row carries its cycle_id, so a node that runs again after a
# resume replaces its own rows (`Store.replace`) instead of adding to them.
CYCLE_TABLES = {
    "forecast_layers": "cycle_id VARCHAR, layer VARCHAR, sku VARCHAR, dc VARCHAR, month VARCHAR, qty DOUBLE, "
                       "yhat DOUBLE, lo_80 DOUBLE, hi_80 DOUBLE, lo_95 DOUBLE, hi_95 DOUBLE, model VARCHAR, "
                       "PRIMARY KEY (cycle_id, layer, sku, dc, month)",
    "backtests": "cycle_id VARCHAR, level VARCHAR, key VARCHAR, sku VARCHAR, dc VARCHAR, model VARCHAR, mae DOUBLE, "
                 "benchmark_mae DOUBLE, error_std DOUBLE, mean_actual DOUBLE, points BIGINT, coverage_80 DOUBLE, "
                 "coverage_95 DOUBLE, regime VARCHAR, demand_class VARCHAR, adi DOUBLE, cv2 DOUBLE, reason VARCHAR, "
                 "PRIMARY KEY (cycle_id, level, key)",
    "agent_reports": "cycle_id VARCHAR, agent VARCHAR, narrative VARCHAR, source VARCHAR, figures VARCHAR, "
                     "PRIMARY KEY (cycle_id, agent)",
    "inventory_policy": "cycle_id VARCHAR, sku VARCHAR, dc VARCHAR, abc VARCHAR, xyz VARCHAR, service_level DOUBLE, "
                        "mean_demand DOUBLE, demand_std DOUBLE, lead_time DOUBLE, unit_cost DOUBLE, eoq DOUBLE, "
                        "safety_stock DOUBLE, reorder_point DOUBLE, order_up_to DOUBLE, PRIMARY KEY (cycle_id, sku, dc)",
    "plan_lines": "cycle_id VARCHAR, scenario VARCHAR, kind VARCHAR, sku VARCHAR, plant VARCHAR, dc VARCHAR, "
                  "month VARCHAR, qty DOUBLE, PRIMARY KEY (cycle_id, scenario, kind, sku, plant, dc, month)",
    "plant_hours": "cycle_id VARCHAR, scenario VARCHAR, plant VARCHAR, month VARCHAR, regular_hours DOUBLE, "
                   "max_overtime_hours DOUBLE, overtime_hours DOUBLE, used_hours DOUBLE, "
                   "PRIMARY KEY (cycle_id, scenario, plant, month)",
    "plan_summary": "cycle_id VARCHAR, scenario VARCHAR, status VARCHAR, objective DOUBLE, demand_units DOUBLE, "
                    "unmet_units DOUBLE, demand_revenue DOUBLE, unmet_revenue DOUBLE, PRIMARY KEY (cycle_id, scenario)",
    "gaps": "cycle_id VARCHAR, scenario VARCHAR, rank BIGINT, kind VARCHAR, subject VARCHAR, month VARCHAR, "
            "units DOUBLE, value DOUBLE, detail VARCHAR, PRIMARY KEY (cycle_id, scenario, rank)",
    "lane_use": "cycle_id VARCHAR, plant VARCHAR, dc VARCHAR, month VARCHAR, volume DOUBLE, capacity DOUBLE, "
                "utilisation DOUBLE, cost DOUBLE, PRIMARY KEY (cycle_id, plant, dc, month)",
    "supplier_scores": "cycle_id VARCHAR, supplier VARCHAR, score DOUBLE, tier VARCHAR, quality DOUBLE, "
                       "delivery DOUBLE, cost DOUBLE, responsiveness DOUBLE, on_time DOUBLE, ppm DOUBLE, "
                       "fill_rate DOUBLE, price_index DOUBLE, PRIMARY KEY (cycle_id, supplier)",
    "financials": "cycle_id VARCHAR, scenario VARCHAR, family VARCHAR, month VARCHAR, demand_units DOUBLE, "
                  "fulfilled_units DOUBLE, revenue DOUBLE, production_cost DOUBLE, overtime_cost DOUBLE, "
                  "freight_cost DOUBLE, holding_cost DOUBLE, cogs DOUBLE, gross_margin DOUBLE, gross_margin_pct DOUBLE, "
                  "inventory_units DOUBLE, inventory_value DOUBLE, budget_revenue DOUBLE, budget_cogs DOUBLE, "
                  "revenue_variance DOUBLE, margin_variance DOUBLE, PRIMARY KEY (cycle_id, scenario, family, month)",
    "decisions": "seq BIGINT PRIMARY KEY, cycle_id VARCHAR, gate VARCHAR, attempt BIGINT, decision VARCHAR, "
                 "decided_by VARCHAR, decided_at VARCHAR, rationale VARCHAR, figures VARCHAR, prev_hash VARCHAR, "
                 "hash VARCHAR, UNIQUE (cycle_id, gate, attempt)",
    "plan_versions": "version BIGINT PRIMARY KEY, cycle_id VARCHAR UNIQUE, scenario VARCHAR, approved_by VARCHAR, "
                     "published_at VARCHAR",
    "published_plan": "version BIGINT, sku VARCHAR, dc VARCHAR, month VARCHAR, qty DOUBLE, "
                      "PRIMARY KEY (version, sku, dc, month)",
}


def create_cycle_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the tables the cycle writes: forecasts, plans, scores, financials, decisions."""
    for name, columns in CYCLE_TABLES.items():
        con.execute(f"CREATE TABLE {_quote(name)} ({columns})")


WEEK1_TABLES = {
    "forecast_nodes": "cycle_id VARCHAR, level VARCHAR, key VARCHAR, month VARCHAR, yhat DOUBLE, yhat_base DOUBLE, "
                      "lo_80 DOUBLE, hi_80 DOUBLE, lo_95 DOUBLE, hi_95 DOUBLE, model VARCHAR, "
                      "PRIMARY KEY (cycle_id, level, key, month)",
    "cleansing_adjustments": "cycle_id VARCHAR, sku VARCHAR, dc VARCHAR, month VARCHAR, kind VARCHAR, before DOUBLE, "
                             "after DOUBLE, uplift_pct DOUBLE, event_id VARCHAR, reason VARCHAR",
    "accuracy_history": "cycle_id VARCHAR, evaluated_cycle VARCHAR, level VARCHAR, key VARCHAR, layer VARCHAR, "
                        "metric VARCHAR, value DOUBLE",
    "overrides": "override_id BIGINT PRIMARY KEY, cycle_id VARCHAR, level VARCHAR, key VARCHAR, month_from VARCHAR, "
                 "month_to VARCHAR, change_pct DOUBLE, set_qty DOUBLE, author VARCHAR, reason VARCHAR, "
                 "created_at VARCHAR",
}


def create_week1_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Week 1's depth: the reconciled hierarchy, cleansing log, accuracy across cycles, overrides."""
    for name, columns in WEEK1_TABLES.items():
        con.execute(f"CREATE TABLE {_quote(name)} ({columns})")


# Week 3's depth: the limits each plan binds (with shadow prices, so week 3 reads a stored
# plan back whole), working capital and the bridge inputs on the financials, variances to
# budget and targets, the key metrics kept across cycles, the gaps ranked by margin at risk, the
# what-if re-plans behind each recommendation, and the decisions put to the executives.
FINANCIALS_WEEK3_COLUMNS = ("standard_cogs", "receivables", "payables", "working_capital", "budget_units")
WEEK3_TABLES = {
    "plan_binding": "cycle_id VARCHAR, scenario VARCHAR, family VARCHAR, keys VARCHAR, period VARCHAR, \"limit\" DOUBLE, "
                    "used DOUBLE, shadow_price DOUBLE, PRIMARY KEY (cycle_id, scenario, family, keys, period)",
    "variances": "cycle_id VARCHAR, scenario VARCHAR, metric VARCHAR, scope VARCHAR, month VARCHAR, basis VARCHAR, "
                 "actual DOUBLE, reference DOUBLE, variance DOUBLE, variance_pct DOUBLE, favourable BOOLEAN, "
                 "flagged BOOLEAN, PRIMARY KEY (cycle_id, scenario, metric, scope, month, basis)",
    "kpis": "cycle_id VARCHAR, metric VARCHAR, month VARCHAR, value DOUBLE, target DOUBLE, variance DOUBLE, "
            "variance_pct DOUBLE, favourable BOOLEAN, flagged BOOLEAN, source VARCHAR, PRIMARY KEY (cycle_id, metric)",
    "margin_gaps": "cycle_id VARCHAR, rank BIGINT, kind VARCHAR, subject VARCHAR, months VARCHAR, units DOUBLE, "
                   "margin_at_risk DOUBLE, detail VARCHAR, PRIMARY KEY (cycle_id, rank)",
    "whatifs": "cycle_id VARCHAR, recommendation_id VARCHAR, gap_ranks VARCHAR, lever VARCHAR, title VARCHAR, "
               "months VARCHAR, status VARCHAR, base_objective DOUBLE, objective DOUBLE, base_unmet_units DOUBLE, "
               "unmet_units DOUBLE, base_revenue DOUBLE, revenue DOUBLE, base_margin DOUBLE, margin DOUBLE, "
               "margin_recovered DOUBLE, cost DOUBLE, net_benefit DOUBLE, units DOUBLE, risks VARCHAR, "
               "PRIMARY KEY (cycle_id, recommendation_id)",
    "decision_requests": "cycle_id VARCHAR, seq BIGINT, decision VARCHAR, detail VARCHAR, recommendation_id VARCHAR, "
                         "PRIMARY KEY (cycle_id, seq)",
}


def create_week3_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Week 3's tables, and the working-capital and bridge columns on `financials`."""
    for column in FINANCIALS_WEEK3_COLUMNS:
        con.execute(f"ALTER TABLE financials ADD COLUMN {_quote(column)} DOUBLE")
    for name, columns in WEEK3_TABLES.items():
        con.execute(f"CREATE TABLE {_quote(name)} ({columns})")


# Week 4's records. The decision log gains `ref`, which tells apart several entries of one gate
# attempt (each executive decision, each refused approval); DuckDB cannot drop the old unique
# key, so the table is rebuilt with every entry, hash and sequence number unchanged.
WEEK4_TABLES = {
    "plan_checksums": "version BIGINT PRIMARY KEY, rows BIGINT, checksum VARCHAR",
    "action_items": "action_id BIGINT PRIMARY KEY, cycle_id VARCHAR, source VARCHAR, ref VARCHAR, title VARCHAR, "
                    "owner VARCHAR, due DATE, status VARCHAR, created_at VARCHAR, closed_by VARCHAR, "
                    "closed_at VARCHAR, notes VARCHAR, UNIQUE (cycle_id, source, ref)",
}
DECISION_COLUMNS = ("seq", "cycle_id", "gate", "attempt", "decision", "decided_by", "decided_at", "rationale",
                    "figures", "prev_hash", "hash")


def create_week4_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Decision-log refs, a checksum per published plan version, and action items."""
    con.execute("CREATE TABLE decisions_with_ref (seq BIGINT PRIMARY KEY, cycle_id VARCHAR, gate VARCHAR, "
                "attempt BIGINT, ref VARCHAR NOT NULL DEFAULT '', decision VARCHAR, decided_by VARCHAR, "
                "decided_at VARCHAR, rationale VARCHAR, figures VARCHAR, prev_hash VARCHAR, hash VARCHAR, "
                "UNIQUE (cycle_id, gate, attempt, ref))")
    columns = ", ".join(DECISION_COLUMNS)
    con.execute(f"INSERT INTO decisions_with_ref ({columns}) SELECT {columns} FROM decisions")
    con.execute("DROP TABLE decisions")
    con.execute("ALTER TABLE decisions_with_ref RENAME TO decisions")
    for name, columns in WEEK4_TABLES.items():
        con.execute(f"CREATE TABLE {_quote(name)} ({columns})")
    for (version,) in con.execute("SELECT version FROM plan_versions").fetchall():
        _record_checksum(con, version)


def _plan_checksum(con: duckdb.DuckDBPyConnection, version: int) -> tuple[int, str]:
    """Row count and SHA-256 of a published version's rows, in key order."""
    rows = con.execute("SELECT sku, dc, month, qty FROM published_plan WHERE version = ? ORDER BY sku, dc, month",
                       [version]).fetchall()
    digest = hashlib.sha256("\n".join(f"{s}|{d}|{m}|{q!r}" for s, d, m, q in rows).encode("utf-8"))
    return len(rows), digest.hexdigest()


def _record_checksum(con: duckdb.DuckDBPyConnection, version: int) -> None:
    con.execute("INSERT INTO plan_checksums VALUES (?, ?, ?)", [version, *_plan_checksum(con, version)])


def create_model_usage_table(con: duckdb.DuckDBPyConnection) -> None:
    """Language-model cost per cycle and per chat session (calls and tokens in and out), and why
    an agent's narrative came from its template."""
    con.execute("CREATE TABLE model_usage (scope VARCHAR, scope_id VARCHAR, cycle_id VARCHAR, calls BIGINT, "
                "failed_calls BIGINT, input_tokens BIGINT, output_tokens BIGINT, updated_at VARCHAR, "
                "PRIMARY KEY (scope, scope_id))")
    con.execute("ALTER TABLE agent_reports ADD COLUMN note VARCHAR")


def create_cycle_status_table(con: duckdb.DuckDBPyConnection) -> None:
    """Where each cycle stands (running, waiting at a gate, done, failed), beside its data."""
    con.execute("CREATE TABLE cycle_status (cycle_id VARCHAR PRIMARY KEY, state VARCHAR NOT NULL, gate VARCHAR, "
                "horizon VARCHAR, error VARCHAR, updated_at VARCHAR)")


MIGRATIONS: list[Callable[[duckdb.DuckDBPyConnection], None]] = [
    create_input_tables,
    create_cycle_tables,
    create_week1_tables,
    create_week3_tables,
    create_week4_tables,
    create_model_usage_table,
    create_cycle_status_table,
]


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Commit when the block succeeds, roll back on any exception so nothing is half-written."""
    con.begin()
    try:
        yield
    except BaseException:
        con.rollback()
        raise
    con.commit()


# ---------------------------------------------------------------------------------------------
# Reading and validating one file: raw strings in, typed columns out, indexed by line number.


def _read_header(path: Path, table: Table) -> list[str]:
    """Read the header with the csv module, because pandas silently renames repeated names."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            header = [name.strip() for name in next(csv.reader(f), [])]
    except UnicodeDecodeError:
        raise DataError(table.file, "is not UTF-8 text", hint="Save it as 'CSV UTF-8'") from None
    if not any(header):
        raise DataError(
            table.file, f"is empty; expected a header line with: {', '.join(table.column_names)}",
            hint="Add the header and rows",
        )
    return header


def _check_header(header: list[str], table: Table) -> None:
    repeated = sorted({name for name in header if header.count(name) > 1})
    missing = [name for name in table.column_names if name not in header]
    extra = [name for name in header if name not in table.column_names]
    for names, problem in ((repeated, "repeated"), (missing, "missing"), (extra, "unexpected")):
        if names:
            raise DataError(
                table.file, f"{problem} column(s) {', '.join(names)}; expected: "
                f"{', '.join(table.column_names)}", row=1, column=", ".join(names),
                hint="Fix the header line",
            )


def _read_rows(path: Path, table: Table) -> pd.DataFrame:
    """All cells as stripped strings, indexed by line number, blank lines dropped.

    Line numbers count one line per row, so a quoted cell spanning lines shifts the later ones.
    """
    try:
        raw = pd.read_csv(
            path, dtype=str, keep_default_na=False, skip_blank_lines=False, encoding="utf-8-sig",
        )
    except pd.errors.ParserError as e:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(e))
        if found is None:
            raise DataError(table.file, f"could not be read as CSV ({e})", hint="Fix the file") from None
        expected, line, saw = found.groups()
        raise DataError(
            table.file, f"expected {expected} values, found {saw}; look for a stray comma",
            row=int(line), hint="Fix the line",
        ) from None
    raw.columns = [name.strip() for name in raw.columns]
    raw = raw[table.column_names].apply(lambda s: s.str.strip())
    raw.index = pd.RangeIndex(2, len(raw) + 2)
    return raw[raw.ne("").any(axis=1)]


def _parse_values(raw: pd.Series, empty: pd.Series, column: Column) -> tuple[pd.Series, pd.Series]:
    """Typed values (None/NA where empty) and a mask of non-empty cells that do not parse."""
    if column.type in ("float", "int"):
        numbers = pd.to_numeric(raw.mask(empty), errors="coerce")
        bad = ~empty & ~np.isfinite(numbers)
        if column.type == "int":
            bad |= ~bad & ~empty & numbers.mod(1).ne(0)
        return numbers.mask(bad).astype("Int64" if column.type == "int" else "Float64"), bad
    if column.type == "month":
        bad = ~empty & ~raw.str.fullmatch(MONTH_PATTERN)
    elif column.type == "date":
        parsed = pd.to_datetime(raw.mask(empty), format="%Y-%m-%d", errors="coerce")
        bad = ~empty & (~raw.str.fullmatch(DATE_PATTERN) | parsed.isna())
    else:
        bad = pd.Series(False, index=raw.index)
    return raw.mask(empty, None), bad


def _cell_checks(
    raw: pd.Series, empty: pd.Series, values: pd.Series, bad: pd.Series, column: Column,
) -> Iterator[tuple[pd.Series, str]]:
    """(mask of failing cells, message template) for each rule the column declares."""
    if not column.nullable:
        yield empty, "is empty, but a value is required"
    if column.type in EXPECTED:
        yield bad, EXPECTED[column.type] + ", got '{value}'"
    if column.non_negative:
        yield values.lt(0).fillna(False).astype(bool), "must not be negative, got '{value}'"
    if column.choices:
        choices = ", ".join(column.choices)
        yield ~empty & ~raw.isin(column.choices), f"expected one of {choices}; got '{{value}}'"


def _first_line(mask: pd.Series) -> int | None:
    hits = mask.index[mask.to_numpy(dtype=bool)]
    return int(hits[0]) if len(hits) else None


def _parse_table(raw: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Typed table, or the DataError for the earliest bad cell (then the first duplicate key)."""
    typed, problems = {}, []
    for column in table.columns:
        cells = raw[column.name]
        empty = cells.eq("")
        values, bad = _parse_values(cells, empty, column)
        typed[column.name] = values
        for mask, template in _cell_checks(cells, empty, values, bad, column):
            line = _first_line(mask)
            if line is not None:
                message = template.format(value=cells[line])
                problems.append(DataError(table.file, message, row=line, column=column.name))
    if problems:
        raise min(problems, key=lambda p: p.row)
    _check_unique_key(raw, table)
    return pd.DataFrame(typed, index=raw.index)


def _check_unique_key(raw: pd.DataFrame, table: Table) -> None:
    line = _first_line(raw.duplicated(list(table.key)))
    if line is None:
        return
    key = raw.loc[line, list(table.key)]
    same = raw[list(table.key)].eq(key).all(axis=1)
    shown = ", ".join(f"{k}={v!r}" for k, v in key.items())
    raise DataError(
        table.file, f"duplicate key {shown}; line {_first_line(same)} has the same key",
        row=line, column=", ".join(table.key), hint="Remove or correct one of the two rows",
    )


# ---------------------------------------------------------------------------------------------
# Checks across files: foreign keys and family references.


def _references() -> list[tuple[str, ForeignKey]]:
    """Every (table, reference) to check; a family must be one used by some item."""
    declared = [(t.name, fk) for t in TABLES for fk in t.foreign_keys]
    families = [(name, ForeignKey((col,), "items", ("family",))) for name, col in FAMILY_REFERENCES]
    return declared + families


def _check_reference(tables: dict[str, pd.DataFrame], name: str, fk: ForeignKey) -> None:
    """Reference columns are text, so an empty cell is None and is skipped."""
    child = tables[name][list(fk.columns)]
    known = set(tables[fk.table][list(fk.ref_columns)].itertuples(index=False, name=None))
    rows = child.itertuples(index=False, name=None)
    line = _first_line(pd.Series([None not in row and row not in known for row in rows], index=child.index))
    if line is None:
        return
    value = ", ".join(child.loc[line])
    raise DataError(
        f"{name}.csv", f"unknown {' '.join(fk.ref_columns)} '{value}': it is not in "
        f"{fk.table}.csv (column {', '.join(fk.ref_columns)})", row=line,
        column=", ".join(fk.columns), hint=f"Correct the value or add it to {fk.table}.csv",
    )


def validate_dir(directory: Path) -> dict[str, pd.DataFrame]:
    """Read and check every input file; typed tables only when all of them are valid.

    Every table in `sop.schema.TABLES` is required: a company without market events or a budget
    supplies the file with just its header line.
    """
    tables = {}
    for table in TABLES:
        path = directory / table.file
        if not path.is_file():
            raise DataError(table.file, f"file not found in {directory}", hint="Add the file")
        _check_header(_read_header(path, table), table)
        tables[table.name] = _parse_table(_read_rows(path, table), table)
    for name, fk in _references():
        _check_reference(tables, name, fk)
    return tables


# ---------------------------------------------------------------------------------------------
# The store: the connection, migrations on open, the import and small read helpers.


class Store:
    """The planning database. Opening it applies any pending migrations."""

    def __init__(self, path: Path | str) -> None:
        self.path = path
        self.con = duckdb.connect(str(path))
        self.migrate()

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None,
    ) -> None:
        self.close()

    def migrate(self) -> list[str]:
        """Apply pending migrations in order, each in its own transaction; return their names."""
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations"
            " (version INTEGER PRIMARY KEY, name TEXT, applied_at TIMESTAMP)"
        )
        applied = {v for (v,) in self.con.execute("SELECT version FROM schema_migrations").fetchall()}
        names = []
        for version, migration in enumerate(MIGRATIONS, start=1):
            if version in applied:
                continue
            with _transaction(self.con):
                migration(self.con)
                self.con.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                    [version, migration.__name__, datetime.now()],
                )
            names.append(migration.__name__)
        return names

    def load_dir(self, directory: Path | str) -> dict[str, int]:
        """Replace all input tables with the CSV files in `directory`; rows loaded per table.

        Nothing is written unless every file is valid, and the write is one transaction, so a
        failed load leaves the database exactly as it was and a repeated load is idempotent.
        """
        tables = validate_dir(Path(directory))
        with _transaction(self.con):
            for table in TABLES:
                self._replace(table, tables[table.name])
        return {name: len(df) for name, df in tables.items()}

    def _replace(self, table: Table, rows: pd.DataFrame) -> None:
        casts = ", ".join(
            f"CAST({_quote(c.name)} AS {DUCKDB_TYPES[c.type]})" for c in table.columns
        )
        self.con.register("incoming_rows", rows.reset_index(drop=True))
        try:
            self.con.execute(f"DELETE FROM {_quote(table.name)}")
            self.con.execute(f"INSERT INTO {_quote(table.name)} SELECT {casts} FROM incoming_rows")
        finally:
            self.con.unregister("incoming_rows")

    def replace(self, name: str, rows: pd.DataFrame, **keys: str) -> None:
        """Upsert a node's output: delete the rows matching `keys`, insert `rows` with those keys.

        Columns are matched by name and extra columns are ignored, so a node can pass the frame
        it computed; one transaction, so a crash never leaves half a write. Published plan
        versions are never replaced: a changed plan is published as a new version.
        """
        if name in PUBLISHED_TABLES:
            raise PublishedPlanImmutable(
                f"{name} holds published plan versions, which never change; publish the changed plan as a "
                "new version by approving the next cycle's executive gate")
        columns = [c for (c,) in self.con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
            [name]).fetchall()]
        frame = rows.assign(**keys).reindex(columns=columns)
        where = " AND ".join(f"{_quote(k)} = ?" for k in keys)
        self.con.register("node_rows", frame)
        try:
            with _transaction(self.con):
                self.con.execute(f"DELETE FROM {_quote(name)} WHERE {where}", list(keys.values()))
                self.con.execute(f"INSERT INTO {_quote(name)} SELECT * FROM node_rows")
        finally:
            self.con.unregister("node_rows")

    def save_reports(self, cycle_id: str, reports: list) -> None:
        """Keep each agent's narrative of this cycle (one row per agent, the latest wins)."""
        for r in reports:
            self.replace("agent_reports", pd.DataFrame([{"narrative": r.narrative, "source": r.source,
                                                         "figures": json.dumps(r.figures),
                                                         "note": getattr(r, "note", None)}]),
                         cycle_id=cycle_id, agent=r.agent)

    def add_model_usage(self, scope: str, scope_id: str, cycle_id: str | None, counts: dict[str, int]) -> None:
        """Add a run's model calls and tokens to its cycle's or chat session's running totals."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        self.con.execute(
            "INSERT INTO model_usage VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (scope, scope_id) DO UPDATE SET "
            "calls = calls + excluded.calls, failed_calls = failed_calls + excluded.failed_calls, "
            "input_tokens = input_tokens + excluded.input_tokens, "
            "output_tokens = output_tokens + excluded.output_tokens, updated_at = excluded.updated_at",
            [scope, scope_id, cycle_id, counts["calls"], counts["failed_calls"], counts["input_tokens"],
             counts["output_tokens"], now])

    def model_usage(self, cycle_id: str) -> pd.DataFrame:
        """Model calls and tokens of a cycle and of the chat sessions about it, one row per scope."""
        return self.query(
            "SELECT scope, COUNT(*) AS runs, SUM(calls) AS calls, SUM(failed_calls) AS failed_calls, "
            "SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens FROM model_usage "
            "WHERE cycle_id = ? GROUP BY scope ORDER BY scope", [cycle_id])

    def log_decision(self, *, cycle_id: str, gate: str, attempt: int, decision: str, by: str,
                     rationale: str, figures: dict, ref: str = "") -> None:
        """Append a decision to the hash-chained log, once per cycle, gate, attempt and ref, so a
        node that runs again after a resume does not write it twice."""
        with _transaction(self.con):
            exists = self.con.execute("SELECT 1 FROM decisions WHERE cycle_id = ? AND gate = ? AND attempt = ? "
                                      "AND ref = ?", [cycle_id, gate, attempt, ref]).fetchone()
            if exists:
                return
            last = self.con.execute("SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1").fetchone()
            seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
            entry = {"seq": seq, "cycle_id": cycle_id, "gate": gate, "attempt": attempt, "ref": ref,
                     "decision": decision,
                     "decided_by": by, "decided_at": datetime.now(UTC).isoformat(timespec="seconds"),
                     "rationale": rationale, "figures": json.dumps(figures, sort_keys=True), "prev_hash": prev}
            entry["hash"] = entry_hash(entry)
            self.con.execute(f"INSERT INTO decisions ({', '.join(entry)}) VALUES ({', '.join('?' * len(entry))})",
                             list(entry.values()))

    def log_refusal(self, *, cycle_id: str, gate: str, attempt: int, by: str, reason: str, figures: dict) -> None:
        """A refused approval is an entry of its own: each refusal is a separate event, never a retry."""
        refusals = self.con.execute("SELECT COUNT(*) FROM decisions WHERE cycle_id = ? AND gate = ? AND attempt = ? "
                                    "AND decision = 'refused'", [cycle_id, gate, attempt]).fetchone()[0]
        self.log_decision(cycle_id=cycle_id, gate=gate, attempt=attempt, decision="refused", by=by,
                          rationale=reason, figures=figures, ref=f"refusal {refusals + 1}")

    def publish_plan(self, cycle_id: str, scenario: str, approved_by: str) -> int:
        """Publish a cycle's planned supply per SKU × DC × month as the next plan version.

        A cycle publishes once: asked again (after a resume), it returns the version it has.
        """
        with _transaction(self.con):
            found = self.con.execute("SELECT version FROM plan_versions WHERE cycle_id = ?", [cycle_id]).fetchone()
            if found:
                return found[0]
            version = self.con.execute("SELECT COALESCE(MAX(version), 0) + 1 FROM plan_versions").fetchone()[0]
            self.con.execute("INSERT INTO plan_versions VALUES (?, ?, ?, ?, ?)",
                             [version, cycle_id, scenario, approved_by,
                              datetime.now(UTC).isoformat(timespec="seconds")])
            self.con.execute(
                "INSERT INTO published_plan SELECT ?, sku, dc, month, SUM(qty) FROM plan_lines "
                "WHERE cycle_id = ? AND scenario = ? AND kind = 'shipment' GROUP BY sku, dc, month",
                [version, cycle_id, scenario])
            _record_checksum(self.con, version)
            return version

    def plan_versions(self) -> pd.DataFrame:
        """Every published version: version, cycle_id, scenario, approved_by, published_at."""
        return self.query("SELECT version, cycle_id, scenario, approved_by, published_at FROM plan_versions "
                          "ORDER BY version")

    def published_plan(self, version: int | None = None) -> pd.DataFrame:
        """A published version's planned supply (the latest when `version` is None): version, sku,
        family, dc, month and qty in units per month. Raises PlanTampered when its rows no longer
        match the checksum taken at publication, so no one plans from an edited version."""
        if version is None:
            version = self.con.execute("SELECT MAX(version) FROM plan_versions").fetchone()[0]
            if version is None:
                raise PlanNotFound("no plan version is published yet; a cycle publishes one when its executive "
                                   "gate is approved")
        recorded = self.con.execute("SELECT rows, checksum FROM plan_checksums WHERE version = ?", [version]).fetchone()
        if recorded is None:
            known = ", ".join(str(v) for v in self.plan_versions()["version"]) or "none"
            raise PlanNotFound(f"there is no plan version {version}; published versions: {known}")
        if _plan_checksum(self.con, version) != recorded:
            raise PlanTampered(f"plan version {version} was changed after it was published: its rows no longer "
                               f"match the {recorded[0]} rows checksummed at publication; restore the database "
                               "from a backup")
        return self.query("SELECT p.version, p.sku, COALESCE(i.family, '') AS family, p.dc, p.month, p.qty "
                          "FROM published_plan p LEFT JOIN items i USING (sku) WHERE p.version = ? "
                          "ORDER BY p.sku, p.dc, p.month", [version])

    def add_action_items(self, cycle_id: str, items: list[dict]) -> None:
        """Add a cycle's action items (source, ref, title, owner, due); an item already there,
        keyed by cycle, source and ref, is kept as it is, so a re-run never reopens a closed one."""
        created = datetime.now(UTC).isoformat(timespec="seconds")
        with _transaction(self.con):
            for item in items:
                self.con.execute(
                    "INSERT INTO action_items SELECT COALESCE(MAX(action_id), 0) + 1, ?, ?, ?, ?, ?, ?, 'open', ?, "
                    "NULL, NULL, NULL FROM action_items ON CONFLICT DO NOTHING",
                    [cycle_id, item["source"], item["ref"], item["title"], item["owner"], item["due"], created])

    def action_items(self, cycle_id: str | None = None, status: str | None = None) -> pd.DataFrame:
        """Action items, oldest first, optionally of one cycle and one status (open or closed)."""
        return self.query(
            "SELECT action_id, cycle_id, source, title, owner, CAST(due AS VARCHAR) AS due, status, closed_by, "
            "closed_at, notes FROM action_items WHERE (? IS NULL OR cycle_id = ?) AND (? IS NULL OR status = ?) "
            "ORDER BY action_id",
            [cycle_id, cycle_id, status, status])

    def close_action_item(self, action_id: int, by: str, notes: str) -> None:
        """Mark an open action item done, with who closed it, when and how."""
        found = self.con.execute("SELECT status FROM action_items WHERE action_id = ?", [action_id]).fetchone()
        if found is None:
            raise KeyError(f"there is no action item {action_id}; see 'sop actions list'")
        if found[0] == "closed":
            raise ValueError(f"action item {action_id} is already closed")
        self.con.execute("UPDATE action_items SET status = 'closed', closed_by = ?, closed_at = ?, notes = ? "
                         "WHERE action_id = ?",
                         [by, datetime.now(UTC).isoformat(timespec="seconds"), notes, action_id])

    def follow_through(self, period: str) -> pd.DataFrame:
        """What the executives review at the next cycle: the previous cycle's action items, and any
        older item still open. `overdue` is true for an open item due before `period` starts."""
        return self.query(
            "SELECT action_id, cycle_id, title, owner, CAST(due AS VARCHAR) AS due, status, closed_by, notes, "
            "status = 'open' AND due < CAST(? || '-01' AS DATE) AS overdue FROM action_items "
            "WHERE cycle_id < ? AND (status = 'open' OR cycle_id = "
            "(SELECT MAX(cycle_id) FROM action_items WHERE cycle_id < ?)) ORDER BY due, action_id",
            [period, period, period])

    def table(self, name: str) -> pd.DataFrame:
        """A whole input or output table."""
        exists = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
        ).fetchone()[0]
        if not exists:
            raise KeyError(f"no table named {name!r} in {self.path}")
        return self.con.execute(f"SELECT * FROM {_quote(name)}").df()

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        """Run a parameterised query (`?` placeholders) and return the result."""
        return self.con.execute(sql, params or []).df()

    def last_history_month(self) -> str | None:
        """The latest month of demand history ('YYYY-MM'), or None before any data is loaded."""
        return self.con.execute("SELECT max(month) FROM demand_history").fetchone()[0]

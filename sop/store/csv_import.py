"""The all-or-nothing CSV import: a company's files are read, typed and checked (cells, keys,
references across files) before anything is written, then loaded in one transaction.

Every problem is a DataError that names the file, the line and the column the way a person
finds them in a spreadsheet.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from sop.store.connection import Connection, quote, transaction
from sop.store.schema import FAMILY_REFERENCES, TABLES, Column, ForeignKey, Table

if TYPE_CHECKING:  # pandas loads when a load runs, not with every Store
    import pandas as pd

RELOAD_HINT = "run 'sop data load' again"

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
    import pandas as pd

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
    import numpy as np
    import pandas as pd

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
    import pandas as pd

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
        raise min(problems, key=lambda p: p.row or 0)
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
    import pandas as pd

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

    Every table in `sop.store.schema.TABLES` is required: a company without market events or a budget
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



class CsvImport(Connection):
    """Loading a company's CSV files into the input tables."""

    def load_dir(self, directory: Path | str) -> dict[str, int]:
        """Replace all input tables with the CSV files in `directory`; rows loaded per table.

        Nothing is written unless every file is valid, and the write is one transaction, so a
        failed load leaves the database exactly as it was and a repeated load is idempotent.
        """
        tables = validate_dir(Path(directory))
        with transaction(self.con):
            for table in TABLES:
                self._replace_input(table, tables[table.name])
        return {name: len(df) for name, df in tables.items()}

    def _replace_input(self, table: Table, rows: pd.DataFrame) -> None:
        self.con.execute(f"DELETE FROM {quote(table.name)}")
        self.con.insert_frame(table.name, rows[table.column_names])

"""The long demand file `sop forecast` reads (`unique_id`, `ds`, `y`; CSV or Parquet) and the
forecast file it writes. Every problem is an `InputError` that names the file, the line or row
and the column, so the person who wrote the file can fix it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from sop.tools.forecasting.demand_forecast import MIN_POINTS
from sop.tools.periods import month_of_number

COLUMNS = ("unique_id", "ds", "y")


class InputError(ValueError):
    """A problem with the input file, worded for the person who wrote it."""


def _read(path: Path) -> tuple[pd.DataFrame, str]:
    """(the table with every cell as text, what a row is called: a CSV line or a Parquet row)."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return pd.read_csv(path, dtype=str, keep_default_na=False), "line"
        if suffix == ".parquet":
            return pd.read_parquet(path).astype(str), "row"
    except pd.errors.EmptyDataError as exc:
        raise InputError(f"{path}: the file is empty; expected a header row {', '.join(COLUMNS)}") from exc
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot read the file ({exc})") from exc
    raise InputError(f"{path}: unknown file type {suffix!r}; use .csv or .parquet")


def _row_numbers(frame: pd.DataFrame, unit: str) -> np.ndarray:
    """What a person sees: CSV line numbers count the header; Parquet rows count from 1."""
    return np.arange(len(frame)) + (2 if unit == "line" else 1)


def _where(path: Path, unit: str, row: int, column: str) -> str:
    return f"{path}: {unit} {row}, column {column}:"


def _demand(raw: pd.DataFrame, rows: np.ndarray, path: Path, unit: str) -> pd.Series:
    """`y` as units per month; every cell must be a non-negative number."""
    y = pd.to_numeric(raw["y"].str.strip(), errors="coerce")
    values = y.to_numpy(dtype=float)
    bad = np.flatnonzero(~(np.isfinite(values) & (values >= 0)))
    if len(bad):
        i = bad[0]
        raise InputError(f"{_where(path, unit, rows[i], 'y')} {raw['y'].iloc[i]!r} is not a non-negative number")
    return y


def _month_numbers(raw: pd.DataFrame, rows: np.ndarray, path: Path, unit: str) -> pd.Series:
    """`ds` as month numbers (tools.periods.month_number); YYYY-MM or any ISO date in the month."""
    ds = pd.to_datetime(raw["ds"].str.strip(), format="ISO8601", errors="coerce")
    if ds.isna().any():
        i = int(np.flatnonzero(ds.isna())[0])
        raise InputError(f"{_where(path, unit, rows[i], 'ds')} {raw['ds'].iloc[i]!r} is not a month "
                         "(YYYY-MM or YYYY-MM-DD)")
    return ds.dt.year * 12 + ds.dt.month - 1


def _check_series(history: pd.DataFrame, path: Path, unit: str) -> None:
    """Each series has each month once, no month missing inside it, and enough months."""
    duplicated = history.duplicated(["unique_id", "month"])
    if duplicated.any():
        r = history[duplicated].iloc[0]
        month = month_of_number(int(r.month))
        raise InputError(f"{_where(path, unit, r.row, 'ds')} month {month} of series {r.unique_id!r} appears twice")
    ordered = history.sort_values(["unique_id", "month"], kind="stable")
    previous = ordered["month"].shift()
    gap = (ordered["month"] - previous > 1) & (ordered["unique_id"] == ordered["unique_id"].shift())
    if gap.any():
        r = ordered[gap].iloc[0]
        last = month_of_number(int(previous[gap].iloc[0]))
        raise InputError(
            f"{_where(path, unit, r.row, 'ds')} series {r.unique_id!r} skips from {last} "
            f"to {month_of_number(int(r.month))}; add the missing months (0 if nothing was ordered)"
        )
    sizes = history.groupby("unique_id", sort=False)["row"].agg(["size", "min"])
    short = sizes[sizes["size"] < MIN_POINTS]
    if len(short):
        raise InputError(
            f"{_where(path, unit, short['min'].iloc[0], 'unique_id')} series {short.index[0]!r} has "
            f"{short['size'].iloc[0]} month(s); at least {MIN_POINTS} are needed"
        )


def load_history(path: Path) -> tuple[pd.DataFrame, bool]:
    """Validated history (`unique_id`, `ds` as YYYY-MM, `y`) and whether `ds` came as dates."""
    raw, unit = _read(path)
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}; expected {', '.join(COLUMNS)}")
    if raw.empty:
        raise InputError(f"{path}: no data rows under the header")
    rows = _row_numbers(raw, unit)
    history = pd.DataFrame({
        "unique_id": raw["unique_id"],
        "month": _month_numbers(raw, rows, path, unit),
        "y": _demand(raw, rows, path, unit),
        "row": rows,
    })
    _check_series(history, path, unit)
    as_dates = bool((raw["ds"].str.strip().str.len() > 7).any())
    return history.assign(ds=history["month"].map(month_of_number))[["unique_id", "ds", "y"]], as_dates


def write_forecast(frame: pd.DataFrame, path: Path) -> None:
    """Write to a temporary file beside `path`, then rename, so a failure leaves nothing behind."""
    suffix = path.suffix.lower()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    try:
        frame.to_csv(tmp, index=False) if suffix == ".csv" else frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)

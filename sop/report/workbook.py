"""`sop-plan.xlsx`: the cycle's plan for the planners who live in Excel.

One sheet per topic, each a plain table with a bold header row and its key columns (the SKU,
DC, family, ...) frozen, so they stay in view while a planner scrolls through eighteen months;
a number format for each column from `sop.numbers` (units and money with thousands
separators, fractions as percentages, days with one decimal), and column widths that fit the
content as shown, up to a limit.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from sop.numbers import EXCEL, FORMATS, column_kind
from sop.store import Store
from sop.store import workbook_views as sheets

# Each sheet in order, with the columns that name a row: they stay frozen beside the numbers.
KEYS = {"Consensus forecast": ("sku", "family", "dc", "measure"), "Supply plan": ("kind", "sku", "plant", "dc"),
        "Inventory targets": ("sku", "dc"), "Financials": ("scenario", "family", "month"),
        "Gaps and recommendations": ("item", "id"), "KPIs": ("cycle_id", "metric", "month"), "Decision log": ("seq",)}
SHEETS = tuple(KEYS)
MAX_WIDTH = 60
# In the KPIs sheet one column holds every metric, so its format follows the row's metric.
BY_METRIC_COLUMNS = {"value", "target", "variance"}
DECISION_LOG_SHEET_COLUMNS = ("seq", "cycle_id", "gate", "decision", "decided_by", "decided_at", "rationale", "hash")


def sheet_frames(store: Store, cycle_id: str) -> dict[str, pd.DataFrame]:
    """Each sheet's table for one cycle, read from the store."""
    forecast = sheets.consensus_forecast(store, cycle_id)
    return {
        "Consensus forecast": by_month(forecast.melt(id_vars=["sku", "family", "dc", "month"], var_name="measure",
                                                     value_name="qty"), list(KEYS["Consensus forecast"])),
        "Supply plan": by_month(sheets.base_plan_lines(store, cycle_id), list(KEYS["Supply plan"])),
        "Inventory targets": sheets.inventory_targets(store, cycle_id),
        "Financials": sheets.financials(store, cycle_id),
        "Gaps and recommendations": sheets.gaps_and_recommendations(store, cycle_id),
        "KPIs": sheets.kpi_history(store),
        "Decision log": store.decision_log()[list(DECISION_LOG_SHEET_COLUMNS)],
    }


def by_month(long: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """A long table (keys, month, qty) as planners read it: one row per key, one column per month."""
    if long.empty:
        return pd.DataFrame(columns=keys)
    wide = long.pivot_table(index=keys, columns="month", values="qty", aggfunc="sum", sort=True)
    return wide.reset_index().rename_axis(columns=None)


def _kind(column: str, dtype) -> str:
    numeric = pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
    return column_kind(column, numeric)


def number_format(column: str, dtype) -> str | None:
    """The Excel format of a column, from its name and type; None leaves text and dates alone."""
    return EXCEL.get(_kind(column, dtype))


def frozen_cell(name: str, frame: pd.DataFrame) -> str:
    """The top-left cell that scrolls: below the header, right of the sheet's leading key columns."""
    keys = 0
    while keys < len(frame.columns) and frame.columns[keys] in KEYS[name]:
        keys += 1
    return f"{get_column_letter(keys + 1)}2"


def _value(value):
    """A value openpyxl writes: NaN and None as empty cells, numpy scalars as Python ones."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def _width(column: str, values: pd.Series) -> float:
    """Characters to show the header and the first rows' values as formatted, up to MAX_WIDTH."""
    show = FORMATS[_kind(column, values.dtype)]
    shown = [show(v) for v in values.head(500)]
    return min(max([len(column), *map(len, shown)]) + 3, MAX_WIDTH)


def _formats(frame: pd.DataFrame) -> list[list[str | None]]:
    """Per column, the number format of each row (one format for most columns; the row's metric
    decides for the KPI value columns)."""
    out: list[list[str | None]] = []
    for column in frame.columns:
        fmt = number_format(column, frame[column].dtype)
        if fmt and "metric" in frame.columns and column in BY_METRIC_COLUMNS:
            out.append([EXCEL.get(column_kind(m, True), fmt) for m in frame["metric"]])
        else:
            out.append([fmt] * len(frame))
    return out


def write_workbook(frames: dict[str, pd.DataFrame], path: Path) -> Path:
    """Write the sheets in `SHEETS` order, each with a bold header row and its key columns
    frozen. Write-only mode streams the rows, so a plan of tens of thousands of lines takes a
    second or two."""
    book = Workbook(write_only=True)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DCE6F2")
    for name in SHEETS:
        frame = frames[name]
        sheet = book.create_sheet(name)
        sheet.freeze_panes = frozen_cell(name, frame)
        for i, column in enumerate(frame.columns, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = _width(column, frame[column])
        if len(frame.columns):
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{len(frame) + 1}"
        sheet.append([_styled(sheet, column, font=bold, fill=fill) for column in frame.columns])
        formats = _formats(frame)
        for r, row in enumerate(frame.itertuples(index=False)):
            sheet.append([_styled(sheet, _value(v), number_format=formats[c][r]) for c, v in enumerate(row)])
    book.save(path)
    return path


def _styled(sheet, value, font=None, fill=None, number_format: str | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if font is not None:
        cell.font, cell.fill = font, fill
    if number_format:
        cell.number_format = number_format
    return cell

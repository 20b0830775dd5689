"""Small HTML pieces the executive package is built from: tables and KPI tiles."""

from __future__ import annotations

from html import escape

import pandas as pd

from sop.numbers import FORMATS, column_kind


def table(df: pd.DataFrame, formats: dict[str, str] | None = None, tones: dict[str, pd.Series] | None = None) -> str:
    """An HTML table; `formats` maps a column to a kind of `sop.numbers.FORMATS` (a column not
    named there is written as its name and type say), `tones` to a per-row CSS class ('good',
    'bad' or '') that colours that column's cells. Text columns align left, numbers right
    (class t or n)."""
    tones = tones or {}
    numeric = {c: pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]) for c in df.columns}
    kinds = {c: (formats or {}).get(c) or column_kind(str(c), numeric[c]) for c in df.columns}
    text = {c: kinds[c] in ("text", "month", "timestamp") and not _numeric_text(df[c]) for c in df.columns}
    head = "".join(f'<th class="{"t" if text[c] else "n"}">{escape(str(c))}</th>' for c in df.columns)
    rows = []
    for i, rec in enumerate(df.itertuples(index=False)):
        cells = []
        for col, v in zip(df.columns, rec):
            shown = FORMATS[kinds[col]](v)
            tone = tones[col].iloc[i] if col in tones else ""
            cells.append(f'<td class="{"t" if text[col] else "n"} {tone}">{escape(shown)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _numeric_text(column: pd.Series) -> bool:
    """True for a column of already formatted numbers ('12.5%', '1,204', '-3.1'), which align right."""
    values = [v for v in column if isinstance(v, str) and v]
    return bool(values) and all(v.lstrip("+-−").replace(",", "").replace(".", "").rstrip("%").isdigit()
                                for v in values)


def kpi(label: str, value: str, tone: str = "") -> str:
    """A KPI tile: the value large, toned 'good' or 'bad' (or not), the label under it."""
    return (f'<div class="card kpi"><div class="v {tone}">{escape(value)}</div>'
            f'<div class="l">{escape(label)}</div></div>')

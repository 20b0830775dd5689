"""Rich tables for the chat: rows of a query result under chosen columns, and labelled facts.

Cells are plain text, never markup, so a usage line's [brackets] survive."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from pydantic import BaseModel
from rich.table import Table
from rich.text import Text


class Col(NamedTuple):
    key: str
    header: str
    fmt: str = "text"


FORMATS: dict[str, Callable[[Any], str]] = {
    "text": str,
    "units": lambda v: f"{v:,.0f}",
    "num": lambda v: f"{v:,.2f}",
    "pct": lambda v: f"{v:.1%}",
}


def table(title: str, rows: Sequence[BaseModel | dict[str, Any]], columns: tuple[Col, ...],
          caption: str | None = None) -> Table:
    """A rich table of `rows` (models or dicts) showing `columns`; None shows as a dash."""
    out = Table(title=Text(title, style="table.title"),
                caption=Text(caption, style="table.caption") if caption else None)
    for col in columns:
        out.add_column(Text(col.header), justify="left" if col.fmt == "text" else "right", overflow="fold")
    for row in rows:
        values = row.model_dump() if isinstance(row, BaseModel) else row
        out.add_row(*(Text("—" if values.get(c.key) is None else FORMATS[c.fmt](values[c.key])) for c in columns))
    return out


def facts(title: str, pairs: dict[str, str]) -> Table:
    """Labelled values, already formatted, as a two-column table."""
    out = Table("", "", title=Text(title, style="table.title"), show_header=False)
    for label, value in pairs.items():
        out.add_row(Text(label), Text(value))
    return out

"""Tables for the terminal that fit its width: the chat's query results and the CLI's lists.

A table keeps every cell whole. When its columns do not fit the width, long prose columns
(details, titles, rationales) wrap between words; when even that does not fit, each row is
shown as a block of `column  value` lines instead. Numbers are written by `sop.numbers`, and
cells are plain text, never markup, so a usage line's [brackets] survive."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text

from sop.numbers import FORMATS, column_kind

if TYPE_CHECKING:
    from pydantic import BaseModel

LEFT = {"text", "month", "timestamp"}  # kinds that align left; numbers align right
PROSE_MIN = 24  # a prose column narrower than this reads a word a line: show rows as blocks instead


class Col(NamedTuple):
    key: str
    header: str
    fmt: str = "text"  # a kind of sop.numbers.FORMATS


class FitTable:
    """Rows of text cells under headers, laid out when the width is known."""

    def __init__(self, title: str, headers: Sequence[str], rows: Sequence[Sequence[str]],
                 right: Sequence[bool] | None = None, caption: str | None = None) -> None:
        self.title, self.headers, self.rows, self.caption = title, list(headers), [list(r) for r in rows], caption
        self.right = list(right) if right is not None else [False] * len(self.headers)

    def widths(self, width: int) -> list[int] | None:
        """Each column's width within `width` characters, or None when the rows must be blocks."""
        columns = list(zip(self.headers, *self.rows, strict=True)) if self.headers else []
        natural = [max(map(cell_len, col)) for col in columns]
        least = [_least(col[0], col[1:]) for col in columns]
        room = width - (3 * len(columns) + 1)  # a border between and around the columns, a space each side
        if sum(natural) <= room:
            return natural
        if sum(least) > room:
            return None
        widths, spare = list(least), room - sum(least)
        while spare > 0 and any(w < n for w, n in zip(widths, natural)):
            for i in range(len(widths)):
                if spare and widths[i] < natural[i]:
                    widths[i], spare = widths[i] + 1, spare - 1
        return widths

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        widths = self.widths(options.max_width)
        if widths is None:
            yield from self._blocks(options.max_width)
            return
        table = Table(title=Text(self.title, style="table.title"),
                      caption=Text(self.caption, style="table.caption") if self.caption else None)
        for header, w, right in zip(self.headers, widths, self.right):
            table.add_column(Text(header), width=w, justify="right" if right else "left")
        for row in self.rows:
            table.add_row(*map(Text, row))
        yield table

    def _blocks(self, width: int) -> Iterable[Text]:
        """Each row as `header  value` lines; prose wraps between words, under its value."""
        label = max(map(cell_len, self.headers), default=0)
        yield Text(self.title, style="table.title")
        for n, row in enumerate(self.rows, start=1):
            yield Text(f"─[ {n} of {len(self.rows)} ]" + "─" * max(0, min(width, 40) - 12 - len(str(n))))
            for header, value in zip(self.headers, row):
                lines = textwrap.wrap(value, max(width - label - 2, PROSE_MIN), break_long_words=False,
                                      break_on_hyphens=False) or [""]
                yield Text(f"{header:<{label}}  {lines[0]}", no_wrap=True, overflow="ignore")
                for more in lines[1:]:
                    yield Text(f"{'':<{label}}  {more}", no_wrap=True, overflow="ignore")
        if self.caption:
            yield Text(self.caption, style="table.caption")


def _least(header: str, cells: Sequence[str]) -> int:
    """The narrowest a column may get: its longest cell, unless it holds prose (then its longest
    word, but no narrower than PROSE_MIN); a header wraps between its words."""
    head = max(map(cell_len, header.split()), default=0)
    longest = max(map(cell_len, cells), default=0)
    if longest > PROSE_MIN and any(" " in c for c in cells):
        words = max((cell_len(w) for c in cells for w in c.split()), default=0)
        return max(head, words, PROSE_MIN)
    return max(head, longest)


def _cell(values: dict[str, Any], col: Col) -> str:
    value = values.get(col.key)
    shown = FORMATS[col.fmt](value)
    return "—" if value is None or (shown == "" and col.fmt != "text") else shown


def table(title: str, rows: Sequence[BaseModel | dict[str, Any]], columns: tuple[Col, ...],
          caption: str | None = None) -> FitTable:
    """A table of `rows` (models or dicts) showing `columns`; a missing value shows as a dash."""
    dumped = [row if isinstance(row, dict) else row.model_dump() for row in rows]
    return FitTable(title, [c.header for c in columns], [[_cell(v, c) for c in columns] for v in dumped],
                    [c.fmt not in LEFT for c in columns], caption)


def records_table(title: str, records: Sequence[dict[str, Any]], kinds: dict[str, str] | None = None,
                  caption: str | None = None) -> FitTable:
    """Records (a store query's rows) under their own keys; each column written as the kind
    `kinds` gives it, else as its name says (`sop.numbers.column_kind`)."""
    keys = list(records[0]) if records else []
    numeric = {k: all(isinstance(r[k], int | float) and not isinstance(r[k], bool) for r in records
                      if r[k] is not None) for k in keys}
    columns = tuple(Col(k, k, (kinds or {}).get(k) or column_kind(k, numeric[k])) for k in keys)
    return table(title, records, columns, caption)


def facts(title: str, pairs: dict[str, str]) -> Table:
    """Labelled values, already formatted, as a two-column table."""
    out = Table("", "", title=Text(title, style="table.title"), show_header=False)
    for label, value in pairs.items():
        out.add_row(Text(label), Text(value))
    return out

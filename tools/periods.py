"""Months as the planner writes them ('YYYY-MM'), and the arithmetic on them."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


def to_timestamp(month: str) -> pd.Timestamp:
    import pandas as pd

    return pd.Timestamp(f"{month}-01")


def to_month(ts: pd.Timestamp) -> str:
    return f"{ts.year:04d}-{ts.month:02d}"


def add_months(month: str, n: int) -> str:
    return month_of_number(month_number(month) + n)


def month_range(first: str, count: int) -> list[str]:
    """`count` consecutive months starting at `first`."""
    return [add_months(first, i) for i in range(count)]


def month_number(month: str) -> int:
    """Months since year 0 ('2024-03' → 2024·12 + 2), so month gaps are integer differences."""
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def month_of_number(number: int) -> str:
    return f"{number // 12:04d}-{number % 12 + 1:02d}"

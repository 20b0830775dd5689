"""The sample company's calendar: 36 months of history to 2026-10, then the 18 plan months.

Months are counted by index from the first history month (0 = 2023-11); the files write them
as `YYYY-MM`.
"""

from __future__ import annotations

from datetime import date

FIRST_MONTH = (2023, 11)
HISTORY_MONTHS = 36  # 2023-11 .. 2026-10
PLAN_MONTHS = 18  # 2026-11 .. 2028-04, the horizon the cycle plans
BUDGET_FIRST = HISTORY_MONTHS - 12  # the budget covers the last 12 months of history too
AS_OF = date(2026, 10, 31)
LAST_YEAR = range(HISTORY_MONTHS - 12, HISTORY_MONTHS)  # capacities are sized on these months


def month_label(index: int) -> str:
    """'YYYY-MM' of month `index`, counted from the first history month (0 = 2023-11)."""
    total = FIRST_MONTH[0] * 12 + FIRST_MONTH[1] - 1 + index
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def month_index(label: str) -> int:
    """Inverse of `month_label`."""
    year, month = (int(part) for part in label.split("-"))
    return year * 12 + month - 1 - (FIRST_MONTH[0] * 12 + FIRST_MONTH[1] - 1)


def month_start(index: int) -> date:
    """The first day of month `index`."""
    year, month = (int(part) for part in month_label(index).split("-"))
    return date(year, month, 1)


def days_in_month(index: int) -> int:
    return (month_start(index + 1) - month_start(index)).days

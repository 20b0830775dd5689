"""Numbers for people: one way to write units, money, percentages and months, shared by the
terminal, the HTML package, the workbook (as Excel number formats) and the tools' prose.

Thousands separators, decimals that fit the size of the number, never scientific notation, and
months as `YYYY-MM`, the form the commands take. Money carries no currency sign: the data
contract (data/README.md) keeps all money in the company's one currency without naming it.
A missing value (None, NaN, NaT) is written as an empty string.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any


def missing(value: Any) -> bool:
    """None, NaN, NaT or pandas' NA: nothing to show."""
    try:
        return value is None or bool(value != value)
    except TypeError:  # pandas.NA refuses bool()
        return True


def _fixed(value: float, decimals: int, signed: bool = False) -> str:
    """Rounded half up from the shortest decimal form of the float (0.2885 is the 0.2885 a
    person reads, not 0.28849999…), with thousands separators."""
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    exact = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = f"{exact:{'+' if signed else ''},.{decimals}f}"
    if text[0] in "+-" and not text.strip("+-0.,"):  # -0.00 or +0 rounds to no change
        text = text[1:]
    return text


def number(value: Any) -> str:
    """A quantity of unknown kind: whole from 100 up, then 1, 2 or 3 decimals as it gets smaller
    (3,636,412; 45.5; 2.29; 0.018)."""
    if missing(value):
        return ""
    size = abs(float(value))
    decimals = 0 if size >= 100 else 1 if size >= 10 else 2 if size >= 1 else 3
    shown = _fixed(float(value), decimals)
    return "0" if not shown.strip("0.,") else shown


def units(value: Any, signed: bool = False) -> str:
    """Units (or any count) as whole numbers: 121,850; signed for a change: +1,204."""
    return "" if missing(value) else _fixed(float(value), 0, signed)


def money(value: Any) -> str:
    """An amount of money: whole from 100 up (27,612,044), with cents below (12.50, 0.18)."""
    if missing(value):
        return ""
    return _fixed(float(value), 0 if abs(float(value)) >= 100 else 2)


def price(value: Any) -> str:
    """Money per unit, hour or month, always with cents: 1.67, 1,250.00."""
    return "" if missing(value) else _fixed(float(value), 2)


def money_words(value: Any) -> str:
    """Money in a sentence: cents below one (18 ¢), else as `money` (2.29, 1,204)."""
    if missing(value):
        return ""
    cents = round(float(value) * 100)
    return f"{cents} ¢" if abs(cents) < 100 else money(value)


def percent(fraction: Any, decimals: int = 1) -> str:
    """A fraction as a percentage: 0.2885 is 28.9%."""
    return "" if missing(fraction) else _fixed(_hundred(fraction), decimals) + "%"


def signed_percent(fraction: Any) -> str:
    """A change as a signed percentage: +3.1%, -37.1%."""
    return "" if missing(fraction) else _fixed(_hundred(fraction), 1, signed=True) + "%"


def _hundred(fraction: Any) -> float:
    """A fraction in percent, shifted in decimal so that 0.2885 gives 28.85, not 28.849999…"""
    return float(Decimal(repr(float(fraction))).scaleb(2))


def days(value: Any) -> str:
    """Days (of supply, on hand) with one decimal: 38.0."""
    return "" if missing(value) else _fixed(float(value), 1)


def score(value: Any) -> str:
    """A score or rate on a small scale (0–100 points, a z value) with one decimal."""
    return "" if missing(value) else _fixed(float(value), 1)


def month(value: Any) -> str:
    """A month as YYYY-MM, from a date, a timestamp or text that starts with one."""
    if missing(value):
        return ""
    if isinstance(value, date | datetime):
        return f"{value:%Y-%m}"
    return str(value)[:7]


def timestamp(value: Any) -> str:
    """A moment to the minute, as recorded (UTC): 2026-12-03 13:17."""
    if missing(value):
        return ""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    return str(value)[:16].replace("T", " ")


def text(value: Any) -> str:
    """Anything else as it is; a float of unknown kind as a `number`."""
    if missing(value):
        return ""
    if isinstance(value, float):
        return number(value)
    return str(value)


def compact(value: float, signed: bool = False) -> str:
    """Currency or units in a few characters for a chart label: 27.6M, -3.7M, 912k, 35."""
    sign = "+" if signed and value >= 0 else ("-" if value < 0 else "")
    size = abs(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if size >= limit * 0.9995:
            return f"{sign}{size / limit:.1f}".removesuffix(".0") + suffix
    return f"{sign}{size:,.0f}"


FORMATS: dict[str, Callable[[Any], str]] = {
    "text": text, "number": number, "units": units, "money": money, "price": price, "percent": percent,
    "signed_percent": signed_percent, "days": days, "score": score, "month": month, "timestamp": timestamp,
}
# The same kinds as Excel number formats, so the workbook shows what the page and terminal show.
EXCEL: dict[str, str] = {
    "number": "#,##0.00", "units": "#,##0", "money": "#,##0", "price": "#,##0.00", "percent": "0.0%",
    "signed_percent": "+0.0%;-0.0%;0.0%", "days": "0.0", "score": "0.0",
}
# Columns whose name says their kind; other numeric columns are units or money, whole.
COLUMN_KINDS: dict[str, str] = {
    **dict.fromkeys(("gross_margin_pct", "service_level", "revenue_share", "utilisation", "fill_rate", "on_time",
                     "mape", "wape", "otif", "plan_attainment", "cost_savings", "attainment"),
                    "percent"),
    **dict.fromkeys(("variance_pct", "change_pct", "mae_vs_benchmark"), "signed_percent"),
    **dict.fromkeys(("unit_cost", "price", "cost_per_unit", "shadow_price", "overtime_cost_per_hour"), "price"),
    **dict.fromkeys(("lead_time", "z"), "number"),
    **dict.fromkeys(("days_on_hand", "days_of_supply"), "days"),
    **dict.fromkeys(("score",), "score"),
    **dict.fromkeys(("month", "period"), "month"),
    **dict.fromkeys(("decided_at", "published_at", "created_at", "closed_at", "since"), "timestamp"),
}


PERCENT_PARTS = ("_pct", "wape", "mape", "fva", "share", "_rate", "utilisation")


def column_kind(column: str, numeric: bool) -> str:
    """The kind of a table column (or a figure) from its name: a fraction's name holds _pct,
    share, _rate or an error metric (WAPE, MAPE, FVA); other numbers are whole units or money;
    the rest is text."""
    if column in COLUMN_KINDS:
        return COLUMN_KINDS[column]
    if numeric and any(part in column for part in PERCENT_PARTS):
        return "percent"
    return "units" if numeric else "text"

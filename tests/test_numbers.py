"""The one way numbers are written for people (`sop.numbers`): hand-checked values, and a
property over many magnitudes: no scientific notation, and the digits read back to the value."""

from __future__ import annotations

import math
from datetime import date, datetime

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sop.numbers import (
    EXCEL,
    FORMATS,
    column_kind,
    compact,
    days,
    missing,
    money,
    money_words,
    month,
    number,
    percent,
    price,
    signed_percent,
    timestamp,
    units,
)


@pytest.mark.parametrize(("value", "shown"), [
    (3_636_412.4, "3,636,412"), (121849.9739728339, "121,850"), (45.46, "45.5"), (2.28743, "2.29"),
    (0.0183807, "0.018"), (-0.0004, "0"), (0.0, "0"), (1e-9, "0"), (-19.450072, "-19.5"), (2.5e12, "2,500,000,000,000"),
])
def test_a_number_of_unknown_kind_takes_decimals_by_its_size(value, shown):
    assert number(value) == shown


def test_units_money_and_prices():
    assert units(121849.9739728339) == "121,850" and units(-39_813.2) == "-39,813"
    assert units(1204.4, signed=True) == "+1,204" and units(-0.3, signed=True) == "0"
    assert money(3_983_820.1168) == "3,983,820" and money(12.5) == "12.50" and money(0.18) == "0.18"
    assert price(1.67) == "1.67" and price(1250) == "1,250.00"
    assert money_words(0.0183807) == "2 ¢" and money_words(-0.5) == "-50 ¢" and money_words(0.18) == "18 ¢"
    assert money_words(2.28743) == "2.29"
    assert money_words(0.996) == "1.00"  # rounds to a whole unit of currency, so it is no longer cents


def test_percentages_days_and_months():
    assert percent(0.2885) == "28.9%" and percent(0.98, 0) == "98%" and percent(1.0) == "100.0%"
    assert signed_percent(-0.371) == "-37.1%" and signed_percent(0.031) == "+3.1%"
    assert days(38.02909) == "38.0" and number(math.inf) == "∞" and percent(-math.inf) == "-∞%"
    assert month("2027-03") == month(date(2027, 3, 31)) == month(pd.Timestamp("2027-03-01")) == "2027-03"
    assert timestamp("2026-12-03T13:17:25+00:00") == timestamp(datetime(2026, 12, 3, 13, 17, 25)) == "2026-12-03 13:17"


def test_missing_values_are_empty_in_every_kind():
    for value in (None, math.nan, pd.NaT, pd.NA):
        assert missing(value)
        assert {kind: f(value) for kind, f in FORMATS.items()} == dict.fromkeys(FORMATS, "")
    assert not missing(0.0) and not missing("")


def test_chart_labels_are_compact():
    assert [compact(v) for v in (27_612_044, 912_300, 35.2, 400_000, 1_500_000, 999_800)] == [
        "27.6M", "912.3k", "35", "400k", "1.5M", "1M"]
    assert compact(-3_650_000, signed=True) == "-3.6M" and compact(191_500, signed=True) == "+191.5k"


def test_column_kinds_follow_the_names():
    assert column_kind("gross_margin_pct", True) == "percent" and column_kind("backtest_wape", True) == "percent"
    assert column_kind("unmet_revenue_pct", True) == "percent" and column_kind("variance_pct", True) == "signed_percent"
    assert column_kind("share_beating_naive", True) == column_kind("fva_vs_naive", True) == "percent"
    assert column_kind("working_capital", True) == "units" and column_kind("unit_cost", True) == "price"
    assert column_kind("sku", False) == "text" and column_kind("decided_at", False) == "timestamp"
    assert EXCEL["percent"] == "0.0%" and EXCEL["money"] == "#,##0"


@given(st.floats(min_value=-1e15, max_value=1e15, allow_nan=False))
def test_no_scientific_notation_and_the_digits_read_back(value):
    for shown in (number(value), units(value), money(value), price(value)):
        assert "e" not in shown.lower()
        decimals = len(shown.partition(".")[2])
        # within half of the last digit shown (and the float's own rounding)
        assert abs(float(shown.replace(",", "")) - value) <= 0.5 * 10 ** -decimals + abs(value) * 1e-15

"""Month arithmetic on 'YYYY-MM' strings agrees with pandas' calendar."""

from __future__ import annotations

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from sop.tools.periods import add_months, month_range


@given(st.integers(1900, 2200), st.integers(1, 12), st.integers(-600, 600))
def test_adding_months_matches_pandas(year, month, n):
    start = f"{year:04d}-{month:02d}"
    expected = (pd.Timestamp(f"{start}-01") + pd.DateOffset(months=n)).strftime("%Y-%m")
    assert add_months(start, n) == expected


def test_a_range_crosses_the_year():
    assert month_range("2026-11", 4) == ["2026-11", "2026-12", "2027-01", "2027-02"]

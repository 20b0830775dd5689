"""Properties of demand cleansing that hold for any history, checked on generated ones."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from sop.tools.forecasting.cleansing import cleanse_history
from sop.tools.periods import month_range

ITEMS = pd.DataFrame({"sku": ["A", "B"], "family": ["tools", "tools"], "launch_month": [None, None]})
NO_EVENTS = pd.DataFrame(columns=["event_id", "type", "family", "sku", "start_month", "end_month", "uplift_pct"])
MONTHS = month_range("2023-01", 40)


@st.composite
def messy_histories(draw) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two or three series of one family with spikes, zeros, stockouts, missing months and a
    promotion: everything cleansing acts on, in any mix."""
    frames = []
    for sku, dc in draw(st.sampled_from([[("A", "D1"), ("B", "D1")], [("A", "D1"), ("A", "D2"), ("B", "D1")]])):
        n = draw(st.integers(2, len(MONTHS)))
        ordered = np.array(draw(st.lists(st.integers(0, 3000), min_size=n, max_size=n)), dtype=float)
        fill = np.array(draw(st.lists(st.sampled_from([1.0, 1.0, 1.0, 0.5, 0.0]), min_size=n, max_size=n)))
        frame = pd.DataFrame({"sku": sku, "dc": dc, "month": MONTHS[:n], "ordered_qty": ordered,
                              "shipped_qty": np.floor(ordered * fill)})
        missing = draw(st.sets(st.integers(1, n - 2), max_size=n // 3)) if n > 2 else set()
        frames.append(frame.drop(index=sorted(missing)))
    start = draw(st.integers(0, len(MONTHS) - 1))
    end = draw(st.integers(start, min(start + 3, len(MONTHS) - 1)))
    events = pd.DataFrame([{"event_id": "P1", "type": "promotion", "family": "tools",
                            "sku": draw(st.sampled_from([None, "A"])), "start_month": MONTHS[start],
                            "end_month": MONTHS[end], "uplift_pct": draw(st.floats(-50, 300))}])
    return pd.concat(frames, ignore_index=True), draw(st.sampled_from([NO_EVENTS, events]))


@settings(max_examples=80, deadline=None)
@given(messy_histories())
def test_cleansed_demand_is_never_negative_and_covers_every_month(case):
    history, events = case
    cleansed, adjustments = cleanse_history(history, events, ITEMS)
    assert np.isfinite(cleansed["demand"]).all() and (cleansed["demand"] >= 0).all()
    assert (adjustments["after"] >= 0).all()
    for (_, _), series in cleansed.groupby(["sku", "dc"]):
        first = series["month"].min()
        assert series["month"].tolist() == month_range(first, len(series))  # no month missing


@settings(max_examples=80, deadline=None)
@given(level=st.integers(0, 5000), noise=st.lists(st.integers(0, 3), min_size=1, max_size=36))
def test_a_series_without_anomalies_is_left_as_it_is(level, noise):
    # Within three units of its level every month (less than the smallest outlier bound, 3.5
    # units), shipped as ordered, nothing missing, no events; up to three years, too few for
    # one series to measure a season from.
    ordered = [float(level + e) for e in noise]
    history = pd.DataFrame({"sku": "A", "dc": "D1", "month": MONTHS[:len(ordered)],
                            "ordered_qty": ordered, "shipped_qty": ordered})
    cleansed, adjustments = cleanse_history(history, NO_EVENTS, ITEMS)
    assert adjustments.empty
    assert cleansed["demand"].tolist() == ordered

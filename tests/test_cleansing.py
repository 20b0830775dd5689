"""Demand cleansing on constructed series whose true baseline is known."""

import numpy as np
import pandas as pd
import pytest

from sop.tools.forecasting.cleansing import analog_forecast_profile, cleanse_history, launch_profile
from sop.tools.periods import month_range

# A steady seller: about 100 units a month with ±10 units of noise, two years from 2024-01.
NOISY = [100, 108, 93, 104, 97, 110, 91, 102, 99, 106, 94, 101,
         96, 103, 107, 92, 100, 95, 109, 98, 104, 90, 101, 105]
MONTHS = month_range("2024-01", 24)
ITEMS = pd.DataFrame({"sku": ["A", "B"], "family": ["tools", "tools"], "launch_month": [None, None]})
NO_EVENTS = pd.DataFrame(columns=["event_id", "type", "family", "sku", "start_month", "end_month", "uplift_pct"])


def history(ordered, shipped=None, sku="A", dc="D1", months=MONTHS) -> pd.DataFrame:
    return pd.DataFrame({"sku": sku, "dc": dc, "month": months[:len(ordered)],
                         "ordered_qty": np.asarray(ordered, dtype=float),
                         "shipped_qty": np.asarray(ordered if shipped is None else shipped, dtype=float)})


def demand_in(cleansed: pd.DataFrame, month: str, sku: str = "A") -> float:
    return float(cleansed.loc[(cleansed["sku"] == sku) & (cleansed["month"] == month), "demand"].iloc[0])


def test_clean_history_passes_through_unchanged():
    cleansed, adjustments = cleanse_history(history(NOISY), NO_EVENTS, ITEMS)
    assert adjustments.empty
    assert cleansed["demand"].tolist() == NOISY
    assert list(cleansed.columns) == ["sku", "dc", "month", "demand", "ordered_qty", "shipped_qty"]


def test_stockout_month_takes_the_orders():
    shipped = list(NOISY)
    shipped[5] = 80  # 2024-06: ordered 110, shipped 80
    cleansed, adjustments = cleanse_history(history(NOISY, shipped), NO_EVENTS, ITEMS)
    assert demand_in(cleansed, "2024-06") == 110
    assert len(adjustments) == 1
    row = adjustments.iloc[0]
    assert (row["kind"], row["month"], row["before"], row["after"]) == ("stockout", "2024-06", 80, 110)
    assert row["reason"] == "shipped 80 of 110 ordered: demand taken as ordered 110"


def test_orders_cut_after_a_stockout_are_not_invented():
    ordered, shipped = list(NOISY), list(NOISY)
    shipped[5] = 60               # 2024-06: stockout
    ordered[6] = shipped[6] = 0   # 2024-07: nobody ordered
    cleansed, adjustments = cleanse_history(history(ordered, shipped), NO_EVENTS, ITEMS)
    assert demand_in(cleansed, "2024-07") == 0
    assert adjustments["kind"].tolist() == ["stockout"]


def test_promotion_month_is_brought_back_to_baseline():
    ordered = [100.0] * 24
    ordered[9] = 150  # 2024-10: +50 % during the promotion
    events = pd.DataFrame([{"event_id": "P1", "type": "promotion", "family": "tools", "sku": None,
                            "start_month": "2024-10", "end_month": "2024-10", "uplift_pct": 40}])
    cleansed, adjustments = cleanse_history(history(ordered), events, ITEMS)
    assert demand_in(cleansed, "2024-10") == pytest.approx(100)
    (row,) = adjustments.itertuples()
    assert (row.kind, row.event_id, row.before, row.after) == ("promotion", "P1", 150, 100)
    assert row.uplift_pct == pytest.approx(50)
    assert "stated +40 %" in row.reason and "is +50 %" in row.reason


def test_promotion_of_another_sku_leaves_the_series_alone():
    ordered = [100.0] * 24
    ordered[9] = 150
    events = pd.DataFrame([{"event_id": "P2", "type": "promotion", "family": "tools", "sku": "B",
                            "start_month": "2024-10", "end_month": "2024-10", "uplift_pct": 50}])
    _, adjustments = cleanse_history(history(ordered), events, ITEMS)
    assert adjustments["kind"].tolist() == ["outlier"]  # unexplained, so it is only capped


def test_outlier_spike_is_winsorised():
    # Three years of A in a family with two more steady sellers, so the family's seasonality
    # is measured on enough series to tell a one-off spike from a season.
    months = month_range("2023-01", 36)
    ordered = NOISY + NOISY[:12]
    ordered[26] = 400  # 2025-03
    frame = pd.concat([history(ordered, months=months)] + [
        history(NOISY[::-1] + NOISY[:12], sku="B", dc=dc, months=months) for dc in ("D1", "D2")
    ])
    cleansed, adjustments = cleanse_history(frame, NO_EVENTS, ITEMS)
    (row,) = adjustments.itertuples()
    assert (row.kind, row.month, row.before) == ("outlier", "2025-03", 400)
    # Neighbours' median is about 100 and their robust spread about 8, so the cap is near 130.
    assert 110 < row.after < 160
    assert demand_in(cleansed, "2025-03") == pytest.approx(row.after)
    assert "above" in row.reason and "3.5 robust deviations" in row.reason


def test_outlier_threshold_is_configurable():
    ordered = list(NOISY)
    ordered[14] = 120  # neighbours' median 98, robust standard deviation 8.5: 2.6 deviations above
    assert cleanse_history(history(ordered), NO_EVENTS, ITEMS)[1].empty
    assert cleanse_history(history(ordered), NO_EVENTS, ITEMS, outlier_k=2)[1]["kind"].tolist() == ["outlier"]


def test_zeros_of_an_intermittent_series_are_never_outliers():
    lumps = [0, 0, 90, 0, 0, 0, 120, 0, 80, 0, 0, 100] * 2
    cleansed, adjustments = cleanse_history(history(lumps), NO_EVENTS, ITEMS)
    assert adjustments.empty
    assert cleansed["demand"].tolist() == lumps


def test_missing_month_is_filled_with_zero_and_recorded():
    full = history(NOISY)
    cleansed, adjustments = cleanse_history(full[full["month"] != "2024-04"], NO_EVENTS, ITEMS)
    assert len(cleansed) == 24
    gap = cleansed[cleansed["month"] == "2024-04"].iloc[0]
    assert gap["demand"] == 0 and np.isnan(gap["ordered_qty"])
    (row,) = adjustments.itertuples()
    assert (row.kind, row.month, row.after) == ("gap", "2024-04", 0) and np.isnan(row.before)


def test_seasonal_peak_is_not_an_outlier():
    # Three years of a strong June peak (4× the rest) across two DCs of the family.
    season = [100.0] * 5 + [400.0] + [100.0] * 6
    months = month_range("2023-01", 36)
    frame = pd.concat([history(season * 3, dc=dc, months=months) for dc in ("D1", "D2")])
    assert cleanse_history(frame, NO_EVENTS, ITEMS)[1].empty


# --- launches --------------------------------------------------------------------------------

LAST = "2025-08"


def curve(sku: str, dc: str, values: list[float], first: str) -> pd.DataFrame:
    return pd.DataFrame({"sku": sku, "dc": dc, "month": month_range(first, len(values)), "demand": values})


def launch_data() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Analogs L1 and L2 launched 2024-01 (20 months to 2025-08); NEW launched 2025-06 (3 months)."""
    demand = pd.concat([
        curve("L1", "D1", [10, 20, 30, 40, 50] + [50] * 15, "2024-01"),   # ÷ mean of first 3 (20)
        curve("L2", "D1", [20, 40, 60] + [60] * 17, "2024-01"),           # ÷ mean of first 3 (40)
        curve("OLD", "D1", [500] * 20, "2024-01"),                        # established: no launch month
        curve("OTHER", "D1", [1, 2, 3] + [9] * 17, "2024-01"),            # another family
        curve("NEW", "D1", [5, 10, 15], "2025-06"),                       # mean 10
        curve("NEW", "D2", [10, 20, 30], "2025-06"),                      # mean 20
    ])
    items = pd.DataFrame({
        "sku": ["L1", "L2", "OLD", "OTHER", "NEW"],
        "family": ["garden", "garden", "garden", "kitchen", "garden"],
        "launch_month": ["2024-01", "2024-01", None, "2024-01", "2025-06"],
    })
    return demand, items


def test_analog_launch_profile_averages_normalised_analog_shapes():
    demand, items = launch_data()
    forecast, analogs = analog_forecast_profile(demand, items, horizon=4)
    assert analogs[["sku", "analog", "analog_months"]].values.tolist() == [["NEW", "L1", 20], ["NEW", "L2", 20]]
    # Profile at ages 3..6: L1/20 = 2, 2.5, 2.5, 2.5 and L2/40 = 1.5 each → means 1.75, 2, 2, 2.
    d1 = forecast[forecast["dc"] == "D1"]
    assert d1["month"].tolist() == ["2025-09", "2025-10", "2025-11", "2025-12"]
    assert d1["yhat"].tolist() == pytest.approx([17.5, 20, 20, 20])          # × level 10
    assert forecast.loc[forecast["dc"] == "D2", "yhat"].tolist() == pytest.approx([35, 40, 40, 40])  # × 20
    assert set(forecast["sku"]) == {"NEW"}  # the analogs themselves have 20 months: not short


def test_launch_profile_holds_the_mature_level_beyond_the_analogs():
    profile = launch_profile([np.array([1.0, 2.0, 3.0, 4.0])], observed=2, length=6)
    assert profile.tolist() == pytest.approx([2 / 3, 4 / 3, 2, 8 / 3, 8 / 3, 8 / 3])


def test_launch_without_analogs_is_left_to_the_statistical_model():
    demand, items = launch_data()
    items.loc[items["sku"].isin(["L1", "L2"]), "family"] = "kitchen"
    forecast, analogs = analog_forecast_profile(demand, items, horizon=4)
    assert forecast.empty and analogs.empty

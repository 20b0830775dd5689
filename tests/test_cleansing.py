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


def test_a_zero_right_after_a_stockout_is_censored_and_estimated():
    ordered, shipped = [100.0] * 24, [100.0] * 24
    shipped[5] = 60               # 2024-06: stockout
    ordered[6] = shipped[6] = 0   # 2024-07: nobody ordered
    cleansed, adjustments = cleanse_history(history(ordered, shipped), NO_EVENTS, ITEMS)
    assert demand_in(cleansed, "2024-07") == 100
    assert adjustments["kind"].tolist() == ["stockout", "censored"]
    row = adjustments.iloc[1]
    assert (row["month"], row["before"], row["after"]) == ("2024-07", 0, 100)
    assert row["reason"] == ("no orders right after the stockout of 2024-06: demand unknown, "
                             "estimated at 100 from the nearest months")


def test_the_estimate_after_a_stockout_is_the_mean_of_the_nearest_months():
    ordered, shipped = list(NOISY), list(NOISY)
    shipped[5] = 60               # 2024-06: ordered 110, shipped 60
    ordered[6] = shipped[6] = 0   # 2024-07
    cleansed, _ = cleanse_history(history(ordered, shipped), NO_EVENTS, ITEMS)
    # Months 2024-04 .. 2024-06 and 2024-08 .. 2024-10: (104 + 97 + 110 + 102 + 99 + 106) / 6.
    assert demand_in(cleansed, "2024-07") == pytest.approx(103)


def test_a_longer_silence_after_a_stockout_stays_zero():
    # A SKU that ran out and was not ordered again: its zeros are what happened.
    ordered, shipped = [100.0] * 20 + [0.0] * 4, [100.0] * 19 + [50.0] + [0.0] * 4
    cleansed, adjustments = cleanse_history(history(ordered, shipped), NO_EVENTS, ITEMS)
    assert cleansed["demand"].tolist()[-4:] == [0, 0, 0, 0]
    assert adjustments["kind"].tolist() == ["stockout"]


def test_a_zero_amid_steady_sales_is_an_outlier():
    ordered = list(NOISY)
    ordered[10] = 0  # 2024-11, no stockout before it
    cleansed, adjustments = cleanse_history(history(ordered), NO_EVENTS, ITEMS)
    (row,) = adjustments.itertuples()
    # 2024-08 .. 2024-10 and 2024-12 .. 2025-02: (102 + 99 + 106 + 101 + 96 + 103) / 6.
    assert (row.kind, row.month, row.before) == ("outlier", "2024-11", 0)
    assert row.after == pytest.approx(607 / 6) and "below" in row.reason
    assert demand_in(cleansed, "2024-11") == pytest.approx(607 / 6)


def test_zeros_before_a_first_sale_stay_zeros():
    ordered = [0.0] * 5 + [100.0] * 19  # 21 % zeros: a regular series that started late
    cleansed, adjustments = cleanse_history(history(ordered), NO_EVENTS, ITEMS)
    assert adjustments.empty and cleansed["demand"].tolist() == ordered


def test_a_true_zero_of_an_intermittent_series_is_kept_after_a_stockout():
    lumps = [0, 0, 90, 0, 0, 0, 120, 0, 80, 0, 0, 100] * 2
    shipped = list(lumps)
    shipped[2] = 50  # 2024-03: 90 ordered, 50 shipped; 2024-04 ordered nothing
    cleansed, adjustments = cleanse_history(history(lumps, shipped), NO_EVENTS, ITEMS)
    assert adjustments["kind"].tolist() == ["stockout"]
    assert cleansed["demand"].tolist() == lumps


def test_a_missing_month_of_an_intermittent_series_is_a_zero():
    lumps = history([0, 0, 90, 0, 0, 0, 120, 0, 80, 0, 0, 100] * 2)
    cleansed, adjustments = cleanse_history(lumps[lumps["month"] != "2024-04"], NO_EVENTS, ITEMS)
    assert demand_in(cleansed, "2024-04") == 0
    (row,) = adjustments.itertuples()
    assert (row.kind, row.month, row.after) == ("gap", "2024-04", 0) and np.isnan(row.before)
    assert "sells in lumps" in row.reason


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


def test_a_past_competitor_event_is_brought_back_to_baseline():
    ordered = [100.0] * 24
    ordered[9:12] = [88.0, 88.0, 88.0]  # 2024-10 .. 2024-12: a competitor took 12 %
    events = pd.DataFrame([{"event_id": "C1", "type": "competitor", "family": "tools", "sku": None,
                            "start_month": "2024-10", "end_month": "2024-12", "uplift_pct": -10}])
    cleansed, adjustments = cleanse_history(history(ordered), events, ITEMS)
    assert cleansed["demand"].tolist() == [100.0] * 24
    assert adjustments["kind"].tolist() == ["market event"] * 3
    row = adjustments.iloc[0]
    assert (row["event_id"], row["before"], row["after"]) == ("C1", 88, 100)
    assert row["uplift_pct"] == pytest.approx(-12)
    assert row["reason"] == ("competitor C1 (stated -10 %): 88 against a baseline of 100 is -12 %; "
                             "demand taken as the baseline 100")


def test_a_launch_event_leaves_the_history_alone():
    events = pd.DataFrame([{"event_id": "L1", "type": "launch", "family": "tools", "sku": "A",
                            "start_month": "2024-01", "end_month": "2024-03", "uplift_pct": 0}])
    assert cleanse_history(history(NOISY), events, ITEMS)[1].empty


def test_promotion_of_another_sku_leaves_the_series_alone():
    ordered = [100.0] * 24
    ordered[9] = 150
    events = pd.DataFrame([{"event_id": "P2", "type": "promotion", "family": "tools", "sku": "B",
                            "start_month": "2024-10", "end_month": "2024-10", "uplift_pct": 50}])
    cleansed, adjustments = cleanse_history(history(ordered), events, ITEMS)
    assert adjustments["kind"].tolist() == ["outlier"]  # unexplained: an outlier, at its expected value
    assert demand_in(cleansed, "2024-10") == 100


def test_a_tenfold_spike_comes_back_to_the_level():
    ordered = [100.0] * 24
    ordered[9] = 1000  # 2024-10
    cleansed, adjustments = cleanse_history(history(ordered), NO_EVENTS, ITEMS)
    (row,) = adjustments.itertuples()
    assert (row.kind, row.month, row.before, row.after) == ("outlier", "2024-10", 1000, 100)
    assert cleansed["demand"].tolist() == [100.0] * 24  # none of the spike is left
    assert row.reason == ("demand 1,000 is more than 3.5 robust deviations above the months around it "
                          "(median 100): taken as the expected 100")


def test_outlier_spike_in_a_seasonal_family_is_replaced_by_its_expected_value():
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
    # The neighbours 2024-12 .. 2025-02 and 2025-04 .. 2025-06 average (105 + 100 + 108 + 104 +
    # 97 + 110) / 6 = 104; the family's seasonal factors are within a few percent of 1. The old
    # cap at the bound left about 130, a tenth of the spike.
    assert 98 < row.after < 110
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


def test_a_tenfold_lump_of_an_intermittent_series_comes_back_to_the_other_lumps():
    lumps = [0, 0, 90, 0, 0, 0, 120, 0, 80, 0, 0, 100] * 2
    lumps[11] = 1000  # 2024-12
    cleansed, adjustments = cleanse_history(history(lumps), NO_EVENTS, ITEMS)
    (row,) = adjustments.itertuples()
    # In logs the lumps' median is log √(90 · 100) and their robust deviation 1.4826 · 0.1705
    # (MAD of |log(lump / 94.9)|), so the bound is 94.9 · e^(3.5 · 0.253) = 230: only 1,000 is
    # beyond it. It becomes the mean of the other lumps, (90 + 120 + 80 + 90 + 120 + 80 + 100) / 7.
    assert (row.kind, row.month, row.before) == ("outlier", "2024-12", 1000)
    assert row.after == pytest.approx(680 / 7) and "its other lumps (median 94.9)" in row.reason
    assert (cleansed["demand"] == 0).sum() == 16  # every zero stays


def test_the_skewed_lumps_of_a_slow_mover_are_left_alone():
    # Lumps of 2 to 20 units, as a slow mover orders. In units, 20 is 14.5 above the median 5.5,
    # more than 3.5 robust deviations (3.7 each); in logs it is 1.3 above, within 3.5 · 0.73.
    lumps = [0, 2, 0, 5, 0, 8, 0, 3, 0, 20, 0, 4, 0, 6, 0, 12] + [0] * 8
    assert cleanse_history(history(lumps), NO_EVENTS, ITEMS)[1].empty


def test_missing_month_is_estimated_and_recorded():
    flat = history([100.0] * 24)
    cleansed, adjustments = cleanse_history(flat[flat["month"] != "2024-04"], NO_EVENTS, ITEMS)
    assert len(cleansed) == 24
    gap = cleansed[cleansed["month"] == "2024-04"].iloc[0]
    assert gap["demand"] == 100 and np.isnan(gap["ordered_qty"])
    (row,) = adjustments.itertuples()
    assert (row.kind, row.month, row.after) == ("gap", "2024-04", 100) and np.isnan(row.before)
    assert row.reason == ("no row for this month inside the series: demand unknown, estimated at 100 "
                          "from the nearest months")


def test_missing_months_are_estimated_from_the_nearest_trusted_months():
    full = history(NOISY)
    cleansed, adjustments = cleanse_history(full[~full["month"].isin(["2024-04", "2024-05"])], NO_EVENTS, ITEMS)
    # 2024-04: 2024-01 .. 2024-03 and 2024-06 .. 2024-07 (2024-05 is missing too):
    # (100 + 108 + 93 + 110 + 91) / 5.
    assert demand_in(cleansed, "2024-04") == pytest.approx(502 / 5)
    assert adjustments["kind"].tolist() == ["gap", "gap"]


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

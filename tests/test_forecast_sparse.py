"""Slow movers: the recent mean rate, the error-weighted blend of the Croston family, and bias in the reason."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sop.tools.forecasting.intermittent import RecentRate, SeasonalRate
from sop.tools.forecasting.series_forecast import _blend, _Run, forecast_series


def test_the_recent_rate_only_looks_back_its_window():
    # 12 months at 10, then 36 months of 3 every third month: the last 36 months hold 12 × 3 = 36
    # units, 1 a month; the whole history's mean would be (120 + 36) / 48 = 3.25
    y = np.r_[np.full(12, 10.0), np.tile([0.0, 0.0, 3.0], 12)]
    assert RecentRate(36).fit(y).predict(4)["mean"] == pytest.approx(np.ones(4))
    assert RecentRate(60).fit(y).predict(1)["mean"] == pytest.approx([3.25])  # shorter history: all of it


def test_the_seasonal_rate_spreads_the_level_by_a_shrunk_index():
    # three years of 30, 0, 0, 6, 0, 0 twice a year: 6 a month; each month-of-year's total over the
    # three seasons is 90, 0, 0, 18, …, whose mean μ is 18, so an index keeps 18 / (18 + 5) of its
    # deviation from 1: 1 + 18/23 · (90/18 − 1) = 95/23 for the 30s, 1 for the 6s, 5/23 for the zeros
    season = np.array([30.0, 0, 0, 6, 0, 0, 30, 0, 0, 6, 0, 0])
    fitted = SeasonalRate(12, 36).fit(np.tile(season, 3))
    expected = 6 * np.array([95 / 23, 5 / 23, 5 / 23, 1, 5 / 23, 5 / 23] * 2)
    assert fitted.predict(12)["mean"] == pytest.approx(expected)
    assert fitted.predict(24)["mean"][12:] == pytest.approx(expected)


def test_the_seasonal_rate_is_flat_below_two_seasons():
    y = np.array([0.0, 4, 0, 0, 2, 0, 0, 0, 6, 0, 0, 0, 0, 2, 0, 0, 0, 4])
    assert SeasonalRate(12, 36).fit(y).predict(6)["mean"] == pytest.approx(np.full(6, y.mean()))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 20), min_size=24, max_size=120))
def test_the_seasonal_rate_keeps_the_recent_level_over_a_season(counts):
    y = np.array(counts, dtype=float)
    fitted = SeasonalRate(12, 36).fit(y)
    forecast = fitted.predict(36)["mean"]
    assert (forecast >= 0).all()
    # the index averages 1 over a season, so the recent window's own months carry its mean
    recent = np.arange(max(0, len(y) - 36), len(y))
    assert np.mean(fitted.level * fitted._season(recent)) == pytest.approx(y[recent].mean(), abs=1e-9)


def test_the_blend_weights_by_inverse_backtest_error():
    # errors 1 and 3: inverse weights 1 and 1/3, normalised 0.75 and 0.25; with no median share
    # the forecast is 0.75 · 2 + 0.25 · 4 = 2.5, and half the median (3) gives 0.5 · 3 + 0.5 · 2.5
    runs = {"a": _Run(cv_mean=np.array([1.0]), mean=np.array([2.0])),
            "b": _Run(cv_mean=np.array([3.0]), mean=np.array([4.0]))}
    blended, weights = _blend(runs, {"a": 1.0, "b": 3.0}, median_share=0.0)
    assert weights == pytest.approx({"a": 0.75, "b": 0.25})
    assert blended.mean == pytest.approx([2.5]) and blended.cv_mean == pytest.approx([1.5])
    assert _blend(runs, {"a": 1.0, "b": 3.0}, median_share=0.5)[0].mean == pytest.approx([2.75])


def test_a_steady_slow_mover_is_forecast_at_its_rate_with_its_bias_reported():
    # 3 units every third month for four years: every flat member forecasts about 1 a month (SBA
    # deflates by 1 − α/2, so a few percent under); the demand falls in the same four months of
    # every year, so the seasonal rate puts more in those months. Each quarter holds its 3 units
    # within 5 %, and the demand months get more than the others.
    y = np.tile([0.0, 0.0, 3.0], 16)
    result = forecast_series(y, horizon=12, season_length=12)
    assert (result.regime, result.model) == ("intermittent", "Combination")
    assert result.mean.reshape(4, 3).sum(axis=1) == pytest.approx(np.full(4, 3.0), rel=0.05)
    assert (result.mean[2::3] > result.mean[0::3]).all()
    assert "Naive" not in result.reason.split("(")[0]  # the benchmark is reported, not blended
    assert "bias" in result.reason and "% of demand" in result.reason

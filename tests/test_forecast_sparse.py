"""Slow movers: the recent mean rate, the error-weighted blend of the Croston family, and bias in the reason."""

from __future__ import annotations

import numpy as np
import pytest

from sop.tools.forecasting.intermittent import RecentRate
from sop.tools.forecasting.series_forecast import _blend, _Run, forecast_series


def test_the_recent_rate_only_looks_back_its_window():
    # 12 months at 10, then 36 months of 3 every third month: the last 36 months hold 12 × 3 = 36
    # units, 1 a month; the whole history's mean would be (120 + 36) / 48 = 3.25
    y = np.r_[np.full(12, 10.0), np.tile([0.0, 0.0, 3.0], 12)]
    assert RecentRate(36).fit(y).predict(4)["mean"] == pytest.approx(np.ones(4))
    assert RecentRate(60).fit(y).predict(1)["mean"] == pytest.approx([3.25])  # shorter history: all of it


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
    # 3 units every third month for four years: every member forecasts about 1 a month (SBA
    # deflates by 1 − α/2, so a few percent under), so the blend is within 5 % of 1
    y = np.tile([0.0, 0.0, 3.0], 16)
    result = forecast_series(y, horizon=12, season_length=12)
    assert (result.regime, result.model) == ("intermittent", "Combination")
    assert result.mean == pytest.approx(np.ones(12), rel=0.05)
    assert "Naive" not in result.reason.split("(")[0]  # the benchmark is reported, not blended
    assert "bias" in result.reason and "% of demand" in result.reason

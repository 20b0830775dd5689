"""The engine's backtest is out-of-sample, and slow or steady demand keeps a forecast and a band."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sop.tools.forecasting.demand_forecast import forecast_frame
from sop.tools.forecasting.series_forecast import forecast_series
from sop.tools.periods import month_of_number


def frame(uid: str, y: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"unique_id": uid, "ds": [month_of_number(2021 * 12 + i) for i in range(len(y))], "y": y})


def level_shift() -> np.ndarray:
    """48 months: about 100 a month (±1 % noise) for 36 months, then 200 from month 37 on."""
    rng = np.random.default_rng(3)
    return np.r_[np.full(36, 100.0), np.full(12, 200.0)] * rng.normal(1, 0.01, 48)


def test_a_level_change_right_after_the_origin_is_scored_as_a_miss():
    # h = 12 with 48 months: the one seasonal origin is month 36, so every candidate is fitted on
    # the 36 months at about 100 and forecasts about 100 for the 12 months that came in at 200.
    result = forecast_series(level_shift(), horizon=12, season_length=12)
    assert result.regime == "seasonal"
    assert len(result.cv_error) == 12
    assert result.cv_actual == pytest.approx(level_shift()[36:])
    # error = forecast − actual ≈ 100 − 200 = −100 at every scored month; a fit that had seen
    # the new level would be near 0
    assert result.cv_error.mean() == pytest.approx(-100, rel=0.1)
    assert result.benchmark_mae == pytest.approx(100, rel=0.1)


def test_a_long_history_gets_a_second_origin_a_season_earlier_that_never_sees_its_months():
    # 72 months, h = 12: origins at months 48 and 60; the level doubles right after month 48, so
    # the earlier origin's 12 months are all misses of about −100 whatever the later one learnt
    rng = np.random.default_rng(4)
    y = np.r_[np.full(48, 100.0), np.full(24, 200.0)] * rng.normal(1, 0.01, 72)
    result = forecast_series(y, horizon=12, season_length=12)
    assert list(result.cv_index) == [*range(48, 60), *range(60, 72)]
    assert result.cv_error[:12].mean() == pytest.approx(-100, rel=0.1)
    assert result.cv_actual == pytest.approx(y[48:])


def test_a_second_origin_needs_three_seasons_before_it():
    # 60 months, h = 18: the last origin is month 42; a season earlier would leave 30 months
    y = 100 * np.random.default_rng(5).normal(1, 0.05, 60)
    result = forecast_series(y, horizon=18, season_length=12)
    assert list(result.cv_index) == list(range(42, 60))


def test_the_backtest_row_reports_the_miss():
    _, backtest = forecast_frame(frame("shift", level_shift()), horizon=12, n_jobs=1)
    assert backtest.loc[0, "mae"] == pytest.approx(100, rel=0.1)


def test_one_demand_in_three_years_is_forecast_at_its_mean_rate_with_a_band():
    y = np.r_[np.zeros(35), 7.0]
    forecast, backtest = forecast_frame(frame("slow", y), horizon=18, n_jobs=1)
    # 7 units in 36 months: 7 / 36 a month, not 7 a month
    assert forecast["yhat"].to_numpy() == pytest.approx(np.full(18, 7 / 36))
    assert forecast["yhat"].sum() == pytest.approx(3.5)
    assert (forecast["hi_80"] > forecast["yhat"]).all()
    assert (forecast["hi_95"] > forecast["hi_80"]).all()
    assert backtest.loc[0, "regime"] == "intermittent"


@pytest.mark.parametrize("level", [10.0, 1000.0])
def test_a_constant_series_gets_a_band_from_its_level(level):
    forecast, _ = forecast_frame(frame("flat", np.full(36, level)), horizon=6, n_jobs=1)
    assert forecast["yhat"].to_numpy() == pytest.approx(np.full(6, level))
    # at least the Poisson σ of the level: z(80 %) · √level = 1.2816 · √level either side
    assert (forecast["hi_80"] - forecast["yhat"] >= 1.28 * np.sqrt(level)).all()
    assert (forecast["yhat"] - forecast["lo_80"] >= 1.28 * np.sqrt(level)).all()
    assert (forecast["hi_95"] > forecast["hi_80"]).all()

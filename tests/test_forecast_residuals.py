"""The engine's honest backtest residuals (what MinT weighs the nodes by) and the consensus gate's
backtest of each node against its benchmark of record, end to end through the store."""

import numpy as np
import pandas as pd
import pytest

from sop.store import Store
from sop.store.forecasts import consensus_view, node_backtests
from sop.tools.forecasting.demand_forecast import forecast_frames
from sop.tools.periods import add_months

START = "2023-01"


def frame(series: dict[str, np.ndarray]) -> pd.DataFrame:
    return pd.DataFrame([{"unique_id": uid, "ds": add_months(START, i), "y": float(v)}
                         for uid, y in series.items() for i, v in enumerate(y)])


def trend_and_season(n: int = 36) -> np.ndarray:
    """A season of ±20 around a level rising 1 unit a month: a year-old season misses by 12."""
    t = np.arange(n)
    return 200 + t + 20 * np.sin(2 * np.pi * t / 12)


@pytest.fixture(scope="module")
def engine():
    shift = np.r_[np.full(30, 10.0), np.full(6, 20.0)]
    return forecast_frames(frame({"total:total": trend_and_season(), "family:tools": shift}), horizon=12, n_jobs=1)


def test_residuals_sit_at_the_backtest_months_and_add_up_to_its_error(engine):
    _, backtest, residuals = engine
    history_end = add_months(START, 35)
    for row in backtest.itertuples():
        own = residuals[residuals["unique_id"] == row.unique_id]
        assert own["ds"].is_unique and own["ds"].max() == history_end
        assert len(own) == row.points  # one origin: every backtest point is a month of its own
        assert np.abs(own["residual"]).mean() == pytest.approx(row.mae)


def test_a_level_shift_after_the_origin_is_a_residual_of_the_shift(engine):
    # Ten units a month until six months before the end, then twenty: forecast from before the
    # shift, each month after it misses by ten.
    _, _, residuals = engine
    shift = residuals[residuals["unique_id"] == "family:tools"].set_index("ds")["residual"]
    np.testing.assert_allclose(shift[shift.index >= add_months(START, 30)], 10.0, atol=0.5)
    np.testing.assert_allclose(shift[shift.index < add_months(START, 30)], 0.0, atol=0.5)


def test_the_gate_shows_each_nodes_backtest_beside_its_benchmark(engine, tmp_path, tiny_data_dir):
    _, backtest, _ = engine
    backtest[["level", "key"]] = backtest.pop("unique_id").str.split(":", n=1, expand=True)
    with Store(tmp_path / "sop.duckdb") as store:
        store.replace("backtests", backtest, cycle_id="2026-01")
        store.load_dir(tiny_data_dir)
        store.replace("forecast_layers", pd.DataFrame({"layer": ["sales_input"], "sku": ["A1"], "dc": ["D1"],
                                                       "month": ["2026-01"], "qty": [10.0]}), cycle_id="2026-01")
        shown = node_backtests(store, "2026-01").set_index("key")
        view = consensus_view(store, "2026-01")
    total = shown.loc["total"]
    assert total["level"] == "total" and shown.index.tolist() == ["total", "tools"]
    # SeasonalNaive repeats the month a year before, 12 units below on the rising level, at
    # every one of the 12 backtest months (months 24–35, whose mean demand is 200 + 29.5).
    assert total["benchmark"] == "SeasonalNaive"
    assert total["benchmark_wape"] == pytest.approx(12 / 229.5, rel=1e-6)
    assert total["backtest_wape"] < total["benchmark_wape"] and bool(total["beats_benchmark"])
    assert total["points"] == 12
    assert view["backtests"] == shown.reset_index()[view["backtests"][0].keys()].to_dict("records")

"""The baseline forecast engine, its metrics and the `sop forecast` command."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from sop.cli.forecast import forecast
from sop.tools.forecasting import metrics
from sop.tools.forecasting.demand_forecast import DemandPoint, ForecastInput, forecast_demand, forecast_frame
from sop.tools.forecasting.intermittent import classify_demand
from sop.tools.forecasting.seasonality import stl_explain
from sop.tools.periods import month_of_number

SEASON = np.array([0.7, 0.8, 1.0, 1.1, 1.3, 1.4, 1.3, 1.1, 1.0, 0.9, 0.8, 0.6])


def seasonal_trend(n: int = 48, seed: int = 1) -> np.ndarray:
    """Units per month: level 100 growing 1.5 a month, a strong yearly season, 2 % noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return (100 + 1.5 * t) * SEASON[t % 12] * rng.normal(1, 0.02, n)


def long_frame(series: dict[str, np.ndarray], first: str = "2021-01") -> pd.DataFrame:
    start = int(first[:4]) * 12 + int(first[5:]) - 1
    return pd.concat(
        [pd.DataFrame({"unique_id": uid, "ds": [month_of_number(start + i) for i in range(len(y))], "y": y})
         for uid, y in series.items()],
        ignore_index=True,
    )


# --- classification ---------------------------------------------------------------------------

def test_smooth_series_is_smooth():
    adi, cv2, demand_class = classify_demand([10, 12, 11, 9, 10, 12, 11, 9])
    # no zeros: ADI = 8 months / 8 demands = 1; sizes mean 10.5, σ² = (0.25+2.25+0.25+2.25)·2/8 = 1.25
    assert adi == 1.0
    assert cv2 == pytest.approx(1.25 / 10.5**2)
    assert demand_class == "smooth"


def test_intermittent_and_lumpy_series():
    # a demand of 5 every third month: ADI = 12 / 4 = 3, equal sizes so CV² = 0
    assert classify_demand([0, 0, 5] * 4) == (3.0, 0.0, "intermittent")
    # sizes alternate 1 and 9: mean 5, σ = 4, CV² = 16 / 25 = 0.64; ADI = 12 / 4 = 3
    adi, cv2, demand_class = classify_demand([0, 0, 1, 0, 0, 9] * 2)
    assert (adi, demand_class) == (3.0, "lumpy") and cv2 == pytest.approx(0.64)
    # the same sizes without zeros are erratic: ADI = 1, CV² = 0.64
    assert classify_demand([1, 9] * 4)[2] == "erratic"
    assert classify_demand([0, 0, 0])[2] == "intermittent"


def test_stl_explains_a_seasonal_series():
    profile = stl_explain(seasonal_trend(48), period=12)
    assert profile.seasonal_strength > 0.9
    assert profile.trend_strength > 0.5
    assert len(profile.seasonal_indices) == 12
    assert np.argmax(profile.seasonal_indices) == 5  # June, the 1.4 peak


# --- the engine -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def engine_run():
    sparse = np.array([0, 0, 4, 0, 0, 0, 6, 0, 0, 3, 0, 0] * 3, dtype=float)
    history = long_frame({"seasonal": seasonal_trend(48), "sparse": sparse, "launch": np.array([5.0, 7, 6, 8])})
    return history, *forecast_frame(history, horizon=6, n_jobs=1)


def test_seasonal_series_beats_seasonal_naive(engine_run):
    _, _, backtest = engine_run
    row = backtest.set_index("unique_id").loc["seasonal"]
    assert row["regime"] == "seasonal"
    assert row["mae"] < row["benchmark_mae"]
    assert "backtest MAE" in row["reason"] and "SeasonalNaive" in row["reason"]


def test_regimes_follow_the_demand(engine_run):
    _, _, backtest = engine_run
    regimes = backtest.set_index("unique_id")["regime"]
    assert regimes.to_dict() == {"seasonal": "seasonal", "sparse": "intermittent", "launch": "short"}
    sparse = backtest.set_index("unique_id").loc["sparse"]
    assert sparse["adi"] == pytest.approx(36 / 9) and sparse["demand_class"] == "intermittent"


def test_horizon_months_and_intervals(engine_run):
    history, forecast, _ = engine_run
    for uid, part in forecast.groupby("unique_id"):
        last = history.loc[history["unique_id"] == uid, "ds"].max()
        first = int(last[:4]) * 12 + int(last[5:]) - 1
        assert part["ds"].tolist() == [month_of_number(first + i) for i in range(1, 7)]
    assert (forecast["lo_95"] >= 0).all()
    assert (forecast["lo_95"] <= forecast["lo_80"]).all()
    assert (forecast["lo_80"] <= forecast["yhat"]).all()
    assert (forecast["yhat"] <= forecast["hi_80"]).all()
    assert (forecast["hi_80"] <= forecast["hi_95"]).all()


def test_backtest_reports_coverage(engine_run):
    _, _, backtest = engine_run
    assert backtest["coverage_95"].between(0, 1).all()
    assert (backtest["coverage_95"] >= backtest["coverage_80"]).all()


def test_forecast_demand_keeps_the_registry_api():
    history = [DemandPoint(unique_id="A", ds=month_of_number(2022 * 12 + i), y=float(10 + i % 3)) for i in range(8)]
    out = forecast_demand(ForecastInput(history=history, horizon=3))
    assert [r.ds for r in out.forecast] == ["2022-09", "2022-10", "2022-11"]
    assert out.backtest[0].points > 0


def test_missing_month_is_refused():
    history = long_frame({"A": np.arange(1.0, 9.0)}).drop(index=3)
    with pytest.raises(ValueError, match="missing"):
        forecast_frame(history, 3, n_jobs=1)


# --- metrics, by hand ---------------------------------------------------------------------------

ACTUAL = [100, 50, 0, 200]
FORECAST = [110, 40, 10, 180]  # errors (f − a): +10, −10, +10, −20


def test_mape():
    # zero actual skipped: (10/100 + 10/50 + 20/200) / 3 = (0.1 + 0.2 + 0.1) / 3 = 0.1333…
    assert metrics.mape(ACTUAL, FORECAST) == pytest.approx(0.4 / 3)


def test_wape():
    # Σ|e| / Σa = (10 + 10 + 10 + 20) / 350 = 50 / 350
    assert metrics.wape(ACTUAL, FORECAST) == pytest.approx(50 / 350)


def test_bias():
    # MPE over non-zero actuals: (+0.1 − 0.2 − 0.1) / 3 = −0.0666…
    assert metrics.bias(ACTUAL, FORECAST) == pytest.approx(-0.2 / 3)


def test_tracking_signal():
    # Σe = 10 − 10 + 10 − 20 = −10; MAD = 50 / 4 = 12.5; −10 / 12.5 = −0.8
    assert metrics.tracking_signal(ACTUAL, FORECAST) == pytest.approx(-0.8)


def test_smape():
    # 2|e|/(|a|+|f|): 20/210, 20/90, 20/10, 40/380; mean of the four
    expected = (20 / 210 + 20 / 90 + 2.0 + 40 / 380) / 4
    assert metrics.smape(ACTUAL, FORECAST) == pytest.approx(expected)


def test_mase():
    # history 1..6 with m = 2: seasonal-naive errors y[t] − y[t−2] are all 2, so scale = 2;
    # forecast MAE = (1 + 3) / 2 = 2, MASE = 2 / 2 = 1
    assert metrics.mase([7, 8], [8, 5], [1, 2, 3, 4, 5, 6], season_length=2) == pytest.approx(1.0)


# --- the command ------------------------------------------------------------------------------

runner = CliRunner()
app = typer.Typer()
app.command()(forecast)


def _invoke(src: Path, out: Path, horizon: int = 3):
    return runner.invoke(app, ["--input", str(src), "--horizon", str(horizon), "--output", str(out)])


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "history.csv"
    path.write_text(text)
    return path


GOOD = "unique_id,ds,y\n" + "".join(f"A,2023-{m:02d}-01,{10 + m % 3}\n" for m in range(1, 13))


def test_cli_happy_path_csv_and_parquet(tmp_path):
    out = tmp_path / "fc.csv"
    result = _invoke(_csv(tmp_path, GOOD), out)
    assert result.exit_code == 0, result.output
    fc = pd.read_csv(out)
    assert list(fc.columns) == ["unique_id", "ds", "yhat", "lo-80", "hi-80", "lo-95", "hi-95", "model"]
    assert fc["ds"].tolist() == ["2024-01-01", "2024-02-01", "2024-03-01"]
    parquet_in = tmp_path / "history.parquet"
    pd.read_csv(tmp_path / "history.csv").assign(ds=lambda d: d["ds"].str[:7]).to_parquet(parquet_in)
    result = _invoke(parquet_in, tmp_path / "fc.parquet")
    assert result.exit_code == 0, result.output
    assert pd.read_parquet(tmp_path / "fc.parquet")["ds"].tolist() == ["2024-01", "2024-02", "2024-03"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GOOD.replace("A,2023-05-01,12", "A,2023-05-01,lots"), "line 6, column y"),
        (GOOD + "A,2023-12-01,4\n", "line 14, column ds"),
        (GOOD.replace("A,2023-05-01,12\n", ""), "line 6, column ds: series 'A' skips from 2023-04 to 2023-06"),
        (GOOD + "B,2023-01-01,1\nB,2023-02-01,2\n", "line 14, column unique_id: series 'B' has 2"),
        ("", "the file is empty"),
        ("unique_id,ds,y\n", "no data rows"),
        ("unique_id,month,y\nA,2023-01,1\n", "missing column(s) ds"),
    ],
    ids=["non-numeric", "duplicate", "missing-month", "too-short", "empty", "header-only", "missing-column"],
)
def test_cli_refuses_bad_input(tmp_path, text, expected):
    out = tmp_path / "fc.csv"
    result = _invoke(_csv(tmp_path, text), out)
    assert result.exit_code != 0
    assert expected in " ".join(result.output.split())
    assert "history.csv" in result.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [tmp_path / "history.csv"]

"""Baseline demand forecast: per-series model choice by rolling-origin backtest (statsforecast).

Each series is forecast by every candidate of its regime; the candidate with the lowest
backtest MAE wins that series. Regular series (two full seasons plus a backtest window) choose
among seasonal naive, Theta and dynamic optimised Theta; short series (launches) among naive,
non-seasonal Theta and the historic average. Demand cannot be negative, so forecasts and
interval bounds are clipped at zero.
"""

from __future__ import annotations

import warnings
from typing import Annotated

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field, field_validator
from statsforecast import StatsForecast
from statsforecast.models import (
    DynamicOptimizedTheta,
    HistoricAverage,
    Naive,
    SeasonalNaive,
    Theta,
)

from tools.periods import MONTH_PATTERN, to_month, to_timestamp

LEVELS = (80, 95)
MIN_POINTS = 3
BACKTEST_HORIZON = 6
BACKTEST_WINDOWS = 2


class DemandPoint(BaseModel):
    unique_id: str
    ds: Annotated[str, Field(pattern=MONTH_PATTERN, description="month, YYYY-MM")]
    y: Annotated[float, Field(ge=0, description="units demanded in the month")]


class ForecastInput(BaseModel):
    history: list[DemandPoint] = Field(min_length=1)
    horizon: Annotated[int, Field(ge=1, le=36, description="months ahead")] = 18
    season_length: Annotated[int, Field(ge=1, le=12)] = 12

    @field_validator("history")
    @classmethod
    def _unique_months(cls, history: list[DemandPoint]) -> list[DemandPoint]:
        seen: set[tuple[str, str]] = set()
        for p in history:
            if (p.unique_id, p.ds) in seen:
                raise ValueError(f"duplicate month {p.ds} for series {p.unique_id!r}")
            seen.add((p.unique_id, p.ds))
        return history


class ForecastRow(BaseModel):
    unique_id: str
    ds: str
    yhat: float
    lo_80: float
    hi_80: float
    lo_95: float
    hi_95: float
    model: str


class BacktestRow(BaseModel):
    """How each series' chosen model did on the rolling-origin backtest, against seasonal naive."""

    unique_id: str
    model: str
    mae: float = Field(description="units per month")
    benchmark_mae: float = Field(description="seasonal naive (naive for short series), units per month")
    error_std: float = Field(description="RMSE of backtest errors: the demand σ for safety stock")
    mean_actual: float = Field(description="mean demand over the scored months, units per month")
    points: int = Field(description="backtest forecasts scored")


class ForecastOutput(BaseModel):
    forecast: list[ForecastRow]
    backtest: list[BacktestRow]


def _regimes(season_length: int) -> list[tuple[int, list, str, int, int]]:
    """(minimum months, candidates, benchmark, backtest horizon, windows), longest first.

    A regular series needs two full seasons before its first backtest origin, so that the
    seasonal models can see seasonality; anything shorter is treated as a launch.
    """
    regular = [SeasonalNaive(season_length), Theta(season_length), DynamicOptimizedTheta(season_length)]
    short = [Naive(), Theta(1, alias="SES-Theta"), HistoricAverage()]
    return [
        (2 * season_length + BACKTEST_HORIZON * BACKTEST_WINDOWS, regular, "SeasonalNaive",
         BACKTEST_HORIZON, BACKTEST_WINDOWS),
        (MIN_POINTS, short, "Naive", 1, MIN_POINTS - 1),
    ]


def _check_series(df: pd.DataFrame) -> None:
    lengths = df.groupby("unique_id").size()
    too_short = lengths[lengths < MIN_POINTS]
    if len(too_short):
        raise ValueError(
            f"series {too_short.index[0]!r} has {too_short.iloc[0]} months; at least {MIN_POINTS} are needed"
        )


def _backtest(sf: StatsForecast, df: pd.DataFrame, h: int, windows: int, benchmark: str) -> pd.DataFrame:
    """Score every candidate on the last `windows` origins and keep the best per series."""
    cv = sf.cross_validation(df=df, h=h, n_windows=windows, step_size=h)
    models = [str(m) for m in sf.models]
    errors = cv[models].sub(cv["y"], axis=0)
    abs_err = errors.abs().assign(unique_id=cv["unique_id"]).groupby("unique_id").mean()
    sq_err = (errors**2).assign(unique_id=cv["unique_id"]).groupby("unique_id").mean()
    best = abs_err.idxmin(axis=1)
    rows = pd.DataFrame({
        "unique_id": abs_err.index,
        "model": best.values,
        "mae": abs_err.min(axis=1).values,
        "benchmark_mae": abs_err[benchmark].values,
        "error_std": np.sqrt(sq_err.to_numpy()[np.arange(len(best)), abs_err.columns.get_indexer(best)]),
        "mean_actual": cv.groupby("unique_id")["y"].mean().reindex(abs_err.index).values,
        "points": cv.groupby("unique_id").size().reindex(abs_err.index).values,
    })
    return rows


def backtest_wape(backtest: pd.DataFrame, column: str = "mae") -> float:
    """Pooled WAPE over all series: Σ|error| / Σ actual across every scored month."""
    weights = backtest["points"]
    return float((backtest[column] * weights).sum() / (backtest["mean_actual"] * weights).sum())


def _pick(fc: pd.DataFrame, chosen: pd.Series) -> pd.DataFrame:
    """Keep, for each series, the forecast and bands of the model its backtest chose."""
    model = fc["unique_id"].map(chosen)
    out = pd.DataFrame({"unique_id": fc["unique_id"], "ds": fc["ds"], "model": model})
    for col, suffix in [("yhat", ""), ("lo_80", "-lo-80"), ("hi_80", "-hi-80"), ("lo_95", "-lo-95"), ("hi_95", "-hi-95")]:
        values = np.empty(len(fc))
        for name in model.unique():
            mask = (model == name).to_numpy()
            values[mask] = fc.loc[mask, f"{name}{suffix}"].to_numpy()
        out[col] = np.clip(values, 0.0, None)
    return out


def forecast_frame(
    history: pd.DataFrame, horizon: int, season_length: int = 12
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Forecast a long frame (`unique_id`, `ds` as YYYY-MM, `y`) `horizon` months ahead.

    Returns (forecast, backtest) frames with the columns of ForecastRow and BacktestRow.
    """
    df = history[["unique_id", "ds", "y"]].copy()
    df["ds"] = df["ds"].map(to_timestamp)
    df["y"] = df["y"].astype(float)
    _check_series(df)
    lengths = df.groupby("unique_id")["ds"].transform("size")
    forecasts, backtests = [], []
    taken = pd.Series(False, index=df.index)
    for min_months, models, benchmark, h, windows in _regimes(season_length):
        fits = ~taken & (lengths >= min_months)
        part = df[fits]
        taken |= fits
        if part.empty:
            continue
        sf = StatsForecast(models=models, freq="MS", n_jobs=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bt = _backtest(sf, part, h, windows, benchmark)
            fc = sf.forecast(df=part, h=horizon, level=list(LEVELS))
        forecasts.append(_pick(fc, bt.set_index("unique_id")["model"]))
        backtests.append(bt)
    forecast = pd.concat(forecasts, ignore_index=True)
    forecast["ds"] = forecast["ds"].map(to_month)
    return (
        forecast.sort_values(["unique_id", "ds"], ignore_index=True),
        pd.concat(backtests, ignore_index=True).sort_values("unique_id", ignore_index=True),
    )


def forecast_demand(inp: ForecastInput) -> ForecastOutput:
    """Registry entry point: the same forecast on a list of points."""
    history = pd.DataFrame([p.model_dump() for p in inp.history])
    forecast, backtest = forecast_frame(history, inp.horizon, inp.season_length)
    return ForecastOutput(
        forecast=[ForecastRow(**r) for r in forecast.to_dict("records")],
        backtest=[BacktestRow(**r) for r in backtest.to_dict("records")],
    )


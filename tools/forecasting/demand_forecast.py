"""Baseline demand forecast: per-series honest rolling-origin backtest (statsforecast).

Each series gets the candidates of its regime (seasonal, intermittent or short, see
`series_forecast`), each fitted only on the months before every backtest origin. Regular
demand gets the blend of AutoETS, DynamicOptimizedTheta, AutoCES and SeasonalNaive weighted by
those errors; sparse series blend the Croston family and the recent rate weighted by inverse
backtest RMSE, and short series keep the candidate with the lowest error.
The 80 % and 95 % bands are calibrated on the same out-of-sample errors of all series
of a regime (`intervals`), and the backtest reports their empirical coverage. Demand cannot be
negative, so forecasts and bands are clipped at zero.
Series run in parallel on local cores, or on a dask.distributed cluster (`dask_runner`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from typing import Annotated, NamedTuple

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field, field_validator

from sop.tools.forecasting.intervals import conformal_multiplier, covered, half_width
from sop.tools.forecasting.series_forecast import (
    SeriesForecast,
    forecast_series,
    seasonal_regime,
    short_regime,
    sparse_regime,
)
from sop.tools.periods import MONTH_PATTERN, month_number, month_of_number

MIN_POINTS = 3
CHUNK = 250  # most series per parallel task: large enough to amortise the hand-off, small for progress
LEVELS = (80, 95)
SERIAL_BELOW = 40  # fewer series than this run in-process: starting workers would cost more
BENCHMARKS = {r.name: r.benchmark for r in (seasonal_regime(12), sparse_regime(12, 36), short_regime())}


class DemandPoint(BaseModel):
    unique_id: str
    ds: Annotated[str, Field(pattern=MONTH_PATTERN, description="month, YYYY-MM")]
    y: Annotated[float, Field(ge=0, description="units demanded in the month")]


class ForecastInput(BaseModel):
    history: list[DemandPoint] = Field(min_length=1)
    horizon: Annotated[int, Field(ge=1, le=36, description="months ahead")] = 18
    season_length: Annotated[int, Field(ge=1, le=12)] = 12
    dask_scheduler: str | None = Field(
        None, description="run the series on dask.distributed: 'local' (a LocalCluster) or a scheduler address; "
                          "None runs them on the local cores (SOP_DASK_SCHEDULER)")

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
    """How each series' chosen model did on the rolling-origin backtest, against the benchmark."""

    unique_id: str
    model: str
    mae: float = Field(description="units per month")
    benchmark: str = Field(description="the benchmark of record: SeasonalNaive, or Naive for short or sparse series")
    benchmark_mae: float = Field(description="the benchmark's backtest MAE at the same points, units per month")
    error_std: float = Field(description="RMSE of backtest errors: the demand σ for safety stock")
    mean_actual: float = Field(description="mean demand over the scored months, units per month")
    points: int = Field(description="backtest forecasts scored")
    coverage_80: float = Field(description="share of backtest actuals inside the calibrated 80 % band")
    coverage_95: float = Field(description="share of backtest actuals inside the calibrated 95 % band")
    regime: str = Field(description="seasonal, intermittent or short: which candidates competed")
    demand_class: str = Field(description="smooth, erratic, intermittent or lumpy (Syntetos–Boylan)")
    adi: float = Field(description="average demand interval, months per non-zero month")
    cv2: float = Field(description="squared coefficient of variation of non-zero demand sizes")
    reason: str = Field(description="why this model was chosen")


class ResidualRow(BaseModel):
    """One honest backtest error of a series at the month it forecast: what MinT weighs nodes by."""

    unique_id: str
    ds: str = Field(description="the month forecast, YYYY-MM")
    residual: float = Field(description="actual − backtest forecast (the forecast clipped at 0), units; "
                                        "where origins overlap, from the latest origin before the month")


class ForecastOutput(BaseModel):
    forecast: list[ForecastRow]
    backtest: list[BacktestRow]
    residuals: list[ResidualRow]


class Forecasts(NamedTuple):
    """The engine's frames, with the columns of ForecastRow, BacktestRow and ResidualRow."""

    forecast: pd.DataFrame
    backtest: pd.DataFrame
    residuals: pd.DataFrame


def _series_arrays(df: pd.DataFrame) -> tuple[list[str], list[np.ndarray], list[int]]:
    """(ids, demand arrays in month order, last month number) per series; checks the series."""
    df = df.assign(month=df["ds"].map(month_number)).sort_values(["unique_id", "month"], kind="stable")
    uid, month, y = df["unique_id"].astype(str).to_numpy(), df["month"].to_numpy(), df["y"].to_numpy(dtype=float)
    starts = np.flatnonzero(np.r_[True, uid[1:] != uid[:-1]])
    ends = np.r_[starts[1:], len(uid)]
    lengths = ends - starts
    if (short := np.flatnonzero(lengths < MIN_POINTS)).size:
        i = short[0]
        raise ValueError(f"series {uid[starts[i]]!r} has {lengths[i]} months; at least {MIN_POINTS} are needed")
    if (gappy := np.flatnonzero(month[ends - 1] - month[starts] + 1 != lengths)).size:
        raise ValueError(f"series {uid[starts[gappy[0]]]!r} has missing or duplicate months between its first and last")
    return list(uid[starts]), np.split(y, starts[1:]), [int(m) for m in month[ends - 1]]


def _forecast_chunk(args: tuple[list[np.ndarray], int, int]) -> list[SeriesForecast]:
    series, horizon, season_length = args
    return [forecast_series(y, horizon, season_length) for y in series]


def chunk_size(series: int, workers: int, least: int, most: int) -> int:
    """Series per task: about four tasks per worker, within [least, most]."""
    return max(least, min(most, -(-series // (4 * max(workers, 1)))))


def _chunks(
    series: list[np.ndarray], size: int, horizon: int, season_length: int,
) -> list[tuple[list[np.ndarray], int, int]]:
    return [(series[i : i + size], horizon, season_length) for i in range(0, len(series), size)]


def _forecast_all(
    series: list[np.ndarray], horizon: int, season_length: int, n_jobs: int, progress: Callable[[int], None] | None,
    dask_scheduler: str | None = None,
) -> list[SeriesForecast]:
    """Every series through `forecast_series`, in chunks on `n_jobs` processes (in-process if 1),
    or on the Dask cluster `dask_scheduler` names."""
    if dask_scheduler:
        from sop.tools.forecasting.dask_runner import dask_chunk_size, dask_client, run_chunks, worker_threads

        with dask_client(dask_scheduler) as client:
            size = dask_chunk_size(len(series), worker_threads(client))
            return run_chunks(client, _forecast_chunk, _chunks(series, size, horizon, season_length), progress)
    chunks = _chunks(series, chunk_size(len(series), n_jobs, 1, CHUNK), horizon, season_length)
    if n_jobs == 1 or len(series) < SERIAL_BELOW:
        return _collect(map(_forecast_chunk, chunks), progress)
    with ProcessPoolExecutor(max_workers=n_jobs) as pool:
        return _collect(pool.map(_forecast_chunk, chunks), progress)


def _collect(chunks: Iterable[list[SeriesForecast]], progress: Callable[[int], None] | None) -> list[SeriesForecast]:
    results: list[SeriesForecast] = []
    for chunk in chunks:
        results.extend(chunk)
        if progress:
            progress(len(chunk))
    return results


def _multipliers(results: list[SeriesForecast]) -> dict[tuple[str, int], float]:
    """One conformal multiplier per regime and level, pooled over that regime's backtest points."""
    out = {}
    for regime in {r.regime for r in results}:
        members = [r for r in results if r.regime == regime]
        errors = np.abs(np.concatenate([r.cv_error for r in members]))
        widths = np.concatenate([r.cv_widths for r in members])
        for level in LEVELS:
            out[regime, level] = conformal_multiplier(errors, widths, level)
    return out


def _band(center: np.ndarray, half_width: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(lower, upper) bounds in units, clipped at zero because demand cannot be negative."""
    return np.clip(center - half_width, 0.0, None), np.clip(center + half_width, 0.0, None)


def forecast_frame(
    history: pd.DataFrame,
    horizon: int,
    season_length: int = 12,
    n_jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
    dask_scheduler: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Forecast a long frame (`unique_id`, `ds` as YYYY-MM, `y` units per month) `horizon` months ahead.

    Returns (forecast, backtest) frames with the columns of ForecastRow and BacktestRow, sorted
    by series. Series run on `n_jobs` processes (default: every core); `progress` is called with
    the number of series finished after each chunk.
    """
    forecast, backtest, _ = forecast_frames(history, horizon, season_length, n_jobs, progress, dask_scheduler)
    return forecast, backtest


def forecast_frames(
    history: pd.DataFrame,
    horizon: int,
    season_length: int = 12,
    n_jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
    dask_scheduler: str | None = None,
) -> Forecasts:
    """`forecast_frame`, and each series' honest backtest residuals by month (for reconciliation)."""
    ids, series, last = _series_arrays(history[["unique_id", "ds", "y"]])
    results = _forecast_all(series, horizon, season_length, n_jobs or os.cpu_count() or 1, progress, dask_scheduler)
    k = _multipliers(results)
    forecast = pd.DataFrame({
        "unique_id": np.repeat(ids, horizon),
        "ds": [month_of_number(end + i) for end in last for i in range(1, horizon + 1)],
        "yhat": np.clip(np.concatenate([r.mean for r in results]), 0.0, None),
        "model": np.repeat([r.model for r in results], horizon),
    })
    for level in LEVELS:
        center = forecast["yhat"].to_numpy()
        width = half_width(center, np.concatenate([k[r.regime, level] * r.widths for r in results]), level)
        forecast[f"lo_{level}"], forecast[f"hi_{level}"] = _band(center, width)
    forecast["lo_95"] = np.minimum(forecast["lo_95"], forecast["lo_80"])
    forecast["hi_95"] = np.maximum(forecast["hi_95"], forecast["hi_80"])
    backtest = pd.DataFrame([_backtest_row(uid, r, k) for uid, r in zip(ids, results)])
    residuals = _residuals(ids, results, [end - len(y) + 1 for end, y in zip(last, series)])
    return Forecasts(forecast[list(ForecastRow.model_fields)], backtest, residuals)


def _residuals(ids: list[str], results: list[SeriesForecast], first: list[int]) -> pd.DataFrame:
    """unique_id, ds, residual: each backtest point at its month; where origins overlap, the
    latest origin's (the points come origin by origin, earliest first)."""
    frame = pd.DataFrame({
        "unique_id": np.repeat(ids, [len(r.cv_index) for r in results]),
        "month": np.concatenate([start + r.cv_index for start, r in zip(first, results)]),
        "residual": np.concatenate([r.cv_actual - np.clip(r.cv_actual + r.cv_error, 0.0, None) for r in results]),
    }).drop_duplicates(["unique_id", "month"], keep="last")
    frame.insert(1, "ds", frame.pop("month").map(month_of_number))
    return frame.reset_index(drop=True)


def _backtest_row(uid: str, r: SeriesForecast, k: dict[tuple[str, int], float]) -> dict:
    cv_hat = np.clip(r.cv_actual + r.cv_error, 0.0, None)
    inside = {lv: covered(r.cv_actual, *_band(cv_hat, half_width(cv_hat, k[r.regime, lv] * r.cv_widths, lv)))
              for lv in LEVELS}
    return {
        "unique_id": uid, "model": r.model, "mae": float(np.mean(np.abs(r.cv_error))),
        "benchmark": BENCHMARKS[r.regime], "benchmark_mae": r.benchmark_mae,
        "error_std": float(np.sqrt(np.mean(r.cv_error**2))), "mean_actual": float(np.mean(r.cv_actual)),
        "points": len(r.cv_error), **{f"coverage_{lv}": float(np.mean(inside[lv])) for lv in LEVELS},
        "regime": r.regime, "demand_class": r.demand_class, "adi": r.adi, "cv2": r.cv2, "reason": r.reason,
    }


def _series_counter(total: int, progress: Callable[[int, int], None]) -> Callable[[int], None]:
    """Turn the engine's "n more series done" into progress(done, total)."""
    done = 0

    def advance(finished: int) -> None:
        nonlocal done
        done += finished
        progress(done, total)

    return advance


def backtest_wape(backtest: pd.DataFrame, column: str = "mae") -> float:
    """Pooled WAPE over all series: Σ|error| / Σ actual across every scored month."""
    weights = backtest["points"]
    return float((backtest[column] * weights).sum() / (backtest["mean_actual"] * weights).sum())


def forecast_demand(inp: ForecastInput, progress: Callable[[int, int], None] | None = None) -> ForecastOutput:
    """Registry entry point: the same forecast on a list of points; `progress(done, total)` hears
    how many series are done after each chunk."""
    history = pd.DataFrame([p.model_dump() for p in inp.history])
    count = _series_counter(history["unique_id"].nunique(), progress) if progress else None
    forecast, backtest, residuals = forecast_frames(history, inp.horizon, inp.season_length, progress=count,
                                                    dask_scheduler=inp.dask_scheduler)
    return ForecastOutput(
        forecast=[ForecastRow(**r) for r in forecast.to_dict("records")],
        backtest=[BacktestRow(**r) for r in backtest.to_dict("records")],
        residuals=[ResidualRow(**r) for r in residuals.to_dict("records")],
    )

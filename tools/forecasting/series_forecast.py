"""One series, start to finish: its regime, its candidates, a rolling-origin backtest, the choice.

Each candidate is fitted once, on the full history, and that fit makes the forecast. The
backtest rolls the same fitted model over the history cut at each origin (`forward`: the
parameters are kept, the states see only the months before the origin), which costs a filter
pass instead of a refit. Candidates without `forward` (the Croston family) are cheap and are
refitted at every origin.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np
from statsforecast.models import (
    ADIDA,
    TSB,
    AutoCES,
    AutoETS,
    CrostonSBA,
    DynamicOptimizedTheta,
    HistoricAverage,
    Naive,
    SeasonalNaive,
    Theta,
)

from sop.tools.forecasting.intermittent import SPARSE_CLASSES, classify_demand

LEVELS = (80, 95)
COMBINATION = "Combination"


class Model(Protocol):
    """What every statsforecast model offers: fit and forecast `h` months in one call."""

    def forecast(self, y: np.ndarray, h: int) -> dict[str, Any]: ...


@runtime_checkable
class ForwardModel(Model, Protocol):
    """A model that is fitted once and then forecasts shorter histories with its parameters."""

    def fit(self, y: np.ndarray) -> Any: ...

    def predict(self, h: int, level: list[int] | None = None) -> dict[str, Any]: ...

    def forward(self, y: np.ndarray, h: int) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Candidate:
    name: str
    build: Callable[[], Model]  # a fresh statsforecast model
    native_intervals: bool


@dataclass(frozen=True)
class Regime:
    """Which candidates a kind of series gets and how its backtest origins are laid out (months)."""

    name: str
    benchmark: str
    candidates: tuple[Candidate, ...]
    combination: tuple[str, ...]  # candidates averaged into one more candidate
    width_growth: float  # a band without native width grows as step ** width_growth
    criterion: str  # "MAE", or "RMSE" where MAE would reward forecasting zero (sparse demand)
    min_train: int  # months of history before the first origin
    max_step: int  # longest backtest horizon
    span: int  # months from the first origin to the end of the history
    windows: int


def seasonal_regime(m: int) -> Regime:
    """Regular demand with at least two seasons before the first origin.

    Chosen on bench/forecast_tourism.py: ETS is fixed to damped additive trend and season, which
    costs a sixth of a full AutoETS search, and the ETS/CES/Theta mean carries the accuracy.
    CES's own bands are simulated (about 90 ms a call), so it gets a band from its errors.
    """
    ets = "AAA" if m > 1 else "AAN"
    return Regime(
        name="seasonal",
        benchmark="SeasonalNaive",
        candidates=(
            Candidate("SeasonalNaive", lambda: SeasonalNaive(m), True),
            Candidate("DynamicOptimizedTheta", lambda: DynamicOptimizedTheta(m), True),
            Candidate("ETS", lambda: AutoETS(m, model=ets, damped=True, alias="ETS"), True),
            Candidate("CES", lambda: AutoCES(m), False),
        ),
        combination=("ETS", "CES", "DynamicOptimizedTheta"),
        width_growth=0.5,
        criterion="MAE",
        min_train=2 * m,
        max_step=m,
        span=2 * m,
        windows=2,
    )


def sparse_regime(m: int, n: int) -> Regime:
    """Intermittent or lumpy demand: the Croston family, flat bands, chosen by RMSE."""
    return Regime(
        name="intermittent",
        benchmark="Naive",
        candidates=(
            Candidate("Naive", Naive, True),
            Candidate("CrostonSBA", CrostonSBA, False),
            Candidate("TSB", lambda: TSB(alpha_d=0.1, alpha_p=0.1), False),
            Candidate("ADIDA", ADIDA, False),
        ),
        combination=(),
        width_growth=0.0,
        criterion="RMSE",
        min_train=max(2, min(m, n // 2)),
        max_step=m,
        span=2 * m,
        windows=3,
    )


def short_regime() -> Regime:
    """Launches: too short for seasonal models, so one-step-ahead backtests on the last months."""
    return Regime(
        name="short",
        benchmark="Naive",
        candidates=(
            Candidate("Naive", Naive, True),
            Candidate("SES-Theta", lambda: Theta(1, alias="SES-Theta"), True),
            Candidate("HistoricAverage", HistoricAverage, True),
        ),
        combination=(),
        width_growth=0.5,
        criterion="MAE",
        min_train=2,
        max_step=1,
        span=6,
        windows=6,
    )


def choose_regime(y: np.ndarray, season_length: int) -> tuple[Regime, float, float, str]:
    """(regime, ADI, CV², demand class): sparse demand first, then by length."""
    adi, cv2, demand_class = classify_demand(y)
    n = len(y)
    if demand_class in SPARSE_CLASSES and n >= 4:
        return sparse_regime(season_length, n), adi, cv2, demand_class
    seasonal = seasonal_regime(season_length)
    if n - seasonal.min_train >= season_length // 2:
        return seasonal, adi, cv2, demand_class
    return short_regime(), adi, cv2, demand_class


def origins(n: int, horizon: int, regime: Regime) -> tuple[int, np.ndarray]:
    """(backtest horizon, history lengths at each origin), evenly spaced over the held-out span."""
    span = min(regime.span, n - regime.min_train)
    step = min(regime.max_step, horizon, span)
    cutoffs = np.unique(np.linspace(n - span, n - step, regime.windows).round().astype(int))
    return step, cutoffs


def _half_widths(result: dict, level: int) -> np.ndarray:
    return (np.asarray(result[f"hi-{level}"], float) - np.asarray(result[f"lo-{level}"], float)) / 2


@dataclass
class _Run:
    """A candidate's backtest forecasts (origins × steps) and its forecast, with native widths."""

    cv_mean: np.ndarray
    mean: np.ndarray
    cv_widths: dict[int, np.ndarray] = field(default_factory=dict)
    widths: dict[int, np.ndarray] = field(default_factory=dict)


def _run(candidate: Candidate, y: np.ndarray, cutoffs: np.ndarray, step: int, horizon: int) -> _Run:
    """Backtest and forecast one candidate. Backtest bands reuse the forecast's widths step by step:
    the fitted parameters set them, and computing bands at every origin would double the cost."""
    level = list(LEVELS) if candidate.native_intervals else None
    model = candidate.build()
    if isinstance(model, ForwardModel):
        model.fit(y)
        final = model.predict(horizon, level=level)
        windows = [model.forward(y[:c], step) for c in cutoffs]
    else:
        final = model.forecast(y, horizon)
        windows = [candidate.build().forecast(y[:c], step) for c in cutoffs]
    run = _Run(cv_mean=np.array([w["mean"] for w in windows], float), mean=np.asarray(final["mean"], float))
    if level:
        run.widths = {lv: _half_widths(final, lv) for lv in LEVELS}
        run.cv_widths = {lv: np.tile(run.widths[lv][:step], (len(cutoffs), 1)) for lv in LEVELS}
    return run


def _combine(runs: list[_Run]) -> _Run:
    """Mean forecast of the members; its band width is the mean width of members that have one."""
    banded = [r for r in runs if r.widths]
    return _Run(
        cv_mean=np.mean([r.cv_mean for r in runs], axis=0),
        mean=np.mean([r.mean for r in runs], axis=0),
        cv_widths={lv: np.mean([r.cv_widths[lv] for r in banded], axis=0) for lv in LEVELS} if banded else {},
        widths={lv: np.mean([r.widths[lv] for r in banded], axis=0) for lv in LEVELS} if banded else {},
    )


def _error_widths(run: _Run, mae: float, step: int, origins: int, horizon: int, growth: float) -> None:
    """A band for a model without one: the backtest MAE, growing as step ** growth, at every level.

    Scaled so its mean over the backtest steps is the MAE; the conformal multiplier sets the level.
    """
    cv_steps = np.tile(np.arange(1, step + 1, dtype=float), (origins, 1))
    unit = mae / np.mean(cv_steps**growth)
    run.widths = {lv: unit * np.arange(1, horizon + 1, dtype=float) ** growth for lv in LEVELS}
    run.cv_widths = {lv: unit * cv_steps**growth for lv in LEVELS}


@dataclass
class SeriesForecast:
    """The chosen model's forecast and backtest for one series; band widths are uncalibrated."""

    model: str
    reason: str
    regime: str
    demand_class: str
    adi: float
    cv2: float
    mean: np.ndarray  # units per month, one per forecast month
    widths: dict[int, np.ndarray]  # native half-width per level, or the backtest MAE when none
    cv_actual: np.ndarray  # backtest actuals, flattened over origins × steps
    cv_error: np.ndarray  # forecast − actual at the same points
    cv_widths: dict[int, np.ndarray]
    benchmark_mae: float


def forecast_series(y: np.ndarray, horizon: int, season_length: int) -> SeriesForecast:
    """Backtest every candidate of the series' regime and keep the one with the lowest error.

    MAE for regular demand; RMSE for sparse demand, where the MAE-best forecast is zero.
    """
    regime, adi, cv2, demand_class = choose_regime(y, season_length)
    step, cutoffs = origins(len(y), horizon, regime)
    actual = np.array([y[c : c + step] for c in cutoffs], float)
    runs: dict[str, _Run] = {}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for candidate in regime.candidates:
            try:
                runs[candidate.name] = _run(candidate, y, cutoffs, step, horizon)
            except Exception:  # a candidate that cannot fit this history is skipped; Naive always fits
                continue
    runs = {name: r for name, r in runs.items() if np.isfinite(r.cv_mean).all() and np.isfinite(r.mean).all()}
    if regime.combination and all(name in runs for name in regime.combination):
        runs[COMBINATION] = _combine([runs[name] for name in regime.combination])
    mae = {name: float(np.mean(np.abs(r.cv_mean - actual))) for name, r in runs.items()}
    score = mae if regime.criterion == "MAE" else {
        name: float(np.sqrt(np.mean((r.cv_mean - actual) ** 2))) for name, r in runs.items()
    }
    best = min(score, key=score.__getitem__)
    chosen = runs[best]
    if not chosen.widths:
        _error_widths(chosen, mae[best], step, len(cutoffs), horizon, regime.width_growth)
    members = f" (mean of {', '.join(regime.combination)})" if best == COMBINATION else ""
    return SeriesForecast(
        model=best,
        reason=(
            f"lowest backtest {regime.criterion} of {len(score)} candidates ({len(cutoffs)} origins, "
            f"{step} months ahead): {score[best]:.4g} {best}{members} vs "
            f"{score.get(regime.benchmark, float('nan')):.4g} {regime.benchmark}"
        ),
        regime=regime.name,
        demand_class=demand_class,
        adi=adi,
        cv2=cv2,
        mean=chosen.mean,
        widths=chosen.widths,
        cv_actual=actual.ravel(),
        cv_error=(chosen.cv_mean - actual).ravel(),
        cv_widths={lv: w.ravel() for lv, w in chosen.cv_widths.items()},
        benchmark_mae=mae.get(regime.benchmark, float("nan")),
    )

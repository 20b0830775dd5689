"""One series, start to finish: its regime, its candidates, an honest rolling-origin backtest, the forecast.

Honest: at every backtest origin each candidate is fitted only on the months before it, so the
backtest errors are out-of-sample errors. The combination weights and the band calibration use
only these errors. The forecast itself refits every candidate on the full history; AutoETS and
AutoCES keep the form their search chose at the origin and only re-estimate its parameters.
(Running the origin fit `forward` instead was cheaper but lost accuracy on M1's short series,
and AutoCES's `forward` diverges on extended histories: forecasts of 1e12 on series below 1e5.)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from statsforecast.models import (
    ADIDA,
    IMAPA,
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

from sop.tools.forecasting.intermittent import SPARSE_CLASSES, RecentRate, SeasonalRate, classify_demand

COMBINATION = "Combination"
FORM_MONTHS = 36  # months an origin fit needs before its chosen form is kept for the forecast (three seasons)
MIN_DEMANDS = 2  # non-zero months a sparse series needs before an interval between demands can be estimated


class Model(Protocol):
    """What every statsforecast model offers: fit on a history, then predict `h` months."""

    def fit(self, y: np.ndarray) -> Any: ...

    def predict(self, h: int) -> dict[str, Any]: ...


class LeanAutoETS:
    """AutoETS's AICc search over every form of one error type except the damped seasonal ones.

    Those two forms cost 41 % of the search on the scale benchmark's 60-month series (4.5 ms
    each against 0.2–3.2 ms for the other seven) and the AICc picked one of them for 6 of 258
    of those series. Without them the engine needs a third less CPU, and on M1 and Tourism its
    MASE improved (1.030 → 1.024, 1.426 → 1.416) while sMAPE moved by +0.01 and +0.07.
    """

    def __init__(self, season_length: int, error: str) -> None:
        self.season_length, self.error = season_length, error

    def fit(self, y: np.ndarray) -> LeanAutoETS:
        """The lower AICc of the six undamped forms and the damped trend without a season."""
        self.best = AutoETS(self.season_length, model=self.error + "ZZ", damped=False).fit(y)
        try:
            damped = AutoETS(self.season_length, model=self.error + "AN", damped=True).fit(y)
        except Exception:  # the damped form cannot fit this history: the search stands
            return self
        if damped.model_["aicc"] < self.best.model_["aicc"]:
            self.best = damped
        return self

    @property
    def model_(self) -> dict[str, Any]:
        return self.best.model_

    def predict(self, h: int) -> dict[str, Any]:
        return self.best.predict(h)


@dataclass(frozen=True)
class Candidate:
    name: str
    build: Callable[[], Model]  # a fresh statsforecast model
    same_form: Callable[[Any], Model] | None = None  # from a fitted model: a fresh one of its form, no search


@dataclass(frozen=True)
class Regime:
    """Which candidates a kind of series gets and how its backtest origins are laid out (months)."""

    name: str
    benchmark: str  # scored and reported beside the forecast
    benchmark_competes: bool  # False: the benchmark is only reported, never chosen
    candidates: tuple[Candidate, ...]
    combine: bool  # True: the forecast blends the candidates that compete; False: the lowest backtest error wins
    width_growth: float  # band half-width grows as step ** width_growth
    criterion: str  # "MAE", or "RMSE" where MAE would reward forecasting zero (sparse demand)
    min_train: int  # months of history before the first origin
    max_step: int  # longest backtest horizon
    span: int  # months from the first origin to the end of the history
    windows: int  # origins at most
    gap: int = 0  # months between origins counted back from the last; 0: spread evenly over the span


def seasonal_regime(m: int, positive: bool = False) -> Regime:
    """Regular demand with at least two seasons before the origin.

    Chosen on bench/forecast_m1.py and bench/forecast_tourism.py together: AutoETS,
    DynamicOptimizedTheta, AutoCES and SeasonalNaive, blended as half their median and half
    their mean weighted by inverse honest backtest MAE. Per-series selection lost to any
    combination on both sets, so no member is ever picked alone. AutoETS searches only
    multiplicative errors on positive demand and additive ones otherwise (M needs y > 0): about
    a third of the full search's cost, for 0.2 % more MASE on M1; and it skips the damped
    seasonal forms (`LeanAutoETS`), a third of what remained. The last origin is as far back as
    the horizon (or the history) allows; a second one a season earlier, where that still leaves
    three seasons to fit on, doubles the errors the weights and the bands learn from. With the
    last origin alone Tourism's 80 % band covered 0.853 of the test months: one window's errors
    were larger than the test's. Histories too short for it (60 months at h = 18) pay nothing.
    """
    error = "M" if positive else "A"
    return Regime(
        name="seasonal",
        benchmark="SeasonalNaive",
        benchmark_competes=True,
        candidates=(
            Candidate("SeasonalNaive", lambda: SeasonalNaive(m)),
            Candidate("AutoETS", lambda: LeanAutoETS(m, error), lambda fit: AutoETS(
                m, model=fit.model_["components"][:3], damped="d," in fit.model_["method"])),
            Candidate("DynamicOptimizedTheta", lambda: DynamicOptimizedTheta(m)),
            Candidate("CES", lambda: AutoCES(m), lambda fit: AutoCES(m, model=fit.model_["seasontype"])),
        ),
        combine=True,
        width_growth=0.5,
        criterion="MAE",
        min_train=2 * m,
        max_step=36,
        span=36,
        windows=2,
        gap=m,
    )


def sparse_regime(m: int, n: int) -> Regime:
    """Intermittent or lumpy demand: the Croston family and the recent rate, flat and seasonal, blended.

    Chosen on bench/forecast_intermittent.py with M1 shapes and confirmed on Tourism shapes:
    per-series selection by backtest RMSE (three origins a season apart) lost to the blend on
    both, because three origins of sparse counts rank the candidates mostly by noise. The
    seasonal rate (`SeasonalRate`) lets the blend follow a season the flat members miss every
    year. Naive is the benchmark only: after a lone demand it would repeat that demand every month.
    """
    return Regime(
        name="intermittent",
        benchmark="Naive",
        benchmark_competes=False,
        candidates=(
            Candidate("Naive", Naive),
            Candidate("CrostonSBA", CrostonSBA),
            Candidate("TSB", lambda: TSB(alpha_d=0.1, alpha_p=0.1)),
            Candidate("ADIDA", ADIDA),
            Candidate("IMAPA", IMAPA),
            Candidate("RecentRate", lambda: RecentRate(3 * m)),
            Candidate("SeasonalRate", lambda: SeasonalRate(m, 3 * m)),
        ),
        combine=True,
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
        benchmark_competes=True,
        candidates=(
            Candidate("Naive", Naive),
            Candidate("SES-Theta", lambda: Theta(1, alias="SES-Theta")),
            Candidate("HistoricAverage", HistoricAverage),
        ),
        combine=False,
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
    seasonal = seasonal_regime(season_length, positive=bool(np.all(y > 0)))
    if n - seasonal.min_train >= season_length // 2:
        return seasonal, adi, cv2, demand_class
    return short_regime(), adi, cv2, demand_class


def origins(n: int, horizon: int, regime: Regime) -> tuple[int, np.ndarray]:
    """(backtest horizon, history lengths at each origin): `gap` months apart back from the last
    (an earlier one only where it sees FORM_MONTHS), or evenly spaced over the held-out span."""
    span = min(regime.span, n - regime.min_train)
    step = min(regime.max_step, horizon, span)
    if regime.gap:
        last = n - step
        earlier = [last - k * regime.gap for k in range(regime.windows - 1, 0, -1)]
        return step, np.array([c for c in earlier if c >= FORM_MONTHS] + [last])
    cutoffs = np.unique(np.linspace(n - span, n - step, regime.windows).round().astype(int))
    return step, cutoffs


def band_scale(y: np.ndarray) -> float:
    """Units per month that a band is drawn in: the mean month-to-month change, at least √level.

    The floor is the Poisson σ of the mean demand, so a constant series still gets a band.
    """
    change = float(np.mean(np.abs(np.diff(y)))) if len(y) > 1 else 0.0
    return max(change, float(np.sqrt(max(np.mean(y), 0.0))))


@dataclass
class _Run:
    """A candidate's backtest forecasts (origins × steps) and its forecast (units per month)."""

    cv_mean: np.ndarray
    mean: np.ndarray


def _run(candidate: Candidate, y: np.ndarray, cutoffs: np.ndarray, step: int, horizon: int) -> _Run:
    """Fit at every origin on the months before it only, then refit on the full history for the forecast.

    A searching model is refitted in the form its last origin fit chose (parameters re-estimated,
    no second search), which costs a fraction of the search, when that fit saw FORM_MONTHS or
    more; on two seasons the search often drops the season (the sample company's 36-month
    series: 14 % below the expected demand), so a shorter history is searched again.
    """
    windows = []
    for c in cutoffs:
        model = candidate.build()
        model.fit(y[:c])
        windows.append(model.predict(step)["mean"])
    try:
        trusted = candidate.same_form is not None and cutoffs[-1] >= FORM_MONTHS
        refit = candidate.same_form(model) if trusted and candidate.same_form else candidate.build()
        final = refit.fit(y).predict(horizon)
    except Exception:  # the form chosen before the origin cannot fit the full history: search again
        final = candidate.build().fit(y).predict(horizon)
    return _Run(cv_mean=np.array(windows, float), mean=np.asarray(final["mean"], float))


# share of the median in each regime's blend, the rest the error-weighted mean. Seasonal: chosen on
# M1 and Tourism; sparse: on bench/forecast_intermittent.py (M1 shapes; the median only added noise)
BLEND_MEDIAN_SHARE = {"seasonal": 0.5, "intermittent": 0.0}


def _blend(runs: dict[str, _Run], error: dict[str, float], median_share: float) -> tuple[_Run, dict[str, float]]:
    """`median_share` of the median plus the rest of the mean weighted by inverse backtest error; the weights too."""
    inverse = {name: 1 / max(error[name], 1e-9) for name in runs}
    weights = {name: w / sum(inverse.values()) for name, w in inverse.items()}

    def mix(parts: list[np.ndarray]) -> np.ndarray:
        weighted = sum(w * p for w, p in zip(weights.values(), parts))
        return median_share * np.median(parts, axis=0) + (1 - median_share) * weighted

    return _Run(cv_mean=mix([r.cv_mean for r in runs.values()]), mean=mix([r.mean for r in runs.values()])), weights


def _share(value: float, base: float) -> str:
    """`value` as a signed percentage of `base`, or "no demand" when there is nothing to compare with."""
    return f"{100 * value / base:+.0f} % of demand" if base > 0 else "no demand"


@dataclass
class SeriesForecast:
    """The forecast and honest backtest of one series; band widths are in scale units, uncalibrated."""

    model: str
    reason: str
    regime: str
    demand_class: str
    adi: float
    cv2: float
    mean: np.ndarray  # units per month, one per forecast month
    widths: np.ndarray  # band shape per forecast month: scale · step ** growth (units per month)
    cv_actual: np.ndarray  # backtest actuals, flattened over origins × steps
    cv_index: np.ndarray  # month of each backtest actual, as its position in y
    cv_error: np.ndarray  # forecast − actual at the same points
    cv_widths: np.ndarray  # band shape at the same points, from the history before each origin
    benchmark_mae: float


def _mean_rate(
    y: np.ndarray, horizon: int, regime: Regime, adi: float, cv2: float, demand_class: str
) -> SeriesForecast:
    """Too few demands to model: the mean rate, backtested at the same origins as the Croston family."""
    step, cutoffs = origins(len(y), horizon, regime)
    actual = np.array([y[c : c + step] for c in cutoffs], float)
    cv_mean = np.array([np.full(step, y[:c].mean()) for c in cutoffs])
    naive = np.array([np.full(step, y[c - 1]) for c in cutoffs])
    rate = float(y.mean())
    return SeriesForecast(
        model="HistoricAverage",
        reason=f"{int((y > 0).sum())} demand(s) in {len(y)} months: the mean rate, {rate:.4g} units per month",
        regime=regime.name, demand_class=demand_class, adi=adi, cv2=cv2,
        mean=np.full(horizon, rate), widths=np.full(horizon, band_scale(y)),
        cv_actual=actual.ravel(), cv_index=np.add.outer(cutoffs, np.arange(step)).ravel(),
        cv_error=(cv_mean - actual).ravel(),
        cv_widths=np.repeat([band_scale(y[:c]) for c in cutoffs], step),
        benchmark_mae=float(np.mean(np.abs(naive - actual))),
    )


def forecast_series(y: np.ndarray, horizon: int, season_length: int) -> SeriesForecast:
    """Backtest every candidate of the series' regime honestly, then blend them or keep the best.

    MAE for regular demand; RMSE for sparse demand, where the MAE-best forecast is zero.
    """
    regime, adi, cv2, demand_class = choose_regime(y, season_length)
    if regime.name == "intermittent" and (y > 0).sum() < MIN_DEMANDS:
        return _mean_rate(y, horizon, regime, adi, cv2, demand_class)
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
    mae = {name: float(np.mean(np.abs(r.cv_mean - actual))) for name, r in runs.items()}
    benchmark_mae = mae.get(regime.benchmark, float("nan"))
    contenders = {name: r for name, r in runs.items() if regime.benchmark_competes or name != regime.benchmark} or runs
    score = {name: float(np.sqrt(np.mean((r.cv_mean - actual) ** 2))) if regime.criterion == "RMSE"
             else mae[name] for name, r in contenders.items()}
    origins_text = f"{len(cutoffs)} origin{'s' if len(cutoffs) > 1 else ''}, {step} months ahead"
    if regime.combine:
        share = BLEND_MEDIAN_SHARE[regime.name]
        chosen, weights = _blend(contenders, score, share)
        best = COMBINATION
        members = ", ".join(f"{name} {w:.2f}" for name, w in weights.items())
        blend = f"{'median and ' if share else ''}honest-{regime.criterion}-weighted mean"
        reason = f"{blend} of {members} ({origins_text})"
    else:
        best = min(score, key=score.__getitem__)
        chosen = runs[best]
        reason = f"lowest backtest {regime.criterion} of {len(score)} candidates ({origins_text}): {best}"
    errors = chosen.cv_mean - actual
    reason += (f": backtest MAE {np.mean(np.abs(errors)):.4g} vs {benchmark_mae:.4g} {regime.benchmark}, "
               f"bias {np.mean(errors):+.3g} units a month ({_share(np.mean(errors), np.mean(actual))})")
    steps = np.arange(1, horizon + 1, dtype=float) ** regime.width_growth
    cv_steps = np.arange(1, step + 1, dtype=float) ** regime.width_growth
    return SeriesForecast(
        model=best, reason=reason, regime=regime.name, demand_class=demand_class, adi=adi, cv2=cv2,
        mean=chosen.mean, widths=band_scale(y) * steps,
        cv_actual=actual.ravel(), cv_index=np.add.outer(cutoffs, np.arange(step)).ravel(),
        cv_error=(chosen.cv_mean - actual).ravel(),
        cv_widths=np.concatenate([band_scale(y[:c]) * cv_steps for c in cutoffs]),
        benchmark_mae=benchmark_mae,
    )

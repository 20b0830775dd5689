"""Forecast-accuracy metrics as pure functions on arrays.

Conventions (the planner's, not the statistician's): error = forecast − actual, so a positive
bias means over-forecasting. Percentages are returned as fractions (0.12 = 12 %).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def _pair(actual: ArrayLike, forecast: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(actual, dtype=float)
    f = np.asarray(forecast, dtype=float)
    if a.shape != f.shape:
        raise ValueError(f"actual has shape {a.shape} but forecast has shape {f.shape}")
    return a, f


def mape(actual: ArrayLike, forecast: ArrayLike) -> float:
    """Mean absolute percentage error over the periods with non-zero actuals (NaN if none)."""
    a, f = _pair(actual, forecast)
    nz = a != 0
    return float(np.mean(np.abs(f[nz] - a[nz]) / np.abs(a[nz]))) if nz.any() else float("nan")


def wape(actual: ArrayLike, forecast: ArrayLike) -> float:
    """Weighted absolute percentage error: Σ|f − a| / Σ|a|. Robust to small and zero actuals."""
    a, f = _pair(actual, forecast)
    total = np.abs(a).sum()
    return float(np.abs(f - a).sum() / total) if total > 0 else float("nan")


def bias(actual: ArrayLike, forecast: ArrayLike) -> float:
    """Mean percentage error (MPE) over non-zero actuals; positive means over-forecast."""
    a, f = _pair(actual, forecast)
    nz = a != 0
    return float(np.mean((f[nz] - a[nz]) / np.abs(a[nz]))) if nz.any() else float("nan")


def tracking_signal(actual: ArrayLike, forecast: ArrayLike) -> float:
    """Cumulative error over mean absolute deviation; beyond ±4 the forecast is biased."""
    a, f = _pair(actual, forecast)
    mad = np.mean(np.abs(f - a))
    return float(np.sum(f - a) / mad) if mad > 0 else 0.0


def smape(actual: ArrayLike, forecast: ArrayLike) -> float:
    """Symmetric MAPE as used in the M and Tourism competitions (fraction, 0..2)."""
    a, f = _pair(actual, forecast)
    denom = np.abs(a) + np.abs(f)
    ok = denom > 0
    return float(np.mean(2 * np.abs(f[ok] - a[ok]) / denom[ok])) if ok.any() else 0.0


def seasonal_naive_scale(history: ArrayLike, season_length: int) -> float:
    """In-sample MAE of the seasonal naive method: the denominator of MASE."""
    y = np.asarray(history, dtype=float)
    m = season_length if len(y) > season_length else 1
    return float(np.mean(np.abs(y[m:] - y[:-m]))) if len(y) > m else float("nan")


def mase(actual: ArrayLike, forecast: ArrayLike, history: ArrayLike, season_length: int = 12) -> float:
    """Mean absolute scaled error against the in-sample seasonal naive (Hyndman & Koehler)."""
    a, f = _pair(actual, forecast)
    scale = seasonal_naive_scale(history, season_length)
    return float(np.mean(np.abs(f - a)) / scale) if scale > 0 else float("nan")


def coverage(actual: ArrayLike, lower: ArrayLike, upper: ArrayLike) -> float:
    """Share of actuals inside [lower, upper]: an honest interval's coverage matches its level."""
    a = np.asarray(actual, dtype=float)
    return float(np.mean((a >= np.asarray(lower, dtype=float)) & (a <= np.asarray(upper, dtype=float))))

"""Prediction intervals calibrated on the honest backtest (split conformal scaling).

Each band's shape is the series' scale times step ** growth (`series_forecast.band_scale`); one
multiplier per regime and level stretches it until the level's share of out-of-sample backtest
errors falls inside. Pooled over many series this is calibrated even with one origin per series.
A band is never narrower than the Poisson σ of its forecast, so steady demand keeps a band.
"""

from __future__ import annotations

import numpy as np

MAX_STRETCH = 10.0  # a band is never widened more than tenfold, whatever one outlier says
NORMAL_QUANTILE = {80: 1.2816, 95: 1.9600}  # two-sided z for each level


def conformal_multiplier(abs_errors: np.ndarray, base_widths: np.ndarray, level: int) -> float:
    """Smallest k with `level` % of |error| ≤ k · base width (finite-sample corrected quantile)."""
    ratios = np.divide(abs_errors, base_widths, out=np.zeros_like(abs_errors), where=base_widths > 0)
    ratios[(base_widths <= 0) & (abs_errors > 0)] = MAX_STRETCH
    ratios = ratios[np.isfinite(ratios)]
    if not len(ratios):
        return 1.0
    q = min(1.0, np.ceil((len(ratios) + 1) * level / 100) / len(ratios))
    return float(min(MAX_STRETCH, np.quantile(ratios, q)))


def half_width(center: np.ndarray, calibrated: np.ndarray, level: int) -> np.ndarray:
    """Band half-width in units: the calibrated width, at least z · √forecast (Poisson σ of count demand)."""
    return np.maximum(calibrated, NORMAL_QUANTILE[level] * np.sqrt(np.clip(center, 0.0, None)))


def covered(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Whether each actual lies inside its band."""
    return (actual >= lower) & (actual <= upper)

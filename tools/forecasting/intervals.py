"""Prediction intervals calibrated on the backtest (split conformal scaling).

A model's own interval (or, for a model without one, its backtest MAE) gives each band's shape;
one multiplier per level stretches or shrinks it until the level's share of backtest actuals
falls inside. Pooled over many series this is well calibrated even with few windows per series.
"""

from __future__ import annotations

import numpy as np

MAX_STRETCH = 10.0  # a band is never widened more than tenfold, whatever one outlier says


def conformal_multiplier(abs_errors: np.ndarray, base_widths: np.ndarray, level: int) -> float:
    """Smallest k with `level` % of |error| ≤ k · base width (finite-sample corrected quantile)."""
    ratios = np.divide(abs_errors, base_widths, out=np.zeros_like(abs_errors), where=base_widths > 0)
    ratios[(base_widths <= 0) & (abs_errors > 0)] = MAX_STRETCH
    ratios = ratios[np.isfinite(ratios)]
    if not len(ratios):
        return 1.0
    q = min(1.0, np.ceil((len(ratios) + 1) * level / 100) / len(ratios))
    return float(min(MAX_STRETCH, np.quantile(ratios, q)))


def covered(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Whether each actual lies inside its band."""
    return (actual >= lower) & (actual <= upper)

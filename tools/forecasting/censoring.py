"""Which months of one series to distrust, and the expected value to put in their place.

Some recorded months do not show what customers wanted. A month with no row at all, and a
lone month without orders right after a stockout (customers who found the shelf empty went
elsewhere), are *censored*: their demand is unknown, not zero. A month far from the months on
both sides of it (a spike, or a zero amid steady sales) is an *outlier*. Both are replaced by
their expected value: the mean of the nearest trusted months (±`window`, widened until one is
found), after removing the season, times the month's seasonal factor. Replacing a spike by its
bound instead would leave part of it in the baseline.

Slow movers are the exception: in a series that sells in lumps (more than 30 % of its months
without demand) a zero is its most likely month, so its zeros stay zeros, a missing month is a
zero, and only a lump far above its other lumps is an outlier.

All quantities here are deseasonalised levels (units per month over the seasonal factor).
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

INTERMITTENT_ZERO_SHARE = 0.3  # a series with more zero months than this is intermittent
MAD_TO_SD = 1.4826  # MAD of normal noise times this estimates its standard deviation
MIN_SCALE = 1.0  # units: integer noise of slow movers is never an outlier


def is_intermittent(demand: np.ndarray) -> bool:
    """More than 30 % of the recorded months (NaN is not recorded) without demand."""
    recorded = demand[~np.isnan(demand)]
    return bool(recorded.size) and bool(np.mean(recorded == 0) > INTERMITTENT_ZERO_SHARE)


def zeros_after_stockouts(demand: np.ndarray, short: np.ndarray) -> np.ndarray:
    """Months with no demand right after a month that shipped less than was ordered, unless
    the next month has none either: then demand may have stopped (`outliers` still tests
    those months against the months around them)."""
    zero = demand == 0
    return zero & np.r_[False, short[:-1]] & ~np.r_[zero[1:], False]


def _neighbour_medians(values: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per month, the median of the `window` months before it, of the `window` months after it,
    and of both together (the month itself left out). NaN months are skipped; a side with no
    month has no median (NaN)."""
    views = sliding_window_view(np.pad(values, window, constant_values=np.nan), 2 * window + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the all-NaN sides
        return (np.nanmedian(views[:, :window], axis=1), np.nanmedian(views[:, window + 1:], axis=1),
                np.nanmedian(np.delete(views, window, axis=1), axis=1))


def _robust_sd(residual: np.ndarray) -> float:
    return MAD_TO_SD * float(np.median(np.abs(residual - np.median(residual))))


def outliers(level: np.ndarray, usable: np.ndarray, window: int, k: float) -> tuple[np.ndarray, np.ndarray]:
    """(outlier mask, reference level) of a regular series, over its `usable` months.

    The reference is the median of the usable neighbours (±`window`, the month itself left out
    so that it cannot hide). A month is an outlier when it lies more than k robust standard
    deviations (1.4826 · MAD of the residuals, at least one unit) on the same side of the
    median of the months before it and of the months after it: asking both sides keeps the
    first months of a new level, and the zeros before a first sale, from being flagged. Zeros
    are tested like any month. Fewer than 2·window + 1 usable months: no outliers.
    """
    values = np.where(usable, level, np.nan)
    before, after, reference = _neighbour_medians(values, window)
    residual = (values - reference)[usable & ~np.isnan(reference)]
    if np.count_nonzero(usable) < 2 * window + 1 or not residual.size:
        return np.zeros(len(level), dtype=bool), reference
    bound = k * max(_robust_sd(residual), MIN_SCALE)
    with np.errstate(invalid="ignore"):
        above = (np.isnan(before) | (level > before + bound)) & (np.isnan(after) | (level > after + bound))
        below = (np.isnan(before) | (level < before - bound)) & (np.isnan(after) | (level < after - bound))
    sided = ~(np.isnan(before) & np.isnan(after))
    return usable & sided & (above | below), reference


def lump_outliers(level: np.ndarray, usable: np.ndarray, window: int, k: float) -> tuple[np.ndarray, np.ndarray]:
    """(outlier mask, reference level) of an intermittent series: lumps far above the others.

    Lump sizes are skewed (many small orders, a few large ones), so they are compared in logs:
    a lump is an outlier when its log lies more than k robust standard deviations above the
    median log lump (the deviation at least that of one unit at the median, so integer noise
    never counts). Small lumps are small orders, never outliers; zeros are never tested.
    Fewer than 2·window + 1 lumps: no outliers.
    """
    lumps = usable & (level > 0)
    logs = np.log(np.where(lumps, level, 1.0))
    centre = float(np.median(logs[lumps])) if lumps.any() else np.nan
    reference = np.full(len(level), np.exp(centre))
    if np.count_nonzero(lumps) < 2 * window + 1:
        return np.zeros(len(level), dtype=bool), reference
    scale = max(_robust_sd(logs[lumps]), float(np.log1p(MIN_SCALE / np.exp(centre))))
    return lumps & (logs > centre + k * scale), reference


def expected_level(level: np.ndarray, trusted: np.ndarray, window: int) -> np.ndarray:
    """Per month, the mean level of the trusted months within ±`window` (the month itself left
    out), the window widened by `window` at a time until it holds one; NaN if none is trusted."""
    n = len(level)
    values = np.where(trusted, level, 0.0)
    total, count = np.r_[0.0, np.cumsum(values)], np.r_[0, np.cumsum(trusted)]
    months = np.arange(n)
    out = np.full(n, np.nan)
    todo = np.ones(n, dtype=bool)
    width = window
    while todo.any() and width < n + window:
        lo, hi = np.clip(months - width, 0, n), np.clip(months + width + 1, 0, n)
        sums, counts = total[hi] - total[lo] - values, count[hi] - count[lo] - trusted
        found = todo & (counts > 0)
        out[found] = sums[found] / counts[found]
        todo &= ~found
        width += window
    return out

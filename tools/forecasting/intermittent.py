"""Intermittent demand: the Syntetos–Boylan classification and the Croston family of candidates.

A series with many zero months fools the smoothing models (they chase every spike), so it is
forecast by methods that model demand size and demand interval separately.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

ADI_CUTOFF = 1.32  # months between demands; Syntetos, Boylan & Croston (2005)
CV2_CUTOFF = 0.49  # squared coefficient of variation of the non-zero demand sizes

DemandClass = Literal["smooth", "erratic", "intermittent", "lumpy"]
SPARSE_CLASSES: tuple[DemandClass, ...] = ("intermittent", "lumpy")


def classify_demand(y: ArrayLike) -> tuple[float, float, DemandClass]:
    """(ADI, CV², class) of a demand history in units per month.

    ADI is months per non-zero month (n / count of non-zero months; ∞ with no demand at all).
    CV² is (σ/μ)² of the non-zero demand sizes (population σ). ADI ≥ 1.32 means demand is
    sparse (intermittent, or lumpy when CV² ≥ 0.49 too); with regular demand, CV² ≥ 0.49 is
    erratic and anything else smooth.
    """
    values = np.asarray(y, dtype=float)
    sizes = values[values > 0]
    adi = len(values) / len(sizes) if len(sizes) else float("inf")
    cv2 = float((sizes.std() / sizes.mean()) ** 2) if len(sizes) else 0.0
    if adi >= ADI_CUTOFF:
        return adi, cv2, "lumpy" if cv2 >= CV2_CUTOFF else "intermittent"
    return adi, cv2, "erratic" if cv2 >= CV2_CUTOFF else "smooth"


class RecentRate:
    """The mean demand of the last `window` months (all of them when fewer): a rate that ages out.

    The mean of a long history trails a level that has moved (a 25-year tourism shape: 100 %
    under-forecast on the semi-synthetic benchmark), so the rate only looks back three seasons.
    Offers the statsforecast model interface (`fit`, `predict`).
    """

    def __init__(self, window: int) -> None:
        self.window = window
        self.rate = float("nan")

    def fit(self, y: np.ndarray) -> RecentRate:
        self.rate = float(np.mean(y[-self.window :]))
        return self

    def predict(self, h: int) -> dict[str, np.ndarray]:
        return {"mean": np.full(h, self.rate)}


class SeasonalRate:
    """The recent rate spread over the season: the deseasonalised mean of the last `window`
    months times each month's seasonal index.

    Slow movers on a seasonal shape (the semi-synthetic benchmark's Tourism shapes) are missed
    in the same months every year by every flat-rate member. The index is each month-of-year's
    share of the demand over the whole seasons of the history, shrunk towards 1 by its Poisson
    noise: with μ units per month-of-year it keeps μ / (μ + PRIOR_NOISE) of its deviation, the
    shrinkage of a prior seasonal variance of 1 / PRIOR_NOISE = 0.2 (swings of about ±45 %).
    Offers the statsforecast model interface (`fit`, `predict`).
    """

    PRIOR_NOISE = 5.0

    def __init__(self, season_length: int, window: int) -> None:
        self.m, self.window = season_length, window
        self.level, self.index, self.n = float("nan"), np.ones(season_length), 0

    def _season(self, months: np.ndarray) -> np.ndarray:
        """The index of each month, by its position in the history (0 is the first month)."""
        return self.index[(months - self.n) % self.m]

    def fit(self, y: np.ndarray) -> SeasonalRate:
        self.n, whole = len(y), len(y) // self.m * self.m
        totals = y[len(y) - whole :].reshape(-1, self.m).sum(axis=0)  # column k: months n − m + k, n − 2m + k, …
        self.index = np.ones(self.m)
        if whole >= 2 * self.m and totals.sum() > 0:
            mu = totals.mean()
            self.index = 1 + mu / (mu + self.PRIOR_NOISE) * (totals / mu - 1)
        recent = np.arange(max(0, self.n - self.window), self.n)
        self.level = float(np.mean(y[recent]) / np.mean(self._season(recent)))
        return self

    def predict(self, h: int) -> dict[str, np.ndarray]:
        return {"mean": self.level * self._season(np.arange(self.n, self.n + h))}

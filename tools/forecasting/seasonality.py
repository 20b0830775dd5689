"""Seasonality a planner can read: STL decomposition strengths and seasonal indices (statsmodels)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from pydantic import BaseModel, Field
from statsmodels.tsa.seasonal import STL


class SeasonalityProfile(BaseModel):
    seasonal_strength: float = Field(ge=0, le=1, description="0 none, above 0.64 strong (Wang, Smith & Hyndman)")
    trend_strength: float = Field(ge=0, le=1, description="0 flat, near 1 a clear trend")
    seasonal_indices: list[float] = Field(
        description="mean seasonal effect in units per month, one per position in the cycle, "
        "starting with the position of the first observation"
    )


def _strength(remainder: np.ndarray, component: np.ndarray) -> float:
    """1 − Var(R)/Var(C + R), floored at 0: how much of the variation the component explains."""
    total = np.var(component + remainder)
    return float(max(0.0, 1.0 - np.var(remainder) / total)) if total > 0 else 0.0


def stl_explain(y: ArrayLike, period: int = 12) -> SeasonalityProfile:
    """Decompose at least two full cycles of demand with robust STL and summarise the parts."""
    values = np.asarray(y, dtype=float)
    if len(values) < 2 * period:
        raise ValueError(f"STL needs two full cycles ({2 * period} points); got {len(values)}")
    fit = STL(values, period=period, robust=True).fit()
    seasonal, trend, remainder = np.asarray(fit.seasonal), np.asarray(fit.trend), np.asarray(fit.resid)
    indices = [float(seasonal[i::period].mean()) for i in range(period)]
    return SeasonalityProfile(
        seasonal_strength=_strength(remainder, seasonal),
        trend_strength=_strength(remainder, trend),
        seasonal_indices=indices,
    )

"""Layers on top of the statistical forecast: sales input from market events, and scenarios.

Frames are long: one row per `sku`, `dc`, `month` with the statistical `yhat` and its bands.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def apply_market_events(forecast: pd.DataFrame, events: pd.DataFrame, families: pd.Series) -> pd.Series:
    """The sales-input quantity: `yhat` scaled by every future event covering the row.

    An event covers a row when the month lies in [start_month, end_month] and the event names
    the row's SKU, or names its family and no SKU. Overlapping events multiply, because each
    uplift is stated relative to the demand it would otherwise be.
    """
    factor = pd.Series(1.0, index=forecast.index)
    family = forecast["sku"].map(families)
    for ev in events.itertuples(index=False):
        in_window = (forecast["month"] >= ev.start_month) & (forecast["month"] <= ev.end_month)
        target = forecast["sku"] == ev.sku if isinstance(ev.sku, str) and ev.sku else family == ev.family
        factor[in_window & target] *= 1.0 + ev.uplift_pct / 100.0
    return forecast["yhat"] * factor


def scenarios(consensus: pd.Series, forecast: pd.DataFrame) -> dict[str, pd.Series]:
    """Base, upside and downside demand, in units per row.

    Upside and downside shift the consensus by the distance from the statistical forecast to the
    upper and lower 80 % bounds of each series. Summed over series this treats the errors as
    perfectly correlated, a deliberate stress test of the supply plan rather than a quantile of
    total demand.
    """
    up = (forecast["hi_80"] - forecast["yhat"]).clip(lower=0)
    down = (forecast["yhat"] - forecast["lo_80"]).clip(lower=0)
    return {
        "base": consensus,
        "upside": consensus + up,
        "downside": np.maximum(consensus - down, 0.0),
    }

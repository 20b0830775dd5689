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


def in_scope(layer: pd.DataFrame, families: pd.Series, level: str, key: str) -> pd.Series:
    """Rows of the SKU × DC layer under one node of the hierarchy."""
    if level == "total":
        return pd.Series(True, index=layer.index)
    if level == "family":
        return layer["sku"].map(families) == key
    if level == "sku":
        return layer["sku"] == key
    sku, _, dc = key.rpartition("/")
    return (layer["sku"] == sku) & (layer["dc"] == dc)


def apply_overrides(layer: pd.DataFrame, overrides: pd.DataFrame, families: pd.Series) -> pd.Series:
    """Planner overrides on a SKU × DC layer (sku, dc, month, qty), in the order given.

    An override names a node (total, family, SKU or SKU/DC) and a month range, and either
    scales it by `change_pct` or sets it to `set_qty` units a month. Either way the change is
    split down in proportion to the rows' current quantities, so the mix inside the node stays
    as the forecast had it; a node at zero is split evenly.
    """
    qty = layer["qty"].astype(float).copy()
    for o in overrides.itertuples(index=False):
        rows = in_scope(layer, families, o.level, o.key) & layer["month"].between(o.month_from, o.month_to)
        if pd.notna(o.change_pct):
            qty[rows] *= 1.0 + o.change_pct / 100.0
            continue
        for _, idx in qty[rows].groupby(layer.loc[rows, "month"]).groups.items():
            total = qty[idx].sum()
            qty[idx] = qty[idx] * (o.set_qty / total) if total > 0 else o.set_qty / len(idx)
    return qty

"""Forecast hierarchy SKU × DC → SKU → family → total, and forecast reconciliation.

Forecasts made separately at each level do not add up: the family forecast is not the sum of
its SKUs'. Reconciliation makes them coherent (every parent equals the sum of its children in
every month) while using what each level knows. With the summing matrix S (nodes × bottom
series) and base forecasts ŷ at every node, the coherent forecasts are S·P·ŷ with

    P = (S'W⁻¹S)⁻¹ S'W⁻¹                      (Wickramasuriya, Athanasopoulos & Hyndman 2019)

- `ols`: W = I, every node's base forecast trusted equally.
- `mint_shrink`: W is the covariance of the nodes' one-step in-sample (or backtest) residuals,
  shrunk towards its diagonal with the Schäfer–Strimmer (2005) intensity; nodes that forecast
  well pull the result towards their own forecast.
- `bottom_up`: P picks the bottom forecasts, so the result is S·b.

Demand cannot be negative: bottom forecasts that reconciliation pushed below zero are set to 0
and the hierarchy is summed again, which keeps it coherent (the set-negative-to-zero heuristic
of Di Fonzo & Girolimetto 2023).

Intervals. Quantiles do not add up, so interval bounds are not reconciled. Each node keeps the
width of its own base interval (its own model's uncertainty, in units), moved by the same
amount as its mean: bound' = bound + (yhat' − yhat), clipped at 0. A node without a base
interval gets none.

Keys: 'total'; the family name; the SKU; 'SKU/DC' for a SKU at a DC (see `sku_dc_key`).
All quantities are units per month.
"""

from __future__ import annotations

import re
from typing import Literal

import numpy as np
import pandas as pd
import scipy.linalg
from scipy import sparse

Level = Literal["total", "family", "sku", "sku_dc"]
Method = Literal["mint_shrink", "ols", "bottom_up"]
LEVELS: tuple[Level, ...] = ("total", "family", "sku", "sku_dc")
METHODS: tuple[Method, ...] = ("mint_shrink", "ols", "bottom_up")
TOTAL = "total"
KEY_SEPARATOR = "/"
BOUND_COLUMN = re.compile(r"^(lo|hi)_\d+$")
VARIANCE_FLOOR = 1e-6  # of the mean node variance, added to W's diagonal


def sku_dc_key(sku: str | pd.Series, dc: str | pd.Series) -> str | pd.Series:
    """The key of a SKU at a DC: 'SKU/DC'."""
    return sku + KEY_SEPARATOR + dc


def _sku_of(sku_dc: pd.Series) -> pd.Series:
    return sku_dc.str.rsplit(KEY_SEPARATOR, n=1).str[0]


def _family_of(skus: pd.Series, families: pd.Series) -> pd.Series:
    family = skus.map(families)
    if family.isna().any():
        missing = sorted(skus[family.isna()].unique())
        raise ValueError(f"SKUs {missing[:5]} have no family: add them to the item master (items.csv)")
    return family


def _sort(frame: pd.DataFrame) -> pd.DataFrame:
    order = frame["level"].map(LEVELS.index)
    return (frame.assign(_order=order).sort_values(["_order", "key", "month"])
            .drop(columns="_order").reset_index(drop=True))


def aggregate(bottom: pd.DataFrame, families: pd.Series, value: str = "yhat") -> pd.DataFrame:
    """Sum a bottom-level frame (sku, dc, month, `value`) to every level of the hierarchy.

    Returns level, key, month, `value`; `families` maps SKU to family.
    """
    family = _family_of(bottom["sku"], families)
    levels = {"sku_dc": sku_dc_key(bottom["sku"], bottom["dc"]), "sku": bottom["sku"],
              "family": family, TOTAL: pd.Series(TOTAL, index=bottom.index)}
    parts = [pd.DataFrame({"level": level, "key": key, "month": bottom["month"], value: bottom[value]})
             for level, key in levels.items()]
    summed = pd.concat(parts).groupby(["level", "key", "month"], as_index=False)[value].sum()
    return _sort(summed)


def hierarchy_nodes(bottom_keys: list[str], families: pd.Series) -> pd.DataFrame:
    """Every node (level, key) above and including the SKU × DC keys, in the row order of S:
    total, families, SKUs, SKU × DCs, each sorted by key."""
    bottom = pd.Series(sorted(set(bottom_keys)))
    skus = _sku_of(bottom)
    family = _family_of(skus, families)
    parts = [(TOTAL, [TOTAL]), ("family", sorted(family.unique())), ("sku", sorted(skus.unique())),
             ("sku_dc", list(bottom))]
    return pd.DataFrame([(level, key) for level, keys in parts for key in keys], columns=["level", "key"])


def summing_matrix(nodes: pd.DataFrame, families: pd.Series) -> sparse.csr_matrix:
    """S: one row per node, one column per SKU × DC; S[i, j] = 1 when bottom series j rolls up
    into node i. Rows follow `nodes` (from `hierarchy_nodes`), columns its sku_dc rows."""
    bottom = nodes.loc[nodes["level"] == "sku_dc", "key"].reset_index(drop=True)
    skus = _sku_of(bottom)
    ancestors = {
        TOTAL: pd.Series(TOTAL, index=bottom.index), "family": _family_of(skus, families),
        "sku": skus, "sku_dc": bottom,
    }
    row_of = {(level, key): i for i, (level, key) in enumerate(nodes.itertuples(index=False))}
    rows = [row_of[(level, key)] for level, keys in ancestors.items() for key in keys]
    cols = np.tile(np.arange(len(bottom)), len(ancestors))
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(nodes), len(bottom)))


def shrunk_covariance(residuals: np.ndarray) -> np.ndarray:
    """Covariance of residuals (months × nodes) shrunk towards its diagonal (Schäfer–Strimmer).

    The intensity λ = Σ Var(r_ij) / Σ r_ij² over the off-diagonal correlations r_ij, clipped to
    [0, 1]: the noisier the estimated correlations, the more weight the diagonal gets. As in
    MinT, residuals are taken to have mean zero.
    """
    n = residuals.shape[0]
    if n < 2:
        raise ValueError(f"MinT needs residuals for at least 2 months; got {n}")
    covariance = residuals.T @ residuals / n
    sd = np.sqrt(np.diag(covariance))
    sd = np.where(sd > 0, sd, 1.0)
    correlation = covariance / np.outer(sd, sd)
    standardised = residuals / sd
    variance = (standardised.T**2 @ standardised**2 - (standardised.T @ standardised) ** 2 / n) / (n * (n - 1))
    off = ~np.eye(len(sd), dtype=bool)
    spread = np.sum(correlation[off] ** 2)
    intensity = float(np.clip(variance[off].sum() / spread, 0.0, 1.0)) if spread > 0 else 1.0
    return intensity * np.diag(np.diag(covariance)) + (1 - intensity) * covariance


def projection(S: sparse.csr_matrix, W: np.ndarray | None = None) -> np.ndarray:
    """P = (S'W⁻¹S)⁻¹S'W⁻¹ (bottom series × nodes); W = None means the identity (OLS).

    Computed as the least-squares solution of the whitened system L⁻¹S·P = L⁻¹ (W = LL') by QR,
    which is the same P without squaring the condition number as the normal equations would.
    W gets a floor on its diagonal (see `_floored`) so that it is invertible.
    """
    dense = S.toarray()
    whiten = np.eye(S.shape[0])
    if W is not None:
        lower = scipy.linalg.cholesky(_floored(W), lower=True)
        dense = scipy.linalg.solve_triangular(lower, dense, lower=True)
        whiten = scipy.linalg.solve_triangular(lower, whiten, lower=True)
    q, r = scipy.linalg.qr(dense, mode="economic")
    return scipy.linalg.solve_triangular(r, q.T @ whiten)


def _floored(W: np.ndarray) -> np.ndarray:
    """W plus a millionth of its mean variance on the diagonal: a node whose residuals are all
    zero would otherwise make W singular (and claim a perfect forecast)."""
    scale = float(np.mean(np.diag(W)))
    return W + VARIANCE_FLOOR * (scale if scale > 0 else 1.0) * np.eye(len(W))


def _table(frame: pd.DataFrame, nodes: pd.DataFrame, months: list[str], value: str) -> pd.DataFrame:
    """Pivot a long frame (level, key, month, `value`) into nodes × months, NaN where absent."""
    table = frame.pivot_table(index=["level", "key"], columns="month", values=value, aggfunc="first")
    return table.reindex(index=pd.MultiIndex.from_frame(nodes), columns=months)


def _forecast_matrix(forecasts: pd.DataFrame, nodes: pd.DataFrame, months: list[str]) -> np.ndarray:
    """Base forecasts as nodes × months; every cell is required."""
    table = _table(forecasts, nodes, months, "yhat")
    matrix = table.to_numpy(dtype=float)
    missing = np.argwhere(np.isnan(matrix))
    if len(missing):
        (level, key), month = table.index[missing[0][0]], months[missing[0][1]]
        raise ValueError(f"forecasts have no yhat for {level} {key!r} in {month} ({len(missing)} cells are "
                         "missing): give every node a forecast for every month (bottom_up needs only sku_dc)")
    return matrix


def _weights(method: Method, nodes: pd.DataFrame, residuals: pd.DataFrame | None) -> np.ndarray | None:
    """W of the chosen method, or None for OLS.

    MinT uses the months in which every node has a residual; a node launched recently
    shortens that window, and shrinkage makes up for the shorter sample.
    """
    if method == "ols":
        return None
    if residuals is None:
        raise ValueError("mint_shrink needs in-sample or backtest residuals (level, key, month, residual); "
                         "pass residuals=..., or use method='ols'")
    table = _table(residuals, nodes, sorted(residuals["month"].unique()), "residual")
    complete = table.dropna(axis=1)
    if complete.shape[1] < 2:
        level, key = table.notna().sum(axis=1).idxmin()
        raise ValueError(f"residuals cover every node in only {complete.shape[1]} months and MinT needs 2; "
                         f"{level} {key!r} has the fewest. Add its residuals, or use method='ols'")
    return shrunk_covariance(complete.to_numpy(dtype=float).T)


def reconcile(forecasts: pd.DataFrame, families: pd.Series, method: Method = "mint_shrink",
              residuals: pd.DataFrame | None = None) -> pd.DataFrame:
    """Coherent forecasts at every level from base forecasts.

    `forecasts`: level, key, month, yhat, and optionally interval bounds lo_80, hi_80, … . Every
    node of every month is needed, except for bottom_up, which uses only the sku_dc rows.
    `residuals` (mint_shrink only): level, key, month, residual = actual − fitted, per node; the
    months in which every node has one are used (at least two). `families` maps SKU to family.

    Returns level, key, month, yhat (reconciled), yhat_base (NaN where none was given) and the
    moved bounds (see the module docstring).
    """
    if method not in METHODS:
        raise ValueError(f"unknown reconciliation method {method!r}; choose one of {', '.join(METHODS)}")
    if forecasts.duplicated(["level", "key", "month"]).any():
        raise ValueError("forecasts have more than one row for the same level, key and month")
    nodes = hierarchy_nodes(forecasts.loc[forecasts["level"] == "sku_dc", "key"].tolist(), families)
    S = summing_matrix(nodes, families)
    months = sorted(forecasts["month"].unique())
    bottom_rows = nodes["level"] == "sku_dc"
    if method == "bottom_up":
        bottom = _forecast_matrix(forecasts, nodes[bottom_rows], months)
    else:
        bottom = projection(S, _weights(method, nodes, residuals)) @ _forecast_matrix(forecasts, nodes, months)
    coherent = S @ np.clip(bottom, 0.0, None)
    result = pd.DataFrame({
        "level": np.repeat(nodes["level"].to_numpy(), len(months)),
        "key": np.repeat(nodes["key"].to_numpy(), len(months)),
        "month": np.tile(months, len(nodes)),
        "yhat": coherent.ravel(),
    })
    return _move_bounds(result, forecasts)


def _move_bounds(result: pd.DataFrame, forecasts: pd.DataFrame) -> pd.DataFrame:
    """Attach yhat_base, and each base bound shifted by the reconciliation's change of the mean."""
    bounds = [c for c in forecasts.columns if BOUND_COLUMN.match(c)]
    base = forecasts[["level", "key", "month", "yhat", *bounds]].rename(columns={"yhat": "yhat_base"})
    merged = result.merge(base, on=["level", "key", "month"], how="left")
    shift = merged["yhat"] - merged["yhat_base"]
    for column in bounds:
        merged[column] = (merged[column] + shift).clip(lower=0.0)
    return _sort(merged)

"""Forecast hierarchy SKU × DC → SKU → family → total, and forecast reconciliation.

Forecasts made separately at each level do not add up: the family forecast is not the sum of
its SKUs'. Reconciliation makes them coherent (every parent equals the sum of its children in
every month) while using what each level knows. With the summing matrix S (nodes × bottom
series) and base forecasts ŷ at every node, the coherent forecasts are S·P·ŷ with

    P = (S'W⁻¹S)⁻¹ S'W⁻¹                      (Wickramasuriya, Athanasopoulos & Hyndman 2019)

- `ols`: W = I, every node's base forecast trusted equally.
- `mint_shrink`: W is the covariance of the nodes' honest backtest residuals (out-of-sample
  errors by the month forecast; see `shrunk_covariance` for nodes with fewer months), shrunk
  towards its diagonal with the Schäfer–Strimmer (2005) intensity; nodes that forecast well
  pull the result towards their own forecast.
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
    """Covariance of residuals (months × nodes, NaN where a node has none) shrunk towards its
    diagonal (Schäfer–Strimmer 2005).

    W = λ·diag(Σ̂) + (1 − λ)·Σ̂, with Σ̂ the sample covariance (centred, n − 1) and the intensity
    λ = Σ Var̂(r_ij) / Σ r_ij² over the off-diagonal correlations r_ij, clipped to [0, 1]: the
    noisier the estimated correlations, the more weight the diagonal gets. Var̂(r_ij) is
    n/(n − 1)³ · Σ_k (w_kij − w̄_ij)² with w_kij = x_ki·x_kj of the standardised residuals, the
    estimator of the paper and of `hierarchicalforecast`'s MinTrace(method="mint_shrink").

    Nodes need not share every month (a recent launch has fewer backtest months). Each node's
    variance comes from its own months; a correlation sums the products over the months both
    nodes have but scales by each node's own months, which shrinks the correlation of a pair
    that shares few months and keeps Σ̂ positive semi-definite; Var̂(r_ij) uses the n_ij shared
    months. A node with fewer than two months has no variance estimate: it gets the largest
    variance of any node and no correlation, so reconciliation leans on the others.
    """
    present = ~np.isnan(residuals)
    counts = present.sum(axis=0)
    if counts.max(initial=0) < 2:
        raise ValueError(f"MinT needs residuals for at least 2 months; got {counts.max(initial=0)}")
    mean = np.nansum(residuals, axis=0) / np.maximum(counts, 1)
    centred = np.where(present, residuals - mean, 0.0)
    gram = centred.T @ centred
    known = counts >= 2
    variance = np.where(known, np.diag(gram) / np.maximum(counts - 1, 1), 0.0)
    variance[~known] = variance[known].max()
    informative = known & (np.diag(gram) > 0)
    scale = np.sqrt(np.where(informative, np.diag(gram), 1.0))
    correlation = np.where(np.outer(informative, informative), gram / np.outer(scale, scale), 0.0)
    np.fill_diagonal(correlation, 1.0)
    shared = present.T.astype(float) @ present
    usable = shared >= 2
    degrees = np.where(usable, shared - 1, 1.0)
    standardised = centred / np.sqrt(np.where(informative, variance, 1.0))
    products = standardised.T @ standardised
    spread_of_products = standardised.T**2 @ standardised**2 - products**2 / np.where(usable, shared, 1.0)
    noise = np.where(usable, shared / degrees**3 * spread_of_products, 0.0)
    off = ~np.eye(len(counts), dtype=bool) & usable & np.outer(informative, informative)
    spread = np.sum(correlation[off] ** 2)
    intensity = float(np.clip(noise[off].sum() / spread, 0.0, 1.0)) if spread > 0 else 1.0
    sd = np.sqrt(variance)
    shrunk = (1 - intensity) * np.outer(sd, sd) * correlation
    np.fill_diagonal(shrunk, variance)
    return shrunk


def coherent_bottom(S: sparse.csr_matrix, base: np.ndarray, W: np.ndarray | None = None) -> np.ndarray:
    """P·ŷ for base forecasts ŷ (nodes × months): the bottom series of the coherent forecasts.

    P = (S'W⁻¹S)⁻¹S'W⁻¹ (W = None means the identity, OLS), applied in the equivalent form
    P·ŷ = ŷ_bottom − (W·U)_bottom (U'WU)⁻¹ U'ŷ (Wickramasuriya, Athanasopoulos & Hyndman 2019,
    eq. 10), with U' = [I  −S_upper] the coherence constraints, so U'ŷ is how far ŷ is from
    adding up: one solve of the size of the aggregate nodes, no inverse of W, and forecasts that
    already add up come back as they are. S must list the aggregate nodes first and end in the
    identity over the bottom series, as `summing_matrix` builds it. W gets a floor (`_floored`).
    """
    dense = S.toarray()
    nodes, bottom = dense.shape
    upper = nodes - bottom
    if not np.array_equal(dense[upper:], np.eye(bottom)):
        raise ValueError("the summing matrix must end in the identity over the bottom series")
    constraints = np.hstack([np.eye(upper), -dense[:upper]])  # U': coherent forecasts satisfy U'y = 0
    weighted = constraints.T if W is None else _floored(W) @ constraints.T  # W·U
    return base[upper:] - weighted[upper:] @ np.linalg.solve(constraints @ weighted, constraints @ base)


def _floored(W: np.ndarray) -> np.ndarray:
    """W plus a millionth of its mean variance on the diagonal: a node whose residuals are all
    zero would otherwise claim a perfect forecast and make U'WU singular."""
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
    """W of the chosen method, or None for OLS; MinT uses every month any node has a residual."""
    if method == "ols":
        return None
    if residuals is None:
        raise ValueError("mint_shrink needs in-sample or backtest residuals (level, key, month, residual); "
                         "pass residuals=..., or use method='ols'")
    table = _table(residuals, nodes, sorted(residuals["month"].unique()), "residual")
    return shrunk_covariance(table.to_numpy(dtype=float).T)


def reconcile(forecasts: pd.DataFrame, families: pd.Series, method: Method = "mint_shrink",
              residuals: pd.DataFrame | None = None) -> pd.DataFrame:
    """Coherent forecasts at every level from base forecasts.

    `forecasts`: level, key, month, yhat, and optionally interval bounds lo_80, hi_80, … . Every
    node of every month is needed, except for bottom_up, which uses only the sku_dc rows.
    `residuals` (mint_shrink only): level, key, month, residual = actual − forecast, per node (see
    `shrunk_covariance` for nodes with fewer months). `families` maps SKU to family.

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
        bottom = coherent_bottom(S, _forecast_matrix(forecasts, nodes, months), _weights(method, nodes, residuals))
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

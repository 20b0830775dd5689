"""The columns of the supply-plan LP (docs/SUPPLY_PLAN.md): which exist, their order and bounds.

A column is made only where it can be non-zero (unmet demand where there is demand, backorders
for streams that may wait, lot counts and switches for routings and options that need them).
Families come in the order E (elastic slack), I, b, e, f, n, o, u, w, x, y, z, each in the
order of its indices: the order the PuLP model of before handed HiGHS (sorted by name), so
HiGHS meets the same LP and reaches the same plans. Units: units per month, overtime in hours
per month.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sop.tools.supply.supply_plan import SupplyPlanInstance
from sop.tools.supply.supply_plan_layout import Layout
from sop.tools.supply.supply_plan_matrix import INF, put


@dataclass(frozen=True)
class Columns:
    """Column indices by family (-1 where the model has none): x (route, month), o (plant,
    month), y (ship, month; none for a shipment arriving after the horizon), inv (sku, dc,
    month), unmet (stream, month; only where the stream has demand, its upper bound), back
    (stream, month; only for streams that may wait), short (sku, dc, month; only where a safety
    stock is set), lots (route, month; integer) and batch (route, month; binary) only for
    routings with a lot size or a minimum batch, option_use (option, month; up to its amount),
    option_taken (option; binary) for options with a fixed cost, elastic (capacity row) in the
    diagnosis of an infeasible instance. `upper` and `integer` are per column."""

    x: np.ndarray
    o: np.ndarray
    y: np.ndarray
    inv: np.ndarray
    unmet: np.ndarray
    back: np.ndarray
    short: np.ndarray
    lots: np.ndarray
    batch: np.ndarray
    option_use: np.ndarray
    option_taken: np.ndarray
    elastic: np.ndarray
    upper: np.ndarray
    integer: np.ndarray

    @property
    def count(self) -> int:
        return len(self.upper)


def per_month(rows: list[list[float]], n_months: int) -> np.ndarray:
    """A list of [T] lists as a (len(rows), T) array, also when it is empty."""
    return np.array(rows, dtype=float).reshape(len(rows), n_months)


def number_columns(instance: SupplyPlanInstance, layout: Layout, n_limits: int, elastic: bool) -> Columns:
    """Number every column the model has, family by family, and set its upper bound."""
    T, S, D = len(layout.periods), len(layout.skus), len(layout.dcs)
    R, J = len(layout.routes), len(layout.streams)
    lot = np.array([bool(r.lot_size) for r in instance.routings], dtype=bool).reshape(R, 1)
    least = np.array([bool(r.min_batch) for r in instance.routings], dtype=bool).reshape(R, 1)
    wait = np.array([s.max_delay > 0 for s in layout.streams], dtype=bool).reshape(J, 1)
    demand = np.array([s.qty for s in layout.streams], dtype=float).reshape(J, T)
    amount = per_month([o.amount for o in instance.options], T)
    fixed = np.array([o.fixed_cost > 0 for o in instance.options], dtype=bool).reshape(len(instance.options))
    lag = np.array([layout.transit[lane] for _, _, lane in layout.ships], dtype=np.int64).reshape(-1, 1)
    masks = {
        "elastic": np.full(n_limits, elastic),
        "inv": np.ones((S, D, T), dtype=bool),
        "back": np.broadcast_to(wait, (J, T)),
        "option_use": amount > 0,
        "option_taken": fixed,
        "lots": np.broadcast_to(lot, (R, T)),
        "o": np.ones((len(instance.plants), T), dtype=bool),
        "unmet": demand > 0,
        "batch": np.broadcast_to(least, (R, T)),
        "x": np.ones((R, T), dtype=bool),
        "y": np.arange(T)[None, :] + lag < T,
        "short": np.broadcast_to((layout.safety > 0)[:, :, None], (S, D, T)),
    }
    index, start = {}, 0
    for family, mask in masks.items():
        ix = np.full(mask.shape, -1, dtype=np.int64)
        count = int(mask.sum())
        ix[mask] = start + np.arange(count, dtype=np.int64)
        index[family], start = ix, start + count
    upper = np.full(start, INF)
    put(upper, index["o"], per_month([p.max_overtime_hours for p in instance.plants], T))
    put(upper, index["unmet"], demand)
    put(upper, index["option_use"], amount)
    for binary in ("batch", "option_taken"):
        put(upper, index[binary], 1.0)
    integer = np.zeros(start, dtype=bool)
    for whole in ("lots", "batch", "option_taken"):
        integer[index[whole][index[whole] >= 0]] = True
    return Columns(upper=upper, integer=integer, **index)

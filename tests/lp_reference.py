"""An independent formulation of the supply-plan LP: scipy.sparse matrix straight into highspy.

It writes docs/SUPPLY_PLAN.md literally (u and z for every SKU, DC and month, a safety-stock row even
where the target is zero), with vectorised index arithmetic instead of PuLP expressions. The
tests check that its optimum equals `sop.tools.supply.supply_plan_solve.solve_supply_plan`'s; the benchmark uses
it as the speed reference for building and solving the same LP.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

from sop.tools.supply.supply_plan import SupplyPlanInstance
from sop.tools.supply.supply_plan_lp import highs_options, layout_of


@dataclass(frozen=True)
class DirectSolution:
    status: str
    objective: float | None
    build_seconds: float
    solve_seconds: float


@dataclass
class _Blocks:
    """COO triplets and row bounds, appended one constraint family at a time."""

    rows: list[np.ndarray]
    cols: list[np.ndarray]
    vals: list[np.ndarray]
    lower: list[np.ndarray]
    upper: list[np.ndarray]
    n_rows: int = 0

    def family(self, lower: np.ndarray, upper: np.ndarray) -> int:
        """Open a family of len(lower) rows; return the index of its first row."""
        first = self.n_rows
        self.lower.append(np.asarray(lower, dtype=float).ravel())
        self.upper.append(np.asarray(upper, dtype=float).ravel())
        self.n_rows += self.lower[-1].size
        return first

    def add(self, rows: np.ndarray, cols: np.ndarray, vals) -> None:
        rows, cols = np.broadcast_arrays(rows, cols)
        self.rows.append(rows.ravel())
        self.cols.append(cols.ravel())
        self.vals.append(np.broadcast_to(np.asarray(vals, dtype=float), rows.shape).ravel())


def solve_direct(instance: SupplyPlanInstance, options: dict[str, str] | None = None) -> DirectSolution:
    """Build the LP as one sparse matrix, solve it with HiGHS, and time both (seconds).
    `options` are HiGHS options; None takes those the tool chooses for the LP's size, {} HiGHS's
    defaults."""
    start = time.perf_counter()
    highs = _highs_model(instance, options)
    built = time.perf_counter()
    highs.run()
    solved = time.perf_counter()
    status = highs.getModelStatus()
    optimal = status == highspy.HighsModelStatus.kOptimal
    return DirectSolution(
        status=highs.modelStatusToString(status),
        objective=highs.getInfo().objective_function_value if optimal else None,
        build_seconds=built - start,
        solve_seconds=solved - built,
    )


def _highs_model(instance: SupplyPlanInstance, options: dict[str, str] | None = None) -> highspy.Highs:
    lay = layout_of(instance)
    T, S, D, P = len(lay.periods), len(lay.skus), len(lay.dcs), len(lay.plants)
    R, K = len(lay.routes), len(lay.ships)
    t = np.arange(T)
    route_sku = np.array([s for s, _ in lay.routes], dtype=np.int64).reshape(R)
    route_plant = np.array([p for _, p in lay.routes], dtype=np.int64).reshape(R)
    ship = np.array(lay.ships, dtype=np.int64).reshape(K, 3)
    ship_route, ship_dc, ship_lane = ship[:, 0], ship[:, 1], ship[:, 2]
    ship_sku = route_sku[ship_route]

    # Columns, each family a C-ordered block: x[r,t] o[p,t] y[k,t] I[s,d,t] u[s,d,t] z[s,d,t].
    sizes = {"x": R * T, "o": P * T, "y": K * T, "I": S * D * T, "u": S * D * T, "z": S * D * T}
    offset = dict(zip(sizes, np.cumsum([0, *sizes.values()])[:-1]))
    x = offset["x"] + np.arange(R * T).reshape(R, T)
    o = offset["o"] + np.arange(P * T).reshape(P, T)
    y = offset["y"] + np.arange(K * T).reshape(K, T)
    inv, u, z = (offset[f] + np.arange(S * D * T).reshape(S, D, T) for f in "Iuz")

    skus = instance.skus
    lane_cost = np.array([ln.cost_per_unit for ln in instance.lanes])
    cost = np.concatenate([
        np.repeat([r.cost_per_unit for r in instance.routings], T),
        np.repeat([p.overtime_cost_per_hour for p in instance.plants], T),
        np.repeat(lane_cost[ship_lane], T),
        np.repeat([s.holding_cost for s in skus], D * T),
        np.repeat([s.unmet_penalty for s in skus], D * T),
        np.repeat([s.ss_penalty for s in skus], D * T),
    ])  # fmt: skip
    n_col = cost.size
    col_upper = np.full(n_col, highspy.kHighsInf)
    col_upper[o.ravel()] = np.array([p.max_overtime_hours for p in instance.plants]).ravel()
    col_upper[u.ravel()] = lay.demand.ravel()

    b = _Blocks([], [], [], [], [])
    zero_rt = np.zeros((R, T))
    flow = b.family(zero_rt, zero_rt) + np.arange(R * T).reshape(R, T)
    b.add(flow, x, 1.0)
    b.add(flow[ship_route], y, -1.0)

    rhs = -lay.demand.copy()
    rhs[:, :, 0] += lay.initial
    balance = b.family(rhs, rhs) + np.arange(S * D * T).reshape(S, D, T)
    b.add(balance, inv, 1.0)
    b.add(balance[:, :, 1:], inv[:, :, :-1], -1.0)
    b.add(balance[ship_sku, ship_dc], y, -1.0)
    b.add(balance, u, -1.0)

    regular = np.array([p.regular_hours for p in instance.plants]).reshape(P, T)
    hours = b.family(np.full(P * T, -highspy.kHighsInf), regular) + np.arange(P * T).reshape(P, T)
    per_unit = np.array([r.hours_per_unit for r in instance.routings])
    b.add(hours[route_plant], x, per_unit[:, None])
    b.add(hours, o, -1.0)

    supplier_ix = {k.supplier: i for i, k in enumerate(instance.suppliers)}
    supply_cap = np.array([k.capacity for k in instance.suppliers]).reshape(len(supplier_ix), T)
    supply = b.family(np.full(supply_cap.size, -highspy.kHighsInf), supply_cap)
    fed = [(r, supplier_ix[skus[s].material.supplier], skus[s].material.qty_per_unit)
           for r, s in enumerate(route_sku) if skus[s].material is not None]  # fmt: skip
    if fed:
        fed_route, fed_supplier, qty = (np.array(c) for c in zip(*fed))
        b.add(supply + fed_supplier[:, None] * T + t, x[fed_route], qty[:, None])

    lane_cap = np.array([ln.capacity for ln in instance.lanes]).reshape(len(instance.lanes), T)
    lane = b.family(np.full(lane_cap.size, -highspy.kHighsInf), lane_cap)
    b.add(lane + ship_lane[:, None] * T + t, y, 1.0)

    storage_cap = np.repeat([dc.storage_capacity for dc in instance.dcs], T)
    storage = b.family(np.full(D * T, -highspy.kHighsInf), storage_cap) + np.arange(D * T).reshape(D, T)
    b.add(storage[None, :, :], inv, 1.0)

    safety = np.repeat(lay.safety[:, :, None], T, axis=2)
    ss = b.family(safety, np.full(safety.size, highspy.kHighsInf)) + np.arange(S * D * T).reshape(S, D, T)
    b.add(ss, inv, 1.0)
    b.add(ss, z, 1.0)

    matrix = sp.csc_matrix(
        (np.concatenate(b.vals), (np.concatenate(b.rows), np.concatenate(b.cols))),
        shape=(b.n_rows, n_col),
    )
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_col, b.n_rows
    lp.col_cost_ = cost
    lp.col_lower_ = np.zeros(n_col)
    lp.col_upper_ = col_upper
    lp.row_lower_ = np.concatenate(b.lower)
    lp.row_upper_ = np.concatenate(b.upper)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr
    lp.a_matrix_.index_ = matrix.indices
    lp.a_matrix_.value_ = matrix.data
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    for option, value in (highs_options(n_col) if options is None else options).items():
        highs.setOptionValue(option, value)
    highs.passModel(lp)
    return highs

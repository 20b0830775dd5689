"""An independent formulation of the supply-plan LP: scipy.sparse matrix straight into highspy.

It writes docs/SUPPLY_PLAN.md literally (u for every demand row and month, z for every SKU, DC and
month, a safety-stock row even where the target is zero), with vectorised index arithmetic
instead of PuLP expressions. The time-phased parts are formulated its own way: material orders
are columns bounded by the supplier's capacity and used a lead time later; shipments exist in
every month and arrive a transit time later (or never, past the horizon); a backorder is a
column per month of demand and later month it is served in, priced by its months of delay
(the model under test keeps one running backlog per demand row with a window constraint).
Options without a fixed cost are columns added to the limit they name. Lot sizes, minimum
batches and options with a fixed cost (a MIP) are not here: the hand-solved cases check them. The
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
from sop.tools.supply.supply_plan_highs import highs_options
from sop.tools.supply.supply_plan_layout import layout_of


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


def _streams(instance: SupplyPlanInstance, sku_ix: dict, dc_ix: dict) -> list[tuple[int, int, np.ndarray, float, int]]:
    """Each demand row as (sku, dc, units per month, currency per unit lost, months it may wait).
    A class's lost unit costs the SKU's penalty plus `priority_premium` for each step above the
    bottom: unclassified demand is the bottom step, the class of the largest priority number the
    next, and so on up to priority 1."""
    steps = sorted({c.priority for c in instance.demand_classes}, reverse=True)  # served last first
    step_of = {c.demand_class: 1 + steps.index(c.priority) for c in instance.demand_classes}
    out = []
    for row in instance.demand:
        sku = next(k for k in instance.skus if k.sku == row.sku)
        premium = instance.priority_premium * step_of[row.demand_class] if row.demand_class else 0.0
        out.append((sku_ix[row.sku], dc_ix[row.dc], np.asarray(row.qty, dtype=float), sku.unmet_penalty + premium,
                    sku.max_backorder_months))
    return out


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
    sku_ix = {k.sku: i for i, k in enumerate(instance.skus)}
    dc_ix = {d.dc: i for i, d in enumerate(instance.dcs)}
    streams = _streams(instance, sku_ix, dc_ix)
    J, Q = len(streams), len(instance.suppliers)
    # Late deliveries, one column per stream, month of demand and later month it is served in.
    late = [(j, due, when) for j, (*_, wait) in enumerate(streams) for due in range(T)
            for when in range(due + 1, min(due + wait, T - 1) + 1)]

    # Columns, each family a C-ordered block: x[r,t] o[p,t] y[k,t] I[s,d,t] u[j,t] z[s,d,t]
    # m[supplier,t] (material ordered) v[late].
    if any(o.fixed_cost > 0 for o in instance.options):
        raise ValueError("the reference is an LP: options with a fixed cost make a MIP")
    n_opt = len(instance.options)
    sizes = {"x": R * T, "o": P * T, "y": K * T, "I": S * D * T, "u": J * T, "z": S * D * T, "m": Q * T,
             "v": len(late), "e": n_opt * T}
    offset = dict(zip(sizes, np.cumsum([0, *sizes.values()])[:-1]))
    x = offset["x"] + np.arange(R * T).reshape(R, T)
    o = offset["o"] + np.arange(P * T).reshape(P, T)
    y = offset["y"] + np.arange(K * T).reshape(K, T)
    inv, z = (offset[f] + np.arange(S * D * T).reshape(S, D, T) for f in "Iz")
    u = offset["u"] + np.arange(J * T).reshape(J, T)
    m = offset["m"] + np.arange(Q * T).reshape(Q, T)

    skus = instance.skus
    lane_cost = np.array([ln.cost_per_unit for ln in instance.lanes])
    backorder_cost = np.array([skus[streams[j][0]].backorder_penalty * (when - due) for j, due, when in late])
    cost = np.concatenate([
        np.repeat([r.cost_per_unit for r in instance.routings], T),
        np.repeat([p.overtime_cost_per_hour for p in instance.plants], T),
        np.repeat(lane_cost[ship_lane], T),
        np.repeat([s.holding_cost for s in skus], D * T),
        np.repeat([penalty for *_, penalty, _ in streams], T),
        np.repeat([s.ss_penalty for s in skus], D * T),
        np.zeros(Q * T),
        backorder_cost,
        np.repeat([o.cost_per_unit for o in instance.options], T),
    ])  # fmt: skip
    n_col = cost.size
    col_upper = np.full(n_col, highspy.kHighsInf)
    col_upper[o.ravel()] = np.array([p.max_overtime_hours for p in instance.plants]).ravel()
    col_upper[u.ravel()] = np.array([qty for _, _, qty, _, _ in streams]).reshape(J * T)
    col_upper[m.ravel()] = np.array([k.capacity for k in instance.suppliers]).reshape(Q * T)
    # Options: capacity bought, a column per option and month bounded by its amount, added to
    # the limit it names below (for a supplier, to what can be ordered that month).
    e = offset["e"] + np.arange(n_opt * T).reshape(n_opt, T)
    col_upper[e.ravel()] = np.array([o.amount for o in instance.options]).reshape(n_opt * T)
    bought: dict[tuple[str, tuple[tuple[str, str], ...]], np.ndarray] = {
        (o.family, tuple(sorted(o.keys.items()))): e[i] for i, o in enumerate(instance.options)}

    b = _Blocks([], [], [], [], [])
    zero_rt = np.zeros((R, T))
    flow = b.family(zero_rt, zero_rt) + np.arange(R * T).reshape(R, T)
    b.add(flow, x, 1.0)
    b.add(flow[ship_route], y, -1.0)

    # DC balance: I[t] − I[t−1] − arrivals[t] + sold[t] = opening + pipeline arriving, where a
    # stream sells its month's demand less what is lost or served late, plus earlier demand
    # served late this month.
    rhs = np.zeros((S, D, T))
    rhs[:, :, 0] += lay.initial
    for flow_in in instance.in_transit:
        rhs[sku_ix[flow_in.sku], dc_ix[flow_in.dc]] += flow_in.qty
    for s_, d_, qty, _, _ in streams:
        rhs[s_, d_] -= qty
    balance = b.family(rhs, rhs) + np.arange(S * D * T).reshape(S, D, T)
    b.add(balance, inv, 1.0)
    b.add(balance[:, :, 1:], inv[:, :, :-1], -1.0)
    transit = np.array([ln.transit_months for ln in instance.lanes], dtype=np.int64)[ship_lane]
    arrives = t[None, :] + transit[:, None]  # (K, T) month each shipment arrives in
    inside = arrives < T
    b.add(balance[ship_sku[:, None], ship_dc[:, None], np.minimum(arrives, T - 1)][inside], y[inside], -1.0)
    stream_sku = np.array([s_ for s_, *_ in streams], dtype=np.int64).reshape(J)
    stream_dc = np.array([d_ for _, d_, *_ in streams], dtype=np.int64).reshape(J)
    b.add(balance[stream_sku, stream_dc], u, -1.0)
    if late:
        j_, due, when = (np.array(c) for c in zip(*late))
        v = offset["v"] + np.arange(len(late))
        b.add(balance[stream_sku[j_], stream_dc[j_], due], v, -1.0)
        b.add(balance[stream_sku[j_], stream_dc[j_], when], v, 1.0)
        # What is lost or served late of a month's demand is at most that demand.
        qty = np.array([q for _, _, q, _, _ in streams]).reshape(J, T)
        owed = b.family(np.full(J * T, -highspy.kHighsInf), qty) + np.arange(J * T).reshape(J, T)
        b.add(owed, u, 1.0)
        b.add(owed[j_, due], v, 1.0)

    regular = np.array([p.regular_hours for p in instance.plants]).reshape(P, T)
    hours = b.family(np.full(P * T, -highspy.kHighsInf), regular) + np.arange(P * T).reshape(P, T)
    per_unit = np.array([r.hours_per_unit for r in instance.routings])
    b.add(hours[route_plant], x, per_unit[:, None])
    b.add(hours, o, -1.0)
    for p_i, plant in enumerate(instance.plants):
        if (added := bought.get(("plant_hours", (("plant", plant.plant),)))) is not None:
            b.add(hours[p_i], added, -1.0)

    centres = [(p_i, wc) for p_i, p in enumerate(instance.plants) for wc in p.work_centres]
    if centres:
        wc_hours = np.array([wc.hours for _, wc in centres]).reshape(len(centres), T)
        machine = b.family(np.full(wc_hours.size, -highspy.kHighsInf), wc_hours)
        for c, (p_i, wc) in enumerate(centres):
            for r, routing in enumerate(instance.routings):
                load = routing.work_centre_hours.get(wc.work_centre, 0.0)
                if load and route_plant[r] == p_i:
                    b.add(machine + c * T + t, x[r], load)
            key = ("work_centre", tuple(sorted({"plant": instance.plants[p_i].plant,
                                                "work_centre": wc.work_centre}.items())))
            if (added := bought.get(key)) is not None:
                b.add(machine + c * T + t, added, -1.0)

    # Material: what a month's production draws ≤ what was ordered a lead time before, plus
    # what was on order before the plan; orders are columns bounded by the supplier's capacity.
    supplier_ix = {k.supplier: i for i, k in enumerate(instance.suppliers)}
    pipeline = np.array([k.on_order or [0.0] * T for k in instance.suppliers]).reshape(Q, T)
    material = b.family(np.full(Q * T, -highspy.kHighsInf), pipeline) + np.arange(Q * T).reshape(Q, T)
    fed = [(r, supplier_ix[material_of.supplier], material_of.qty_per_unit)
           for r, s in enumerate(route_sku) if (material_of := skus[s].material) is not None]  # fmt: skip
    if fed:
        fed_route, fed_supplier, qty = (np.array(c) for c in zip(*fed))
        b.add(material[fed_supplier], x[fed_route], qty[:, None])
    for i, k in enumerate(instance.suppliers):
        used_in = t + k.lead_time_months
        b.add(material[i, used_in[used_in < T]], m[i, used_in < T], -1.0)
        if (added := bought.get(("supplier", (("supplier", k.supplier),)))) is not None:
            b.add(material[i, used_in[used_in < T]], added[used_in < T], -1.0)

    lane_cap = np.array([ln.capacity for ln in instance.lanes]).reshape(len(instance.lanes), T)
    lane = b.family(np.full(lane_cap.size, -highspy.kHighsInf), lane_cap)
    b.add(lane + ship_lane[:, None] * T + t, y, 1.0)
    for i, ln in enumerate(instance.lanes):
        keys = {"plant": ln.plant, "dc": ln.dc} | ({"mode": ln.mode} if ln.mode else {})
        if (added := bought.get(("lane", tuple(sorted(keys.items()))))) is not None:
            b.add(lane + i * T + t, added, -1.0)

    storage_cap = np.repeat([dc.storage_capacity for dc in instance.dcs], T)
    storage = b.family(np.full(D * T, -highspy.kHighsInf), storage_cap) + np.arange(D * T).reshape(D, T)
    b.add(storage[None, :, :], inv, 1.0)
    for d_i, dc in enumerate(instance.dcs):
        if (added := bought.get(("storage", (("dc", dc.dc),)))) is not None:
            b.add(storage[d_i], added, -1.0)

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

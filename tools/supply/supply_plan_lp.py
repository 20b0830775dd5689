"""The supply-plan linear program of docs/SUPPLY_PLAN.md, built with PuLP for HiGHS.

`layout_of` numbers the instance's keys; `build_model` writes the LP (optionally with elastic
capacity rows, for the diagnosis of an infeasible instance); `solve_model` runs HiGHS.
Units: columns in units per month (overtime in hours per month), objective in currency.
"""

from __future__ import annotations

import functools
import os
import sys
from collections import defaultdict
from dataclasses import dataclass

import highspy
import numpy as np
import pulp

from sop.tools.supply.supply_plan import Family, Status, StockLevel, SupplyPlanInstance

# HiGHS options, chosen by the size of this LP (a multi-period transport model whose SKUs are
# coupled only by a few plant, supplier, lane and storage rows):
# - below IPM_FROM_COLUMNS columns, HiGHS's defaults (presolve, then its own choice, dual
#   simplex here): on the demo's 200 SKUs interior point + crossover took 3.2 s against 0.84 s
#   (the issue measured 4.9x); on the seeded benchmark instances the two were even at 200 and
#   500 SKUs (3.4 s against 3.2 s, 11.6 s against 12.3 s, 2026-12-06);
# - from there on, interior point with crossover (`IPM_OPTIONS`): at 1,000 SKUs it took 32.6 s
#   against 34.6 s (earlier 37 s against 50 s for dual simplex), its iteration
#   count does not depend on the column order (dual simplex took 50 s or 65 s on the same LP in
#   two column orders), and crossover still ends at a vertex, so binding rows have zero slack
#   and the row duals are vertex shadow prices. PDLP (first order) was 5x slower and less
#   accurate. Presolve stays on in both: it removes a fifth of the rows and columns.
# bench/supply_plan.py measures both against a direct sparse build with HiGHS's defaults.
IPM_OPTIONS = {"presolve": "on", "solver": "ipm", "run_crossover": "on"}
IPM_FROM_COLUMNS = 200_000  # about 750 SKUs × 18 months on 2 plants and 3 DCs


def highs_options(n_columns: int) -> dict[str, str]:
    """The HiGHS options for an LP of `n_columns` columns (see above)."""
    return dict(IPM_OPTIONS) if n_columns >= IPM_FROM_COLUMNS else {}


# ---------------------------------------------------------------------------------------------
# Index layout: integer positions for every key, shared by the model and its read-out
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """The instance as integer-indexed arrays, so the model is built without name look-ups.

    routes[r] = (sku, plant); ships[k] = (route, dc, lane), one per routing × lane from its
    plant; demand is (sku, dc, month) in units; initial and safety are (sku, dc) in units.
    """

    periods: list[str]
    skus: list[str]
    plants: list[str]
    dcs: list[str]
    routes: list[tuple[int, int]]
    ships: list[tuple[int, int, int]]
    demand: np.ndarray
    initial: np.ndarray
    safety: np.ndarray


def layout_of(instance: SupplyPlanInstance) -> Layout:
    """Number every SKU, plant, DC, routing and shipment path (routing × lane) of the instance."""
    sku_ix = {s.sku: i for i, s in enumerate(instance.skus)}
    plant_ix = {p.plant: i for i, p in enumerate(instance.plants)}
    dc_ix = {d.dc: i for i, d in enumerate(instance.dcs)}
    routes = [(sku_ix[r.sku], plant_ix[r.plant]) for r in instance.routings]
    lanes = [(plant_ix[ln.plant], dc_ix[ln.dc]) for ln in instance.lanes]
    lanes_from: dict[int, list[int]] = defaultdict(list)
    for lane, (p, _) in enumerate(lanes):
        lanes_from[p].append(lane)
    ships = [(r, lanes[lane][1], lane) for r, (_, p) in enumerate(routes) for lane in lanes_from[p]]
    shape = (len(sku_ix), len(dc_ix))
    demand = np.zeros((*shape, len(instance.periods)))
    for row in instance.demand:
        demand[sku_ix[row.sku], dc_ix[row.dc]] = row.qty
    return Layout(
        periods=list(instance.periods),
        skus=list(sku_ix),
        plants=list(plant_ix),
        dcs=list(dc_ix),
        routes=routes,
        ships=ships,
        demand=demand,
        initial=_stock_matrix(instance.initial_inventory, sku_ix, dc_ix),
        safety=_stock_matrix(instance.safety_stock, sku_ix, dc_ix),
    )


def _stock_matrix(rows: list[StockLevel], sku_ix: dict, dc_ix: dict) -> np.ndarray:
    levels = np.zeros((len(sku_ix), len(dc_ix)))
    for row in rows:
        levels[sku_ix[row.sku], dc_ix[row.dc]] = row.qty
    return levels


# ---------------------------------------------------------------------------------------------
# The PuLP model
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variables:
    """The LP columns by index: x[route][t], o[plant][t], y[ship][t], inv[sku][dc][t];
    unmet[(sku, dc, t)] only where demand > 0 (its upper bound), short[(sku, dc, t)] only where
    a safety stock is set (elsewhere the shortfall is zero by definition)."""

    x: list[list[pulp.LpVariable]]
    o: list[list[pulp.LpVariable]]
    y: list[list[pulp.LpVariable]]
    inv: list[list[list[pulp.LpVariable]]]
    unmet: dict[tuple[int, int, int], pulp.LpVariable]
    short: dict[tuple[int, int, int], pulp.LpVariable]


@dataclass(frozen=True)
class CapacityRow:
    """One hard capacity constraint, known by the keys a planner uses; `slack` is its elastic
    column (None in the plain model)."""

    family: Family
    keys: dict[str, str]
    period: str
    limit: float
    constraint: pulp.LpConstraint
    slack: pulp.LpVariable | None


@dataclass(frozen=True)
class SupplyModel:
    problem: pulp.LpProblem
    variables: Variables
    capacities: list[CapacityRow]


class _Names:
    """Column names that sort in the order the columns enter the objective ("I000000001", ...).

    PuLP sorts the columns by name before handing them to HiGHS; when the names are already in
    order that sort is linear. Families therefore enter the objective in ASCII order:
    E (elastic slack), I, o, u, x, y, z.
    """

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, family: str) -> str:
        self.count += 1
        return f"{family}{self.count:09d}"


def build_model(instance: SupplyPlanInstance, layout: Layout, elastic: bool = False) -> SupplyModel:
    """The LP of SUPPLY_PLAN.md.

    With `elastic`, each hard capacity row gets a slack column priced far above any plan cost:
    the model is then always feasible, and the slack it uses names the limits the data cannot
    respect.
    """
    prob = pulp.LpProblem("supply_plan", pulp.LpMinimize)
    name = _Names()
    v = _variables(prob, name, instance, layout)
    limits = _capacity_limits(instance, layout, v)
    slacks = [prob.add_variable(name("E"), 0) if elastic else None for _ in limits]
    penalty = _elastic_penalty(instance)
    prob.setObjective(
        pulp.LpAffineExpression(
            [(e, penalty) for e in slacks if e is not None] + _objective_terms(instance, layout, v)
        )
    )
    capacities = []
    rows = _flow_rows(layout, v) | _balance_rows(layout, v) | _safety_rows(layout, v)
    for i, ((family, keys, t, limit, terms), e) in enumerate(zip(limits, slacks, strict=True)):
        if e is not None:
            terms.append((e, -1.0))
        row = pulp.LpConstraint(pulp.LpAffineExpression(terms), pulp.LpConstraintLE, rhs=limit)
        rows[f"{family}_{i}"] = row
        capacities.append(CapacityRow(family, keys, layout.periods[t], limit, row, e))
    prob.extend(rows)
    return SupplyModel(prob, v, capacities)


def _variables(prob: pulp.LpProblem, name: _Names, instance: SupplyPlanInstance, layout: Layout) -> Variables:
    T = range(len(layout.periods))
    dcs = range(len(layout.dcs))
    return Variables(
        inv=[[[prob.add_variable(name("I"), 0) for _ in T] for _ in dcs] for _ in layout.skus],
        o=[
            [prob.add_variable(name("o"), 0, hours) for hours in plant.max_overtime_hours]
            for plant in instance.plants
        ],
        unmet={
            (s, d, t): prob.add_variable(name("u"), 0, float(layout.demand[s, d, t]))
            for s, d, t in zip(*np.nonzero(layout.demand > 0))
        },
        x=[[prob.add_variable(name("x"), 0) for _ in T] for _ in layout.routes],
        y=[[prob.add_variable(name("y"), 0) for _ in T] for _ in layout.ships],
        short={
            (s, d, t): prob.add_variable(name("z"), 0)
            for s, d in zip(*np.nonzero(layout.safety > 0))
            for t in T
        },
    )


def _objective_terms(instance: SupplyPlanInstance, layout: Layout, v: Variables) -> list:
    """(column, currency per unit) for every column, in the order the columns were named."""
    skus = instance.skus
    return (
        [(i, skus[s].holding_cost) for s, by_dc in enumerate(v.inv) for row in by_dc for i in row]
        + [(o, plant.overtime_cost_per_hour) for plant, row in zip(instance.plants, v.o) for o in row]
        + [(u, skus[s].unmet_penalty) for (s, _, _), u in v.unmet.items()]
        + [(x, routing.cost_per_unit) for routing, row in zip(instance.routings, v.x) for x in row]
        + [(y, instance.lanes[lane].cost_per_unit) for (_, _, lane), row in zip(layout.ships, v.y) for y in row]
        + [(z, skus[s].ss_penalty) for (s, _, _), z in v.short.items()]
    )  # fmt: skip


def _elastic_penalty(instance: SupplyPlanInstance) -> float:
    """Currency per unit of capacity overrun: a thousand times the dearest plan cost, so the
    elastic model overruns a limit only when no plan can avoid it."""
    costs = (
        [s.holding_cost + s.unmet_penalty + s.ss_penalty for s in instance.skus]
        + [r.cost_per_unit for r in instance.routings]
        + [ln.cost_per_unit for ln in instance.lanes]
        + [p.overtime_cost_per_hour for p in instance.plants]
    )
    return 1000.0 * (1.0 + max(costs))


def _flow_rows(layout: Layout, v: Variables) -> dict[str, pulp.LpConstraint]:
    """Plant flow: a plant ships all it makes in the month, Σ_d y = x."""
    ships_of: dict[int, list[int]] = defaultdict(list)
    for k, (r, _, _) in enumerate(layout.ships):
        ships_of[r].append(k)
    return {
        f"flow_{r}_{t}": _equal([(x, 1.0)] + [(v.y[k][t], -1.0) for k in ships_of[r]], 0.0)
        for r, row in enumerate(v.x)
        for t, x in enumerate(row)
    }


def _balance_rows(layout: Layout, v: Variables) -> dict[str, pulp.LpConstraint]:
    """DC balance, rearranged with the data on the right:
    I[t] − I[t−1] − Σ_p y[t] − u[t] = −D[t] (+ initial inventory in the first month)."""
    ships_into: dict[tuple[int, int], list[int]] = defaultdict(list)
    for k, (r, d, _) in enumerate(layout.ships):
        ships_into[layout.routes[r][0], d].append(k)
    rows = {}
    for s, by_dc in enumerate(v.inv):
        for d, inv in enumerate(by_dc):
            into = ships_into[s, d]
            for t, i in enumerate(inv):
                terms = [(i, 1.0)] + [(v.y[k][t], -1.0) for k in into]
                if t:
                    terms.append((inv[t - 1], -1.0))
                if (s, d, t) in v.unmet:
                    terms.append((v.unmet[s, d, t], -1.0))
                opening = layout.initial[s, d] if t == 0 else 0.0
                rows[f"balance_{s}_{d}_{t}"] = _equal(terms, opening - layout.demand[s, d, t])
    return rows


def _safety_rows(layout: Layout, v: Variables) -> dict[str, pulp.LpConstraint]:
    """Soft safety stock: I + z ≥ safety stock (units)."""
    return {
        f"safety_{s}_{d}_{t}": pulp.LpConstraint(
            pulp.LpAffineExpression([(v.inv[s][d][t], 1.0), (z, 1.0)]),
            pulp.LpConstraintGE,
            rhs=float(layout.safety[s, d]),
        )
        for (s, d, t), z in v.short.items()
    }


def _equal(terms: list, rhs: float) -> pulp.LpConstraint:
    return pulp.LpConstraint(pulp.LpAffineExpression(terms), pulp.LpConstraintEQ, rhs=float(rhs))


def _capacity_limits(instance: SupplyPlanInstance, layout: Layout, v: Variables) -> list:
    """Every hard capacity row as (family, keys, month, limit, [(column, coefficient)])."""
    return (
        _plant_hour_limits(instance, v)
        + _supplier_limits(instance, layout, v)
        + _lane_limits(instance, layout, v)
        + _storage_limits(instance, v)
    )


def _plant_hour_limits(instance: SupplyPlanInstance, v: Variables) -> list:
    """Σ_s hours_per_unit · x − o ≤ regular hours (hours per month)."""
    plant_ix = {p.plant: i for i, p in enumerate(instance.plants)}
    at_plant: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for r, routing in enumerate(instance.routings):
        at_plant[plant_ix[routing.plant]].append((r, routing.hours_per_unit))
    return [
        ("plant_hours", {"plant": plant.plant}, t, hours,
         [(v.x[r][t], h) for r, h in at_plant[p]] + [(v.o[p][t], -1.0)])
        for p, plant in enumerate(instance.plants)
        for t, hours in enumerate(plant.regular_hours)
    ]  # fmt: skip


def _supplier_limits(instance: SupplyPlanInstance, layout: Layout, v: Variables) -> list:
    """Σ qty_per_unit · x over the SKUs a supplier feeds ≤ its capacity (material per month)."""
    supplied: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for r, (s, _) in enumerate(layout.routes):
        material = instance.skus[s].material
        if material is not None:
            supplied[material.supplier].append((r, material.qty_per_unit))
    return [
        ("supplier", {"supplier": k.supplier}, t, cap, [(v.x[r][t], q) for r, q in supplied[k.supplier]])
        for k in instance.suppliers
        for t, cap in enumerate(k.capacity)
    ]  # fmt: skip


def _lane_limits(instance: SupplyPlanInstance, layout: Layout, v: Variables) -> list:
    """Σ_s y ≤ lane capacity (units per month)."""
    on_lane: dict[int, list[int]] = defaultdict(list)
    for k, (_, _, lane) in enumerate(layout.ships):
        on_lane[lane].append(k)
    return [
        ("lane", {"plant": lane.plant, "dc": lane.dc}, t, cap, [(v.y[k][t], 1.0) for k in on_lane[i]])
        for i, lane in enumerate(instance.lanes)
        for t, cap in enumerate(lane.capacity)
    ]  # fmt: skip


def _storage_limits(instance: SupplyPlanInstance, v: Variables) -> list:
    """Σ_s I ≤ storage capacity (units on hand at the end of each month)."""
    return [
        ("storage", {"dc": dc.dc}, t, dc.storage_capacity, [(by_dc[d][t], 1.0) for by_dc in v.inv])
        for d, dc in enumerate(instance.dcs)
        for t in range(len(instance.periods))
    ]


# ---------------------------------------------------------------------------------------------
# Solve
# ---------------------------------------------------------------------------------------------

_PULP_STATUS: dict[int, Status] = {
    pulp.LpStatusOptimal: "optimal",
    pulp.LpStatusInfeasible: "infeasible",
    pulp.LpStatusUnbounded: "unbounded",
}


@functools.cache
def _silence_banner() -> None:
    """highspy prints its banner to the C-level stdout when a process makes its first Highs
    object, before pulp can set `output_flag` off (msg=False); make that first one with stdout
    pointed at /dev/null, so the solver prints nothing. The LP and its options are unchanged."""
    sys.stdout.flush()
    saved, devnull = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def solve_model(problem: pulp.LpProblem) -> Status:
    """Solve in place with HiGHS (never the bundled CBC), quietly, with the options for its size."""
    _silence_banner()
    try:
        code = problem.solve(pulp.HiGHS(msg=False, **highs_options(problem.numVariables())))
    except pulp.PulpSolverError:
        return "error"
    return _PULP_STATUS.get(code, "error")

"""The supply-plan linear program of docs/SUPPLY_PLAN.md, built with PuLP and solved by HiGHS.

`solve_supply_plan` turns a `SupplyPlanInstance` (the JSON instance format) into a
`SupplyPlanResult` (the JSON result format): the cheapest monthly plan of production,
overtime, shipments and inventory, the demand it leaves unmet, the safety-stock shortfall, the
capacity limits it runs into with their shadow prices, and, for an infeasible instance, the
constraint family and keys that cannot be met.

Units: quantities in units per month, hours per month, costs in currency (per unit, per hour,
per unit held at the end of a month).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Annotated, Literal

import numpy as np
import pandas as pd
import pulp
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sop.tools.periods import MONTH_PATTERN

NonNegative = Annotated[float, Field(ge=0)]
Name = Annotated[str, Field(min_length=1)]
Month = Annotated[str, Field(pattern=MONTH_PATTERN, description="month, YYYY-MM")]

# A value at or below this is reported as zero (units, hours): HiGHS' primal feasibility
# tolerance is 1e-7, so smaller values are round-off, not plan.
ZERO = 1e-7

# HiGHS options, chosen for this LP (a multi-period transport model whose SKUs are coupled only
# by a few plant, supplier, lane and storage rows):
# - presolve on: it removes a fifth of the rows and columns (one-term safety-stock rows,
#   columns fixed at zero) before the solver starts;
# - interior point with crossover: on the benchmark instances it was 1.3x faster than dual
#   simplex (37 s against 50 s at 1,000 SKUs), its iteration count does not depend on the
#   column order (dual simplex took 50 s or 65 s on the same LP in two column orders), and
#   crossover still ends at a vertex, so binding rows have zero slack and the row duals are
#   vertex shadow prices. PDLP (first order) was 5x slower and less accurate.
HIGHS_OPTIONS = {"presolve": "on", "solver": "ipm", "run_crossover": "on"}


class _Strict(BaseModel):
    """Rejects unknown fields, so a misspelt key ('holdng_cost') is an error, not a default."""

    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------------------------------------
# Instance format
# ---------------------------------------------------------------------------------------------


class Material(_Strict):
    supplier: Name
    qty_per_unit: Annotated[float, Field(ge=0, description="supplier units per unit made")]


class Sku(_Strict):
    sku: Name
    holding_cost: Annotated[float, Field(ge=0, description="currency per unit per month held")]
    unmet_penalty: Annotated[float, Field(ge=0, description="currency per unit of lost demand")]
    ss_penalty: Annotated[float, Field(ge=0, description="currency per unit per month below SS")]
    material: Material | None = None


class Plant(_Strict):
    plant: Name
    regular_hours: list[NonNegative] = Field(description="[T] hours per month")
    max_overtime_hours: list[NonNegative] = Field(description="[T] hours per month")
    overtime_cost_per_hour: NonNegative


class Routing(_Strict):
    sku: Name
    plant: Name
    hours_per_unit: NonNegative
    cost_per_unit: NonNegative


class Dc(_Strict):
    dc: Name
    storage_capacity: Annotated[float, Field(ge=0, description="units on hand, all SKUs")]


class Lane(_Strict):
    plant: Name
    dc: Name
    cost_per_unit: NonNegative
    capacity: list[NonNegative] = Field(description="[T] units per month, all SKUs")


class Supplier(_Strict):
    supplier: Name
    capacity: list[NonNegative] = Field(description="[T] material units per month")


class Demand(_Strict):
    sku: Name
    dc: Name
    qty: list[NonNegative] = Field(description="[T] units per month")


class StockLevel(_Strict):
    """Initial inventory or safety-stock target of one SKU at one DC, in units."""

    sku: Name
    dc: Name
    qty: NonNegative


def _duplicates(keys: list) -> list:
    seen: set = set()
    return [k for k in keys if k in seen or seen.add(k)]


class SupplyPlanInstance(_Strict):
    """One supply-planning problem, field for field the JSON instance of SUPPLY_PLAN.md."""

    periods: list[Month] = Field(min_length=1)
    skus: list[Sku] = Field(min_length=1)
    plants: list[Plant] = Field(default_factory=list)
    routings: list[Routing] = Field(default_factory=list)
    dcs: list[Dc] = Field(min_length=1)
    lanes: list[Lane] = Field(default_factory=list)
    suppliers: list[Supplier] = Field(default_factory=list)
    demand: list[Demand] = Field(default_factory=list)
    initial_inventory: list[StockLevel] = Field(default_factory=list)
    safety_stock: list[StockLevel] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> SupplyPlanInstance:
        problems = self._duplicate_keys() + self._month_lengths() + self._unknown_references()
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _duplicate_keys(self) -> list[str]:
        tables = {
            "periods": list(self.periods),
            "skus": [s.sku for s in self.skus],
            "plants": [p.plant for p in self.plants],
            "dcs": [d.dc for d in self.dcs],
            "suppliers": [k.supplier for k in self.suppliers],
            "routings": [(r.sku, r.plant) for r in self.routings],
            "lanes": [(ln.plant, ln.dc) for ln in self.lanes],
            "demand": [(r.sku, r.dc) for r in self.demand],
            "initial_inventory": [(r.sku, r.dc) for r in self.initial_inventory],
            "safety_stock": [(r.sku, r.dc) for r in self.safety_stock],
        }
        return [
            f"{table}: {key!r} appears more than once; merge the rows"
            for table, keys in tables.items()
            for key in dict.fromkeys(_duplicates(keys))
        ]

    def _month_lengths(self) -> list[str]:
        n = len(self.periods)
        lists = (
            [(f"plants[{i}] {p.plant!r}.regular_hours", p.regular_hours) for i, p in enumerate(self.plants)]
            + [(f"plants[{i}] {p.plant!r}.max_overtime_hours", p.max_overtime_hours) for i, p in enumerate(self.plants)]
            + [(f"lanes[{i}] {ln.plant}->{ln.dc}.capacity", ln.capacity) for i, ln in enumerate(self.lanes)]
            + [(f"suppliers[{i}] {k.supplier!r}.capacity", k.capacity) for i, k in enumerate(self.suppliers)]
            + [(f"demand[{i}] {r.sku}@{r.dc}.qty", r.qty) for i, r in enumerate(self.demand)]
        )  # fmt: skip
        return [
            f"{where} has {len(values)} entries but periods has {n}; give one number per month, "
            f"in the order of periods"
            for where, values in lists
            if len(values) != n
        ]

    def _unknown_references(self) -> list[str]:
        known = {
            "sku": {s.sku for s in self.skus},
            "plant": {p.plant for p in self.plants},
            "dc": {d.dc for d in self.dcs},
            "supplier": {k.supplier for k in self.suppliers},
        }
        refs = (
            [(f"routings[{i}]", {"sku": r.sku, "plant": r.plant}) for i, r in enumerate(self.routings)]
            + [(f"lanes[{i}]", {"plant": ln.plant, "dc": ln.dc}) for i, ln in enumerate(self.lanes)]
            + [(f"skus[{i}].material", {"supplier": s.material.supplier}) for i, s in enumerate(self.skus) if s.material]
            + [(f"{table}[{i}]", {"sku": r.sku, "dc": r.dc})
               for table in ("demand", "initial_inventory", "safety_stock")
               for i, r in enumerate(getattr(self, table))]
        )  # fmt: skip
        return [
            f"{where}: unknown {kind} {name!r}; add it to {kind}s or fix the spelling"
            for where, names in refs
            for kind, name in names.items()
            if name not in known[kind]
        ]


# ---------------------------------------------------------------------------------------------
# Result format
# ---------------------------------------------------------------------------------------------

Status = Literal["optimal", "infeasible", "unbounded", "error"]
Family = Literal["plant_hours", "overtime", "supplier", "lane", "storage"]


class ProductionRow(BaseModel):
    sku: str
    plant: str
    period: str
    qty: float = Field(description="units made in the month")


class OvertimeRow(BaseModel):
    plant: str
    period: str
    hours: float = Field(description="overtime hours used in the month")


class ShipmentRow(BaseModel):
    sku: str
    plant: str
    dc: str
    period: str
    qty: float = Field(description="units shipped in the month")


class DcRow(BaseModel):
    """A per-SKU, per-DC quantity in units: end-of-month stock, lost demand or SS shortfall."""

    sku: str
    dc: str
    period: str
    qty: float


class BindingConstraint(BaseModel):
    """A capacity at its limit in the optimal plan.

    `shadow_price` is d(objective)/d(limit) in currency per unit of the limit (per hour for
    plant hours and overtime): ≤ 0, and one more unit of capacity saves |shadow_price|.
    """

    family: Family
    keys: dict[str, str]
    period: str
    limit: float
    used: float
    shadow_price: float | None


class UnmetConstraint(BaseModel):
    """A hard limit the data cannot respect: it needs `excess` more than `limit`."""

    family: Family
    keys: dict[str, str]
    period: str
    limit: float
    excess: float


class SupplyPlanResult(BaseModel):
    """The result format of SUPPLY_PLAN.md; rows whose quantity is zero are left out."""

    status: Status
    objective: float | None = None
    production: list[ProductionRow] = Field(default_factory=list)
    overtime: list[OvertimeRow] = Field(default_factory=list)
    shipments: list[ShipmentRow] = Field(default_factory=list)
    inventory: list[DcRow] = Field(default_factory=list)
    unmet: list[DcRow] = Field(default_factory=list)
    ss_shortfall: list[DcRow] = Field(default_factory=list)
    binding: list[BindingConstraint] = Field(default_factory=list)
    diagnosis: list[UnmetConstraint] = Field(default_factory=list)
    message: str = ""


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
# Solve and read out
# ---------------------------------------------------------------------------------------------

_PULP_STATUS: dict[int, Status] = {
    pulp.LpStatusOptimal: "optimal",
    pulp.LpStatusInfeasible: "infeasible",
    pulp.LpStatusUnbounded: "unbounded",
}


def solve_supply_plan(instance: SupplyPlanInstance) -> SupplyPlanResult:
    """The cheapest supply plan for the instance, or why there is none."""
    layout = layout_of(instance)
    model = build_model(instance, layout)
    status = solve_model(model.problem)
    if status == "optimal":
        return read_plan(instance, layout, model)
    if status == "infeasible":
        return diagnose_infeasible(instance, layout)
    return SupplyPlanResult(status=status, message=f"HiGHS stopped with status {status}")


def solve_model(problem: pulp.LpProblem) -> Status:
    """Solve in place with HiGHS (never the bundled CBC), quietly."""
    try:
        code = problem.solve(pulp.HiGHS(msg=False, **HIGHS_OPTIONS))
    except pulp.PulpSolverError:
        return "error"
    return _PULP_STATUS.get(code, "error")


def read_plan(instance: SupplyPlanInstance, layout: Layout, model: SupplyModel) -> SupplyPlanResult:
    """The optimal plan as the long tables of the result format."""
    v = model.variables
    periods, skus, plants, dcs = layout.periods, layout.skus, layout.plants, layout.dcs
    inventory = (
        ((s, d, t), i)
        for s, by_dc in enumerate(v.inv)
        for d, row in enumerate(by_dc)
        for t, i in enumerate(row)
    )
    return SupplyPlanResult.model_validate(
        {
            "status": "optimal",
            "objective": model.problem.objective.value(),
            "production": [
                {"sku": skus[s], "plant": plants[p], "period": periods[t], "qty": q}
                for (s, p), row in zip(layout.routes, v.x)
                for t, x in enumerate(row)
                if (q := x.varValue) > ZERO
            ],
            "overtime": [
                {"plant": plants[p], "period": periods[t], "hours": h}
                for p, row in enumerate(v.o)
                for t, o in enumerate(row)
                if (h := o.varValue) > ZERO
            ],
            "shipments": [
                {"sku": skus[layout.routes[r][0]], "plant": plants[layout.routes[r][1]],
                 "dc": dcs[d], "period": periods[t], "qty": q}
                for (r, d, _), row in zip(layout.ships, v.y)
                for t, y in enumerate(row)
                if (q := y.varValue) > ZERO
            ],  # fmt: skip
            "inventory": _dc_rows(layout, inventory),
            "unmet": _dc_rows(layout, v.unmet.items()),
            "ss_shortfall": _dc_rows(layout, v.short.items()),
            "binding": _binding(model, instance),
        }
    )


def _dc_rows(layout: Layout, columns) -> list[dict]:
    return [
        {"sku": layout.skus[s], "dc": layout.dcs[d], "period": layout.periods[t], "qty": q}
        for (s, d, t), column in columns
        if (q := column.varValue) > ZERO
    ]


def _at_limit(used: float, limit: float) -> bool:
    return limit - used <= ZERO * max(1.0, abs(limit))


def _binding(model: SupplyModel, instance: SupplyPlanInstance) -> list[dict]:
    """Capacity rows and overtime bounds at their limit. A row whose limit is zero and whose
    shadow price is zero (a closed lane nobody wants) is left out: it says nothing."""
    rows = [
        {"family": c.family, "keys": c.keys, "period": c.period, "limit": c.limit,
         "used": c.limit - c.constraint.slack, "shadow_price": c.constraint.pi}
        for c in model.capacities
        if _at_limit(c.limit - c.constraint.slack, c.limit)
        and (c.limit > ZERO or abs(c.constraint.pi or 0.0) > ZERO)
    ]  # fmt: skip
    overtime = [
        {"family": "overtime", "keys": {"plant": plant.plant}, "period": instance.periods[t],
         "limit": o.upBound, "used": o.varValue, "shadow_price": o.dj}
        for plant, row in zip(instance.plants, model.variables.o)
        for t, o in enumerate(row)
        if o.upBound > ZERO and _at_limit(o.varValue, o.upBound)
    ]  # fmt: skip
    return rows + overtime


def diagnose_infeasible(instance: SupplyPlanInstance, layout: Layout) -> SupplyPlanResult:
    """Re-solve with elastic capacity rows and report the limits that had to give."""
    model = build_model(instance, layout, elastic=True)
    status = solve_model(model.problem)
    if status != "optimal":
        return SupplyPlanResult(
            status="infeasible", message=f"infeasible; the elastic re-solve ended {status}"
        )
    overruns = [
        {"family": c.family, "keys": c.keys, "period": c.period, "limit": c.limit, "excess": e}
        for c in model.capacities
        if (e := c.slack.varValue) > ZERO
    ]
    where = ", ".join(
        f"{o['family']} {'/'.join(o['keys'].values())} in {o['period']} (+{o['excess']:g})"
        for o in overruns
    )
    return SupplyPlanResult(
        status="infeasible",
        diagnosis=overruns,
        message=f"no plan respects every hard limit; these need more capacity: {where}",
    )


def binding_frame(plan: SupplyPlanResult) -> pd.DataFrame:
    """The binding limits as a flat table (keys as sorted JSON), the way a store keeps them."""
    columns = list(BindingConstraint.model_fields)
    return pd.DataFrame([{**b.model_dump(), "keys": json.dumps(b.keys, sort_keys=True)} for b in plan.binding],
                        columns=columns)


def binding_rows(frame: pd.DataFrame) -> list[dict]:
    """`binding_frame` read back: the `binding` list of a `SupplyPlanResult`."""
    rows = frame[list(BindingConstraint.model_fields)].astype(object).where(frame.notna(), None)
    return [{**r, "keys": json.loads(r["keys"])} for r in rows.to_dict("records")]

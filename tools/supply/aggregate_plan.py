"""The supply plan of a large catalogue: planned by family, then disaggregated to SKUs.

Above `AGGREGATE_ABOVE_SKUS` SKUs (or when asked, `SOP_PLAN_LEVEL=family`) the LP is solved over
planning groups instead of SKUs: the SKUs of a family that share a supplier and the same set of
routed plants. Grouping by routing and supplier as well as family keeps every plant, lane,
supplier and storage limit of the SKU instance in the small one, and means any plant's output
of a group can be split among its SKUs without ever making a SKU where it has no routing. A
group's costs, hours and material per unit are its SKUs' averages weighted by their demand over
the horizon; its demand, opening stock, safety stock and pipeline are their sums.

The group plan is then disaggregated by forecast share: each shipment of a group to a DC is
split among the group's SKUs by their share of the group's demand at that DC in the month it
arrives, and each SKU makes at a plant what it ships from there (the LP's plant flow). Each SKU's
stock, lost sales and shortfall below safety stock then follow from its own demand, and the
SKU plan is costed with the SKU instance's own rates (`sku_plan_cost`), so its objective is
directly comparable with the SKU-level optimum (bench/scale_company.py reports how far apart).

The SKU instance's arrays (demand, pipeline, opening and safety stock) are built once, by
`layout_of` as the LP builds them, and serve grouping, splitting and costing alike
(`FamilyInstance`). Week 3 plans its option set and what-ifs on the group instance itself.

Not aggregated: lot sizes and minimum batches (a MIP per SKU), demand classes and backorders;
an instance with any of them is planned at SKU level.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from sop.tools.supply.supply_plan import SupplyPlanInstance, SupplyPlanResult
from sop.tools.supply.supply_plan_layout import Layout, layout_of
from sop.tools.supply.supply_plan_result_rows import DcRow, DemandRow, OvertimeRow, ProductionRow, ShipmentRow
from sop.tools.supply.supply_plan_solve import solve_supply_plan

# At 2,000 SKUs × 3 DCs × 18 months one SKU-level solve already takes minutes on two cores
# (issue 17, bench/RESULTS.md); the family plan of the same company solves in seconds.
AGGREGATE_ABOVE_SKUS = 2000
PlanLevel = Literal["auto", "sku", "family"]
ROUND_OFF = 1e-6  # units below this are left out of the rows, as the LP's read-out does


def plan_level(requested: PlanLevel, skus: int) -> Literal["sku", "family"]:
    """The level the supply LP runs at: as asked, or by size for `auto`."""
    if requested == "auto":
        return "family" if skus > AGGREGATE_ABOVE_SKUS else "sku"
    return requested


@dataclass(frozen=True)
class PlanningGroup:
    """SKUs of one family that share a supplier and their routed plants; `name` is the SKU
    name the group has in the aggregate instance."""

    name: str
    family: str
    supplier: str | None
    plants: tuple[str, ...]
    skus: tuple[str, ...]


def planning_groups(instance: SupplyPlanInstance, family_of: Mapping[str, str]) -> list[PlanningGroup]:
    """Group the instance's SKUs by family, material supplier and routed plants."""
    plants_of: dict[str, list[str]] = defaultdict(list)
    for r in instance.routings:
        plants_of[r.sku].append(r.plant)
    members: dict[tuple[str, str | None, tuple[str, ...]], list[str]] = defaultdict(list)
    for s in instance.skus:
        if s.sku not in family_of:
            raise ValueError(f"SKU {s.sku!r} has no family; give every SKU of the instance its family")
        supplier = s.material.supplier if s.material else None
        members[family_of[s.sku], supplier, tuple(sorted(plants_of[s.sku]))].append(s.sku)
    return [PlanningGroup(f"{family}|{supplier or '-'}|{'+'.join(plants) or '-'}", family, supplier, plants,
                          tuple(skus))
            for (family, supplier, plants), skus in sorted(members.items(), key=lambda kv: str(kv[0]))]


def _unsupported(instance: SupplyPlanInstance) -> list[str]:
    found = []
    if any(r.lot_size or r.min_batch for r in instance.routings):
        found.append("lot sizes or minimum batches")
    if instance.demand_classes or any(r.demand_class for r in instance.demand):
        found.append("demand classes")
    if any(s.max_backorder_months for s in instance.skus):
        found.append("backorders")
    return found


def planned_by_family(instance: SupplyPlanInstance, requested: PlanLevel) -> bool:
    """Whether the instance is planned by family: when asked for (`family_instance` then names any
    data it cannot aggregate), or when `auto` chooses it by size and nothing needs SKU level."""
    return plan_level(requested, len(instance.skus)) == "family" and (requested == "family"
                                                                         or not _unsupported(instance))


@dataclass(frozen=True)
class FamilyInstance:
    """A SKU instance to be planned by group. `instance` is the group instance the LP solves;
    `layout` holds the SKU instance's arrays, built once (`layout_of`) for grouping, splitting the
    group plan and costing it; `members` are each group's SKUs as rows of those arrays and
    `shares` their share of its demand over the horizon (equal when it has none)."""

    instance: SupplyPlanInstance
    groups: list[PlanningGroup]
    layout: Layout
    members: dict[str, list[int]]
    shares: dict[str, np.ndarray]


def family_instance(instance: SupplyPlanInstance, family_of: Mapping[str, str]) -> FamilyInstance:
    """The instance over planning groups: plants, DCs, lanes, suppliers and options unchanged."""
    unsupported = _unsupported(instance)
    if unsupported:
        raise ValueError(f"the family plan does not aggregate {', '.join(unsupported)}; plan this instance at "
                         "SKU level (SOP_PLAN_LEVEL=sku)")
    groups = planning_groups(instance, family_of)
    layout = layout_of(instance)
    sku_ix = {s: i for i, s in enumerate(layout.skus)}
    members = {g.name: [sku_ix[s] for s in g.skus] for g in groups}
    shares = {}
    for g in groups:
        total = layout.demand[members[g.name]].sum(axis=(1, 2))
        shares[g.name] = total / total.sum() if total.sum() > 0 else np.full(len(g.skus), 1.0 / len(g.skus))
    sku_of = {s.sku: s for s in instance.skus}
    routing_of = {(r.sku, r.plant): r for r in instance.routings}
    skus, routings = [], []
    for g in groups:
        sku_rows = [sku_of[s] for s in g.skus]

        def avg(values: list[float], weights: np.ndarray = shares[g.name]) -> float:
            return float(np.dot(weights, values))

        material = None
        if g.supplier is not None:
            material = {"supplier": g.supplier,
                        "qty_per_unit": avg([m.material.qty_per_unit if m.material else 0.0 for m in sku_rows])}
        skus.append({"sku": g.name, "holding_cost": avg([m.holding_cost for m in sku_rows]),
                     "unmet_penalty": avg([m.unmet_penalty for m in sku_rows]),
                     "ss_penalty": avg([m.ss_penalty for m in sku_rows]), "material": material})
        for plant in g.plants:
            rows = [routing_of[s, plant] for s in g.skus]
            centres = sorted({wc for r in rows for wc in r.work_centre_hours})
            routings.append({"sku": g.name, "plant": plant, "hours_per_unit": avg([r.hours_per_unit for r in rows]),
                             "cost_per_unit": avg([r.cost_per_unit for r in rows]),
                             "work_centre_hours": {wc: avg([r.work_centre_hours.get(wc, 0.0) for r in rows])
                                                   for wc in centres}})
    group_of = {s: g.name for g in groups for s in g.skus}
    dc_ix = {dc: d for d, dc in enumerate(layout.dcs)}

    def summed(rows: list, matrix: np.ndarray) -> list[dict]:
        """A row per group and DC that any member has a row for: the members' total in `matrix`."""
        pairs = dict.fromkeys((group_of[r.sku], r.dc) for r in rows)
        return [{"sku": g, "dc": dc, "qty": matrix[members[g], dc_ix[dc]].sum(axis=0).tolist()} for g, dc in pairs]

    small = SupplyPlanInstance.model_validate({
        **instance.model_dump(include={"periods", "plants", "dcs", "lanes", "suppliers", "priority_premium", "mip",
                                       "options"}),
        "skus": skus, "routings": routings,
        "demand": summed(instance.demand, layout.demand),
        "in_transit": summed(instance.in_transit, _arriving(layout)),
        "initial_inventory": summed(instance.initial_inventory, layout.initial),
        "safety_stock": summed(instance.safety_stock, layout.safety),
    })
    return FamilyInstance(instance=small, groups=groups, layout=layout, members=members, shares=shares)


def _arriving(layout: Layout) -> np.ndarray:
    """The opening pipeline by month of arrival (none when the layout was made without one)."""
    return layout.arriving if layout.arriving is not None else np.zeros_like(layout.demand)


def disaggregate(instance: SupplyPlanInstance, family: FamilyInstance,
                 aggregate: SupplyPlanResult) -> list[ShipmentRow]:
    """Each SKU's shipments: a group's shipment to a DC split by the SKU's forecast share at that
    DC in the month it arrives (its share over the horizon at the DC when the group has no demand
    there that month; its share of all the group's demand when none at that DC at all)."""
    layout, T = family.layout, len(instance.periods)
    dc_ix = {dc: d for d, dc in enumerate(layout.dcs)}
    period_ix = {p: t for t, p in enumerate(instance.periods)}
    transit = {(ln.plant, ln.dc, ln.mode): ln.transit_months for ln in instance.lanes}
    by_name = {g.name: g for g in family.groups}
    rows = []
    for ship in aggregate.shipments:
        g, d = by_name[ship.sku], dc_ix[ship.dc]
        arrival = min(period_ix[ship.period] + transit[ship.plant, ship.dc, ship.mode], T - 1)
        members = family.members[g.name]
        share = layout.demand[members, d, arrival]
        if share.sum() <= 0:
            share = layout.demand[members, d].sum(axis=1)
        share = share / share.sum() if share.sum() > 0 else family.shares[g.name]
        rows += [ShipmentRow(sku=s, plant=ship.plant, dc=ship.dc, period=ship.period, qty=float(q), mode=ship.mode)
                 for s, q in zip(g.skus, ship.qty * share) if q > ROUND_OFF]
    return rows


class SkuPlanCost(BaseModel):
    """A SKU plan costed with the SKU instance's rates (currency over the horizon), and the
    capacity it would need beyond the instance's limits (zero for a feasible plan)."""

    objective: float
    production_cost: float
    freight_cost: float
    overtime_cost: float
    holding_cost: float
    lost_sales_cost: float
    ss_shortfall_cost: float
    hours_over_capacity: float = Field(description="plant hours beyond regular plus overtime, all months")
    material_over_capacity: float = Field(description="supplier units beyond capacity, all months")
    storage_over_capacity: float = Field(description="units on hand beyond DC storage, summed over months")


@dataclass
class _SkuFlows:
    production: list[ProductionRow]
    overtime: list[OvertimeRow]
    inventory: list[DcRow]
    unmet: list[DemandRow]
    ss_shortfall: list[DcRow]
    cost: SkuPlanCost


def _sku_flows(instance: SupplyPlanInstance, layout: Layout, shipments: list[ShipmentRow]) -> _SkuFlows:
    """Production from shipments (a plant ships what it makes in the month), then each SKU's
    stock month by month from its own demand (`layout`, the instance's arrays): what arrives and
    what was on hand serve demand, the rest is lost; what is left is held."""
    S, D, T = layout.demand.shape
    sku_ix = {s: i for i, s in enumerate(layout.skus)}
    dc_ix = {dc: d for d, dc in enumerate(layout.dcs)}
    period_ix = {p: t for t, p in enumerate(instance.periods)}
    plant_ix = {p.plant: i for i, p in enumerate(instance.plants)}
    lane_of = {(ln.plant, ln.dc, ln.mode): ln for ln in instance.lanes}
    routing_of = {(r.sku, r.plant): r for r in instance.routings}
    made: dict[tuple[str, str, int], float] = defaultdict(float)
    arriving = _arriving(layout).copy()
    freight = 0.0
    for ship in shipments:
        t, lane = period_ix[ship.period], lane_of[ship.plant, ship.dc, ship.mode]
        made[ship.sku, ship.plant, t] += ship.qty
        freight += ship.qty * lane.cost_per_unit
        if t + lane.transit_months < T:
            arriving[sku_ix[ship.sku], dc_ix[ship.dc], t + lane.transit_months] += ship.qty
    hours = np.zeros((len(plant_ix), T))
    material: dict[tuple[str, int], float] = defaultdict(float)
    lead_time = {k.supplier: k.lead_time_months for k in instance.suppliers}
    sku_of = {s.sku: s for s in instance.skus}
    production_cost = 0.0
    for (sku, plant, t), qty in made.items():
        routing = routing_of[sku, plant]
        hours[plant_ix[plant], t] += qty * routing.hours_per_unit
        production_cost += qty * routing.cost_per_unit
        if (m := sku_of[sku].material) is not None:  # ordered its lead time before it is used
            material[m.supplier, t - lead_time[m.supplier]] += qty * m.qty_per_unit
    regular = np.array([p.regular_hours for p in instance.plants]).reshape(len(plant_ix), T)
    most = np.array([p.max_overtime_hours for p in instance.plants]).reshape(len(plant_ix), T)
    overtime = np.clip(hours - regular, 0.0, most)
    rate = np.array([p.overtime_cost_per_hour for p in instance.plants])
    stock, safety, demand = layout.initial, layout.safety, layout.demand
    held, lost, short = np.zeros((S, D, T)), np.zeros((S, D, T)), np.zeros((S, D, T))
    for t in range(T):
        available = stock + arriving[:, :, t]
        lost[:, :, t] = np.clip(demand[:, :, t] - available, 0.0, None)
        stock = available - (demand[:, :, t] - lost[:, :, t])
        held[:, :, t] = stock
        short[:, :, t] = np.clip(safety - stock, 0.0, None)
    holding = np.array([s.holding_cost for s in instance.skus])
    penalty = np.array([s.unmet_penalty for s in instance.skus])
    ss_rate = np.array([s.ss_penalty for s in instance.skus])
    storage = np.array([d.storage_capacity for d in instance.dcs])
    supplier_cap = {(k.supplier, t): k.capacity[t] for k in instance.suppliers for t in range(T)}
    costs = {"production_cost": production_cost, "freight_cost": freight,
             "overtime_cost": float((overtime * rate[:, None]).sum()),
             "holding_cost": float((held.sum(axis=(1, 2)) * holding).sum()),
             "lost_sales_cost": float((lost.sum(axis=(1, 2)) * penalty).sum()),
             "ss_shortfall_cost": float((short.sum(axis=(1, 2)) * ss_rate).sum())}
    cost = SkuPlanCost(
        objective=sum(costs.values()), **costs,
        hours_over_capacity=float(np.clip(hours - regular - most, 0.0, None).sum()),
        material_over_capacity=sum(max(0.0, used - supplier_cap.get(key, float("inf")))
                                   for key, used in material.items()),
        storage_over_capacity=float(np.clip(held.sum(axis=0) - storage[:, None], 0.0, None).sum()),
    )
    periods, skus, dcs = instance.periods, layout.skus, layout.dcs

    def dc_rows(values: np.ndarray) -> list[dict]:
        return [{"sku": skus[s], "dc": dcs[d], "period": periods[t], "qty": float(values[s, d, t])}
                for s, d, t in zip(*np.nonzero(values > ROUND_OFF))]

    return _SkuFlows(
        production=[ProductionRow(sku=s, plant=p, period=periods[t], qty=q) for (s, p, t), q in made.items()
                    if q > ROUND_OFF],
        overtime=[OvertimeRow(plant=instance.plants[p].plant, period=periods[t], hours=float(overtime[p, t]))
                  for p, t in zip(*np.nonzero(overtime > ROUND_OFF))],
        inventory=[DcRow(**r) for r in dc_rows(held)],
        unmet=[DemandRow(**r) for r in dc_rows(lost)],
        ss_shortfall=[DcRow(**r) for r in dc_rows(short)],
        cost=cost,
    )


def sku_plan_cost(instance: SupplyPlanInstance, shipments: list[ShipmentRow]) -> SkuPlanCost:
    """What a SKU plan, given by its shipments, costs at the SKU instance's rates (the LP's
    objective terms), and how far it would go beyond the instance's capacities."""
    return _sku_flows(instance, layout_of(instance), shipments).cost


class FamilyPlan(BaseModel):
    """The family plan and its SKU disaggregation: `plan` is the SKU plan in the LP's result
    format (its objective costed at SKU rates, the binding limits the family LP found)."""

    plan: SupplyPlanResult
    groups: int = Field(description="planning groups the LP ran over (families × supplier × routed plants)")
    aggregate_objective: float | None = Field(description="the family LP's own objective, currency")
    cost: SkuPlanCost | None
    build_seconds: float = Field(description="grouping the SKU instance (its arrays and the group instance)")
    solve_seconds: float = Field(description="the group LP")
    disaggregate_seconds: float = Field(description="splitting the group plan to SKUs and costing it")


def solve_family_plan(instance: SupplyPlanInstance, family_of: Mapping[str, str]) -> FamilyPlan:
    """Plan by planning group with HiGHS, then disaggregate to SKUs by forecast share."""
    started = time.perf_counter()
    family = family_instance(instance, family_of)
    groups = family.groups
    built = time.perf_counter()
    aggregate = solve_supply_plan(family.instance)
    solved = time.perf_counter()
    if aggregate.status != "optimal":
        return FamilyPlan(plan=aggregate, groups=len(groups), aggregate_objective=None, cost=None,
                          build_seconds=built - started, solve_seconds=solved - built, disaggregate_seconds=0.0)
    shipments = disaggregate(instance, family, aggregate)
    flows = _sku_flows(instance, family.layout, shipments)
    plan = SupplyPlanResult(
        status="optimal", objective=flows.cost.objective, production=flows.production, overtime=flows.overtime,
        shipments=shipments, inventory=flows.inventory, unmet=flows.unmet, ss_shortfall=flows.ss_shortfall,
        binding=aggregate.binding,
        message=f"planned over {len(groups)} family groups and disaggregated to SKUs by forecast share",
    )
    return FamilyPlan(plan=plan, groups=len(groups), aggregate_objective=aggregate.objective, cost=flows.cost,
                      build_seconds=built - started, solve_seconds=solved - built,
                      disaggregate_seconds=time.perf_counter() - solved)


def solve_at_level(instance: SupplyPlanInstance, family_of: Mapping[str, str],
                   requested: PlanLevel = "auto") -> SupplyPlanResult:
    """The supply plan at the level asked for (or chosen by size), in the SKU result format."""
    if planned_by_family(instance, requested):
        return solve_family_plan(instance, family_of).plan
    return solve_supply_plan(instance)


class LeveledPlanInput(BaseModel):
    """The registry's input for a supply plan at a chosen level: the SKU instance, each SKU's
    family, and the level (SOP_PLAN_LEVEL)."""

    instance: SupplyPlanInstance
    family_of: dict[str, str] = Field(description="each SKU's product family")
    level: PlanLevel = "auto"


def supply_plan_at_level(inp: LeveledPlanInput) -> SupplyPlanResult:
    """Registry entry point: `solve_at_level` on one input model."""
    return solve_at_level(inp.instance, inp.family_of, inp.level)

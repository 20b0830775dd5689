"""The supply-plan LP's hard capacity rows (docs/SUPPLY_PLAN.md), one family a function.

Plant hours, work-centre hours, supplier material by the month ordered, lane capacity and DC
storage, each known by the keys a planner uses, so a binding row or an overrun can be named and
priced, and an option's added capacity finds the row it extends. Units: hours per month,
material units, units shipped or stored.
"""

from __future__ import annotations

from collections import defaultdict

from sop.tools.supply.supply_plan import SupplyPlanInstance
from sop.tools.supply.supply_plan_instance_parts import Lane
from sop.tools.supply.supply_plan_layout import Layout
from sop.tools.supply.supply_plan_variables import Variables


def capacity_limits(instance: SupplyPlanInstance, layout: Layout, v: Variables) -> list:
    """Every hard capacity row as (family, keys, month, limit, [(column, coefficient)]); an
    option's use adds to the row of its family, keys and month (for a supplier, the month the
    material is ordered)."""
    limits = (
        _plant_hour_limits(instance, v)
        + _work_centre_limits(instance, v)
        + _supplier_limits(instance, layout, v)
        + _lane_limits(instance, layout, v)
        + _storage_limits(instance, v)
    )
    if v.option_use:
        row_of = {(family, tuple(sorted(keys.items())), t): terms for family, keys, t, _, terms in limits}
        for (i, t), e in v.option_use.items():
            option = instance.options[i]
            row = row_of.get((option.family, tuple(sorted(option.keys.items())), t))
            if row is None:  # material ordered too late to arrive in the plan: of no use
                e.upBound = 0.0
            else:
                row.append((e, -1.0))
    return limits


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


def _work_centre_limits(instance: SupplyPlanInstance, v: Variables) -> list:
    """Σ_s work-centre hours per unit · x ≤ the work centre's hours (hours per month)."""
    loads: dict[tuple[str, str], list[tuple[int, float]]] = defaultdict(list)
    for r, routing in enumerate(instance.routings):
        for centre, hours in routing.work_centre_hours.items():
            loads[routing.plant, centre].append((r, hours))
    return [
        ("work_centre", {"plant": plant.plant, "work_centre": wc.work_centre}, t, hours,
         [(v.x[r][t], h) for r, h in loads[plant.plant, wc.work_centre]])
        for plant in instance.plants
        for wc in plant.work_centres
        for t, hours in enumerate(wc.hours)
    ]  # fmt: skip


def _supplier_limits(instance: SupplyPlanInstance, layout: Layout, v: Variables) -> list:
    """Material a month's production draws ≤ material usable that month (material units):
    Σ qty_per_unit · x[t] ≤ capacity[t − lead time] + on_order[t]. The row is reported under
    the month the material is ordered; a month before the first order can arrive draws on the
    opening pipeline only, and is reported under its own month as ordered before the plan."""
    supplied: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for r, (s, _) in enumerate(layout.routes):
        material = instance.skus[s].material
        if material is not None:
            supplied[material.supplier].append((r, material.qty_per_unit))
    limits = []
    for k in instance.suppliers:
        lead, pipeline = k.lead_time_months, k.on_order or [0.0] * len(layout.periods)
        for t in range(len(layout.periods)):
            ordered = t - lead
            keys = {"supplier": k.supplier} | ({} if ordered >= 0 else {"ordered": "before the plan"})
            limit = (k.capacity[ordered] if ordered >= 0 else 0.0) + pipeline[t]
            limits.append(("supplier", keys, ordered if ordered >= 0 else t, limit,
                           [(v.x[r][t], q) for r, q in supplied[k.supplier]]))
    return limits


def _lane_limits(instance: SupplyPlanInstance, layout: Layout, v: Variables) -> list:
    """Σ_s y ≤ lane capacity (units leaving the plant per month)."""
    on_lane: dict[int, list[int]] = defaultdict(list)
    for k, (_, _, lane) in enumerate(layout.ships):
        on_lane[lane].append(k)
    return [
        ("lane", lane_keys(lane), t, cap, [(y, 1.0) for k in on_lane[i] if (y := v.y[k][t]) is not None])
        for i, lane in enumerate(instance.lanes)
        for t, cap in enumerate(lane.capacity)
    ]  # fmt: skip


def lane_keys(lane: Lane) -> dict[str, str]:
    """A lane's keys: plant and DC, and its mode when it names one."""
    return {"plant": lane.plant, "dc": lane.dc} | ({"mode": lane.mode} if lane.mode else {})


def _storage_limits(instance: SupplyPlanInstance, v: Variables) -> list:
    """Σ_s I ≤ storage capacity (units on hand at the end of each month)."""
    return [
        ("storage", {"dc": dc.dc}, t, dc.storage_capacity, [(by_dc[d][t], 1.0) for by_dc in v.inv])
        for d, dc in enumerate(instance.dcs)
        for t in range(len(instance.periods))
    ]

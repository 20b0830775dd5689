"""The supply-plan LP's hard capacity rows (docs/SUPPLY_PLAN.md), one family a function.

Plant hours, work-centre hours, supplier material by the month ordered, lane capacity and DC
storage, each known by the keys a planner uses, so a binding row or an overrun can be named and
priced, and an option's added capacity finds the row it extends. Units: hours per month,
material units, units shipped or stored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sop.tools.supply.supply_plan import SupplyPlanInstance
from sop.tools.supply.supply_plan_columns import Columns
from sop.tools.supply.supply_plan_instance_parts import Lane
from sop.tools.supply.supply_plan_layout import Layout
from sop.tools.supply.supply_plan_matrix import INF, RowBlocks
from sop.tools.supply.supply_plan_result_rows import Family


@dataclass(frozen=True)
class Limit:
    """One hard capacity row (`row`, its index), known by the keys a planner uses, in the month
    `t` it is reported under, with its limit in the row's units."""

    family: Family
    keys: dict[str, str]
    t: int
    limit: float
    row: int


def limit_count(instance: SupplyPlanInstance) -> int:
    """How many capacity rows the model has: one per month for each plant, work centre,
    supplier, lane and DC."""
    centres = sum(len(p.work_centres) for p in instance.plants)
    per = len(instance.plants) + centres + len(instance.suppliers) + len(instance.lanes) + len(instance.dcs)
    return per * len(instance.periods)


def capacity_rows(b: RowBlocks, instance: SupplyPlanInstance, layout: Layout, c: Columns) -> tuple[list[Limit],
                                                                                                     np.ndarray]:
    """Every hard capacity row, Σ load ≤ limit, in the order plant hours, work centres,
    suppliers, lanes, storage; an option's use adds to the row of its family, keys and month
    (for a supplier, the month the material is ordered), and an elastic column (when the model
    has them) lets each row overrun. Also, per option and month, whether a row took it: material
    ordered too late to arrive in the plan is of no use."""
    T = len(layout.periods)
    limits: list[Limit] = []

    def family(name: Family, keys: dict[str, str] | list[dict[str, str]], limit: np.ndarray,
               months: np.ndarray | None = None) -> np.ndarray:
        """Open T rows Σ load ≤ limit; `keys` and `months` (reported under) per month when they vary."""
        rows = b.open(-INF, limit, (T,))
        each = keys if isinstance(keys, list) else [keys] * T
        limits.extend(Limit(name, k, int(t), float(v), int(r)) for r, k, t, v in zip(
            rows, each, np.arange(T) if months is None else months, limit, strict=True))
        return rows

    def load(rows: np.ndarray, routes: list[int], per_unit: list[float]) -> None:
        """Each route's production in each month, `per_unit` of the row's units per unit made."""
        b.add(rows, c.x[np.asarray(routes, dtype=np.int64)], np.asarray(per_unit, dtype=float).reshape(-1, 1))

    for p, plant in enumerate(instance.plants):  # Σ hours_per_unit · x − o ≤ regular hours
        rows = family("plant_hours", {"plant": plant.plant}, np.asarray(plant.regular_hours, dtype=float))
        at = [r for r, (_, q) in enumerate(layout.routes) if q == p]
        load(rows, at, [instance.routings[r].hours_per_unit for r in at])
        b.add(rows, c.o[p], -1.0)
    for plant in instance.plants:  # Σ work-centre hours per unit · x ≤ its hours
        for wc in plant.work_centres:
            rows = family("work_centre", {"plant": plant.plant, "work_centre": wc.work_centre},
                          np.asarray(wc.hours, dtype=float))
            at = [r for r, routing in enumerate(instance.routings)
                  if routing.plant == plant.plant and wc.work_centre in routing.work_centre_hours]
            load(rows, at, [instance.routings[r].work_centre_hours[wc.work_centre] for r in at])
    # Material a month's production draws ≤ what was ordered a lead time before + what was on
    # order before the plan (material units), reported under the month ordered; a month before
    # the first order can arrive draws on the pipeline only, under its own month.
    for k in instance.suppliers:
        ordered = np.arange(T) - k.lead_time_months
        early = [{} if t >= 0 else {"ordered": "before the plan"} for t in ordered]
        usable = np.array([k.capacity[t] if t >= 0 else 0.0 for t in ordered]) + np.array(k.on_order or [0.0] * T)
        rows = family("supplier", [{"supplier": k.supplier} | e for e in early], usable,
                      np.where(ordered >= 0, ordered, np.arange(T)))
        fed = [(r, m.qty_per_unit) for r, (s, _) in enumerate(layout.routes)
               if (m := instance.skus[s].material) is not None and m.supplier == k.supplier]
        load(rows, [r for r, _ in fed], [q for _, q in fed])
    lane_of = np.array([lane for _, _, lane in layout.ships], dtype=np.int64)
    for i, lane in enumerate(instance.lanes):  # Σ_s y ≤ lane capacity (units leaving the plant)
        b.add(family("lane", lane_keys(lane), np.asarray(lane.capacity, dtype=float)), c.y[lane_of == i], 1.0)
    for d, dc in enumerate(instance.dcs):  # Σ_s I ≤ storage capacity (units on hand at month end)
        b.add(family("storage", {"dc": dc.dc}, np.full(T, dc.storage_capacity, dtype=float)), c.inv[:, d], 1.0)
    row_of = {(lim.family, tuple(sorted(lim.keys.items())), lim.t): lim.row for lim in limits}
    reached = np.zeros(c.option_use.shape, dtype=bool)
    for i, option in enumerate(instance.options):
        for t in np.flatnonzero(c.option_use[i] >= 0):
            row = row_of.get((option.family, tuple(sorted(option.keys.items())), int(t)))
            if row is not None:
                b.add(row, c.option_use[i, t], -1.0)
                reached[i, t] = True
    b.add(np.array([lim.row for lim in limits], dtype=np.int64), c.elastic, -1.0)
    return limits, reached


def lane_keys(lane: Lane) -> dict[str, str]:
    """A lane's keys: plant and DC, and its mode when it names one."""
    return {"plant": lane.plant, "dc": lane.dc} | ({"mode": lane.mode} if lane.mode else {})

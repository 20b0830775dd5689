"""The supply-plan instance as integer-indexed arrays (docs/SUPPLY_PLAN.md).

`layout_of` numbers every SKU, plant, DC, routing, shipment path and demand stream once, so the
LP (supply_plan_lp.py) is built and its solution read out (supply_plan_solve.py) without name
look-ups. Units: demand, stock and pipeline in units per month.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from sop.tools.supply.supply_plan import SupplyPlanInstance
from sop.tools.supply.supply_plan_instance_parts import StockLevel


@dataclass(frozen=True)
class Stream:
    """One demand row: a SKU at a DC, of one class or none, with its units per month, the
    penalty per unit lost (currency, the class's priority premium included) and the months a
    unit may wait (0: no backorders)."""

    sku: int
    dc: int
    demand_class: str | None
    qty: np.ndarray
    lost_penalty: float
    max_delay: int


@dataclass(frozen=True)
class Layout:
    """The instance as integer-indexed arrays, so the model is built without name look-ups.

    routes[r] = (sku, plant); ships[k] = (route, dc, lane), one per routing × lane from its
    plant; transit[lane] in months; demand is (sku, dc, month) in units, all classes; streams
    the demand rows; initial and safety are (sku, dc) in units; arriving (sku, dc, month) the
    opening pipeline's units in transit by month of arrival.
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
    transit: list[int] = field(default_factory=list)
    streams: list[Stream] = field(default_factory=list)
    arriving: np.ndarray | None = None


def layout_of(instance: SupplyPlanInstance) -> Layout:
    """Number every SKU, plant, DC, routing, shipment path (routing × lane) and demand stream."""
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
    T = len(instance.periods)
    demand = np.zeros((*shape, T))
    for row in instance.demand:
        demand[sku_ix[row.sku], dc_ix[row.dc]] += row.qty
    arriving = np.zeros((*shape, T))
    for flow in instance.in_transit:
        arriving[sku_ix[flow.sku], dc_ix[flow.dc]] += flow.qty
    rank = class_ranks(instance)
    streams = [
        Stream(sku_ix[row.sku], dc_ix[row.dc], row.demand_class, np.asarray(row.qty, dtype=float),
               sku.unmet_penalty + instance.priority_premium * rank[row.demand_class],
               min(sku.max_backorder_months, T))
        for row in instance.demand
        for sku in (instance.skus[sku_ix[row.sku]],)
    ]  # fmt: skip
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
        transit=[ln.transit_months for ln in instance.lanes],
        streams=streams,
        arriving=arriving,
    )


def class_ranks(instance: SupplyPlanInstance) -> dict[str | None, int]:
    """How many priority steps each demand class stands above the last: unclassified demand 0,
    a class 1 + the number of distinct priorities served after it (priority 1 is served first)."""
    priorities = sorted({c.priority for c in instance.demand_classes})
    return {None: 0} | {
        c.demand_class: 1 + sum(p > c.priority for p in priorities) for c in instance.demand_classes
    }


def _stock_matrix(rows: list[StockLevel], sku_ix: dict, dc_ix: dict) -> np.ndarray:
    levels = np.zeros((len(sku_ix), len(dc_ix)))
    for row in rows:
        levels[sku_ix[row.sku], dc_ix[row.dc]] = row.qty
    return levels

"""The checks that tie the tables of a supply-plan instance together (docs/SUPPLY_PLAN.md).

Each table row checks its own fields (supply_plan_instance_parts.py); these check what no row
can alone: periods in calendar order, no key twice, one number per month, and every name a row
refers to defined. `SupplyPlanInstance` runs them on construction and refuses the instance
with every problem found, so a planner fixes them in one pass.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from itertools import pairwise
from typing import TYPE_CHECKING

from sop.tools.periods import month_number

if TYPE_CHECKING:
    from sop.tools.supply.supply_plan import SupplyPlanInstance


def instance_problems(instance: SupplyPlanInstance) -> list[str]:
    """Every inconsistency between the instance's tables, as a sentence that says how to fix it."""
    return (_period_order(instance) + _duplicate_keys(instance) + _month_lengths(instance)
            + _unknown_references(instance))


def _duplicates(keys: Sequence[Hashable]) -> list[Hashable]:
    """Each key that appears more than once, once, in the order of its second appearance."""
    seen: set[Hashable] = set()
    repeated: dict[Hashable, None] = {}
    for key in keys:
        if key in seen:
            repeated[key] = None
        seen.add(key)
    return list(repeated)


def _period_order(instance: SupplyPlanInstance) -> list[str]:
    """Stock carries from each month to the next entry, so the periods must be consecutive
    months in calendar order."""
    return [
        f"periods[{i}] {later!r} does not follow {earlier!r}; give consecutive months in calendar order"
        for i, (earlier, later) in enumerate(pairwise(instance.periods), start=1)
        if month_number(later) != month_number(earlier) + 1
    ]


def _duplicate_keys(instance: SupplyPlanInstance) -> list[str]:
    tables: dict[str, Sequence[Hashable]] = {
        "periods": instance.periods,
        "skus": [s.sku for s in instance.skus],
        "plants": [p.plant for p in instance.plants],
        "dcs": [d.dc for d in instance.dcs],
        "suppliers": [k.supplier for k in instance.suppliers],
        "routings": [(r.sku, r.plant) for r in instance.routings],
        "lanes": [(ln.plant, ln.dc) + ((ln.mode,) if ln.mode else ()) for ln in instance.lanes],
        "demand": [(r.sku, r.dc) + ((r.demand_class,) if r.demand_class else ()) for r in instance.demand],
        "initial_inventory": [(r.sku, r.dc) for r in instance.initial_inventory],
        "safety_stock": [(r.sku, r.dc) for r in instance.safety_stock],
        "in_transit": [(r.sku, r.dc) for r in instance.in_transit],
        "demand_classes": [c.demand_class for c in instance.demand_classes],
        "work_centres": [(p.plant, w.work_centre) for p in instance.plants for w in p.work_centres],
        "options": [o.option for o in instance.options],
    }
    return [
        f"{table}: {key!r} appears more than once; merge the rows"
        for table, keys in tables.items()
        for key in _duplicates(keys)
    ]


def _month_lengths(instance: SupplyPlanInstance) -> list[str]:
    n = len(instance.periods)
    lists = (
        [(f"plants[{i}] {p.plant!r}.regular_hours", p.regular_hours) for i, p in enumerate(instance.plants)]
        + [(f"plants[{i}] {p.plant!r}.max_overtime_hours", p.max_overtime_hours) for i, p in enumerate(instance.plants)]
        + [(f"lanes[{i}] {ln.plant}->{ln.dc}.capacity", ln.capacity) for i, ln in enumerate(instance.lanes)]
        + [(f"suppliers[{i}] {k.supplier!r}.capacity", k.capacity) for i, k in enumerate(instance.suppliers)]
        + [(f"demand[{i}] {r.sku}@{r.dc}.qty", r.qty) for i, r in enumerate(instance.demand)]
        + [(f"suppliers[{i}] {k.supplier!r}.on_order", k.on_order) for i, k in enumerate(instance.suppliers)
           if k.on_order is not None]
        + [(f"in_transit[{i}] {r.sku}@{r.dc}.qty", r.qty) for i, r in enumerate(instance.in_transit)]
        + [(f"options[{i}] {o.option!r}.amount", o.amount) for i, o in enumerate(instance.options)]
        + [(f"plants[{i}] {p.plant!r}.work_centres[{j}] {w.work_centre!r}.hours", w.hours)
           for i, p in enumerate(instance.plants) for j, w in enumerate(p.work_centres)]
    )  # fmt: skip
    return [
        f"{where} has {len(values)} entries but periods has {n}; give one number per month, "
        f"in the order of periods"
        for where, values in lists
        if len(values) != n
    ]


def _unknown_references(instance: SupplyPlanInstance) -> list[str]:
    known = {
        "sku": {s.sku for s in instance.skus},
        "plant": {p.plant for p in instance.plants},
        "dc": {d.dc for d in instance.dcs},
        "supplier": {k.supplier for k in instance.suppliers},
        "demand_class": {c.demand_class for c in instance.demand_classes},
    }
    centres = {p.plant: {w.work_centre for w in p.work_centres} for p in instance.plants}
    refs = (
        [(f"routings[{i}]", {"sku": r.sku, "plant": r.plant}) for i, r in enumerate(instance.routings)]
        + [(f"lanes[{i}]", {"plant": ln.plant, "dc": ln.dc}) for i, ln in enumerate(instance.lanes)]
        + [(f"skus[{i}].material", {"supplier": s.material.supplier})
           for i, s in enumerate(instance.skus) if s.material]
        + [(f"{table}[{i}]", {"sku": r.sku, "dc": r.dc})
           for table in ("demand", "initial_inventory", "safety_stock", "in_transit")
           for i, r in enumerate(getattr(instance, table))]
        + [(f"demand[{i}]", {"demand_class": r.demand_class}) for i, r in enumerate(instance.demand) if r.demand_class]
    )  # fmt: skip
    unknown = [
        f"{where}: unknown {kind} {name!r}; add it to {kind}s or fix the spelling"
        for where, names in refs
        for kind, name in names.items()
        if name not in known[kind]
    ]
    resources: dict[str, list[dict[str, str]]] = {
        "plant_hours": [{"plant": p.plant} for p in instance.plants],
        "supplier": [{"supplier": k.supplier} for k in instance.suppliers],
        "lane": [{"plant": ln.plant, "dc": ln.dc} | ({"mode": ln.mode} if ln.mode else {}) for ln in instance.lanes],
        "storage": [{"dc": d.dc} for d in instance.dcs],
        "work_centre": [{"plant": p.plant, "work_centre": w.work_centre} for p in instance.plants
                        for w in p.work_centres],
    }
    return unknown + [
        f"routings[{i}].work_centre_hours: unknown work centre {wc!r} at plant {r.plant!r}; add it to the "
        f"plant's work_centres or fix the spelling"
        for i, r in enumerate(instance.routings)
        for wc in r.work_centre_hours
        if wc not in centres.get(r.plant, set())
    ] + [
        f"options[{i}] {o.option!r}: no {o.family} limit has the keys {o.keys}; name one as a binding limit "
        f"of that family does, e.g. {resources[o.family][0] if resources[o.family] else '(none in the instance)'}"
        for i, o in enumerate(instance.options)
        if o.keys not in resources[o.family]
    ]

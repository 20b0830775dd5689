"""The cost the supply-plan LP minimises (docs/SUPPLY_PLAN.md), in currency.

`objective_terms` prices every column with a cost; `elastic_penalty` prices a capacity overrun
in the elastic model far above any of them, so the diagnosis of an infeasible instance overruns
a limit only when no plan can avoid it.
"""

from __future__ import annotations

from sop.tools.supply.supply_plan import SupplyPlanInstance
from sop.tools.supply.supply_plan_layout import Layout
from sop.tools.supply.supply_plan_variables import Variables


def objective_terms(instance: SupplyPlanInstance, layout: Layout, v: Variables) -> list:
    """(column, currency per unit) for every column with a cost. A backorder costs its SKU's
    `backorder_penalty` for every month-end it is owed; one still owed at the end of the horizon
    is not served within the plan and costs the stream's lost-sale penalty as well."""
    skus, last = instance.skus, len(layout.periods) - 1
    streams = layout.streams
    return (
        [(i, skus[s].holding_cost) for s, by_dc in enumerate(v.inv) for row in by_dc for i in row]
        + [(o, plant.overtime_cost_per_hour) for plant, row in zip(instance.plants, v.o) for o in row]
        + [(u, streams[j].lost_penalty) for (j, _), u in v.unmet.items()]
        + [(x, routing.cost_per_unit) for routing, row in zip(instance.routings, v.x) for x in row]
        + [(y, instance.lanes[lane].cost_per_unit) for (_, _, lane), row in zip(layout.ships, v.y)
           for y in row if y is not None]
        + [(z, skus[s].ss_penalty) for (s, _, _), z in v.short.items()]
        + [(b, skus[streams[j].sku].backorder_penalty + (streams[j].lost_penalty if t == last else 0.0))
           for (j, t), b in v.back.items()]
        + [(e, instance.options[i].cost_per_unit) for (i, _), e in v.option_use.items()]
        + [(f, instance.options[i].fixed_cost) for i, f in v.option_taken.items()]
    )  # fmt: skip


def elastic_penalty(instance: SupplyPlanInstance) -> float:
    """Currency per unit of capacity overrun: a thousand times the dearest plan cost, so the
    elastic model overruns a limit only when no plan can avoid it."""
    top_premium = instance.priority_premium * (1 + len(instance.demand_classes))
    costs = (
        [s.holding_cost + s.unmet_penalty + top_premium + s.ss_penalty + s.backorder_penalty for s in instance.skus]
        + [r.cost_per_unit for r in instance.routings]
        + [ln.cost_per_unit for ln in instance.lanes]
        + [p.overtime_cost_per_hour for p in instance.plants]
    )
    return 1000.0 * (1.0 + max(costs))

"""The cost the supply-plan LP minimises (docs/SUPPLY_PLAN.md), in currency.

`column_costs` prices every column with a cost; `elastic_penalty` prices a capacity overrun
in the elastic model far above any of them, so the diagnosis of an infeasible instance overruns
a limit only when no plan can avoid it.
"""

from __future__ import annotations

import numpy as np

from sop.tools.supply.supply_plan import SupplyPlanInstance
from sop.tools.supply.supply_plan_columns import Columns
from sop.tools.supply.supply_plan_layout import Layout
from sop.tools.supply.supply_plan_matrix import put


def column_costs(instance: SupplyPlanInstance, layout: Layout, c: Columns) -> np.ndarray:
    """Currency per unit of every column (0 for lot counts and batch switches). A backorder
    costs its SKU's `backorder_penalty` for every month-end it is owed; one still owed at the end
    of the horizon is not served within the plan and costs the stream's lost-sale penalty as
    well."""
    skus, streams = instance.skus, layout.streams
    cost = np.zeros(c.count)
    put(cost, c.elastic, elastic_penalty(instance))
    put(cost, c.inv, np.array([s.holding_cost for s in skus])[:, None, None])
    put(cost, c.o, np.array([p.overtime_cost_per_hour for p in instance.plants]).reshape(-1, 1))
    lost = np.array([s.lost_penalty for s in streams]).reshape(-1, 1)
    put(cost, c.unmet, lost)
    put(cost, c.x, np.array([r.cost_per_unit for r in instance.routings]).reshape(-1, 1))
    lane_cost = np.array([ln.cost_per_unit for ln in instance.lanes])
    put(cost, c.y, lane_cost[[lane for _, _, lane in layout.ships]].reshape(-1, 1))
    put(cost, c.short, np.array([s.ss_penalty for s in skus])[:, None, None])
    late = np.array([skus[s.sku].backorder_penalty for s in streams]).reshape(-1, 1) + np.zeros(c.back.shape)
    if late.size:
        late[:, -1] += lost[:, 0]
    put(cost, c.back, late)
    put(cost, c.option_use, np.array([o.cost_per_unit for o in instance.options]).reshape(-1, 1))
    put(cost, c.option_taken, np.array([o.fixed_cost for o in instance.options]))
    return cost


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

"""The supply-plan model of docs/SUPPLY_PLAN.md, written as arrays and solved by HiGHS.

`build_model` writes the LP (a MIP with lot sizes, minimum batches or options with a fixed cost;
optionally with elastic capacity rows, for the diagnosis of an infeasible instance) from the
instance's layout (`supply_plan_layout.layout_of`): its columns (supply_plan_columns), cost
(supply_plan_objective), conservation rows (supply_plan_balance_rows), integer rows
(supply_plan_integer_rows) and capacity rows (supply_plan_capacity_rows), in that order.
`supply_plan_highs` solves it; `supply_plan_warm` re-solves a changed copy from the base's basis.
Units: columns in units per month (overtime in hours per month), objective in currency.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sop.tools.supply.supply_plan import SupplyPlanInstance
from sop.tools.supply.supply_plan_balance_rows import balance_rows, delay_rows, flow_rows, safety_rows
from sop.tools.supply.supply_plan_capacity_rows import Limit, capacity_rows, limit_count
from sop.tools.supply.supply_plan_columns import Columns, number_columns
from sop.tools.supply.supply_plan_integer_rows import batch_rows, most_useful, option_rows
from sop.tools.supply.supply_plan_layout import Layout
from sop.tools.supply.supply_plan_matrix import LpArrays, RowBlocks
from sop.tools.supply.supply_plan_objective import column_costs


@dataclass(frozen=True)
class SupplyModel:
    """The LP's arrays, its columns by family and its capacity rows by the keys a planner uses."""

    lp: LpArrays
    columns: Columns
    limits: list[Limit]

    @property
    def is_mip(self) -> bool:
        return bool(self.lp.integer.any())


def build_model(instance: SupplyPlanInstance, layout: Layout, elastic: bool = False) -> SupplyModel:
    """The LP (a MIP with lot sizes, minimum batches or options with a fixed cost) of SUPPLY_PLAN.md.

    With `elastic`, each hard capacity row gets a slack column priced far above any plan cost:
    the model is then always feasible, and the slack it uses names the limits the data cannot
    respect.
    """
    c = number_columns(instance, layout, limit_count(instance), elastic)
    b = RowBlocks()
    flow_rows(b, layout, c)
    balance_rows(b, layout, c)
    safety_rows(b, layout, c)
    delay_rows(b, layout, c)
    batch_rows(b, instance, layout, c)
    option_rows(b, instance, c)
    limits, reached = capacity_rows(b, instance, layout, c)
    upper = c.upper.copy()
    upper[c.option_use[(c.option_use >= 0) & ~reached]] = 0.0  # material ordered too late to arrive
    lots = c.lots >= 0
    if lots.any():  # no month makes more lots than its hours or all demand allow: a tighter MIP
        size = np.array([r.lot_size or 1.0 for r in instance.routings]).reshape(-1, 1)
        upper[c.lots[lots]] = np.floor(most_useful(instance, layout) / size + 1e-9)[lots]
    row_lower, row_upper = b.bounds()
    lp = LpArrays(cost=column_costs(instance, layout, c), col_lower=np.zeros(c.count), col_upper=upper,
                  row_lower=row_lower, row_upper=row_upper, matrix=b.matrix(c.count), integer=c.integer)
    return SupplyModel(lp, c, limits)

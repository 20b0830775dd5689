"""The supply-plan LP's integer rows (docs/SUPPLY_PLAN.md), the ones that make it a MIP.

A lot size makes a month's production a whole number of lots, a minimum batch makes it nothing
or at least the batch, and an option with a fixed cost is used only when its 0/1 switch is on.
Units: units per month; an option's use in the units of the capacity row it extends.
"""

from __future__ import annotations

import pulp

from sop.tools.supply.supply_plan import SupplyPlanInstance
from sop.tools.supply.supply_plan_balance_rows import equal_row
from sop.tools.supply.supply_plan_layout import Layout
from sop.tools.supply.supply_plan_variables import Variables


def batch_rows(instance: SupplyPlanInstance, layout: Layout, v: Variables) -> dict[str, pulp.LpConstraint]:
    """Lot sizes, x = lot_size · n with n whole; minimum batches, min_batch · w ≤ x ≤ M · w with
    w a 0/1 switch and M a bound no useful month's production exceeds (`_most_useful`)."""
    rows = {}
    for (r, t), n in v.lots.items():
        rows[f"lot_{r}_{t}"] = equal_row([(v.x[r][t], 1.0), (n, -float(instance.routings[r].lot_size or 0.0))], 0.0)
    for (r, t), w in v.batch.items():
        routing = instance.routings[r]
        least = float(routing.min_batch or 0.0)
        rows[f"batch_min_{r}_{t}"] = pulp.LpConstraint(
            pulp.LpAffineExpression([(v.x[r][t], 1.0), (w, -least)]), pulp.LpConstraintGE, rhs=0.0)
        rows[f"batch_max_{r}_{t}"] = pulp.LpConstraint(
            pulp.LpAffineExpression([(v.x[r][t], 1.0), (w, -_most_useful(instance, layout, r, t))]),
            pulp.LpConstraintLE, rhs=0.0)
    return rows


def _most_useful(instance: SupplyPlanInstance, layout: Layout, r: int, t: int) -> float:
    """Units of route r worth making in month t at most: the plant's regular and overtime hours
    allow no more, and beyond a minimum batch no plan makes more than all the SKU's demand and
    safety stock, plus a lot to round up to."""
    routing = instance.routings[r]
    s, p = layout.routes[r]
    useful = max(float(routing.min_batch or 0.0), float(layout.demand[s].sum() + layout.safety[s].sum()))
    bound = useful + float(routing.lot_size or 0.0)
    if routing.hours_per_unit > 0:
        plant = instance.plants[p]
        bound = min(bound, (plant.regular_hours[t] + plant.max_overtime_hours[t]) / routing.hours_per_unit)
    return max(bound, float(routing.min_batch or 0.0))


def option_rows(instance: SupplyPlanInstance, v: Variables) -> dict[str, pulp.LpConstraint]:
    """An option with a fixed cost is used only when taken: use ≤ amount · taken, each month."""
    return {
        f"option_{i}_{t}": pulp.LpConstraint(
            pulp.LpAffineExpression([(e, 1.0), (v.option_taken[i], -instance.options[i].amount[t])]),
            pulp.LpConstraintLE, rhs=0.0)
        for (i, t), e in v.option_use.items()
        if i in v.option_taken
    }

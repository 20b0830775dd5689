"""The supply-plan LP's integer rows (docs/SUPPLY_PLAN.md), the ones that make it a MIP.

A lot size makes a month's production a whole number of lots, a minimum batch makes it nothing
or at least the batch, and an option with a fixed cost is used only when its 0/1 switch is on.
Units: units per month; an option's use in the units of the capacity row it extends.
"""

from __future__ import annotations

import numpy as np

from sop.tools.supply.supply_plan import SupplyPlanInstance
from sop.tools.supply.supply_plan_columns import Columns, per_month
from sop.tools.supply.supply_plan_layout import Layout
from sop.tools.supply.supply_plan_matrix import INF, RowBlocks


def batch_rows(b: RowBlocks, instance: SupplyPlanInstance, layout: Layout, c: Columns) -> None:
    """Lot sizes, x = lot_size · n with n whole; minimum batches, min_batch · w ≤ x ≤ M · w with
    w a 0/1 switch and M a bound no useful month's production exceeds (`most_useful`), the
    two rows of a month side by side."""
    lot = np.array([r.lot_size or 0.0 for r in instance.routings], dtype=float).reshape(-1, 1)
    where = c.lots >= 0
    rows = b.open(0.0, 0.0, (int(where.sum()),))
    b.add(rows, c.x[where], 1.0)
    b.add(rows, c.lots[where], -np.broadcast_to(lot, c.lots.shape)[where])
    where = c.batch >= 0
    if not where.any():
        return
    n = int(where.sum())
    rows = b.open(np.array([0.0, -INF]), np.array([INF, 0.0]), (n, 2))  # x ≥ least · w, x ≤ M · w
    least = np.array([r.min_batch or 0.0 for r in instance.routings], dtype=float).reshape(-1, 1)
    b.add(rows, c.x[where][:, None], 1.0)
    b.add(rows[:, 0], c.batch[where], -np.broadcast_to(least, c.batch.shape)[where])
    b.add(rows[:, 1], c.batch[where], -most_useful(instance, layout)[where])


def most_useful(instance: SupplyPlanInstance, layout: Layout) -> np.ndarray:
    """Units of each route worth making in each month at most (route, month): the plant's
    regular and overtime hours allow no more, and beyond a minimum batch no plan makes more than
    all the SKU's demand and safety stock, plus a lot to round up to."""
    T = len(layout.periods)
    hours = per_month([p.regular_hours for p in instance.plants], T) + per_month(
        [p.max_overtime_hours for p in instance.plants], T)
    bounds = np.empty((len(instance.routings), T))
    for r, (routing, (s, p)) in enumerate(zip(instance.routings, layout.routes, strict=True)):
        least = float(routing.min_batch or 0.0)
        bound = np.full(T, max(least, float(layout.demand[s].sum() + layout.safety[s].sum()))
                        + float(routing.lot_size or 0.0))
        if routing.hours_per_unit > 0:
            bound = np.minimum(bound, hours[p] / routing.hours_per_unit)
        bounds[r] = np.maximum(bound, least)
    return bounds


def option_rows(b: RowBlocks, instance: SupplyPlanInstance, c: Columns) -> None:
    """An option with a fixed cost is used only when taken: use ≤ amount · taken, each month."""
    taken = np.broadcast_to(c.option_taken[:, None], c.option_use.shape)
    where = (c.option_use >= 0) & (taken >= 0)
    amount = per_month([o.amount for o in instance.options], len(instance.periods))
    rows = b.open(-INF, 0.0, (int(where.sum()),))
    b.add(rows, c.option_use[where], 1.0)
    b.add(rows, taken[where], -amount[where])

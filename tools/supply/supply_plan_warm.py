"""Warm re-solves of the supply-plan LP from the last HiGHS basis (docs/SUPPLY_PLAN.md).

A what-if that moves a few limits, demands or costs changes only numbers HiGHS can change in
place, so dual simplex can start from the solved plan's basis; anything else (another matrix, a
MIP, a large share of the numbers changed) is left to a cold solve.
"""

from __future__ import annotations

import numpy as np

from sop.tools.supply.supply_plan_highs import Solved, run_highs
from sop.tools.supply.supply_plan_matrix import LpArrays

# A warm re-solve runs simplex on the whole LP (HiGHS skips presolve when it has a basis), so it
# pays for a what-if that moves a few limits, not for a scenario that moves every month's demand
# (bench/supply_plan.py --warm: at 200 SKUs a ±10 % demand scenario re-solved from the base basis
# took longer than cold). Above this share of changed bounds and costs, solve cold.
WARM_SHARE = 0.02


def resolve_warm(last: Solved, lp: LpArrays) -> Solved | None:
    """Solve `lp` on the HiGHS object of the `last` solve, starting from its basis, when the two
    differ only in a few numbers HiGHS can change in place (column and row bounds, costs: at
    most `WARM_SHARE` of them); None when the matrix or the columns differ, the last solve was a
    MIP or had no plan, or much has changed: a cold solve is better. Dual simplex from the last
    basis (interior point would start over). The last solve's HiGHS object then holds `lp`."""
    old, highs = last.lp, last.highs
    if last.status != "optimal" or old.integer.any() or not _same_structure(old, lp):
        return None
    cols = np.flatnonzero((lp.col_lower != old.col_lower) | (lp.col_upper != old.col_upper))
    rows = np.flatnonzero((lp.row_lower != old.row_lower) | (lp.row_upper != old.row_upper))
    priced = np.flatnonzero(lp.cost != old.cost)
    if cols.size + rows.size + priced.size > WARM_SHARE * (len(lp.cost) + len(lp.row_lower)):
        return None
    if cols.size:
        highs.changeColsBounds(cols.size, cols.astype(np.int32), lp.col_lower[cols], lp.col_upper[cols])
    if rows.size:  # in highspy, missing from its type stubs
        highs.changeRowsBounds(  # type: ignore[attr-defined]
            rows.size, rows.astype(np.int32), lp.row_lower[rows], lp.row_upper[rows])
    if priced.size:
        highs.changeColsCost(priced.size, priced.astype(np.int32), lp.cost[priced])
    return run_highs(highs, lp, {"solver": "simplex"}, warm=True)


def _same_structure(old: LpArrays, new: LpArrays) -> bool:
    """The same columns, the same integrality and the same matrix."""
    a, b = old.matrix, new.matrix
    return (a.shape == b.shape and np.array_equal(old.integer, new.integer)
            and np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
            and np.array_equal(a.data, b.data))

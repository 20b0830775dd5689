"""Warm re-solves of the supply-plan LP from the last HiGHS basis (docs/SUPPLY_PLAN.md).

A what-if that moves a few limits, demands or costs changes only numbers HiGHS can change in
place, so dual simplex can start from the solved plan's basis; anything else (another matrix, a
MIP, a large share of the numbers changed) is left to a cold solve.
"""

from __future__ import annotations

import numpy as np
import pulp

from sop.tools.supply.supply_plan_highs import HighsModel, model_arrays, run_highs
from sop.tools.supply.supply_plan_result_rows import Status

# A warm re-solve runs simplex on the whole LP (HiGHS skips presolve when it has a basis), so it
# pays for a what-if that moves a few limits, not for a scenario that moves every month's demand
# (bench/supply_plan.py --warm: at 200 SKUs a ±10 % demand scenario re-solved from the base basis
# took longer than cold). Above this share of changed bounds and costs, solve cold.
WARM_SHARE = 0.02


def resolve_warm(base: pulp.LpProblem, problem: pulp.LpProblem) -> Status | None:
    """Solve `problem` on the HiGHS model of the solved `base`, starting from its basis, when the
    two differ only in a few numbers HiGHS can change in place (column and row bounds, costs: at
    most `WARM_SHARE` of them); None when the matrix or the columns differ or much has changed,
    and a cold solve is better. Dual simplex from the last basis (interior point would start
    over)."""
    old: HighsModel | None = getattr(base, "highs_model", None)
    if old is None or old.highs is None or old.integer.any():
        return None
    new = model_arrays(problem)
    if not _same_structure(old, new):
        return None
    highs = old.highs
    cols = np.flatnonzero((new.col_lower != old.col_lower) | (new.col_upper != old.col_upper))
    rows = np.flatnonzero((new.row_lower != old.row_lower) | (new.row_upper != old.row_upper))
    priced = np.flatnonzero(new.cost != old.cost)
    if cols.size + rows.size + priced.size > WARM_SHARE * (len(new.columns) + len(new.rows)):
        return None
    if cols.size:
        highs.changeColsBounds(cols.size, cols.astype(np.int32), new.col_lower[cols], new.col_upper[cols])
    if rows.size:  # in highspy, missing from its type stubs
        highs.changeRowsBounds(  # type: ignore[attr-defined]
            rows.size, rows.astype(np.int32), new.row_lower[rows], new.row_upper[rows])
    if priced.size:
        highs.changeColsCost(priced.size, priced.astype(np.int32), new.cost[priced])
    old.cost, old.col_lower, old.col_upper = new.cost, new.col_lower, new.col_upper
    old.row_lower, old.row_upper = new.row_lower, new.row_upper
    old.columns, old.rows = new.columns, new.rows
    status = run_highs(problem, old, {"solver": "simplex"})
    setattr(problem, "highs_model", old)  # noqa: B010
    setattr(base, "highs_model", None)  # noqa: B010 - the solver now holds the re-solved problem
    return status


def _same_structure(old: HighsModel, new: HighsModel) -> bool:
    """The same columns in the same order, the same integrality and the same matrix."""
    if old.matrix.shape != new.matrix.shape or not np.array_equal(old.integer, new.integer):
        return False
    if [c.name for c in old.columns] != [c.name for c in new.columns]:
        return False
    a, b = old.matrix, new.matrix
    return (np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
            and np.array_equal(a.data, b.data))

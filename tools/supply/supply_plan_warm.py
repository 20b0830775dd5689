"""Warm re-solves of the supply-plan LP from the base plan's HiGHS basis (docs/SUPPLY_PLAN.md).

A what-if that moves a few limits, demands or costs changes only numbers HiGHS can change in
place, so dual simplex can start from the base's optimal basis (`WarmStart`), whatever what-if
the HiGHS object solved last. A base solved in presolved form (interior-point sizes) has its
what-ifs presolved too; when the two presolved LPs differ only in numbers, the what-if's is
re-solved from the base's presolved basis and postsolved through its own presolve. Anything
else (another matrix, a MIP, much changed) is left to a cold solve.
"""

from __future__ import annotations

import numpy as np

from sop.tools.supply.supply_plan_highs import (
    WARM_LARGE_OPTIONS,
    WARM_OPTIONS,
    Solved,
    WarmStart,
    postsolve,
    presolve,
    run_highs,
)
from sop.tools.supply.supply_plan_matrix import LpArrays

# A warm re-solve runs dual simplex from the base's basis: it pays for a what-if that moves a
# few limits, not for a scenario that moves every month's demand (bench/supply_plan.py --warm:
# at 200 SKUs a ±10 % demand scenario re-solved from the base basis took longer than cold).
# Above this share of bounds and costs changed from the base, solve cold.
WARM_SHARE = 0.02


def resolve_warm(start: WarmStart, lp: LpArrays) -> Solved | None:
    """Solve `lp` from `start`'s base basis when it differs from the base LP only in a few
    numbers HiGHS can change in place (column and row bounds, costs: at most `WARM_SHARE` of
    them); None when the matrix or the columns differ or much has changed: a cold solve is
    better. The solve carries `start` on, for the next what-if."""
    if not start.presolved:
        if not _move_to(start, lp):
            return None
        solved = run_highs(start.highs, lp, WARM_OPTIONS, warm=True)
    else:
        original, reduced = presolve(lp)
        if reduced is None or not _move_to(start, reduced):
            return None
        inner = run_highs(start.highs, reduced, WARM_LARGE_OPTIONS, warm=True)
        solved = postsolve(original, lp, start.highs, warm=True) if inner.status == "optimal" else inner
        solved.lp = lp
    solved.start = start
    return solved


def _move_to(start: WarmStart, lp: LpArrays) -> bool:
    """Change the LP `start` holds into `lp` and put the base's basis back; False, with nothing
    changed, when `lp` is not the base LP with a few numbers changed."""
    base, held, highs = start.base, start.held, start.highs
    if not _same_structure(base, lp):
        return False
    if sum(d.size for d in _differences(base, lp)) > WARM_SHARE * (len(lp.cost) + len(lp.row_lower)):
        return False
    cols, rows, priced = _differences(held, lp)
    if cols.size:
        highs.changeColsBounds(cols.size, cols.astype(np.int32), lp.col_lower[cols], lp.col_upper[cols])
    if rows.size:  # in highspy, missing from its type stubs
        highs.changeRowsBounds(  # type: ignore[attr-defined]
            rows.size, rows.astype(np.int32), lp.row_lower[rows], lp.row_upper[rows])
    if priced.size:
        highs.changeColsCost(priced.size, priced.astype(np.int32), lp.cost[priced])
    if held is not base:  # the last what-if's basis: start from the base's instead
        highs.setBasis(start.basis)
    start.held = lp
    return True


def _differences(old: LpArrays, new: LpArrays) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The columns whose bounds differ, the rows whose bounds differ, the columns whose cost does."""
    return (np.flatnonzero((new.col_lower != old.col_lower) | (new.col_upper != old.col_upper)),
            np.flatnonzero((new.row_lower != old.row_lower) | (new.row_upper != old.row_upper)),
            np.flatnonzero(new.cost != old.cost))


def _same_structure(old: LpArrays, new: LpArrays) -> bool:
    """The same columns, the same integrality and the same matrix."""
    a, b = old.matrix, new.matrix
    return (a.shape == b.shape and np.array_equal(old.integer, new.integer)
            and np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
            and np.array_equal(a.data, b.data))

"""The supply-plan LP handed to HiGHS and solved (docs/SUPPLY_PLAN.md).

`solve_cold` passes the LP's arrays to HiGHS as one sparse column-wise matrix, with options
chosen by the LP's size (`highs_options`), runs it quietly and reads the solution out. An LP's
solve keeps what a what-if re-solve starts from (`WarmStart`, used by supply_plan_warm.py): the
HiGHS object and the optimal basis; at interior-point sizes, those of the LP HiGHS's presolve
leaves, solved apart and postsolved, because HiGHS skips presolve once it has a basis. A MIP may
first get a plan to start from (supply_plan_mip_start.py) within the same time limit.
"""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import highspy
import numpy as np
import scipy.sparse as sp

from sop.tools.supply.supply_plan_instance_parts import MipSettings
from sop.tools.supply.supply_plan_matrix import LpArrays
from sop.tools.supply.supply_plan_result_rows import Status

if TYPE_CHECKING:
    from sop.tools.supply.supply_plan_mip_start import Start

# HiGHS options, chosen by the size of this LP (a multi-period transport model whose SKUs are
# coupled only by a few plant, supplier, lane and storage rows):
# - below IPM_FROM_COLUMNS columns, HiGHS's defaults (presolve, then its own choice, dual
#   simplex here): on the demo's 200 SKUs interior point + crossover took 3.2 s against 0.84 s
#   (the issue measured 4.9x); on the seeded benchmark instances the two were even at 200 and
#   500 SKUs (3.4 s against 3.2 s, 11.6 s against 12.3 s, 2026-12-06);
# - from there on, interior point with crossover (`IPM_OPTIONS`): at 1,000 SKUs it took 32.6 s
#   against 34.6 s (earlier 37 s against 50 s for dual simplex), its iteration
#   count does not depend on the column order (dual simplex took 50 s or 65 s on the same LP in
#   two column orders), and crossover still ends at a vertex, so binding rows have zero slack
#   and the row duals are vertex shadow prices. PDLP (first order) was 5x slower and less
#   accurate. Presolve stays on in both: it removes a fifth of the rows and columns.
# bench/supply_plan.py measures both against a direct sparse build with HiGHS's defaults.
IPM_OPTIONS = {"presolve": "on", "solver": "ipm", "run_crossover": "on"}
IPM_FROM_COLUMNS = 200_000  # about 750 SKUs × 18 months on 2 plants and 3 DCs
# A what-if re-solve (supply_plan_warm.py) runs dual simplex from the base's basis; at
# interior-point sizes HiGHS's parallel dual simplex (SIP, `simplex_strategy` 2, on HiGHS's
# threads): at 2,000 SKUs it took 21-32 % less time than the serial one on 2 cores, with the
# same iterations (bench/RESULTS.md, 2026-12-07).
WARM_OPTIONS: dict[str, str | float] = {"solver": "simplex"}
WARM_LARGE_OPTIONS: dict[str, str | float] = WARM_OPTIONS | {"simplex_strategy": 2}
# A MIP's first plan (supply_plan_mip_start.py) may take up to this share of its time limit;
# HiGHS gets the rest. At 200 SKUs the plan takes 10-13 s of the 60 s on a loaded machine, and
# from it HiGHS mostly raises its bound (by 0.1 %) and seldom finds a better plan; at 500 SKUs
# the plan needs about a minute and HiGHS on its own finds no plan at all in 60 s, so the plan
# gets nearly all the time there.
START_SHARE = 0.9


def highs_options(n_columns: int) -> dict[str, str]:
    """The HiGHS options for an LP of `n_columns` columns (see above)."""
    return dict(IPM_OPTIONS) if n_columns >= IPM_FROM_COLUMNS else {}


@functools.cache
def _silence_banner() -> None:
    """highspy prints its banner to the C-level stdout when a process makes its first Highs
    object, before `output_flag` can be set off; make that first one with stdout
    pointed at /dev/null, so the solver prints nothing. The LP and its options are unchanged."""
    sys.stdout.flush()
    saved, devnull = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


@dataclass
class WarmStart:
    """What what-ifs re-solve from (supply_plan_warm.py): the HiGHS object that solved the `base`
    LP, the optimal `basis` it found, and the LP the object holds now (`held`: the base, or the
    last what-if re-solved on it). With `presolved`, these are the presolved forms."""

    highs: highspy.Highs
    base: LpArrays
    basis: highspy.HighsBasis
    held: LpArrays
    presolved: bool = False


@dataclass
class Solved:
    """A model HiGHS has run: the solver, which still holds the model, the arrays it was given,
    the status, and the solution (values and duals of columns and rows; empty unless there is a
    plan). `warm` says whether the run started from a base's basis; `start`, kept by an optimal
    LP, is what what-ifs can start from."""

    highs: highspy.Highs
    lp: LpArrays
    status: Status
    col_value: np.ndarray
    col_dual: np.ndarray
    row_value: np.ndarray
    row_dual: np.ndarray
    warm: bool = False
    mip_bound: float | None = None  # a MIP started from a plan: the best bound proved (currency)
    start: WarmStart | None = None

    @property
    def objective(self) -> float:
        return float(self.lp.cost @ self.col_value)


def pass_model(lp: LpArrays) -> highspy.Highs:
    """A quiet `highspy.Highs` holding the LP, handed over as one column-wise matrix."""
    _silence_banner()
    model = highspy.HighsLp()
    model.num_col_, model.num_row_ = len(lp.cost), len(lp.row_lower)
    model.col_cost_, model.col_lower_, model.col_upper_ = lp.cost, lp.col_lower, lp.col_upper
    model.row_lower_, model.row_upper_ = lp.row_lower, lp.row_upper
    model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    matrix = lp.matrix
    model.a_matrix_.start_, model.a_matrix_.index_, model.a_matrix_.value_ = matrix.indptr, matrix.indices, matrix.data
    if lp.integer.any():
        model.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                              for i in lp.integer]
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.passModel(model)
    return highs


_HIGHS_STATUS: dict[highspy.HighsModelStatus, Status] = {
    highspy.HighsModelStatus.kOptimal: "optimal",
    highspy.HighsModelStatus.kInfeasible: "infeasible",
    highspy.HighsModelStatus.kUnbounded: "unbounded",
    highspy.HighsModelStatus.kUnboundedOrInfeasible: "infeasible",
}
# A MIP stopped by its limits still has a plan when HiGHS found a feasible one.
_STOPPED = (highspy.HighsModelStatus.kTimeLimit, highspy.HighsModelStatus.kIterationLimit,
            highspy.HighsModelStatus.kInterrupt)


def run_highs(highs: highspy.Highs, lp: LpArrays, options: dict[str, str | float], warm: bool = False) -> Solved:
    """Run HiGHS on the model it holds with these options, and read the solution out."""
    for option, value in options.items():
        highs.setOptionValue(option, value)
    highs.run()
    return read_solved(highs, lp, warm)


def read_solved(highs: highspy.Highs, lp: LpArrays, warm: bool) -> Solved:
    """The status and solution HiGHS holds for `lp`."""
    code = highs.getModelStatus()
    status = _HIGHS_STATUS.get(code, "error")
    if code in _STOPPED and highs.getInfo().primal_solution_status == 2:  # kSolutionStatusFeasible
        status = "optimal"
    empty = np.zeros(0)
    if status != "optimal":
        return Solved(highs, lp, status, empty, empty, empty, empty, warm)
    solution = highs.getSolution()
    return Solved(highs, lp, status, np.asarray(solution.col_value), np.asarray(solution.col_dual),
                  np.asarray(solution.row_value), np.asarray(solution.row_dual), warm)


def solve_cold(lp: LpArrays, mip: MipSettings, start: Callable[[float], Start | None] | None = None) -> Solved:
    """Solve from scratch, quietly, with the options for the LP's size; a MIP stops at `mip`'s
    time limit or relative gap, whichever comes first. A MIP with `start` first asks it for a
    plan (given a share of the time limit, `START_SHARE`) and hands that to HiGHS as its
    incumbent (`solve_from_start`). An optimal LP keeps its `WarmStart`; at interior-point sizes
    it is solved in its presolved form."""
    options: dict[str, str | float] = dict(highs_options(len(lp.cost)))
    if lp.integer.any():
        if start is not None:
            return solve_from_start(lp, mip, options, start)
        options |= {"time_limit": float(mip.time_limit_seconds), "mip_rel_gap": float(mip.mip_rel_gap)}
        return run_highs(pass_model(lp), lp, options)
    if options:  # interior-point size: solved in presolved form, kept for what-ifs
        solved = _solve_presolved(lp, options)
        if solved is not None:
            return solved
    highs = pass_model(lp)
    solved = run_highs(highs, lp, options)
    if solved.status == "optimal":
        solved.start = WarmStart(highs, lp, highs.getBasis(), lp)
    return solved


def presolve(lp: LpArrays) -> tuple[highspy.Highs, LpArrays | None]:
    """The LP handed to HiGHS and presolved: the object, which can postsolve a solution of the
    presolved LP into one of `lp` (`postsolve`), and the presolved LP's arrays; None when
    presolve left no LP to solve (nothing or everything removed, or proved infeasible)."""
    highs = pass_model(lp)
    highs.presolve()
    if highs.getModelPresolveStatus() != highspy.HighsPresolveStatus.kReduced:
        return highs, None
    p = highs.getPresolvedLp()
    if p.a_matrix_.format_ != highspy.MatrixFormat.kColwise:
        return highs, None
    matrix = sp.csc_matrix((np.asarray(p.a_matrix_.value_), np.asarray(p.a_matrix_.index_),
                            np.asarray(p.a_matrix_.start_)), shape=(p.num_row_, p.num_col_))
    return highs, LpArrays(cost=np.asarray(p.col_cost_), col_lower=np.asarray(p.col_lower_),
                           col_upper=np.asarray(p.col_upper_), row_lower=np.asarray(p.row_lower_),
                           row_upper=np.asarray(p.row_upper_), matrix=matrix,
                           integer=np.zeros(p.num_col_, dtype=bool))


def postsolve(original: highspy.Highs, lp: LpArrays, inner: highspy.Highs, warm: bool) -> Solved:
    """`lp`'s solution, from the optimal solution and basis of its presolved form that `inner`
    holds, through the presolve `original` ran."""
    original.postsolve(inner.getSolution(), inner.getBasis())
    return read_solved(original, lp, warm)


def _solve_presolved(lp: LpArrays, options: dict[str, str | float]) -> Solved | None:
    """`lp` presolved, its presolved form solved on a HiGHS object of its own (kept, with its
    basis, for what-ifs) and the solution postsolved; None when presolve leaves nothing to solve
    apart or the presolved form has no optimum (the plain solve then says why)."""
    original, reduced = presolve(lp)
    if reduced is None:
        return None
    inner = pass_model(reduced)
    if run_highs(inner, reduced, options | {"presolve": "off"}).status != "optimal":
        return None
    solved = postsolve(original, lp, inner, warm=False)
    if solved.status != "optimal":
        return None
    solved.start = WarmStart(inner, reduced, inner.getBasis(), reduced, presolved=True)
    return solved


def solve_from_start(lp: LpArrays, mip: MipSettings, options: dict[str, str | float],
                     start: Callable[[float], Start | None]) -> Solved:
    """The MIP solved by HiGHS from `start`'s plan, all within `mip`'s time limit. The plan
    returned is HiGHS's best, or the start's when HiGHS has none better; `mip_bound` is the
    better of HiGHS's bound and the LP relaxation's, both proved, so the gap is honest."""
    began = time.perf_counter()
    first = start(START_SHARE * mip.time_limit_seconds)
    left = mip.time_limit_seconds - (time.perf_counter() - began)
    highs = pass_model(lp)
    if first is not None:
        highs.setSolution(len(first.col_value), np.arange(len(first.col_value), dtype=np.int32), first.col_value)
    options |= {"time_limit": max(left, 1e-3), "mip_rel_gap": float(mip.mip_rel_gap)}
    solved = run_highs(highs, lp, options)
    if first is None:
        return solved
    bound = highs.getInfo().mip_dual_bound
    solved.mip_bound = max(first.bound, float(bound)) if np.isfinite(bound) else first.bound
    if solved.status == "optimal" and solved.objective <= first.objective:
        return solved
    no_duals = np.zeros(len(lp.row_lower))  # a MIP has no shadow prices
    return Solved(highs, lp, "optimal", first.col_value, np.zeros(len(lp.cost)), lp.matrix @ first.col_value,
                  no_duals, mip_bound=solved.mip_bound)

"""The supply-plan LP handed to HiGHS and solved (docs/SUPPLY_PLAN.md).

`solve_model` passes the PuLP problem to HiGHS as one sparse column-wise matrix, with options
chosen by the LP's size (`highs_options`), runs it quietly and writes the solution back into
PuLP's variables and constraints; the HiGHS model stays on the problem for a warm re-solve
(supply_plan_warm.py).
"""

from __future__ import annotations

import functools
import os
import sys
from dataclasses import dataclass

import highspy
import numpy as np
import pulp
import scipy.sparse as sp

from sop.tools.supply.supply_plan_instance_parts import MipSettings
from sop.tools.supply.supply_plan_result_rows import Status

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
class HighsModel:
    """A PuLP problem handed to HiGHS as one column-wise matrix (`passModel`), kept with the
    solver so that a re-solve whose numbers changed (bounds, right-hand sides, costs) starts from
    the last basis. `columns` and `rows` are the problem's variables and constraints in HiGHS's
    order; the arrays are what was passed, to find what a re-solve changes."""

    highs: highspy.Highs | None
    columns: list[pulp.LpVariable]
    rows: list[pulp.LpConstraint]
    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    matrix: sp.csc_matrix
    integer: np.ndarray


def _bound(value: float | None, infinite: float) -> float:
    return infinite if value is None else float(value)


def highs_model(problem: pulp.LpProblem) -> HighsModel:
    """The problem as arrays and a `highspy.Highs` holding it: one pass over the constraints'
    coefficients into a sparse matrix, instead of a call into HiGHS per column and per row."""
    model = model_arrays(problem)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = len(model.columns), len(model.rows)
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = model.cost, model.col_lower, model.col_upper
    lp.row_lower_, lp.row_upper_ = model.row_lower, model.row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    matrix = model.matrix
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = matrix.indptr, matrix.indices, matrix.data
    if model.integer.any():
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                           for i in model.integer]
    model.highs = highspy.Highs()
    model.highs.setOptionValue("output_flag", False)
    model.highs.passModel(lp)
    return model


def model_arrays(problem: pulp.LpProblem) -> HighsModel:
    """The problem's columns, rows, costs, bounds and matrix as arrays, in HiGHS's order (the
    columns sorted by name, as PuLP hands them over)."""
    columns = problem.variables()
    for i, column in enumerate(columns):
        column._highs_index = i
    rows = list(problem.constraints())
    lengths = np.fromiter((len(row) for row in rows), dtype=np.int64, count=len(rows))
    row_ix = np.repeat(np.arange(len(rows), dtype=np.int64), lengths)
    col_ix = np.fromiter((v._highs_index for row in rows for v in row), dtype=np.int64,
                         count=int(lengths.sum()))
    values = np.fromiter((a for row in rows for a in row.values()), dtype=float, count=int(lengths.sum()))
    matrix = sp.csc_matrix((values, (row_ix, col_ix)), shape=(len(rows), len(columns)))
    inf = highspy.kHighsInf
    return HighsModel(
        highs=None,
        columns=columns,
        rows=rows,
        cost=np.fromiter((problem.objective.get(v, 0.0) for v in columns), dtype=float, count=len(columns)),
        col_lower=np.fromiter((_bound(v.lowBound, -inf) for v in columns), dtype=float, count=len(columns)),
        col_upper=np.fromiter((_bound(v.upBound, inf) for v in columns), dtype=float, count=len(columns)),
        row_lower=np.fromiter((_bound(r.getLb(), -inf) for r in rows), dtype=float, count=len(rows)),
        row_upper=np.fromiter((_bound(r.getUb(), inf) for r in rows), dtype=float, count=len(rows)),
        matrix=matrix,
        integer=np.fromiter((v.cat == pulp.LpInteger for v in columns), dtype=bool, count=len(columns)),
    )


_HIGHS_STATUS: dict[highspy.HighsModelStatus, Status] = {
    highspy.HighsModelStatus.kOptimal: "optimal",
    highspy.HighsModelStatus.kInfeasible: "infeasible",
    highspy.HighsModelStatus.kUnbounded: "unbounded",
    highspy.HighsModelStatus.kUnboundedOrInfeasible: "infeasible",
}
# A MIP stopped by its limits still has a plan when HiGHS found a feasible one.
_STOPPED = (highspy.HighsModelStatus.kTimeLimit, highspy.HighsModelStatus.kIterationLimit,
            highspy.HighsModelStatus.kInterrupt)


def run_highs(problem: pulp.LpProblem, model: HighsModel, options: dict[str, str | float]) -> Status:
    """Run HiGHS on the model with these options and write the solution back into the PuLP
    problem's variables (value, reduced cost) and constraints (slack, dual), as PuLP would."""
    highs = model.highs
    assert highs is not None, "hand the model to HiGHS first (highs_model)"
    for option, value in options.items():
        highs.setOptionValue(option, value)
    highs.run()
    code = highs.getModelStatus()
    status = _HIGHS_STATUS.get(code, "error")
    if code in _STOPPED and highs.getInfo().primal_solution_status == 2:  # kSolutionStatusFeasible
        status = "optimal"
    problem.solverModel = highs
    if status != "optimal":
        return status
    solution = highs.getSolution()
    for column, value, reduced in zip(model.columns, solution.col_value, solution.col_dual, strict=True):
        column.varValue, column.dj = value, reduced
    for row, activity, dual in zip(model.rows, solution.row_value, solution.row_dual, strict=True):
        slack = row.constant + activity
        row.slack, row.pi = (-slack if row.sense == pulp.LpConstraintLE else slack), dual
    return status


def solve_model(problem: pulp.LpProblem, mip: MipSettings | None = None) -> Status:
    """Solve in place with HiGHS, quietly, with the options for its size; a MIP (`mip` given)
    stops at its time limit or relative gap, whichever comes first. The model is kept on the
    problem (`problem.highs_model`) for warm re-solves."""
    _silence_banner()
    model = highs_model(problem)
    setattr(problem, "highs_model", model)  # noqa: B010 - PuLP's problem has no slot for it
    options: dict[str, str | float] = dict(highs_options(len(model.columns)))
    if mip is not None:
        options |= {"time_limit": float(mip.time_limit_seconds), "mip_rel_gap": float(mip.mip_rel_gap)}
    return run_highs(problem, model, options)

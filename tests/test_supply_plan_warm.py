"""What-ifs re-solved from the base plan's basis (supply_plan_warm.py), the LP as it is and, at
interior-point sizes, in the form HiGHS's presolve leaves: each against the independent direct
build (tests/lp_reference.py) solved cold, and each from the base, not the last what-if."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lp_instances import generate_instance
from lp_reference import solve_direct

from sop.tools.supply import supply_plan_highs
from sop.tools.supply.supply_plan import SupplyPlanInstance
from sop.tools.supply.supply_plan_solve import WarmSolver, solve_from

FORMS = ["as built", "presolved"]


@pytest.fixture(params=FORMS)
def form(request, monkeypatch):
    """'presolved': every LP counts as interior-point size, so it is solved in presolved form."""
    if request.param == "presolved":
        monkeypatch.setattr(supply_plan_highs, "IPM_FROM_COLUMNS", 0)
    return request.param


def _base() -> SupplyPlanInstance:
    return generate_instance(20, seed=3, n_months=8)


def _what_ifs(base: SupplyPlanInstance, hours: float = 1.2, supply: float = 1.2) -> list[SupplyPlanInstance]:
    """More regular hours at P1 (months 3-5), more overtime at P2, more from supplier S1, and a
    promotion that moves demand of the first SKU's rows from month 4 to month 6."""
    shift, overtime, source, promotion = (base.model_copy(deep=True) for _ in range(4))
    for t in range(3, 6):
        shift.plants[0].regular_hours[t] *= hours
        overtime.plants[1].max_overtime_hours[t] *= 1.5
        source.suppliers[0].capacity[t] *= supply
    for row in promotion.demand:
        if row.sku == promotion.demand[0].sku:
            row.qty[6], row.qty[4] = row.qty[6] + row.qty[4] / 2, row.qty[4] / 2
    return [shift, overtime, source, promotion]


def _dual_gap(solved) -> float:
    """Primal objective less the dual objective HiGHS's row and column duals prove, relative;
    the duals must also price every column: cost = Aᵀ·row dual + column dual."""
    lp = solved.lp
    assert np.allclose(lp.cost - lp.matrix.T @ solved.row_dual, solved.col_dual, atol=1e-6)

    def side(dual, lower, upper):  # a dual on an infinite bound would make the gap infinite
        used = np.abs(dual) > 1e-9
        return float(dual[used] @ np.where(dual > 0, lower, upper)[used])

    dual = side(solved.row_dual, lp.row_lower, lp.row_upper) + side(solved.col_dual, lp.col_lower, lp.col_upper)
    return abs(solved.objective - dual) / max(1.0, abs(solved.objective))


def test_a_large_lp_is_solved_in_presolved_form_with_proved_duals(monkeypatch):
    monkeypatch.setattr(supply_plan_highs, "IPM_FROM_COLUMNS", 0)
    instance = _base()
    result, solved = solve_from(instance, None)
    assert solved.start is not None and solved.start.presolved
    assert solved.start.base.matrix.shape[1] < len(solved.lp.cost)  # presolve removed columns
    assert result.objective == pytest.approx(solve_direct(instance, options={}).objective, rel=1e-9)
    assert _dual_gap(solved) < 1e-9  # postsolve gave back shadow prices that prove the optimum


def test_each_what_if_starts_from_the_base_and_matches_a_cold_solve(form):
    warm = WarmSolver()
    warm(_base())
    what_ifs = _what_ifs(_base())
    for instance in what_ifs:
        assert warm(instance).objective == pytest.approx(solve_direct(instance, options={}).objective, rel=1e-9)
    assert warm.warm == len(what_ifs)


def test_the_same_what_if_twice_starts_from_the_base_both_times(form):
    _, base = solve_from(_base(), None)
    assert base.start is not None
    shift = _what_ifs(_base())[0]
    iterations = []
    for _ in range(2):
        result, solved = solve_from(shift, base)
        assert solved.warm and result.objective is not None and result.objective < base.objective  # more hours
        assert _dual_gap(solved) < 1e-9
        iterations.append(base.start.highs.getInfo().simplex_iteration_count)
    assert min(iterations) > 0  # from its own optimum (the last solve) it would take none


@settings(max_examples=12, deadline=None)
@given(form=st.sampled_from(FORMS), hours=st.floats(0.6, 1.6), supply=st.floats(0.5, 1.5))
def test_a_warm_re_solve_reaches_the_cold_optimum(form, hours, supply):
    with pytest.MonkeyPatch.context() as patch:
        if form == "presolved":
            patch.setattr(supply_plan_highs, "IPM_FROM_COLUMNS", 0)
        warm = WarmSolver()
        warm(_base())
        for instance in _what_ifs(_base(), hours, supply)[::2]:
            result = warm(instance)
            assert result.objective == pytest.approx(solve_direct(instance, options={}).objective, rel=1e-9)


def test_a_what_if_without_a_plan_names_the_limit_it_breaks(form):
    warm = WarmSolver()
    warm(_base())
    glut = _base()
    stock = glut.initial_inventory[0]
    room = next(dc.storage_capacity for dc in glut.dcs if dc.dc == stock.dc)
    stock.qty = 3 * room  # more on hand than the DC can hold, even after a month's sales
    result = warm(glut)
    assert result.status == "infeasible"
    assert {(d.family, d.keys["dc"]) for d in result.diagnosis} == {("storage", stock.dc)}

"""Options the supply plan chooses (docs/SUPPLY_PLAN.md, options): capacity it may buy at a
fixed and a variable cost, on cases worked out by hand."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from sop.tools.supply.supply_plan import SupplyPlanInstance, SupplyPlanResult
from sop.tools.supply.supply_plan_solve import solve_supply_plan

MONTHS = ["2027-01", "2027-02"]


def _instance(demand: list[float], regular: list[float], options: list[dict]) -> dict:
    """One SKU made at P1 in an hour a unit for 10, lost at 100; one DC, a free lane."""
    n = len(demand)
    return {
        "periods": MONTHS[:n],
        "skus": [{"sku": "A", "holding_cost": 1.0, "unmet_penalty": 100.0, "ss_penalty": 0.0,
                  "material": {"supplier": "S1", "qty_per_unit": 1.0}}],
        "plants": [{"plant": "P1", "regular_hours": regular, "max_overtime_hours": [0.0] * n,
                    "overtime_cost_per_hour": 0.0}],
        "routings": [{"sku": "A", "plant": "P1", "hours_per_unit": 1.0, "cost_per_unit": 10.0}],
        "dcs": [{"dc": "D1", "storage_capacity": 10_000.0}],
        "lanes": [{"plant": "P1", "dc": "D1", "cost_per_unit": 0.0, "capacity": [10_000.0] * n}],
        "suppliers": [{"supplier": "S1", "capacity": [10_000.0] * n}],
        "demand": [{"sku": "A", "dc": "D1", "qty": demand}],
        "options": options,
    }


OVERTIME = {"option": "ot", "family": "plant_hours", "keys": {"plant": "P1"}, "amount": [30.0],
            "cost_per_unit": 15.0, "title": "Overtime beyond the maximum"}
SHIFT = {"option": "shift", "family": "plant_hours", "keys": {"plant": "P1"}, "amount": [40.0],
         "fixed_cost": 2000.0, "title": "Added shift"}


def _solve(data: dict) -> SupplyPlanResult:
    result = solve_supply_plan(SupplyPlanInstance.model_validate(data))
    assert result.status == "optimal", result.message
    return result


def _taken(result: SupplyPlanResult) -> dict[str, float]:
    return {o.option: o.used for o in result.options if o.taken}


def test_an_option_with_only_a_variable_cost_is_used_as_far_as_it_pays():
    # 60 hours for 100 units; 30 more hours at 15 each save 85 a unit: all 30 used, 10 lost.
    # 90 × 10 + 30 × 15 + 10 × 100 = 2,350.
    result = _solve(_instance([100], [60], [OVERTIME]))
    assert _taken(result) == {"ot": pytest.approx(30)}
    assert result.objective == pytest.approx(2350)
    assert result.mip_gap is None  # no fixed cost: still an LP


@pytest.mark.parametrize(("fixed", "taken", "objective"), [
    # 40 hours for a fixed 2,000 serve 40 more units worth 90 each (3,600): taken, 1,000 + 2,000.
    (2000.0, {"shift": 40.0}, 3000.0),
    # At 5,000 the shift costs more than it saves: 60 × 10 + 40 × 100 = 4,600.
    (5000.0, {}, 4600.0),
])
def test_an_option_with_a_fixed_cost_is_taken_only_when_it_pays_for_itself(fixed, taken, objective):
    result = _solve(_instance([100], [60], [SHIFT | {"fixed_cost": fixed}]))
    assert _taken(result) == pytest.approx(taken)
    assert result.objective == pytest.approx(objective)
    shift, = result.options
    assert shift.fixed_cost == (fixed if taken else 0.0)


def test_one_solve_finds_the_best_combination():
    # Demand 130 on 60 hours: 70 short. Overtime alone: 5,350; the shift alone: 6,000; both:
    # 130 × 10 + 30 × 15 + 2,000 = 3,750, the cheapest.
    result = _solve(_instance([130], [60], [OVERTIME, SHIFT]))
    assert _taken(result) == {"ot": pytest.approx(30), "shift": pytest.approx(40)}
    assert result.objective == pytest.approx(3750)
    assert result.mip_gap is not None and result.mip_gap <= 0.01


def test_a_second_source_adds_material_in_the_month_it_is_ordered():
    # Material: 50 a month from S1, lead time 1; demand 0 then 100. January's order (50) is
    # short by 50; a second source adds 60 in January at 5 a unit: 50 used.
    # 100 × 10 + 50 × 5 = 1,250.
    data = _instance([0, 100], [1000, 1000], [
        {"option": "second", "family": "supplier", "keys": {"supplier": "S1"}, "amount": [60.0, 60.0],
         "cost_per_unit": 5.0}])
    data["suppliers"][0] |= {"capacity": [50.0, 50.0], "lead_time_months": 1}
    result = _solve(data)
    second, = result.options
    assert second.taken and second.used_by_month == {"2027-01": pytest.approx(50)}
    assert result.objective == pytest.approx(1250)


def test_an_option_must_name_a_limit_the_instance_has():
    data = _instance([10], [60], [OVERTIME | {"keys": {"plant": "P9"}}])
    with pytest.raises(ValidationError, match=r"options\[0\] 'ot': no plant_hours limit has the keys"):
        SupplyPlanInstance.model_validate(data)

"""The supply-plan LP on plans worked out by hand, on random instances (balance, flow and every
capacity hold), and against an independent sparse-matrix formulation solved by highspy."""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lp_instances import generate_instance
from lp_reference import solve_direct
from pydantic import ValidationError

from sop.tools.supply.supply_plan import SupplyPlanInstance, SupplyPlanResult
from sop.tools.supply.supply_plan_highs import IPM_FROM_COLUMNS, IPM_OPTIONS, highs_options
from sop.tools.supply.supply_plan_solve import solve_supply_plan

MONTHS = ["2027-01", "2027-02", "2027-03"]


def _one_sku(demand, *, regular, overtime=None, ot_cost=50.0, cost=10.0, lane_cost=0.0,
             lane_cap=10_000.0, holding=1.0, penalty=1000.0, ss_penalty=0.0, initial=None,
             safety=None, storage=10_000.0, material=None, suppliers=()) -> dict:  # fmt: skip
    """One SKU 'A', made at P1 in 1 hour a unit, sold at D1; the keywords are the knobs."""
    n = len(demand)
    return {
        "periods": MONTHS[:n],
        "skus": [{"sku": "A", "holding_cost": holding, "unmet_penalty": penalty,
                  "ss_penalty": ss_penalty, "material": material}],
        "plants": [{"plant": "P1", "regular_hours": regular, "max_overtime_hours": overtime or [0.0] * n,
                    "overtime_cost_per_hour": ot_cost}],
        "routings": [{"sku": "A", "plant": "P1", "hours_per_unit": 1.0, "cost_per_unit": cost}],
        "dcs": [{"dc": "D1", "storage_capacity": storage}],
        "lanes": [{"plant": "P1", "dc": "D1", "cost_per_unit": lane_cost, "capacity": [lane_cap] * n}],
        "suppliers": list(suppliers),
        "demand": [{"sku": "A", "dc": "D1", "qty": demand}],
        "initial_inventory": [{"sku": "A", "dc": "D1", "qty": initial}] if initial else [],
        "safety_stock": [{"sku": "A", "dc": "D1", "qty": safety}] if safety else [],
    }  # fmt: skip


def _solve(data: dict) -> SupplyPlanResult:
    return solve_supply_plan(SupplyPlanInstance.model_validate(data))


def _qty(rows) -> dict[str, float]:
    return {row.period: row.qty for row in rows}


def _binding(result: SupplyPlanResult, family: str) -> dict[tuple, float]:
    return {(*b.keys.values(), b.period): b.shadow_price for b in result.binding if b.family == family}


# ---------------------------------------------------------------------------------------------
# Plans worked out by hand
# ---------------------------------------------------------------------------------------------


def test_ample_capacity_makes_demand_less_initial_stock_just_in_time():
    # Demand 100, 150, 200 and 120 on hand. January sells from stock and ends with 20 (forced:
    # stock can only grow by shipping). February needs 150 − 20 = 130, March 200: 330 made in
    # all = 450 − 120. Objective = 330 × (10 make + 2 lane) + 20 × 1 holding = 3,980.
    result = _solve(_one_sku([100, 150, 200], regular=[1000] * 3, lane_cost=2.0, initial=120))
    assert result.status == "optimal"
    assert _qty(result.production) == {"2027-02": pytest.approx(130), "2027-03": pytest.approx(200)}
    assert _qty(result.inventory) == {"2027-01": pytest.approx(20)}
    assert result.unmet == [] and result.overtime == []
    assert result.objective == pytest.approx(3980)


@pytest.mark.parametrize(
    ("holding", "production", "overtime", "objective", "shadow"),
    [
        # Holding 1 < overtime 10 an hour (1 unit): January makes 50 for itself and pre-builds
        # 50 of February's 150 (Feb has 100 regular hours). 200 × 5 + 50 × 1 = 1,050. One more
        # February hour would replace one pre-built unit: −1. January keeps 20 hours spare.
        (1.0, {"2027-01": 100, "2027-02": 100}, {}, 1050, -1.0),
        # Holding 20 > overtime 10: make 150 in February with 50 overtime hours (max 60).
        # 200 × 5 + 50 × 10 = 1,500. One more regular hour saves an overtime hour: −10.
        (20.0, {"2027-01": 50, "2027-02": 150}, {"2027-02": 50}, 1500, -10.0),
    ],
)
def test_peak_is_met_by_the_cheaper_of_prebuild_and_overtime(holding, production, overtime, objective, shadow):
    data = _one_sku([50, 150], regular=[120, 100], overtime=[60, 60], ot_cost=10.0, cost=5.0, holding=holding)
    result = _solve(data)
    assert _qty(result.production) == pytest.approx(production)
    assert {r.period: r.hours for r in result.overtime} == pytest.approx(overtime)
    assert result.objective == pytest.approx(objective)
    assert _binding(result, "plant_hours") == {("P1", "2027-02"): pytest.approx(shadow)}


def test_demand_is_lost_when_the_penalty_is_below_the_cost_of_making_it():
    # Penalty 8 < 10 make + 1 lane: all 100 are lost, objective 100 × 8 = 800.
    result = _solve(_one_sku([100], regular=[1000], lane_cost=1.0, penalty=8.0))
    assert result.production == []
    assert _qty(result.unmet) == {"2027-01": pytest.approx(100)}
    assert result.objective == pytest.approx(800)


def test_demand_beyond_capacity_is_lost_and_an_hour_is_worth_the_margin_saved():
    # 60 hours make 60 of 100; 40 lost. 60 × 11 + 40 × 50 = 2,660. One more hour turns a lost
    # unit (50) into a made one (11): shadow price −39 per hour.
    result = _solve(_one_sku([100], regular=[60], lane_cost=1.0, penalty=50.0))
    assert _qty(result.production) == {"2027-01": pytest.approx(60)}
    assert _qty(result.unmet) == {"2027-01": pytest.approx(40)}
    assert result.objective == pytest.approx(2660)
    assert _binding(result, "plant_hours") == {("P1", "2027-01"): pytest.approx(-39)}


def test_safety_stock_shortfall_when_capacity_runs_out():
    # 110 hours: 100 sold, 10 kept of a 30 safety stock, 20 short. 110 × 10 + 10 × 1 + 20 × 20 =
    # 1,510. One more hour: a unit of safety stock costs 11 and saves 20 of penalty: −9.
    result = _solve(_one_sku([100], regular=[110], safety=30, ss_penalty=20.0, penalty=100.0))
    assert _qty(result.inventory) == {"2027-01": pytest.approx(10)}
    assert _qty(result.ss_shortfall) == {"2027-01": pytest.approx(20)}
    assert result.objective == pytest.approx(1510)
    assert _binding(result, "plant_hours") == {("P1", "2027-01"): pytest.approx(-9)}


def test_a_full_lane_sends_the_rest_from_the_dearer_plant_and_prices_the_difference():
    # P1 makes at 5, P2 at 8, both lanes cost 1. P1's lane takes 60, P2 ships 40:
    # 60 × 6 + 40 × 9 = 720. One more unit of P1 lane saves 9 − 6 = 3.
    data = _one_sku([100], regular=[1000], cost=5.0, lane_cost=1.0, lane_cap=60)
    data["plants"].append({**data["plants"][0], "plant": "P2"})
    data["routings"].append({"sku": "A", "plant": "P2", "hours_per_unit": 1.0, "cost_per_unit": 8.0})
    data["lanes"].append({"plant": "P2", "dc": "D1", "cost_per_unit": 1.0, "capacity": [1000]})
    result = _solve(data)
    assert {r.plant: r.qty for r in result.shipments} == {"P1": pytest.approx(60), "P2": pytest.approx(40)}
    assert result.objective == pytest.approx(720)
    assert _binding(result, "lane") == {("P1", "D1", "2027-01"): pytest.approx(-3)}


def test_supplier_material_limits_production_and_prices_one_more_unit_of_material():
    # 2 units of material per unit, 100 available: 50 made of 80, 30 lost.
    # 50 × 10 + 30 × 40 = 1,700. One more unit of material makes half a unit: (40 − 10) / 2 = 15.
    data = _one_sku([80], regular=[1000], penalty=40.0, material={"supplier": "S1", "qty_per_unit": 2.0},
                    suppliers=[{"supplier": "S1", "capacity": [100]}])
    result = _solve(data)
    assert _qty(result.production) == {"2027-01": pytest.approx(50)}
    assert result.objective == pytest.approx(1700)
    assert _binding(result, "supplier") == {("S1", "2027-01"): pytest.approx(-15)}


def test_initial_stock_above_storage_is_diagnosed_as_storage_at_that_dc():
    # 500 on hand, 100 sold in January: at least 400 left against room for 300.
    result = _solve(_one_sku([100], regular=[1000], initial=500, storage=300))
    assert result.status == "infeasible"
    assert [(d.family, d.keys, d.period) for d in result.diagnosis] == [("storage", {"dc": "D1"}, "2027-01")]
    assert result.diagnosis[0].excess == pytest.approx(100)
    assert "storage" in result.message and "D1" in result.message


def test_result_dumps_to_the_json_result_format():
    dumped = _solve(_one_sku([10], regular=[100])).model_dump(mode="json")
    assert list(dumped)[:9] == ["status", "objective", "production", "overtime", "shipments",
                                "inventory", "unmet", "ss_shortfall", "binding"]  # fmt: skip
    assert dumped["production"] == [{"sku": "A", "plant": "P1", "period": "2027-01", "qty": 10.0}]
    json.dumps(dumped)


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["plants"][0].update(regular_hours=[1, 2]), "regular_hours has 2 entries but periods has 1"),
        (lambda d: d["demand"][0].update(sku="B"), "demand[0]: unknown sku 'B'"),
        (lambda d: d["routings"][0].update(plant="P9"), "routings[0]: unknown plant 'P9'"),
        (lambda d: d["lanes"][0].update(dc="D9"), "lanes[0]: unknown dc 'D9'"),
        (lambda d: d["skus"][0].update(material={"supplier": "S9", "qty_per_unit": 1}), "unknown supplier 'S9'"),
        (lambda d: d["demand"].append(dict(d["demand"][0])), "demand: ('A', 'D1') appears more than once"),
        (lambda d: d.update(periods=[]), "periods"),
        (lambda d: d.update(skus=[]), "skus"),
        (lambda d: d["skus"][0].update(holdng_cost=1), "holdng_cost"),
    ],
)
def test_inconsistent_instances_are_refused_with_a_clear_message(change, message):
    data = _one_sku([10], regular=[100])
    change(data)
    with pytest.raises(ValidationError, match=re.escape(message)):
        SupplyPlanInstance.model_validate(data)


@pytest.mark.parametrize(("change", "field"), [
    (lambda d: d["lanes"][0].update(capacity=[math.inf, 100]), "lanes.0.capacity.0"),
    (lambda d: d["suppliers"][0].update(capacity=[100, math.nan]), "suppliers.0.capacity.1"),
    (lambda d: d["skus"][0].update(unmet_penalty=math.inf), "skus.0.unmet_penalty"),
    (lambda d: d["demand"][0].update(qty=[10, -math.inf]), "demand.0.qty.1"),
])
def test_non_finite_numbers_are_refused_with_the_field(change, field):
    data = _one_sku([10, 20], regular=[100, 100], material={"supplier": "S1", "qty_per_unit": 1.0},
                    suppliers=[{"supplier": "S1", "capacity": [50.0, 50.0]}])
    change(data)
    with pytest.raises(ValidationError) as err:
        SupplyPlanInstance.model_validate(data)
    where = [".".join(map(str, e["loc"])) for e in err.value.errors()]
    assert where == [field] and "finite" in err.value.errors()[0]["msg"]


def test_capacity_infinity_from_json_names_the_field_not_a_solver_traceback():
    data = _one_sku([10, 20], regular=[100, 100])
    text = json.dumps(data).replace('"capacity": [10000.0, 10000.0]', '"capacity": [Infinity, 10000.0]')
    assert "Infinity" in text
    with pytest.raises(ValidationError, match=r"lanes\.0\.capacity\.0[\s\S]*finite"):
        SupplyPlanInstance.model_validate_json(text)


@pytest.mark.parametrize(("periods", "message"), [
    (["2027-02", "2027-01"], "periods[1] '2027-01' does not follow '2027-02'"),
    (["2027-01", "2027-03"], "periods[1] '2027-03' does not follow '2027-01'"),
])
def test_periods_out_of_order_are_refused(periods, message):
    data = _one_sku([10, 20], regular=[100, 100])
    data["periods"] = periods
    with pytest.raises(ValidationError, match=re.escape(message)):
        SupplyPlanInstance.model_validate(data)


def test_an_empty_instance_is_refused():
    with pytest.raises(ValidationError, match="periods"):
        SupplyPlanInstance.model_validate({})


# ---------------------------------------------------------------------------------------------
# Properties of random small instances, and the independent formulation
# ---------------------------------------------------------------------------------------------

TOL = 1e-6


@st.composite
def small_instances(draw) -> SupplyPlanInstance:
    """1-2 SKUs, plants and DCs, 1-3 months, integer data; storage always holds the opening
    stock, so every instance is feasible."""
    n = draw(st.integers(1, 3))
    skus, plants, dcs = (
        [f"{p}{i}" for i in range(draw(st.integers(1, 2)))] for p in ("A", "P", "D")
    )
    qty = st.integers(0, 60).map(float)
    months = st.lists(qty, min_size=n, max_size=n)
    initial = {(s, d): draw(qty) for s in skus for d in dcs}
    routings = [(s, p) for s in skus for p in plants if draw(st.booleans())]
    lanes = [(p, d) for p in plants for d in dcs if draw(st.booleans())]
    return SupplyPlanInstance.model_validate({
        "periods": MONTHS[:n],
        "skus": [{"sku": s, "holding_cost": draw(st.integers(0, 3)), "unmet_penalty": draw(st.integers(0, 60)),
                  "ss_penalty": draw(st.integers(0, 20)),
                  "material": ({"supplier": "K1", "qty_per_unit": draw(st.integers(0, 3))}
                               if draw(st.booleans()) else None)}
                 for s in skus],
        "plants": [{"plant": p, "regular_hours": draw(months), "max_overtime_hours": draw(months),
                    "overtime_cost_per_hour": draw(st.integers(0, 30))} for p in plants],
        "routings": [{"sku": s, "plant": p, "hours_per_unit": draw(st.sampled_from([0.0, 0.5, 1.0, 2.0])),
                      "cost_per_unit": draw(st.integers(0, 30))} for s, p in routings],
        "dcs": [{"dc": d, "storage_capacity": sum(initial[s, d] for s in skus) + draw(qty)} for d in dcs],
        "lanes": [{"plant": p, "dc": d, "cost_per_unit": draw(st.integers(0, 5)), "capacity": draw(months)}
                  for p, d in lanes],
        "suppliers": [{"supplier": "K1", "capacity": draw(months)}],
        "demand": [{"sku": s, "dc": d, "qty": draw(months)} for s in skus for d in dcs],
        "initial_inventory": [{"sku": s, "dc": d, "qty": q} for (s, d), q in initial.items()],
        "safety_stock": [{"sku": s, "dc": d, "qty": draw(qty)} for s in skus for d in dcs],
    })  # fmt: skip


def _tables(result: SupplyPlanResult) -> dict[str, dict[tuple, float]]:
    """Every result table as {keys + period: value}, missing rows meaning zero."""
    tables = {}
    for name in ("production", "shipments", "inventory", "unmet", "ss_shortfall", "overtime"):
        table = defaultdict(float)
        for row in getattr(result, name):
            values = row.model_dump(exclude_none=True)
            value = values.pop("hours" if name == "overtime" else "qty")
            table[tuple(values.values())] = value
        tables[name] = table
    return tables


@settings(max_examples=25, deadline=None)
@given(small_instances())
def test_random_plans_balance_flow_and_respect_every_capacity(instance: SupplyPlanInstance):
    result = solve_supply_plan(instance)
    assert result.status == "optimal"
    t = _tables(result)
    periods = instance.periods
    demand = {(r.sku, r.dc): r.qty for r in instance.demand}
    opening = {(r.sku, r.dc): r.qty for r in instance.initial_inventory}
    safety = {(r.sku, r.dc): r.qty for r in instance.safety_stock}
    plants = [p.plant for p in instance.plants]
    for s in (k.sku for k in instance.skus):
        for d in (dc.dc for dc in instance.dcs):
            previous = opening[s, d]
            for i, m in enumerate(periods):
                arrivals = sum(t["shipments"][s, p, d, m] for p in plants)
                end = t["inventory"][s, d, m]
                assert end == pytest.approx(previous + arrivals - demand[s, d][i] + t["unmet"][s, d, m], abs=TOL)
                assert t["unmet"][s, d, m] <= demand[s, d][i] + TOL
                assert end + t["ss_shortfall"][s, d, m] >= safety[s, d] - TOL
                previous = end
    per_unit = {(r.sku, r.plant): r.hours_per_unit for r in instance.routings}
    material = {k.sku: k.material.qty_per_unit for k in instance.skus if k.material}
    for i, m in enumerate(periods):
        for s, p in per_unit:
            shipped = sum(t["shipments"][s, p, dc.dc, m] for dc in instance.dcs)
            assert t["production"][s, p, m] == pytest.approx(shipped, abs=TOL)
        for plant in instance.plants:
            used = sum(t["production"][s, p, m] * h for (s, p), h in per_unit.items() if p == plant.plant)
            assert t["overtime"][plant.plant, m] <= plant.max_overtime_hours[i] + TOL
            assert used <= plant.regular_hours[i] + t["overtime"][plant.plant, m] + TOL
        drawn = sum(t["production"][s, p, m] * material.get(s, 0.0) for s, p in per_unit)
        assert drawn <= instance.suppliers[0].capacity[i] + TOL
        for lane in instance.lanes:
            moved = sum(t["shipments"][k.sku, lane.plant, lane.dc, m] for k in instance.skus)
            assert moved <= lane.capacity[i] + TOL
        for dc in instance.dcs:
            held = sum(t["inventory"][k.sku, dc.dc, m] for k in instance.skus)
            assert held <= dc.storage_capacity + TOL
    assert result.objective == pytest.approx(solve_direct(instance).objective, rel=TOL, abs=TOL)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_objective_agrees_with_the_independent_sparse_formulation(seed):
    instance = generate_instance(8, seed=seed, n_months=6)
    ours = solve_supply_plan(instance)
    direct = solve_direct(instance)
    assert ours.status == "optimal" and direct.status == "Optimal"
    assert ours.objective == pytest.approx(direct.objective, rel=TOL)


def test_the_algorithm_is_chosen_by_size():
    assert highs_options(IPM_FROM_COLUMNS - 1) == {}  # HiGHS's defaults
    assert highs_options(IPM_FROM_COLUMNS) == IPM_OPTIONS


@pytest.mark.parametrize("seed", [0, 1])
def test_either_algorithm_reaches_the_same_objective(seed):
    # The size rule changes how HiGHS gets there, not where: today's instances (solved with
    # interior point + crossover before) keep their objective under HiGHS's defaults.
    instance = generate_instance(30, seed=seed, n_months=12)
    ours = solve_supply_plan(instance)
    ipm, defaults = solve_direct(instance, options=IPM_OPTIONS), solve_direct(instance, options={})
    assert ours.objective == pytest.approx(ipm.objective, rel=1e-9)
    assert ours.objective == pytest.approx(defaults.objective, rel=1e-9)


# ---------------------------------------------------------------------------------------------
# Warm re-solves
# ---------------------------------------------------------------------------------------------


def test_a_what_if_re_solved_from_the_last_basis_matches_a_cold_solve():
    from sop.tools.supply.supply_plan_solve import WarmSolver

    base = generate_instance(20, seed=3, n_months=8)
    shift = base.model_copy(deep=True)
    for t in range(3, 6):
        shift.plants[0].regular_hours[t] *= 1.2
    promo = shift.model_copy(deep=True)
    promo.demand[0].qty[4] *= 1.5
    warm = WarmSolver()
    results = [warm(base), warm(shift), warm(promo)]
    assert warm.warm == 2
    for instance, result in zip((base, shift, promo), results, strict=True):
        cold = solve_supply_plan(instance)
        assert result.status == "optimal" and result.objective == pytest.approx(cold.objective, rel=1e-9)
    assert results[1].objective < results[0].objective  # more hours: a cheaper plan


def test_a_changed_matrix_or_a_mip_is_solved_cold():
    from sop.tools.supply.supply_plan_solve import WarmSolver

    warm = WarmSolver()
    first = _one_sku([100], regular=[60], lane_cost=1.0, penalty=50.0)
    warm(SupplyPlanInstance.model_validate(first))
    slower = _one_sku([100], regular=[60], lane_cost=1.0, penalty=50.0)
    slower["routings"][0]["hours_per_unit"] = 2.0  # a coefficient of the matrix
    assert warm(SupplyPlanInstance.model_validate(slower)).objective == pytest.approx(30 * 11 + 70 * 50)
    lots = dict(first, routings=[dict(first["routings"][0], lot_size=25.0)])
    assert warm(SupplyPlanInstance.model_validate(lots)).objective == pytest.approx(50 * 11 + 50 * 50)
    assert warm.warm == 0

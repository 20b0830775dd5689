"""Gaps of small plans worked out by hand: lost demand, an overloaded plant and a pre-build."""

from __future__ import annotations

import pytest

from sop.tools.supply.gaps import SupplyGapsInput, supply_gaps
from sop.tools.supply.supply_plan import SupplyPlanInstance
from sop.tools.supply.supply_plan_solve import solve_supply_plan


def _instance(peak_demand: float) -> SupplyPlanInstance:
    # One SKU, one plant making 1 unit an hour with 120 hours a month and no overtime, one DC.
    return SupplyPlanInstance.model_validate({
        "periods": ["2027-01", "2027-02", "2027-03"],
        "skus": [{"sku": "A", "holding_cost": 1.0, "unmet_penalty": 100.0, "ss_penalty": 0.0}],
        "plants": [{"plant": "P1", "regular_hours": [120] * 3, "max_overtime_hours": [0] * 3,
                    "overtime_cost_per_hour": 50.0}],
        "routings": [{"sku": "A", "plant": "P1", "hours_per_unit": 1.0, "cost_per_unit": 10.0}],
        "dcs": [{"dc": "D1", "storage_capacity": 1000}],
        "lanes": [{"plant": "P1", "dc": "D1", "cost_per_unit": 0.0, "capacity": [1000] * 3}],
        "demand": [{"sku": "A", "dc": "D1", "qty": [50, 50, peak_demand]}],
    })


def _gaps(peak_demand: float):
    instance = _instance(peak_demand)
    plan = solve_supply_plan(instance)
    assert plan.status == "optimal"
    return supply_gaps(SupplyGapsInput(instance=instance, plan=plan, prices={"A": 20.0}, families={"A": "widgets"}))


def test_a_peak_the_plant_can_prebuild_for():
    # Demand 50, 50, 250 against 120 a month (360 in all, 350 needed). March needs 130 from
    # stock; holding costs 1 a month, so February makes all it can (120: 50 sold, 70 kept) and
    # January the rest (110: 50 sold, 60 kept). January runs at 110/120 = 92 %, February and
    # March at 100 %: the peak starts in February and January carries 60 units into it.
    gaps = _gaps(250)
    assert gaps.unmet == []
    assert [(p.period, p.used_hours) for p in gaps.plant_overload] == [("2027-02", 120), ("2027-03", 120)]
    assert [(b.resource, b.period, b.peak_start, round(b.units, 6)) for b in gaps.prebuild] == [
        ("P1", "2027-01", "2027-02", 60.0)]


def test_demand_beyond_capacity_is_lost_and_priced():
    # Demand 50, 50, 270 needs 370 against 360 of capacity: 10 units of March demand are lost
    # (the penalty of 100 exceeds the cost of 10), 10 × price 20 = 200 of revenue at risk.
    gaps = _gaps(270)
    assert [(u.sku, u.period, u.units) for u in gaps.unmet] == [("A", "2027-03", pytest.approx(10))]
    assert gaps.unmet[0].revenue_at_risk == pytest.approx(200)
    assert len(gaps.plant_overload) == 3
    # Every line carries money: the lost March units their revenue (no standard cost given),
    # each loaded plant month |shadow price| × 10 % of its 120 hours: 90, 89 and 88 an hour (one
    # more hour saves a lost unit's penalty of 100 less its cost of 10, less a month's holding
    # per month built ahead) × 12 h = 1,080, 1,068 and 1,056. One ranking, by money.
    assert [(g.rank, g.kind, g.subject, g.month, g.value) for g in gaps.ranked] == [
        (1, "plant_hours", "P1", "2027-03", pytest.approx(1080)),
        (2, "plant_hours", "P1", "2027-02", pytest.approx(1068)),
        (3, "plant_hours", "P1", "2027-01", pytest.approx(1056)),
        (4, "unmet", "widgets", "2027-03", pytest.approx(200))]


def test_gaps_refuse_a_plan_that_is_not_optimal():
    instance = _instance(100)
    plan = solve_supply_plan(instance).model_copy(update={"status": "infeasible"})
    with pytest.raises(ValueError, match="need an optimal plan"):
        supply_gaps(SupplyGapsInput(instance=instance, plan=plan))


def test_a_loaded_plant_month_says_what_one_more_hour_would_save():
    # Demand 50, 50, 270 against 120 hours a month: 10 units of March are lost at a penalty of
    # 100. One more March hour makes one more unit (cost 10) and saves a lost one: 100 - 10 = 90.
    # One more February hour makes a unit there and holds it a month: 100 - 10 - 1 = 89.
    details = {g.month: g.detail for g in _gaps(270).ranked if g.kind == "plant_hours"}
    assert details["2027-03"] == ("100% of 120 regular + overtime hours; "
                                  "each extra plant hour in 2027-03 would save 90.00 of plan cost")
    assert details["2027-02"].endswith("each extra plant hour in 2027-02 would save 89.00 of plan cost")


def test_a_binding_lane_is_worth_what_the_dearer_route_costs():
    # Two plants make A at the same cost; the free lane from P1 carries 40 units a month, the
    # rest of the 100 goes from P2 at 0.18 a unit. One more unit of P1's lane saves 18 ¢.
    instance = SupplyPlanInstance.model_validate({
        "periods": ["2027-01", "2027-02"],
        "skus": [{"sku": "A", "holding_cost": 1.0, "unmet_penalty": 100.0, "ss_penalty": 0.0}],
        "plants": [{"plant": p, "regular_hours": [1000] * 2, "max_overtime_hours": [0] * 2,
                    "overtime_cost_per_hour": 50.0} for p in ("P1", "P2")],
        "routings": [{"sku": "A", "plant": p, "hours_per_unit": 1.0, "cost_per_unit": 10.0} for p in ("P1", "P2")],
        "dcs": [{"dc": "D1", "storage_capacity": 1000}],
        "lanes": [{"plant": "P1", "dc": "D1", "cost_per_unit": 0.0, "capacity": [40] * 2},
                  {"plant": "P2", "dc": "D1", "cost_per_unit": 0.18, "capacity": [1000] * 2}],
        "demand": [{"sku": "A", "dc": "D1", "qty": [100, 100]}],
    })
    plan = solve_supply_plan(instance)
    gaps = supply_gaps(SupplyGapsInput(instance=instance, plan=plan, prices={"A": 20.0}))
    lanes = [(g.subject, g.month, g.detail) for g in gaps.ranked if g.kind == "lane"]
    assert lanes == [("P1/D1", m, f"at its limit of 40 units shipped; each extra unit of lane capacity in {m} "
                                  "would save 18 ¢ of plan cost") for m in ("2027-01", "2027-02")]


def test_a_binding_work_centre_is_ranked_by_what_its_hours_are_worth():
    # The plant has 1,000 hours but its press 50, and A takes a press-hour a unit: of 80 units
    # 50 are made and 30 lost. One more press hour makes a lost unit: 100 − 10 = 90 saved, so
    # 10 % of the press's 50 hours is worth 5 × 90 = 450; the lost units' revenue is 30 × 20 = 600.
    instance = SupplyPlanInstance.model_validate({
        "periods": ["2027-01"],
        "skus": [{"sku": "A", "holding_cost": 1.0, "unmet_penalty": 100.0, "ss_penalty": 0.0}],
        "plants": [{"plant": "P1", "regular_hours": [1000], "max_overtime_hours": [0], "overtime_cost_per_hour": 50.0,
                    "work_centres": [{"work_centre": "press", "hours": [50.0]}]}],
        "routings": [{"sku": "A", "plant": "P1", "hours_per_unit": 1.0, "cost_per_unit": 10.0,
                      "work_centre_hours": {"press": 1.0}}],
        "dcs": [{"dc": "D1", "storage_capacity": 1000}],
        "lanes": [{"plant": "P1", "dc": "D1", "cost_per_unit": 0.0, "capacity": [1000]}],
        "demand": [{"sku": "A", "dc": "D1", "qty": [80]}],
    })
    gaps = supply_gaps(SupplyGapsInput(instance=instance, plan=solve_supply_plan(instance), prices={"A": 20.0}))
    assert [(g.kind, g.subject, round(g.units, 6), round(g.value, 6), g.detail) for g in gaps.ranked] == [
        ("unmet", "A", 30, 600, "units of demand lost"),
        ("work_centre", "P1/press", 50, 450, "at its limit of 50 work-centre hours; each extra work-centre hour in "
                                             "2027-01 would save 90.00 of plan cost")]


def test_every_gap_is_valued_in_money_on_one_scale():
    # Demand 50, 50, 270 with a safety stock of 20 (penalty 3 a unit-month), a standard cost of
    # 12 and storage for 40 units at the DC. Hand-checked in the comments below.
    instance = SupplyPlanInstance.model_validate(_instance(270).model_dump() | {
        "skus": [{"sku": "A", "holding_cost": 1.0, "unmet_penalty": 100.0, "ss_penalty": 3.0}],
        "dcs": [{"dc": "D1", "storage_capacity": 40}],
        "safety_stock": [{"sku": "A", "dc": "D1", "qty": 20}]})
    plan = solve_supply_plan(instance)
    gaps = supply_gaps(SupplyGapsInput(instance=instance, plan=plan, prices={"A": 20.0}, families={"A": "widgets"},
                                       unit_costs={"A": 12.0}))
    # Storage caps February's stock at 40, so the plan makes 70, 70 and 120 (260 of 370): 110 of
    # March are lost. Hand-checked values, one scale:
    # - March hours bind: one more makes a unit that saves a lost one, 100 − 10 = 90 an hour,
    #   × 10 % of 120 hours = 1,080;
    # - 110 lost units at a margin of 20 − 12 = 8: 880;
    # - February storage binds: one more unit carried into March saves a lost one,
    #   100 − 10 − 1 (holding) = 89 a unit, × 10 % of 40 units = 356;
    # - March ends with no stock, 20 short of safety stock at 3 a unit-month: 60;
    # - February carries 40 − 20 = 20 units above safety stock into the March peak: 20 × 1 = 20.
    assert [(g.kind, g.subject, g.month, round(g.units, 6), round(g.value, 6)) for g in gaps.ranked] == [
        ("plant_hours", "P1", "2027-03", 120, 1080),
        ("unmet", "widgets", "2027-03", 110, 880),
        ("storage", "D1", "2027-02", 40, 356),
        ("safety_stock", "A@D1", "2027-03", 20, 60),
        ("prebuild", "P1", "2027-02", 20, 20)]


def two_modes() -> SupplyPlanInstance:
    """One month, 100 units of demand at D1, ample plant hours, and two lanes from P1 to D1:
    road (1 a unit, 60 units) and air (4 a unit, 30 units)."""
    return SupplyPlanInstance.model_validate({
        "periods": ["2027-01"],
        "skus": [{"sku": "A", "holding_cost": 1.0, "unmet_penalty": 100.0, "ss_penalty": 0.0}],
        "plants": [{"plant": "P1", "regular_hours": [1000], "max_overtime_hours": [0], "overtime_cost_per_hour": 50.0}],
        "routings": [{"sku": "A", "plant": "P1", "hours_per_unit": 1.0, "cost_per_unit": 10.0}],
        "dcs": [{"dc": "D1", "storage_capacity": 1000}],
        "lanes": [{"plant": "P1", "dc": "D1", "mode": "road", "cost_per_unit": 1.0, "capacity": [60]},
                  {"plant": "P1", "dc": "D1", "mode": "air", "cost_per_unit": 4.0, "capacity": [30]}],
        "demand": [{"sku": "A", "dc": "D1", "qty": [100]}],
    })


def test_each_transport_mode_is_its_own_gap():
    # Road carries 60 and air 30, both full; 10 units are lost. One more road unit saves a lost
    # unit's 100 less its 10 + 1 = 89, one more air unit 100 − 10 − 4 = 86: worth 89 × 10 % of
    # 60 = 534 and 86 × 10 % of 30 = 258, each its own line; the 10 lost units 10 × 20 = 200.
    instance = two_modes()
    plan = solve_supply_plan(instance)
    gaps = supply_gaps(SupplyGapsInput(instance=instance, plan=plan, prices={"A": 20.0}, families={"A": "widgets"}))
    assert [(b.keys, b.shadow_price) for b in gaps.binding_limits] == [
        ({"plant": "P1", "dc": "D1", "mode": "road"}, pytest.approx(-89)),
        ({"plant": "P1", "dc": "D1", "mode": "air"}, pytest.approx(-86))]
    assert [(g.kind, g.subject, g.value) for g in gaps.ranked] == [
        ("lane", "P1/D1/road", pytest.approx(534)), ("lane", "P1/D1/air", pytest.approx(258)),
        ("unmet", "widgets", pytest.approx(200))]

"""The time-phased supply plan on cases worked out by hand: supplier lead times and the opening
pipeline, lane transit times, backorders, demand classes, transport modes, work centres, and
lot sizes and minimum batches (a MIP)."""

from __future__ import annotations

from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lp_instances import generate_instance
from lp_reference import solve_direct

from sop.tools.supply.supply_plan import SupplyPlanInstance, SupplyPlanResult
from sop.tools.supply.supply_plan_solve import solve_supply_plan

MONTHS = ["2027-01", "2027-02", "2027-03", "2027-04"]


def _instance(demand: list[float], *, regular: list[float] | None = None, cost: float = 10.0, holding: float = 1.0,
              penalty: float = 100.0, lane_cost: float = 0.0) -> dict:
    """One SKU 'A' made at P1 in 1 hour a unit, shipped on one lane to D1; ample by default."""
    n = len(demand)
    return {
        "periods": MONTHS[:n],
        "skus": [{"sku": "A", "holding_cost": holding, "unmet_penalty": penalty, "ss_penalty": 0.0}],
        "plants": [{"plant": "P1", "regular_hours": regular or [1000.0] * n, "max_overtime_hours": [0.0] * n,
                    "overtime_cost_per_hour": 0.0}],
        "routings": [{"sku": "A", "plant": "P1", "hours_per_unit": 1.0, "cost_per_unit": cost}],
        "dcs": [{"dc": "D1", "storage_capacity": 10_000.0}],
        "lanes": [{"plant": "P1", "dc": "D1", "cost_per_unit": lane_cost, "capacity": [10_000.0] * n}],
        "demand": [{"sku": "A", "dc": "D1", "qty": demand}],
    }


def _solve(data: dict) -> SupplyPlanResult:
    result = solve_supply_plan(SupplyPlanInstance.model_validate(data))
    assert result.status == "optimal", result.message
    return result


def _by_period(rows) -> dict[str, float]:
    out: dict[str, float] = {}
    for row in rows:
        out[row.period] = out.get(row.period, 0.0) + row.qty
    return out


# ---------------------------------------------------------------------------------------------
# Supplier lead times and material on order
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("lead", "made_in", "objective"), [
    # 100 units of material can be ordered in January only; March needs 100. Made the month the
    # material arrives and held until March: 100 × 10 + 100 × (months held) × 1.
    (0, "2027-01", 1200.0),
    (1, "2027-02", 1100.0),
    (2, "2027-03", 1000.0),
])
def test_a_supplier_lead_time_delays_the_receipt_by_exactly_its_months(lead, made_in, objective):
    data = _instance([0, 0, 100])
    data["skus"][0]["material"] = {"supplier": "S1", "qty_per_unit": 1.0}
    data["suppliers"] = [{"supplier": "S1", "capacity": [100, 0, 0], "lead_time_months": lead}]
    result = _solve(data)
    assert _by_period(result.production) == {made_in: pytest.approx(100)}
    assert result.objective == pytest.approx(objective)
    # The binding limit is January's order (its capacity), whatever month the material arrives.
    supplier = [b for b in result.binding if b.family == "supplier" and b.limit > 0]
    assert [(b.keys, b.period, b.limit) for b in supplier] == [({"supplier": "S1"}, "2027-01", 100.0)]


def test_material_ordered_after_the_horizon_cannot_arrive_and_demand_is_lost():
    # Lead time 3 on a 3-month plan: nothing ordered in the plan arrives in it. 100 × 100 lost.
    data = _instance([0, 0, 100])
    data["skus"][0]["material"] = {"supplier": "S1", "qty_per_unit": 1.0}
    data["suppliers"] = [{"supplier": "S1", "capacity": [100, 100, 100], "lead_time_months": 3}]
    result = _solve(data)
    assert result.production == []
    assert result.objective == pytest.approx(10_000)


def test_material_on_order_covers_the_months_before_the_first_order_arrives():
    # Lead time 2: January's and February's material can only be what was ordered before the
    # plan (30 arriving in February). Demand 50 a month: January lost (50), February makes 30
    # (20 lost), March makes 50 from January's order. 80 × 10 + 70 × 100 = 7,800.
    data = _instance([50, 50, 50])
    data["skus"][0]["material"] = {"supplier": "S1", "qty_per_unit": 1.0}
    data["suppliers"] = [{"supplier": "S1", "capacity": [100, 100, 100], "lead_time_months": 2,
                          "on_order": [0, 30, 0]}]
    result = _solve(data)
    assert _by_period(result.production) == {"2027-02": pytest.approx(30), "2027-03": pytest.approx(50)}
    assert _by_period(result.unmet) == {"2027-01": pytest.approx(50), "2027-02": pytest.approx(20)}
    assert result.objective == pytest.approx(7800)
    pipeline = [b for b in result.binding if b.keys.get("ordered") == "before the plan" and b.limit > 0]
    assert [(b.period, b.limit) for b in pipeline] == [("2027-02", 30.0)]


# ---------------------------------------------------------------------------------------------
# Lane transit times and stock already in transit
# ---------------------------------------------------------------------------------------------


def test_a_transit_time_ships_a_month_ahead_and_stock_in_transit_arrives_when_due():
    # Transit 1: February's 100 leave in January and are in transit at January's end. January's
    # 80 can only come from the 60 already on the way: 20 lost. 100 × 10 + 20 × 100 = 3,000.
    data = _instance([80, 100])
    data["lanes"][0]["transit_months"] = 1
    data["in_transit"] = [{"sku": "A", "dc": "D1", "qty": [60, 0]}]
    result = _solve(data)
    assert _by_period(result.production) == {"2027-01": pytest.approx(100)}
    assert _by_period(result.shipments) == {"2027-01": pytest.approx(100)}
    assert _by_period(result.unmet) == {"2027-01": pytest.approx(20)}
    assert _by_period(result.in_transit) == {"2027-01": pytest.approx(100)}
    assert result.objective == pytest.approx(3000)


def test_opening_stock_in_transit_is_on_the_way_until_its_month_of_arrival():
    # 40 arrive in March and cover March's demand; nothing is made. In transit at the end of
    # January and February: 40.
    data = _instance([0, 0, 40])
    data["in_transit"] = [{"sku": "A", "dc": "D1", "qty": [0, 0, 40]}]
    result = _solve(data)
    assert result.production == [] and result.objective == pytest.approx(0)
    assert _by_period(result.in_transit) == {"2027-01": pytest.approx(40), "2027-02": pytest.approx(40)}


# ---------------------------------------------------------------------------------------------
# Backorders
# ---------------------------------------------------------------------------------------------


def test_a_backorder_is_served_late_rather_than_lost_when_it_pays():
    # 50 hours in January, 150 in February; demand 100 then 50. Waiting a month costs 5 < the
    # 100 of a lost unit: January's extra 50 are served in February. 150 × 10 + 50 × 5 = 1,750.
    data = _instance([100, 50], regular=[50, 150])
    data["skus"][0] |= {"backorder_penalty": 5.0, "max_backorder_months": 1}
    result = _solve(data)
    assert _by_period(result.backorders) == {"2027-01": pytest.approx(50)}
    assert result.unmet == []
    assert _by_period(result.production) == {"2027-01": pytest.approx(50), "2027-02": pytest.approx(100)}
    assert result.objective == pytest.approx(1750)


def test_a_backorder_dearer_than_a_lost_sale_is_lost():
    # Waiting costs 120 a month > 100 lost: the 50 are lost. 150 × 10 + 50 × 100 = 6,500.
    data = _instance([100, 50], regular=[50, 150])
    data["skus"][0] |= {"backorder_penalty": 120.0, "max_backorder_months": 1}
    result = _solve(data)
    assert result.backorders == []
    assert _by_period(result.unmet) == {"2027-01": pytest.approx(50)}
    assert result.objective == pytest.approx(1000 + 5000)


@pytest.mark.parametrize(("max_delay", "objective", "lost"), [
    # Capacity only in January (50) and March (150); demand 100 in January. One month's wait
    # cannot reach March: 50 lost, 50 × 10 + 50 × 100 = 5,500. Two months' wait can:
    # 100 × 10 + 50 × 5 × 2 months = 1,500.
    (1, 5500.0, {"2027-01": 50.0}),
    (2, 1500.0, {}),
])
def test_a_backorder_waits_no_longer_than_its_maximum_delay(max_delay, objective, lost):
    data = _instance([100, 0, 0], regular=[50, 0, 150])
    data["skus"][0] |= {"backorder_penalty": 5.0, "max_backorder_months": max_delay}
    result = _solve(data)
    assert _by_period(result.unmet) == pytest.approx(lost)
    assert result.objective == pytest.approx(objective)


def test_a_backorder_still_owed_at_the_end_of_the_horizon_costs_a_lost_sale():
    # February's 100 cannot be made in the plan (no February hours). Owing them past the horizon
    # would cost 5 plus the 100 of a lost unit, so they are lost: 100 × 100 = 10,000.
    data = _instance([0, 100], regular=[0, 0])
    data["skus"][0] |= {"backorder_penalty": 5.0, "max_backorder_months": 2}
    result = _solve(data)
    assert result.backorders == [] and result.objective == pytest.approx(10_000)


# ---------------------------------------------------------------------------------------------
# Demand classes
# ---------------------------------------------------------------------------------------------


def test_the_lowest_priority_class_is_shorted_first():
    # 60 units for 100 of demand: unclassified (20) is shorted first, then 'spot' (priority 2);
    # 'key' (priority 1) is served in full. Lost penalties 100, 101 and 102 (premium 1 a step):
    # 60 × 10 + 20 × 100 + 20 × 101 = 4,620.
    data = _instance([100], regular=[60])
    data["demand_classes"] = [{"demand_class": "key", "priority": 1}, {"demand_class": "spot", "priority": 2}]
    data["demand"] = [
        {"sku": "A", "dc": "D1", "qty": [50], "demand_class": "key"},
        {"sku": "A", "dc": "D1", "qty": [30], "demand_class": "spot"},
        {"sku": "A", "dc": "D1", "qty": [20]},
    ]
    result = _solve(data)
    assert {r.demand_class: r.qty for r in result.unmet} == {None: pytest.approx(20), "spot": pytest.approx(20)}
    assert result.objective == pytest.approx(4620)


def test_a_priority_premium_large_enough_serves_the_key_class_from_a_dearer_dc():
    # 50 units; 'key' wants 50 at D2 (lane 20 dearer), 'spot' 50 at D1. A premium of 30 a step
    # outweighs the freight: key served, spot lost. 50 × (10 + 20) + 50 × (100 + 30) = 8,000.
    data = _instance([50], regular=[50])
    data["dcs"].append({"dc": "D2", "storage_capacity": 10_000.0})
    data["lanes"].append({"plant": "P1", "dc": "D2", "cost_per_unit": 20.0, "capacity": [10_000.0]})
    data["demand_classes"] = [{"demand_class": "key", "priority": 1}, {"demand_class": "spot", "priority": 2}]
    data["priority_premium"] = 30.0
    data["demand"] = [{"sku": "A", "dc": "D2", "qty": [50], "demand_class": "key"},
                      {"sku": "A", "dc": "D1", "qty": [50], "demand_class": "spot"}]
    result = _solve(data)
    assert [(r.dc, r.demand_class, r.qty) for r in result.unmet] == [("D1", "spot", pytest.approx(50))]
    assert result.objective == pytest.approx(8000)


# ---------------------------------------------------------------------------------------------
# Transport modes
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("demand", "by_mode", "objective"), [
    # Road 1 a unit up to 60, air 4: 50 go by road (50 × 11 = 550); 100 fill road and send 40 by
    # air (100 × 10 + 60 × 1 + 40 × 4 = 1,220).
    (50, {"road": 50.0}, 550.0),
    (100, {"road": 60.0, "air": 40.0}, 1220.0),
])
def test_a_second_mode_is_used_only_when_the_first_is_full(demand, by_mode, objective):
    data = _instance([demand])
    data["lanes"] = [
        {"plant": "P1", "dc": "D1", "mode": "road", "cost_per_unit": 1.0, "capacity": [60.0]},
        {"plant": "P1", "dc": "D1", "mode": "air", "cost_per_unit": 4.0, "capacity": [1000.0]},
    ]
    result = _solve(data)
    assert {r.mode: r.qty for r in result.shipments} == pytest.approx(by_mode)
    assert result.objective == pytest.approx(objective)
    road = [b for b in result.binding if b.family == "lane"]
    if demand > 60:  # one more road unit saves 4 − 1
        assert [(b.keys, b.shadow_price) for b in road] == [
            ({"plant": "P1", "dc": "D1", "mode": "road"}, pytest.approx(-3.0))]


def test_a_slow_cheap_mode_carries_what_can_wait_and_a_fast_one_the_rest():
    # Sea takes a month at 1 a unit, air none at 4. January's 100 can only fly; February's 100
    # sail in January. 200 × 10 + 100 × 4 + 100 × 1 = 2,500.
    data = _instance([100, 100])
    data["lanes"] = [
        {"plant": "P1", "dc": "D1", "mode": "sea", "cost_per_unit": 1.0, "capacity": [1000.0] * 2,
         "transit_months": 1},
        {"plant": "P1", "dc": "D1", "mode": "air", "cost_per_unit": 4.0, "capacity": [1000.0] * 2},
    ]
    result = _solve(data)
    assert {(r.mode, r.period): r.qty for r in result.shipments} == {
        ("air", "2027-01"): pytest.approx(100), ("sea", "2027-01"): pytest.approx(100)}
    assert result.objective == pytest.approx(2500)


# ---------------------------------------------------------------------------------------------
# Work centres
# ---------------------------------------------------------------------------------------------


def test_a_work_centre_limits_the_plant_beyond_its_pool_of_hours():
    # The plant has 1,000 hours, but the press has 50 and A takes 1 press-hour a unit: 50 made,
    # 30 lost. 50 × 10 + 30 × 100 = 3,500. One more press hour turns a lost unit into a made
    # one: shadow price −90.
    data = _instance([80])
    data["plants"][0]["work_centres"] = [{"work_centre": "press", "hours": [50.0]}]
    data["routings"][0]["work_centre_hours"] = {"press": 1.0}
    result = _solve(data)
    assert _by_period(result.production) == {"2027-01": pytest.approx(50)}
    assert result.objective == pytest.approx(3500)
    assert [(b.keys, b.shadow_price) for b in result.binding if b.family == "work_centre"] == [
        ({"plant": "P1", "work_centre": "press"}, pytest.approx(-90.0))]


# ---------------------------------------------------------------------------------------------
# Lot sizes and minimum batches (a MIP)
# ---------------------------------------------------------------------------------------------


def test_a_lot_size_rounds_production_up():
    # Lots of 40 for a demand of 100: 3 lots (120), 20 held. 120 × 10 + 20 × 1 = 1,220.
    data = _instance([100])
    data["routings"][0]["lot_size"] = 40.0
    result = _solve(data)
    assert _by_period(result.production) == {"2027-01": pytest.approx(120)}
    assert _by_period(result.inventory) == {"2027-01": pytest.approx(20)}
    assert result.objective == pytest.approx(1220)
    assert result.mip_gap is not None and result.mip_gap <= 0.01
    assert all(b.shadow_price is None for b in result.binding)


def test_a_minimum_batch_makes_three_months_at_once():
    # 30 a month, at least 80 a batch: one batch of 90 in January, held 60 then 30.
    # 90 × 10 + 90 × 1 = 990 (two batches of 80 would cost more and waste 70).
    data = _instance([30, 30, 30])
    data["routings"][0]["min_batch"] = 80.0
    result = _solve(data)
    assert _by_period(result.production) == {"2027-01": pytest.approx(90)}
    assert result.objective == pytest.approx(990)


def test_a_minimum_batch_above_demand_is_made_when_losing_the_demand_costs_more():
    # Demand 30, batch at least 50: making 50 (20 left over) costs 500 + 20 holding < 3,000 lost.
    data = _instance([30])
    data["routings"][0]["min_batch"] = 50.0
    result = _solve(data)
    assert _by_period(result.production) == {"2027-01": pytest.approx(50)}
    assert result.objective == pytest.approx(520)


def test_an_lp_has_no_mip_gap():
    assert _solve(_instance([10])).mip_gap is None


# ---------------------------------------------------------------------------------------------
# Validation of the new fields
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["demand"][0].update(demand_class="vip"), "demand[0]: unknown demand_class 'vip'"),
    (lambda d: d["routings"][0].update(work_centre_hours={"lathe": 1.0}), "unknown work centre 'lathe'"),
    (lambda d: d["lanes"].append(dict(d["lanes"][0])), "lanes: ('P1', 'D1') appears more than once"),
    (lambda d: d.update(in_transit=[{"sku": "A", "dc": "D1", "qty": [1.0, 2.0]}]),
     "in_transit[0] A@D1.qty has 2 entries"),
    (lambda d: d["skus"][0].update(max_backorder_months=-1), "max_backorder_months"),
])
def test_the_new_fields_are_checked(change, message):
    from pydantic import ValidationError

    data = _instance([10])
    change(data)
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
                       .replace("]", r"\]")):
        SupplyPlanInstance.model_validate(data)


def test_two_modes_on_one_plant_and_dc_are_two_lanes():
    data = _instance([10])
    data["lanes"] = [dict(data["lanes"][0], mode="road"), dict(data["lanes"][0], mode="air")]
    SupplyPlanInstance.model_validate(data)


# ---------------------------------------------------------------------------------------------
# Properties of random time-phased instances, and the independent formulation
# ---------------------------------------------------------------------------------------------

TOL = 1e-6


@st.composite
def time_phased_instances(draw) -> SupplyPlanInstance:
    """1-2 SKUs, plants and DCs, 1-4 months, integer data, with every time-phased field drawn:
    lanes in one or two modes with transit times, supplier lead times and material on order,
    stock in transit, backorders, demand classes, a work centre, and options (without a fixed
    cost, so still an LP). Storage holds any stock, so every instance is feasible."""
    n = draw(st.integers(1, 4))
    skus, plants, dcs = ([f"{p}{i}" for i in range(draw(st.integers(1, 2)))] for p in ("A", "P", "D"))
    qty = st.integers(0, 60).map(float)
    months = st.lists(qty, min_size=n, max_size=n)
    lag = st.integers(0, 2)
    classes = [{"demand_class": c, "priority": draw(st.integers(1, 3))} for c in ("key", "spot")]
    demand = [{"sku": s, "dc": d, "qty": draw(months), "demand_class": c}
              for s in skus for d in dcs for c in draw(st.sampled_from([[None], ["key"], ["key", "spot"],
                                                                         [None, "spot"]]))]
    lanes = [{"plant": p, "dc": d, "mode": mode, "cost_per_unit": draw(st.integers(0, 5)), "capacity": draw(months),
              "transit_months": draw(lag)}
             for p in plants for d in dcs for mode in draw(st.sampled_from([[], [None], ["road", "air"]]))]
    return SupplyPlanInstance.model_validate({
        "periods": MONTHS[:n],
        "skus": [{"sku": s, "holding_cost": draw(st.integers(0, 3)), "unmet_penalty": draw(st.integers(0, 60)),
                  "ss_penalty": draw(st.integers(0, 20)), "backorder_penalty": draw(st.integers(0, 10)),
                  "max_backorder_months": draw(st.integers(0, 3)),
                  "material": ({"supplier": "K1", "qty_per_unit": draw(st.integers(0, 3))}
                               if draw(st.booleans()) else None)}
                 for s in skus],
        "plants": [{"plant": p, "regular_hours": draw(months), "max_overtime_hours": draw(months),
                    "overtime_cost_per_hour": draw(st.integers(0, 30)),
                    "work_centres": [{"work_centre": "line", "hours": draw(months)}]} for p in plants],
        "routings": [{"sku": s, "plant": p, "hours_per_unit": draw(st.sampled_from([0.0, 0.5, 1.0, 2.0])),
                      "cost_per_unit": draw(st.integers(0, 30)),
                      "work_centre_hours": {"line": draw(st.sampled_from([0.0, 0.5, 1.0]))}}
                     for s in skus for p in plants if draw(st.booleans())],
        "dcs": [{"dc": d, "storage_capacity": 1000.0} for d in dcs],
        "lanes": lanes,
        "suppliers": [{"supplier": "K1", "capacity": draw(months), "lead_time_months": draw(lag),
                       "on_order": draw(st.none() | months)}],
        "demand": demand,
        "initial_inventory": [{"sku": s, "dc": d, "qty": draw(qty)} for s in skus for d in dcs],
        "safety_stock": [{"sku": s, "dc": d, "qty": draw(qty)} for s in skus for d in dcs],
        "in_transit": [{"sku": s, "dc": d, "qty": draw(months)} for s in skus for d in dcs if draw(st.booleans())],
        "demand_classes": classes,
        "priority_premium": draw(st.integers(0, 5)),
        "options": [o for o in (
            {"option": "more hours", "family": "plant_hours", "keys": {"plant": plants[0]}, "amount": draw(months),
             "cost_per_unit": draw(st.integers(0, 40))},
            {"option": "second source", "family": "supplier", "keys": {"supplier": "K1"}, "amount": draw(months),
             "cost_per_unit": draw(st.integers(0, 20))},
            {"option": "more line", "family": "work_centre", "keys": {"plant": plants[-1], "work_centre": "line"},
             "amount": draw(months), "cost_per_unit": draw(st.integers(0, 20))},
            {"option": "more room", "family": "storage", "keys": {"dc": dcs[0]}, "amount": draw(months),
             "cost_per_unit": draw(st.integers(0, 5))},
        ) if draw(st.booleans())],
    })  # fmt: skip


def _table(rows, *keys: str) -> dict[tuple, float]:
    table: dict[tuple, float] = defaultdict(float)
    for row in rows:
        table[tuple(getattr(row, k) for k in keys)] += row.qty
    return table


@settings(max_examples=40, deadline=None)
@given(time_phased_instances())
def test_inventory_balances_in_every_sku_dc_and_month_including_in_transit(instance: SupplyPlanInstance):
    result = solve_supply_plan(instance)
    assert result.status == "optimal"
    periods, n = instance.periods, len(instance.periods)
    transit = {(ln.plant, ln.dc, ln.mode): ln.transit_months for ln in instance.lanes}
    shipped = _table(result.shipments, "sku", "plant", "dc", "mode", "period")
    on_hand = _table(result.inventory, "sku", "dc", "period")
    on_way = _table(result.in_transit, "sku", "dc", "period")
    lost = _table(result.unmet, "sku", "dc", "demand_class", "period")
    owed = _table(result.backorders, "sku", "dc", "demand_class", "period")
    opening = {(r.sku, r.dc): r.qty for r in instance.initial_inventory}
    pipeline = {(r.sku, r.dc): r.qty for r in instance.in_transit}
    for s in (k.sku for k in instance.skus):
        max_delay = next(k.max_backorder_months for k in instance.skus if k.sku == s)
        for d in (dc.dc for dc in instance.dcs):
            streams = [r for r in instance.demand if (r.sku, r.dc) == (s, d)]
            coming = pipeline.get((s, d), [0.0] * n)
            stock, position = opening[s, d], opening[s, d] + sum(coming)
            for i, m in enumerate(periods):
                arrivals = sum(q for (k, p, dc, mode, when), q in shipped.items()
                               if (k, dc) == (s, d) and periods.index(when) + transit[p, dc, mode] == i)
                departures = sum(q for (k, _, dc, _, when), q in shipped.items() if (k, dc, when) == (s, d, m))
                sold = 0.0
                for r in streams:
                    c = r.demand_class
                    before = owed[s, d, c, periods[i - 1]] if i else 0.0
                    sold_here = r.qty[i] - lost[s, d, c, m] + before - owed[s, d, c, m]
                    assert sold_here >= -TOL  # a month's sales are never negative
                    window = range(max(0, i - max_delay + 1), i + 1)
                    assert owed[s, d, c, m] <= sum(r.qty[w] - lost[s, d, c, periods[w]] for w in window) + TOL
                    sold += sold_here
                stock += arrivals + coming[i] - sold
                position += departures - sold
                assert on_hand[s, d, m] == pytest.approx(stock, abs=TOL)
                assert on_hand[s, d, m] + on_way[s, d, m] == pytest.approx(position, abs=TOL)
                stock, position = on_hand[s, d, m], on_hand[s, d, m] + on_way[s, d, m]
    produced = _table(result.production, "sku", "plant", "period")
    material = {k.sku: k.material.qty_per_unit for k in instance.skus if k.material}
    supplier = instance.suppliers[0]
    bought = {(o.option, m): q for o in result.options for m, q in o.used_by_month.items()}
    for i, m in enumerate(periods):
        ordered = periods[i - supplier.lead_time_months] if i >= supplier.lead_time_months else None
        usable = (supplier.capacity[i - supplier.lead_time_months] + bought.get(("second source", ordered), 0.0)
                  if ordered else 0.0) + (supplier.on_order or [0.0] * n)[i]
        drawn = sum(q * material.get(s, 0.0) for (s, _, when), q in produced.items() if when == m)
        assert drawn <= usable + TOL
        for lane in instance.lanes:
            moved = sum(q for (_, p, dc, mode, when), q in shipped.items()
                        if (p, dc, mode, when) == (lane.plant, lane.dc, lane.mode, m))
            assert moved <= lane.capacity[i] + TOL
        for plant in instance.plants:
            line = sum(q * r.work_centre_hours.get("line", 0.0) for r in instance.routings if r.plant == plant.plant
                       for (s, p, when), q in produced.items() if (s, p, when) == (r.sku, r.plant, m))
            extra = bought.get(("more line", m), 0.0) if plant.plant == instance.plants[-1].plant else 0.0
            assert line <= plant.work_centres[0].hours[i] + extra + TOL
    assert result.objective == pytest.approx(solve_direct(instance).objective, rel=TOL, abs=TOL)


@pytest.mark.parametrize(("n_skus", "seed", "n_months", "objective"), [
    # Objectives of the seeded instances as the model solved them before the time-phased fields
    # (the sparse reference of that commit, HiGHS 1.16, 2026-12-06).
    (8, 0, 6, 30548.037442446926),
    (8, 1, 6, 38556.06762106631),
    (8, 2, 6, 47266.160753028926),
    (30, 0, 12, 287690.27922240685),
])
def test_todays_instances_solve_to_the_same_objective_as_before(n_skus, seed, n_months, objective):
    assert solve_supply_plan(generate_instance(n_skus, seed=seed, n_months=n_months)).objective == pytest.approx(
        objective, rel=1e-9)

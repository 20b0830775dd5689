"""Lane utilisation and cost against a hand-computed three-lane, three-month plan."""

import pytest
from pydantic import ValidationError

from sop.tools.supply.logistics import Lane, LogisticsPlanInput, Shipment, logistics_plan

PERIODS = ["2027-01", "2027-02", "2027-03"]
LANES = [
    Lane(plant="P1", dc="D1", cost_per_unit=0.4, capacity=[5000, 5000, 5000]),
    Lane(plant="P1", dc="D2", cost_per_unit=0.7, capacity=[2000, 2000, 0]),  # closed in March
    Lane(plant="P2", dc="D1", cost_per_unit=0.5, capacity=[1000, 1000, 1000]),  # unused
]
SHIPMENTS = [
    Shipment(plant="P1", dc="D1", period="2027-01", qty=3000),
    Shipment(plant="P1", dc="D1", period="2027-01", qty=2000),  # second SKU on the same lane-month
    Shipment(plant="P1", dc="D1", period="2027-02", qty=4600),
    Shipment(plant="P1", dc="D1", period="2027-03", qty=1000),
    Shipment(plant="P1", dc="D2", period="2027-01", qty=1998),
    Shipment(plant="P1", dc="D2", period="2027-02", qty=1700),
]


def plan(shipments=SHIPMENTS, lanes=LANES, periods=PERIODS):
    return logistics_plan(LogisticsPlanInput(periods=periods, lanes=lanes, shipments=shipments))


def test_hand_computed_plan():
    out = plan()
    p1d1, p1d2, p2d1 = out.lanes
    # P1→D1: 5000/5000 = 1.0 binds; 4600/5000 = 0.92 near; 1000/5000 = 0.2
    assert [m.volume for m in p1d1.months] == [5000, 4600, 1000]
    assert [m.utilisation for m in p1d1.months] == pytest.approx([1.0, 0.92, 0.2])
    assert [(m.binding, m.near_capacity) for m in p1d1.months] == [(True, True), (False, True), (False, False)]
    # cost 0.4 · (5000, 4600, 1000) = 2000, 1840, 400 → 4240; 10 600 of 15 000 units = 0.70667
    assert [m.cost for m in p1d1.months] == pytest.approx([2000, 1840, 400])
    assert p1d1.total_cost == pytest.approx(4240)
    assert p1d1.total_volume == 10600 and p1d1.total_capacity == 15000
    assert p1d1.utilisation == pytest.approx(0.706667, abs=1e-6)
    # P1→D2: 1998/2000 = 0.999 binds (threshold inclusive); 1700/2000 = 0.85; March closed and empty
    assert [m.utilisation for m in p1d2.months] == pytest.approx([0.999, 0.85, None])
    assert [m.binding for m in p1d2.months] == [True, False, False]
    # cost 0.7 · (1998 + 1700) = 1398.6 + 1190 = 2588.6; 3698 of 4000 = 0.9245
    assert p1d2.total_cost == pytest.approx(2588.6)
    assert p1d2.utilisation == pytest.approx(0.9245)
    assert p2d1.total_volume == 0 and p2d1.utilisation == 0 and p2d1.binding_months == 0
    assert out.total_cost == pytest.approx(4240 + 2588.6)
    assert [(b.plant, b.dc, b.period) for b in out.binding] == [("P1", "D1", "2027-01"), ("P1", "D2", "2027-01")]
    assert not any(m.over_capacity for lane in out.lanes for m in lane.months)


def test_over_capacity_and_closed_lane():
    out = plan(shipments=[Shipment(plant="P2", dc="D1", period="2027-02", qty=1200),
                          Shipment(plant="P1", dc="D2", period="2027-03", qty=10)])
    feb = out.lanes[2].months[1]
    # 1200/1000 = 1.2: binds and cannot ship
    assert feb.utilisation == pytest.approx(1.2) and feb.binding and feb.over_capacity
    march = out.lanes[1].months[2]
    # anything on a closed lane is at (and over) its limit
    assert march.utilisation is None and march.binding and march.over_capacity
    assert [(b.plant, b.dc, b.period) for b in out.binding] == [("P1", "D2", "2027-03"), ("P2", "D1", "2027-02")]


@pytest.mark.parametrize(("shipment", "message"), [
    (Shipment(plant="P9", dc="D1", period="2027-01", qty=1), "shipment 0: lane P9→D1 is not among the lanes"),
    (Shipment(plant="P1", dc="D1", period="2027-09", qty=1), "shipment 0: period 2027-09 is not among"),
])
def test_shipments_must_reference_known_lanes_and_periods(shipment, message):
    with pytest.raises(ValidationError, match=message):
        plan(shipments=[shipment])


def test_capacity_must_cover_every_period():
    with pytest.raises(ValidationError, match="capacity has 2 values but there are 3 periods"):
        plan(lanes=[Lane(plant="P1", dc="D1", cost_per_unit=0.4, capacity=[1, 2])], shipments=[])


def test_solver_round_off_is_not_over_capacity():
    # an LP plan at its limit ships 5000 + 9e-12 units; one more unit is a real overrun
    at_limit = plan(shipments=[Shipment(plant="P1", dc="D1", period="2027-01", qty=5000 + 9e-12),
                               Shipment(plant="P1", dc="D2", period="2027-03", qty=1e-12)])
    jan, closed = at_limit.lanes[0].months[0], at_limit.lanes[1].months[2]
    assert jan.binding and not jan.over_capacity
    assert not closed.binding and not closed.over_capacity
    over = plan(shipments=[Shipment(plant="P1", dc="D1", period="2027-01", qty=5001)]).lanes[0].months[0]
    assert over.over_capacity


def test_non_finite_capacity_names_the_field():
    with pytest.raises(ValidationError, match=r"lanes\.0\.capacity\.0[\s\S]*finite"):
        LogisticsPlanInput.model_validate({"periods": PERIODS, "shipments": [], "lanes": [
            {"plant": "P1", "dc": "D1", "cost_per_unit": 0.4, "capacity": [float("inf"), 1, 1]}]})


def test_periods_out_of_order_are_refused():
    with pytest.raises(ValidationError, match=r"periods\[1\] '2027-01' comes before '2027-02'"):
        plan(periods=["2027-02", "2027-01", "2027-03"], shipments=[])


MODES = [
    Lane(plant="P1", dc="D1", mode="road", cost_per_unit=0.4, capacity=[100, 100, 100]),
    Lane(plant="P1", dc="D1", mode="air", cost_per_unit=2.0, capacity=[20, 20, 20]),
]


def test_each_transport_mode_is_its_own_lane():
    out = plan(lanes=MODES, shipments=[
        Shipment(plant="P1", dc="D1", mode="road", period="2027-01", qty=100),
        Shipment(plant="P1", dc="D1", mode="air", period="2027-01", qty=15),
        Shipment(plant="P1", dc="D1", mode="air", period="2027-02", qty=20),
        Shipment(plant="P1", dc="D1", mode="road", period="2027-02", qty=50)])
    road, air = out.lanes
    # road: 100/100 = 1.0 binds, 50/100 = 0.5; 0.4 · 150 = 60. air: 15/20 = 0.75, 20/20 = 1.0
    # binds; 2.0 · 35 = 70. Neither mode's volume counts against the other.
    assert (road.mode, air.mode) == ("road", "air")
    assert [m.volume for m in road.months] == [100, 50, 0] and [m.volume for m in air.months] == [15, 20, 0]
    assert [m.utilisation for m in air.months] == pytest.approx([0.75, 1.0, 0.0])
    assert (road.total_cost, air.total_cost, out.total_cost) == pytest.approx((60, 70, 130))
    assert [(b.mode, b.period) for b in out.binding] == [("road", "2027-01"), ("air", "2027-02")]


def test_a_shipment_must_name_the_mode_of_its_lane():
    with pytest.raises(ValidationError, match=r"shipment 0: lane P1→D1 is not among the lanes"):
        plan(lanes=MODES, shipments=[Shipment(plant="P1", dc="D1", period="2027-01", qty=1)])
    with pytest.raises(ValidationError, match=r"lanes \['P1→D1 \(air\)'\] are listed more than once"):
        plan(lanes=[*MODES, MODES[1]], shipments=[])


def test_the_supply_plans_shipments_by_mode_load_their_own_lanes():
    # The plan of tests/test_gaps.py's two-mode instance: 60 units by road (its capacity) and 30
    # by air (its capacity); both lanes bind in the month.
    from test_gaps import two_modes

    from sop.tools.supply.supply_plan_solve import solve_supply_plan

    instance = two_modes()
    result = solve_supply_plan(instance)
    out = logistics_plan(LogisticsPlanInput(
        periods=instance.periods, lanes=[lane.model_dump() for lane in instance.lanes],
        shipments=[s.model_dump() for s in result.shipments]))
    assert [(lane.mode, lane.months[0].volume, lane.months[0].binding) for lane in out.lanes] == [
        ("road", pytest.approx(60), True), ("air", pytest.approx(30), True)]
    assert out.total_cost == pytest.approx(60 * 1 + 30 * 4)

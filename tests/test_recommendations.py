"""Gap resolution on a plan worked out by hand, and the page check's chart test.

One SKU (price 20, standard and routing cost 10), one plant making one unit an hour with 100
regular hours and no overtime, demand 50, 150, 150. The plan makes 100 a month, builds 50 ahead
in January for February and loses 50 units in March: 500 of margin at risk; the plant's hours
bind every month, worth 570 on the same scale.
"""

from __future__ import annotations

import pytest
from pagecheck import chart_problems

from sop.tools.finance.gap_resolution import resolve_gaps
from sop.tools.finance.levers import Bindings, Lever, promotion_levers
from sop.tools.finance.projection import FinanceItem
from sop.tools.finance.recommendations import GapResolutionInput, LeverTerms, Promotion
from sop.tools.finance.whatifs import apply_lever
from sop.tools.supply.supply_plan import SupplyPlanInstance
from sop.tools.supply.supply_plan_solve import solve_supply_plan

PERIODS = ["2027-01", "2027-02", "2027-03"]
ITEMS = [FinanceItem(sku="A", family="widgets", price=20, unit_cost=10)]
TERMS = LeverTerms(capital_lead_months=1)  # new capacity from February, inside the 3-month horizon


def _instance() -> SupplyPlanInstance:
    return SupplyPlanInstance.model_validate({
        "periods": PERIODS,
        "skus": [{"sku": "A", "holding_cost": 1.0, "unmet_penalty": 30.0, "ss_penalty": 0.0}],
        "plants": [{"plant": "P1", "regular_hours": [100] * 3, "max_overtime_hours": [0] * 3,
                    "overtime_cost_per_hour": 30.0}],
        "routings": [{"sku": "A", "plant": "P1", "hours_per_unit": 1.0, "cost_per_unit": 10.0}],
        "dcs": [{"dc": "D1", "storage_capacity": 1000}],
        "lanes": [{"plant": "P1", "dc": "D1", "cost_per_unit": 0.0, "capacity": [1000] * 3}],
        "demand": [{"sku": "A", "dc": "D1", "qty": [50, 150, 150]}],
    })


@pytest.fixture(scope="module")
def solved():
    instance = _instance()
    plan = solve_supply_plan(instance)
    assert plan.status == "optimal"
    inp = GapResolutionInput(instance=instance, plan=plan, items=ITEMS, max_whatifs=4, terms=TERMS)
    before = (instance.model_dump(), plan.model_dump())
    return inp, resolve_gaps(inp), before


def test_a_what_if_leaves_the_base_instance_and_plan_untouched(solved):
    inp, _, before = solved
    assert (inp.instance.model_dump(), inp.plan.model_dump()) == before


def test_lost_demand_is_ranked_by_margin_at_risk(solved):
    _, out, _ = solved
    gap = out.gaps[1]
    assert (gap.rank, gap.kind, gap.subject, gap.months) == (2, "demand_over_supply", "widgets", ["2027-03"])
    assert gap.units == pytest.approx(50) and gap.margin_at_risk == pytest.approx(50 * (20 - 10))


def test_the_binding_plant_is_ranked_on_the_same_scale(solved):
    # Every month's 100 hours bind. One more March hour saves a lost unit: 30 penalty − 10 cost =
    # 20; February's carries a unit into March for 1 of holding: 19; January's two months: 18.
    # 10 % of each month's 100 hours at risk: 10 × (18 + 19 + 20) = 570, above the 500 of margin.
    _, out, _ = solved
    plant = out.gaps[0]
    assert (plant.rank, plant.kind, plant.subject, plant.family) == (1, "plant_hours", "P1", None)
    assert plant.months == PERIODS and plant.margin_at_risk == pytest.approx(570)
    assert [g.rank for g in out.gaps] == [1, 2]


def test_each_lever_is_quantified_by_its_re_plan(solved):
    _, out, _ = solved
    recs = {r.lever: r for r in out.recommendations}
    assert set(recs) == {"prebuild", "shift", "capital"}
    # An added shift in March: +20 hours, 20 more units sold at a margin of 10 each; the premium
    # is half the 30 overtime rate on every added hour: 20 x 15 = 300.
    shift = recs["shift"]
    assert shift.months == ["2027-03"]
    assert shift.units == pytest.approx(20) and shift.margin_recovered == pytest.approx(200)
    assert shift.cost == pytest.approx(300) and shift.net_benefit == pytest.approx(-100)
    assert not shift.recommended and shift.whatif.unmet_units == pytest.approx(30)
    # Pre-build: +20 hours in January and February, 40 more units held 2 and 1 months (60 of
    # holding): 40 x 10 - 60 = 340 recovered for 40 x 15 = 600.
    prebuild = recs["prebuild"]
    assert prebuild.months == ["2027-01", "2027-02"]
    assert prebuild.margin_recovered == pytest.approx(340) and prebuild.cost == pytest.approx(600)
    # Capital: +10 hours in February and March, 20 more units sold; 10 of February's are held
    # into March (10 of holding): 20 x 10 - 10 = 190 recovered; 20 hours x 15 = 300 of cost.
    capital = recs["capital"]
    assert capital.months == ["2027-02", "2027-03"]
    assert capital.margin_recovered == pytest.approx(190) and capital.cost == pytest.approx(300)


def test_the_cap_limits_the_re_plans_and_lists_the_rest():
    instance = _instance()
    out = resolve_gaps(GapResolutionInput(instance=instance, plan=solve_supply_plan(instance), items=ITEMS,
                                          max_whatifs=1, terms=TERMS))
    assert [r.lever for r in out.recommendations] == ["prebuild"]
    assert len(out.not_evaluated) == 2
    assert out.decisions[0].decision == "Approve the base supply plan as the operating plan"
    assert "50 units of demand left unmet" in out.decisions[0].detail


def test_moving_a_promotion_moves_its_uplift():
    instance = _instance()
    promo = Promotion(event_id="EV", family="widgets", start_month="2027-02", end_month="2027-02", uplift_pct=25)
    b = Bindings(hours={"P1": {"2027-02": 5.0}}, overtime={}, supplier={}, made_at={},
                 family_plant={"widgets": "P1"}, supplier_of={})
    lever, = promotion_levers({"2027-02"}, "P1", [promo], b, PERIODS)
    assert (lever.months, lever.moved_to) == (("2027-02",), ("2027-03",))
    moved = apply_lever(instance, lever, LeverTerms(), [promo], {"A": "widgets"})
    # February loses its +25 % (150 / 1.25 = 120); March gains it (150 x 1.25 = 187.5).
    assert moved.demand[0].qty == pytest.approx([50, 120, 187.5])
    assert instance.demand[0].qty == [50, 150, 150]
    started = promo.model_copy(update={"start_month": "2027-01"})
    assert promotion_levers({"2027-01", "2027-02"}, "P1", [started], b, PERIODS) == []


def test_capacity_levers_change_only_their_months():
    instance = _instance()
    shift = apply_lever(instance, Lever("shift", "P1", ("2027-02",)), LeverTerms(shift_share=0.25), [], {})
    assert shift.plants[0].regular_hours == [100, 125, 100]
    capital = apply_lever(instance, Lever("capital", "P1", ("2027-02", "2027-03")), LeverTerms(), [], {})
    assert capital.plants[0].regular_hours == pytest.approx([100, 110, 110])
    assert instance.plants[0].regular_hours == [100, 100, 100]


def test_the_page_check_finds_a_chart_that_drew_nothing():
    drawn = ('<svg class="chart" aria-label="a"><line x1="0" y1="0" x2="9" y2="0"></line>'
             '<rect x="1" y="2" width="5" height="7"></rect></svg>')
    empty = ('<svg class="chart" aria-label="b"><line x1="0" y1="0" x2="9" y2="0"></line>'
             '<path d="M1.0,2.0"></path><text>0</text></svg>')
    assert chart_problems(f"<html><body>{drawn}</body></html>") == []
    assert chart_problems(f"<html><body>{drawn}{empty}</body></html>") == ["chart 'b' drew no marks"]
    assert chart_problems("<html><body><p>no charts</p></body></html>") == ["the page has no charts"]

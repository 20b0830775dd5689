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
    assert set(recs) == {"combination", "prebuild", "shift", "capital"}
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


def test_the_plan_chooses_its_options_and_says_plainly_when_no_set_pays(solved):
    # The three levers offered together, each hour at a premium of 15 (half the overtime rate)
    # paid on every hour added. The plan values a lost unit at its penalty of 30: the March
    # shift (20 units for 300) and the capital request (20 units, 10 held a month, for 300)
    # save 790 − 600 = 190 of plan cost, the best set (pre-build and shift: 60; all three:
    # negative). In margin the set recovers 40 × 10 − 10 of holding = 390 for 600: net −210.
    # Valued at the margin a lost unit earns (10), no option is worth its premium, so none is
    # put to the executives, and the decisions say why.
    _, out, _ = solved
    combo = out.recommendations[0]
    assert combo.lever == "combination" and combo.recommendation_id == "C1"
    assert combo.options == ["Added shift at P1 (+20% hours), 2027-03",
                             "Capital request: +10% permanent hours at P1 from 2027-02"]
    assert combo.units == pytest.approx(40) and combo.margin_recovered == pytest.approx(390)
    assert combo.cost == pytest.approx(600) and combo.net_benefit == pytest.approx(-210)
    assert not combo.recommended and combo.gap_ranks == [2]
    # The base plan's shadow price on March's hours is 20 (penalty 30 − cost 10); the shift
    # costs 300 / 20 hours = 15 an hour used.
    assert combo.justification[0] == ("Added shift at P1 (+20% hours), 2027-03: one more hour of P1 was worth 20.00 in "
                                      "the base plan (shadow price, 2027-03); the option costs 15.00 per hour used "
                                      "(20 used)")
    assert "no option is worth its cost" in out.no_combination
    note = next(d for d in out.decisions if d.decision.startswith("Note: no set of supply options"))
    assert "net −210" in note.detail or "net -210" in note.detail


def _overtime_instance() -> SupplyPlanInstance:
    """The hand case with 10 overtime hours a month at 1.5 an hour: the plan uses them all."""
    data = _instance().model_dump()
    data["plants"][0] |= {"max_overtime_hours": [10.0] * 3, "overtime_cost_per_hour": 1.5}
    return SupplyPlanInstance.model_validate(data)


def test_a_set_of_options_that_pays_is_put_to_the_executives_with_its_shadow_prices():
    # Base: 110 hours a month (30 of overtime, 45) for 350 units, 60 + 20 held (80), 20 lost in
    # March: margin 330 × 20 − 330 × 10 − 125 = 3,175. Offered together, the plan takes overtime
    # +50 % in March (5 hours at 1.5), the March shift (+20 hours, premium 0.75 on each: 15) and
    # the capital request (+10 hours in February and March: 15). January then makes 95 and
    # carries 40 into February and 5 into March (50 of holding); March uses its 10 overtime
    # hours (15). All 350 sold: 7,000 − 3,500 − 15 − 50 = 3,435, recovered 260, for 7.5 + 15 +
    # 15 = 37.5: net 222.5. The pre-build (30 for 40 hours) is not worth its premium.
    instance = _overtime_instance()
    plan = solve_supply_plan(instance)
    out = resolve_gaps(GapResolutionInput(instance=instance, plan=plan, items=ITEMS, max_whatifs=4, terms=TERMS))
    combo = out.recommendations[0]
    assert combo.base.margin == pytest.approx(3175) and combo.whatif.margin == pytest.approx(3435)
    assert [o.split(" at P1")[0].split(" (")[0] for o in combo.options] == [
        "Overtime +50% above the maximum", "Added shift", "Capital request: +10% permanent hours"]
    assert combo.margin_recovered == pytest.approx(260) and combo.cost == pytest.approx(37.5)
    assert combo.net_benefit == pytest.approx(222.5) and combo.units == pytest.approx(20) and combo.recommended
    assert out.no_combination == ""
    ask = next(d for d in out.decisions if d.recommendation_id == "C1")
    assert ask.decision.startswith("Approve: Options chosen together") and "why: Overtime" in ask.detail
    # "Only X" stays as a comparison, not a second ask: only the shift nets 185 < 222.5.
    shift = next(r for r in out.recommendations if r.lever == "shift")
    assert shift.net_benefit == pytest.approx(185) and not shift.recommended
    assert "only Added shift at P1 (+20% hours), 2027-03: net 185" in ask.detail
    assert [d.recommendation_id for d in out.decisions if d.recommendation_id] == ["C1"]


def test_the_cap_limits_the_re_plans_and_lists_the_rest():
    instance = _instance()
    out = resolve_gaps(GapResolutionInput(instance=instance, plan=solve_supply_plan(instance), items=ITEMS,
                                          max_whatifs=1, terms=TERMS))
    assert [r.lever for r in out.recommendations] == ["combination", "prebuild"]
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

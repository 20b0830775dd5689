"""The financial projection against a plan worked out by hand, and its identities."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sop.tools.finance.projection import (
    BridgeInput,
    BudgetLine,
    FinanceInput,
    FinanceItem,
    financial_projection,
    margin_bridge,
)
from sop.tools.supply.supply_plan import SupplyPlanInstance, SupplyPlanResult

PERIODS = ["2027-01", "2027-02"]


def _instance(demand_a=(100.0, 150.0), demand_b=(40.0, 40.0)) -> SupplyPlanInstance:
    return SupplyPlanInstance.model_validate({
        "periods": PERIODS,
        "skus": [{"sku": "A", "holding_cost": 0.5, "unmet_penalty": 40, "ss_penalty": 1},
                 {"sku": "B", "holding_cost": 1.0, "unmet_penalty": 60, "ss_penalty": 1}],
        "plants": [{"plant": "P1", "regular_hours": [100, 100], "max_overtime_hours": [20, 20],
                    "overtime_cost_per_hour": 30}],
        "routings": [{"sku": "A", "plant": "P1", "hours_per_unit": 0.5, "cost_per_unit": 8},
                     {"sku": "B", "plant": "P1", "hours_per_unit": 1.0, "cost_per_unit": 20}],
        "dcs": [{"dc": "D1", "storage_capacity": 1000}],
        "lanes": [{"plant": "P1", "dc": "D1", "cost_per_unit": 2, "capacity": [1000, 1000]}],
        "demand": [{"sku": "A", "dc": "D1", "qty": list(demand_a)}, {"sku": "B", "dc": "D1", "qty": list(demand_b)}],
    })


def _plan() -> SupplyPlanResult:
    # Month 1: make 120 A (60 h) and 40 B (40 h): 100 h, no overtime; 20 A left in stock.
    # Month 2: make 120 A (60 h) and 40 B (40 h) plus 10 h overtime (the row says so);
    #          150 A demanded, 140 available -> 10 unmet.
    return SupplyPlanResult.model_validate({
        "status": "optimal", "objective": 0.0,
        "production": [{"sku": "A", "plant": "P1", "period": "2027-01", "qty": 120},
                       {"sku": "B", "plant": "P1", "period": "2027-01", "qty": 40},
                       {"sku": "A", "plant": "P1", "period": "2027-02", "qty": 120},
                       {"sku": "B", "plant": "P1", "period": "2027-02", "qty": 40}],
        "overtime": [{"plant": "P1", "period": "2027-02", "hours": 10}],
        "shipments": [{"sku": "A", "plant": "P1", "dc": "D1", "period": "2027-01", "qty": 120},
                      {"sku": "B", "plant": "P1", "dc": "D1", "period": "2027-01", "qty": 40},
                      {"sku": "A", "plant": "P1", "dc": "D1", "period": "2027-02", "qty": 120},
                      {"sku": "B", "plant": "P1", "dc": "D1", "period": "2027-02", "qty": 40}],
        "inventory": [{"sku": "A", "dc": "D1", "period": "2027-01", "qty": 20}],
        "unmet": [{"sku": "A", "dc": "D1", "period": "2027-02", "qty": 10}],
    })


ITEMS = [FinanceItem(sku="A", family="widgets", price=20, unit_cost=10),
         FinanceItem(sku="B", family="gadgets", price=50, unit_cost=25)]


def _rows(budget=()):
    out = financial_projection(FinanceInput(items=ITEMS, instance=_instance(), plan=_plan(), budget=list(budget)))
    return {(r.family, r.month): r for r in out.rows}


def test_projection_matches_the_hand_computed_plan():
    rows = _rows()
    jan_a, feb_a, feb_b = rows[("widgets", "2027-01")], rows[("widgets", "2027-02")], rows[("gadgets", "2027-02")]
    # January widgets: 100 sold x 20 = 2,000 revenue; 120 made x 8 = 960; freight 120 x 2 = 240;
    # 20 held x 0.5 = 10: spend 1,210. COGS is matched to the 100 sold: 100 x 10 standard = 1,000,
    # plus the spend beyond the standard cost of the 120 made (1,210 - 120 x 10 = 10): 1,010, the
    # same as opening stock 0 + spend 1,210 - closing stock 20 x 10 = 200. Margin 990.
    assert jan_a.revenue == pytest.approx(2000)
    assert jan_a.production_cost == pytest.approx(960)
    assert jan_a.freight_cost == pytest.approx(240)
    assert jan_a.holding_cost == pytest.approx(10)
    assert jan_a.overtime_cost == pytest.approx(0)
    assert jan_a.spend == pytest.approx(1210)
    assert jan_a.cogs == pytest.approx(1010)
    assert jan_a.gross_margin == pytest.approx(990)
    assert jan_a.inventory_value == pytest.approx(200)
    # February: 10 overtime hours x 30 = 300, split by production hours: A 60 h, B 40 h of 100 h,
    # so widgets carry 180 and gadgets 120. Widgets sell 150 - 10 unmet = 140 -> 2,800.
    assert feb_a.fulfilled_units == pytest.approx(140)
    assert feb_a.revenue == pytest.approx(2800)
    assert feb_a.overtime_cost == pytest.approx(180)
    assert feb_b.overtime_cost == pytest.approx(120)
    # Gadgets February: 40 x 50 = 2,000 revenue; spend 40 x 20 + 120 + 40 x 2 = 1,000; made and
    # sold 40 at 25 standard: COGS 1,000 + 1,000 - 1,000 = 1,000.
    assert feb_b.spend == pytest.approx(1000)
    assert feb_b.cogs == pytest.approx(1000)
    assert feb_b.gross_margin_pct == pytest.approx(0.5)
    # Widgets February sell the 20 of opening stock at standard cost: 140 x 10 = 1,400; spend
    # 960 + 180 + 240 = 1,380 for 120 made (1,200 at standard): COGS 1,400 + 180 = 1,580, which
    # is opening stock 200 + spend 1,380 - closing stock 0. Margin 2,800 - 1,580 = 1,220.
    assert feb_a.spend == pytest.approx(1380)
    assert feb_a.cogs == pytest.approx(1580)
    assert feb_a.gross_margin == pytest.approx(1220)


def test_cogs_is_opening_stock_plus_spend_minus_closing_stock():
    # The pre-build of January carries its cost into February at standard cost: over the two
    # months widgets spend 2,590 and end with no stock, so COGS sums to 2,590 whatever the timing.
    rows = _rows()
    opening = 0.0
    for month in PERIODS:
        r = rows[("widgets", month)]
        assert r.cogs == pytest.approx(opening + r.spend - r.inventory_value)
        opening = r.inventory_value
    assert sum(rows[("widgets", m)].cogs for m in PERIODS) == pytest.approx(2590)


def test_opening_stock_is_valued_at_standard_cost():
    # 30 A on hand before the horizon; January sells 100 of which 30 come from that stock.
    instance = SupplyPlanInstance.model_validate(
        _instance().model_dump() | {"initial_inventory": [{"sku": "A", "dc": "D1", "qty": 30.0}]})
    plan = SupplyPlanResult.model_validate(
        _plan().model_dump() | {"inventory": [{"sku": "A", "dc": "D1", "period": "2027-01", "qty": 50.0}]})
    jan = {(r.family, r.month): r for r in financial_projection(FinanceInput(
        items=ITEMS, instance=instance, plan=plan)).rows}[("widgets", "2027-01")]
    # opening 30 x 10 = 300, spend 960 + 240 + 50 x 0.5 = 1,225, closing 50 x 10 = 500:
    # COGS 300 + 1,225 - 500 = 1,025 = 100 sold x 10 + (1,225 - 1,200); margin 2,000 - 1,025 = 975
    assert jan.spend == pytest.approx(1225)
    assert jan.cogs == pytest.approx(1025)
    assert jan.gross_margin == pytest.approx(975)


def test_variance_against_a_hand_set_budget():
    budget = [BudgetLine(family="widgets", month="2027-01", units=110, revenue=2200, cogs=1300)]
    row = _rows(budget)[("widgets", "2027-01")]
    # Revenue 2,000 vs 2,200 budget: -200. Margin 990 vs budget 2,200 - 1,300 = 900: +90.
    assert row.revenue_variance == pytest.approx(-200)
    assert row.margin_variance == pytest.approx(90)
    assert _rows(budget)[("gadgets", "2027-01")].budget_revenue == 0


@settings(max_examples=40, deadline=None)
@given(a=st.tuples(st.floats(0, 500), st.floats(0, 500)), b=st.tuples(st.floats(0, 500), st.floats(0, 500)))
def test_margin_is_revenue_minus_cogs(a, b):
    out = financial_projection(FinanceInput(items=ITEMS, instance=_instance(a, b), plan=_plan()))
    for r in out.rows:
        assert r.spend == pytest.approx(r.production_cost + r.overtime_cost + r.freight_cost + r.holding_cost)
        assert r.gross_margin == pytest.approx(r.revenue - r.cogs)


def test_working_capital_of_a_hand_computed_month():
    # January widgets: revenue 2,000, spend 1,210 (payables are owed on what is bought, not on
    # COGS), stock 200 at standard cost. With DSO 45 and DPO 40 days and 365.25 / 12 = 30.4375
    # days a month: receivables 2,000 x 45 / 30.4375 = 2,956.88, payables 1,210 x 40 / 30.4375 =
    # 1,590.14, working capital 200 + 2,956.88 - 1,590.14.
    out = financial_projection(FinanceInput(items=ITEMS, instance=_instance(), plan=_plan(), dso_days=45, dpo_days=40))
    jan = {(r.family, r.month): r for r in out.rows}[("widgets", "2027-01")]
    assert jan.receivables == pytest.approx(2956.88, abs=0.01)
    assert jan.payables == pytest.approx(1590.14, abs=0.01)
    assert jan.working_capital == pytest.approx(200 + 2956.88 - 1590.14, abs=0.02)
    assert jan.standard_cogs == pytest.approx(100 * 10)


@settings(max_examples=40, deadline=None)
@given(a=st.tuples(st.floats(0, 500), st.floats(0, 500)), b=st.tuples(st.floats(0, 500), st.floats(0, 500)),
       dso=st.floats(0, 120), dpo=st.floats(0, 120))
def test_working_capital_is_inventory_plus_receivables_minus_payables(a, b, dso, dpo):
    out = financial_projection(FinanceInput(items=ITEMS, instance=_instance(a, b), plan=_plan(),
                                            dso_days=dso, dpo_days=dpo))
    for r in out.rows:
        assert r.working_capital == pytest.approx(r.inventory_value + r.receivables - r.payables)
        assert r.receivables == pytest.approx(r.revenue * dso / (365.25 / 12))
        assert r.payables == pytest.approx(r.spend * dpo / (365.25 / 12))


def test_bridge_of_a_hand_set_budget():
    # Budget widgets for both months: 300 units, revenue 6,000, COGS 3,300 -> margin 2,700, 9 a unit.
    # Projected: 240 units sold (100 + 140), revenue 4,800, standard cost 2,400, COGS 1,010 + 1,580.
    budget = [BudgetLine(family="widgets", month=m, units=150, revenue=3000, cogs=1650) for m in PERIODS]
    widgets = [r for r in financial_projection(FinanceInput(items=ITEMS, instance=_instance(), plan=_plan(),
                                                            budget=budget)).rows if r.family == "widgets"]
    steps = {s.step: s.value for s in margin_bridge(BridgeInput(rows=widgets)).steps}
    assert steps["budget margin"] == pytest.approx(2700)
    assert steps["volume"] == pytest.approx((240 - 300) * 9)  # -540
    assert steps["price/mix"] == pytest.approx(4800 - 2400 - 240 * 9)  # 240
    cogs = sum(r.cogs for r in widgets)
    assert cogs == pytest.approx(2590)
    assert steps["cost"] == pytest.approx(2400 - cogs)
    assert steps["projected margin"] == pytest.approx(4800 - cogs)


@settings(max_examples=40, deadline=None)
@given(a=st.tuples(st.floats(0, 500), st.floats(0, 500)), units=st.one_of(st.just(0.0), st.floats(1, 1000)),
       revenue=st.floats(0, 1e5), cogs=st.floats(0, 1e5))
def test_bridge_steps_add_up_to_the_projected_margin(a, units, revenue, cogs):
    budget = [BudgetLine(family="widgets", month="2027-01", units=units, revenue=revenue, cogs=cogs)]
    rows = financial_projection(FinanceInput(items=ITEMS, instance=_instance(a), plan=_plan(), budget=budget)).rows
    steps = [s.value for s in margin_bridge(BridgeInput(rows=rows)).steps]
    # Exact up to round-off, which scales with the largest bar (a tiny budget volume makes the
    # volume and price/mix bars huge and opposite).
    assert steps[0] + sum(steps[1:4]) == pytest.approx(steps[4], abs=1e-9 * max(map(abs, steps)) + 1e-6)
    assert steps[4] == pytest.approx(sum(r.gross_margin for r in rows))

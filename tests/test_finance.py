"""The financial projection against a plan worked out by hand, and its identities."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tools.finance import BudgetLine, FinanceInput, FinanceItem, financial_projection
from tools.supply_plan import SupplyPlanInstance, SupplyPlanResult

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
    # 20 held x 0.5 = 10; COGS 1,210; margin 790; inventory 20 units x 10 = 200.
    assert jan_a.revenue == pytest.approx(2000)
    assert jan_a.production_cost == pytest.approx(960)
    assert jan_a.freight_cost == pytest.approx(240)
    assert jan_a.holding_cost == pytest.approx(10)
    assert jan_a.overtime_cost == pytest.approx(0)
    assert jan_a.cogs == pytest.approx(1210)
    assert jan_a.gross_margin == pytest.approx(790)
    assert jan_a.inventory_value == pytest.approx(200)
    # February: 10 overtime hours x 30 = 300, split by production hours: A 60 h, B 40 h of 100 h,
    # so widgets carry 180 and gadgets 120. Widgets sell 150 - 10 unmet = 140 -> 2,800.
    assert feb_a.fulfilled_units == pytest.approx(140)
    assert feb_a.revenue == pytest.approx(2800)
    assert feb_a.overtime_cost == pytest.approx(180)
    assert feb_b.overtime_cost == pytest.approx(120)
    # Gadgets February: 40 x 50 = 2,000 revenue; COGS 40 x 20 + 120 + 40 x 2 = 1,000.
    assert feb_b.cogs == pytest.approx(1000)
    assert feb_b.gross_margin_pct == pytest.approx(0.5)


def test_variance_against_a_hand_set_budget():
    budget = [BudgetLine(family="widgets", month="2027-01", units=110, revenue=2200, cogs=1300)]
    row = _rows(budget)[("widgets", "2027-01")]
    # Revenue 2,000 vs 2,200 budget: -200. Margin 790 vs budget 2,200 - 1,300 = 900: -110.
    assert row.revenue_variance == pytest.approx(-200)
    assert row.margin_variance == pytest.approx(-110)
    assert _rows(budget)[("gadgets", "2027-01")].budget_revenue == 0


@settings(max_examples=40, deadline=None)
@given(a=st.tuples(st.floats(0, 500), st.floats(0, 500)), b=st.tuples(st.floats(0, 500), st.floats(0, 500)))
def test_margin_is_revenue_minus_cogs(a, b):
    out = financial_projection(FinanceInput(items=ITEMS, instance=_instance(a, b), plan=_plan()))
    for r in out.rows:
        assert r.cogs == pytest.approx(r.production_cost + r.overtime_cost + r.freight_cost + r.holding_cost)
        assert r.gross_margin == pytest.approx(r.revenue - r.cogs)

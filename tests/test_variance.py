"""Variances against hand-set budgets and targets, and the key metrics of a hand-made month."""

from __future__ import annotations

from datetime import date

import pytest

from sop.tools.finance.kpis import KpiInput, OrderLine, kpi_scorecard, otif
from sop.tools.finance.projection import FinanceInput, FinanceItem, FinanceRow, financial_projection
from sop.tools.finance.variance import Comparison, VarianceInput, compare, financial_variances
from sop.tools.supply.supply_plan import SupplyPlanInstance, SupplyPlanResult


def _row(family: str, month: str, **money) -> FinanceRow:
    base = dict(demand_units=0.0, fulfilled_units=0.0, revenue=0.0, production_cost=0.0, overtime_cost=0.0,
                freight_cost=0.0, holding_cost=0.0, cogs=0.0, gross_margin=0.0, gross_margin_pct=None,
                inventory_units=0.0, inventory_value=0.0, standard_cogs=0.0, receivables=0.0, payables=0.0,
                working_capital=0.0, budget_units=0.0, budget_revenue=0.0, budget_cogs=0.0, revenue_variance=0.0,
                margin_variance=0.0)
    return FinanceRow(family=family, month=month, **{**base, **money})


ROWS = [
    # widgets: revenue 1,000 vs budget 1,100; margin 400 vs 1,100 - 660 = 440; 95 units vs 100.
    _row("widgets", "2027-01", revenue=1000, cogs=600, standard_cogs=600, gross_margin=400, fulfilled_units=95,
         budget_units=100,
         budget_revenue=1100, budget_cogs=660, inventory_value=1200, working_capital=2000),
    # gadgets: revenue 500 vs budget 480; margin 250 vs 480 - 240 = 240; 50 units vs 50.
    _row("gadgets", "2027-01", revenue=500, cogs=250, standard_cogs=250, gross_margin=250, fulfilled_units=50,
         budget_units=50,
         budget_revenue=480, budget_cogs=240, inventory_value=300, working_capital=900),
]


def _variances(targets=None, tolerance=0.05):
    rows = financial_variances(VarianceInput(financials=ROWS, targets=targets or {}, tolerance=tolerance)).rows
    return {(r.metric, r.scope, r.month): r for r in rows}


def test_variances_against_a_hand_computed_budget():
    v = _variances()
    w = v[("revenue", "widgets", "2027-01")]
    assert (w.actual, w.reference, w.variance) == (1000, 1100, -100)
    assert w.variance_pct == pytest.approx(-100 / 1100)  # -9.1 %: outside 5 %, and bad
    assert w.flagged and not w.favourable
    m = v[("gross_margin", "widgets", "2027-01")]
    assert (m.reference, m.variance) == (440, -40) and m.flagged  # -9.1 %
    g = v[("revenue", "gadgets", "2027-01")]
    assert g.variance == 20 and g.variance_pct == pytest.approx(20 / 480)  # +4.2 %: inside 5 %
    assert not g.flagged and g.favourable
    total = v[("gross_margin", "total", "horizon")]
    assert (total.actual, total.reference) == (650, 680)  # 400 + 250 against 440 + 240
    assert total.variance_pct == pytest.approx(-30 / 680) and not total.flagged  # -4.4 %
    units = v[("units", "total", "2027-01")]
    assert (units.actual, units.reference) == (145, 150)


def test_variances_against_targets():
    v = _variances({"gross_margin_pct": 0.38, "working_capital": 2500, "days_on_hand": 45})
    pct = v[("gross_margin_pct", "total", "2027-01")]
    assert pct.actual == pytest.approx(650 / 1500)  # 43.3 %
    assert pct.variance_pct == pytest.approx((650 / 1500 - 0.38) / 0.38)  # +14 %: flagged, favourable
    assert pct.flagged and pct.favourable
    wc = v[("working_capital", "total", "2027-01")]
    assert wc.actual == 2900 and wc.flagged and not wc.favourable  # 16 % above the target: worse
    doh = v[("days_on_hand", "total", "2027-01")]
    # Stock 1,500 over standard COGS 850 a month of 30.4375 days = 53.7 days against 45: two-sided, bad.
    assert doh.actual == pytest.approx(1500 / (850 / 30.4375))
    assert doh.flagged and not doh.favourable


def test_a_wider_tolerance_flags_less():
    assert _variances(tolerance=0.10)[("revenue", "widgets", "2027-01")].flagged is False


@pytest.mark.parametrize("metric, actual, favourable", [
    ("working_capital", 90.0, True), ("working_capital", 110.0, False), ("otif", 110.0, True),
    ("days_on_hand", 110.0, False), ("days_on_hand", 90.0, False), ("days_on_hand", 101.0, True)])
def test_direction_of_each_metric(metric, actual, favourable):
    c = Comparison(metric=metric, scope="total", month="2027-01", basis="target", actual=actual, reference=100.0)
    assert compare(c, 0.05).favourable is favourable


def _order(promised: str, delivered: str | None, ordered: float, got: float) -> OrderLine:
    return OrderLine(sku="A", promised_date=date.fromisoformat(promised),
                     delivered_date=date.fromisoformat(delivered) if delivered else None,
                     qty_ordered=ordered, qty_delivered=got)


def test_otif_counts_lines_on_time_and_in_full():
    orders = [_order("2026-10-05", "2026-10-05", 10, 10),  # on time, in full
              _order("2026-10-10", "2026-10-12", 10, 10),  # late
              _order("2026-10-20", "2026-10-19", 10, 8),   # short
              _order("2026-10-30", None, 5, 0),            # still open
              _order("2026-11-02", "2026-11-01", 5, 5)]    # promised next month: not counted
    assert otif(orders, "2026-10") == pytest.approx(1 / 4)
    assert otif(orders, "2026-09") is None


def test_kpi_scorecard_of_a_hand_made_month():
    out = kpi_scorecard(KpiInput(
        month="2026-10", items=[FinanceItem(sku="A", family="f", price=10, unit_cost=6)],
        orders=[_order("2026-10-05", "2026-10-05", 10, 10)],
        shipped=[{"sku": "A", "qty": 300}], on_hand=[{"sku": "A", "qty": 200}], planned=[{"sku": "A", "qty": 250}],
        budget_revenue=3500, budget_cogs=2000, targets={"days_on_hand": 45, "working_capital": 4000},
        dso_days=30.4375, dpo_days=30.4375, tolerance=0.05))
    k = {r.metric: r for r in out.rows}
    assert k["plan_attainment"].value == pytest.approx(300 / 250) and k["plan_attainment"].flagged
    # 200 units x 6 = 1,200 of stock over 300 x 6 = 1,800 of COGS a month: 20.3 days.
    assert k["days_on_hand"].value == pytest.approx(1200 / (1800 / 30.4375))
    # Margin 300 x (10 - 6) = 1,200 against a budget of 3,500 - 2,000 = 1,500.
    assert (k["gross_margin"].value, k["gross_margin"].target) == (1200, 1500)
    # One month of revenue (3,000) outstanding, one month of COGS (1,800) owed, stock 1,200.
    assert k["working_capital"].value == pytest.approx(1200 + 3000 - 1800)
    assert k["otif"].value == 1.0 and k["otif"].target is None and not k["otif"].flagged
    assert k["mape"].value is None


@pytest.mark.parametrize(("metric", "actual", "target", "flagged"), [
    ("otif", 0.91, 0.95, True),    # 4 points short; only 4.2 % of the target, which 5 % let pass
    ("otif", 0.94, 0.95, False),   # 1 point
    ("mape", 0.265, 0.25, False),  # 1.5 points, though 6 % of the target (5 % flagged it)
    ("mape", 0.28, 0.25, True),    # 3 points, though only 12 % of the target
    ("fill_rate", 0.955, 0.98, True),
    ("gross_margin_pct", 0.365, 0.38, False),  # 1.5 points
])
def test_rates_are_flagged_by_points_not_by_share_of_the_target(metric, actual, target, flagged):
    c = Comparison(metric=metric, scope="total", month="2026-10", basis="target", actual=actual, reference=target)
    assert compare(c, 0.05).flagged is flagged
    assert compare(c, 0.05, rate_tolerance=0.005).flagged is True


def test_kpi_otif_of_91_against_95_is_flagged():
    orders = [_order("2026-10-05", "2026-10-05", 1, 1)] * 91 + [_order("2026-10-05", "2026-10-09", 1, 1)] * 9
    out = kpi_scorecard(KpiInput(month="2026-10", items=[FinanceItem(sku="A", family="f", price=10, unit_cost=6)],
                                 orders=orders, targets={"otif": 0.95}, tolerance=0.05))
    row = next(r for r in out.rows if r.metric == "otif")
    assert row.value == pytest.approx(0.91) and row.variance == pytest.approx(-0.04)
    assert row.flagged and not row.favourable


def test_days_on_hand_is_one_figure_in_the_projection_and_the_key_metrics():
    # One SKU at standard cost 6 (made at 4, freight 1, held at 0.5): 100 made, 80 sold, 20 left.
    # Spend 400 + 100 + 10 = 510 would give 20 x 6 / (510 / 30.4375) = 7.2 days; the standard
    # cost of the units sold, 80 x 6 = 480, gives 120 / (480 / 30.4375) = 7.61 days in both.
    instance = SupplyPlanInstance.model_validate({
        "periods": ["2026-10"], "skus": [{"sku": "A", "holding_cost": 0.5, "unmet_penalty": 40, "ss_penalty": 1}],
        "plants": [{"plant": "P", "regular_hours": [100], "max_overtime_hours": [0], "overtime_cost_per_hour": 30}],
        "routings": [{"sku": "A", "plant": "P", "hours_per_unit": 1, "cost_per_unit": 4}],
        "dcs": [{"dc": "D", "storage_capacity": 1000}],
        "lanes": [{"plant": "P", "dc": "D", "cost_per_unit": 1, "capacity": [1000]}],
        "demand": [{"sku": "A", "dc": "D", "qty": [80]}]})
    plan = SupplyPlanResult.model_validate({
        "status": "optimal", "objective": 0.0,
        "production": [{"sku": "A", "plant": "P", "period": "2026-10", "qty": 100}],
        "shipments": [{"sku": "A", "plant": "P", "dc": "D", "period": "2026-10", "qty": 100}],
        "inventory": [{"sku": "A", "dc": "D", "period": "2026-10", "qty": 20}]})
    items = [FinanceItem(sku="A", family="f", price=10, unit_cost=6)]
    rows = financial_projection(FinanceInput(items=items, instance=instance, plan=plan)).rows
    projected = {(v.metric, v.month): v for v in financial_variances(VarianceInput(
        financials=rows, targets={"days_on_hand": 45})).rows}[("days_on_hand", "2026-10")].actual
    kpi = {r.metric: r for r in kpi_scorecard(KpiInput(
        month="2026-10", items=items, shipped=[{"sku": "A", "qty": 80}], on_hand=[{"sku": "A", "qty": 20}],
        targets={"days_on_hand": 45})).rows}["days_on_hand"].value
    assert projected == pytest.approx(120 / (480 / 30.4375))  # 7.61 days
    assert kpi == pytest.approx(projected)

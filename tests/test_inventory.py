"""Inventory policy against textbook arithmetic, stockpyl and monotonicity properties."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from stockpyl.eoq import economic_order_quantity as sp_eoq
from stockpyl.eoq import economic_production_quantity as sp_epq
from stockpyl.newsvendor import newsvendor_normal

from sop.tools.supply.inventory import (
    AbcXyzInput,
    AbcXyzItem,
    DemandProfile,
    ReorderCalcInput,
    ReorderItem,
    ServiceSensitivityInput,
    abc_xyz,
    economic_order_quantity,
    epq,
    fill_rate_safety_factor,
    newsvendor_quantity,
    normal_loss,
    reorder_calc,
    reorder_policy,
    round_order_quantity,
    service_sensitivity,
)

# μ = 100/month, σd = 20, L = 2 months, σL = 0.5 month, unit cost 10, K = 100/order, 24 %/year.
BASE = dict(sku="W-1", mean_demand=100, demand_std=20, lead_time=2, lead_time_std=0.5,
            unit_cost=10, ordering_cost=100, holding_rate=0.24)


def item(**overrides) -> ReorderItem:
    fields = {**BASE, "service_level": 0.95} | overrides
    return ReorderItem(**fields)


# --- textbook cases ---------------------------------------------------------------------------


def test_eoq_textbook():
    # D = 12·100 = 1200/yr, h = 0.24·10 = 2.4/unit-yr: EOQ = sqrt(2·1200·100/2.4) = sqrt(100000) = 316.23
    assert economic_order_quantity(1200, 100, 2.4) == pytest.approx(316.2278, abs=1e-4)
    assert reorder_policy(item()).eoq == pytest.approx(316.2278, abs=1e-4)


def test_cycle_service_safety_stock_and_costs():
    r = reorder_policy(item())
    # z(0.95) = 1.6449; σ_L = sqrt(2·20² + 100²·0.5²) = sqrt(800 + 2500) = sqrt(3300) = 57.446
    assert r.z == pytest.approx(1.64485, abs=1e-5)
    assert r.lead_time_demand_std == pytest.approx(57.4456, abs=1e-4)
    # SS = 1.64485 · 57.4456 = 94.49; ROP = 100·2 + 94.49 = 294.49
    assert r.safety_stock == pytest.approx(94.49, abs=0.01)
    assert r.reorder_point == pytest.approx(294.49, abs=0.01)
    # continuous review: order-up-to = reorder point
    assert r.order_up_to == pytest.approx(r.reorder_point)
    # cycle stock 316.23/2 = 158.11; ordering 100·1200/316.23 = 379.47; holding 2.4·(158.11 + 94.49) = 606.25
    assert r.cycle_stock == pytest.approx(158.11, abs=0.01)
    assert r.annual_ordering_cost == pytest.approx(379.47, abs=0.01)
    assert r.annual_holding_cost == pytest.approx(606.25, abs=0.01)


def test_periodic_review_order_up_to():
    # R + L = 3: 100·3 + 1.64485·sqrt(3·400 + 10000·0.25) = 300 + 1.64485·60.828 = 400.05
    assert reorder_policy(item(review_period=1)).order_up_to == pytest.approx(400.05, abs=0.01)


@pytest.mark.parametrize(("moq", "pack", "expected"), [
    (0, 0, 316.2278),  # no constraint
    (0, 50, 350),      # 316.23 → 7 packs of 50
    (500, 40, 520),    # MOQ 500 → 12.5 packs → 13 packs of 40
    (400, 100, 400),   # MOQ already a whole number of packs
])
def test_moq_and_pack_rounding(moq, pack, expected):
    assert round_order_quantity(316.2278, moq, pack) == pytest.approx(expected)
    assert reorder_policy(item(moq=moq, pack_size=pack)).eoq == pytest.approx(expected, abs=1e-4)


def test_fill_rate_meets_shortage_target():
    r = reorder_policy(item(service_level=None, fill_rate=0.99))
    # target: σ_L·G(k) = 0.01·316.23 = 3.1623 units short per cycle → G(k) = 3.1623/57.446 = 0.05505
    assert r.lead_time_demand_std * normal_loss(r.z) == pytest.approx(0.01 * 316.2278, abs=1e-6)
    # G(1.2) = φ(1.2) − 1.2·(1 − Φ(1.2)) = 0.19419 − 1.2·0.11507 = 0.05610 > 0.05505, so k is just above 1.2
    assert normal_loss(1.2) == pytest.approx(0.05610, abs=1e-5)
    assert r.z == pytest.approx(1.209, abs=1e-3)
    assert r.safety_stock == pytest.approx(r.z * 57.4456, abs=1e-3)


def test_fill_rate_met_by_order_quantity_needs_no_safety_stock():
    # 50 % fill rate: allowed shortage 0.5·316.23 = 158 > σ_L·G(0) = 57.45·0.3989 = 22.9, so k = 0
    assert fill_rate_safety_factor(0.5, 316.2278, 57.4456) == 0.0
    assert reorder_policy(item(service_level=None, fill_rate=0.5)).safety_stock == 0.0


@pytest.mark.parametrize("targets", [{}, {"service_level": 0.95, "fill_rate": 0.98}])
def test_exactly_one_service_target(targets):
    with pytest.raises(ValidationError, match="exactly one"):
        ReorderItem(**BASE, **targets)


def test_reorder_calc_keeps_order_and_skus():
    out = reorder_calc(ReorderCalcInput(items=[item(sku="B"), item(sku="A")]))
    assert [r.sku for r in out.items] == ["B", "A"]


# --- against stockpyl -------------------------------------------------------------------------


@pytest.mark.parametrize(("k", "h", "d"), [(8, 0.225, 1300), (100, 2.4, 1200), (35, 0.9, 12000)])
def test_eoq_matches_stockpyl(k, h, d):
    assert economic_order_quantity(d, k, h) == pytest.approx(sp_eoq(k, h, d)[0], rel=1e-12)


@pytest.mark.parametrize(("k", "h", "d", "p"), [(8, 0.225, 1300, 1700), (500, 3.0, 20000, 60000)])
def test_epq_matches_stockpyl(k, h, d, p):
    assert epq(d, p, k, h) == pytest.approx(sp_epq(k, h, d, p)[0], rel=1e-12)


def test_epq_rejects_demand_above_rate():
    with pytest.raises(ValueError, match="production_rate"):
        epq(2000, 1500, 10, 1)


@pytest.mark.parametrize(("co", "cu", "mu", "sd"), [(0.18, 0.70, 50, 8), (2.0, 5.0, 1000, 150)])
def test_newsvendor_matches_stockpyl(co, cu, mu, sd):
    assert newsvendor_quantity(mu, sd, cu, co) == pytest.approx(newsvendor_normal(co, cu, mu, sd)[0], rel=1e-12)


# --- ABC/XYZ ----------------------------------------------------------------------------------


def test_abc_xyz_hand_computed():
    items = [
        AbcXyzItem(sku="S5", revenue=40, monthly_demand=[0, 0]),           # mean 0 → Z
        AbcXyzItem(sku="S1", revenue=500, monthly_demand=[100, 100, 100]),  # cv 0 → X
        AbcXyzItem(sku="S2", revenue=250, monthly_demand=[50, 150]),       # σ 50 / μ 100 = 0.5 → X
        AbcXyzItem(sku="S3", revenue=120, monthly_demand=[0, 200]),        # σ 100 / μ 100 = 1.0 → Y
        AbcXyzItem(sku="S4", revenue=90, monthly_demand=[0, 0, 300]),      # sqrt(20000)/100 = 1.414 → Z
    ]
    out = abc_xyz(AbcXyzInput(items=items))
    by = {r.sku: r for r in out.items}
    assert [r.sku for r in out.items] == ["S5", "S1", "S2", "S3", "S4"]
    # shares 0.50, 0.25, 0.12, 0.09, 0.04; share ranked above: 0, 0.50, 0.75, 0.87, 0.96
    # A while that is < 0.80, B while < 0.95, else C
    assert [by[s].segment for s in ["S1", "S2", "S3", "S4", "S5"]] == ["AX", "AX", "AY", "BZ", "CZ"]
    assert [by[s].cumulative_share for s in ["S1", "S2", "S3", "S4", "S5"]] == pytest.approx(
        [0.50, 0.75, 0.87, 0.96, 1.0])
    assert by["S4"].cv == pytest.approx(1.41421, abs=1e-5)
    assert by["S5"].cv is None
    assert [by[s].service_level for s in ["S1", "S3", "S4", "S5"]] == [0.98, 0.97, 0.93, 0.90]


def test_abc_xyz_thresholds_and_targets_are_parameters():
    items = [AbcXyzItem(sku="S1", revenue=500, monthly_demand=[80, 120]),  # cv 0.2
             AbcXyzItem(sku="S2", revenue=500, monthly_demand=[80, 120])]
    targets = {s: 0.9 for s in ["AX", "AY", "AZ", "BX", "BY", "BZ", "CX", "CY", "CZ"]} | {"BY": 0.96}
    out = abc_xyz(AbcXyzInput(items=items, a_share=0.4, b_share=0.5, x_max_cv=0.1, y_max_cv=0.3,
                              service_targets=targets))
    # S1 ranks first on the SKU tie-break (share above 0 → A); S2 has 0.5 above → B; cv 0.2 → Y
    assert [r.segment for r in out.items] == ["AY", "BY"]
    assert out.items[1].service_level == 0.96


def test_abc_xyz_rejects_incomplete_table():
    with pytest.raises(ValidationError, match="service_targets lacks"):
        AbcXyzInput(items=[AbcXyzItem(sku="S1", revenue=1, monthly_demand=[1, 1])],
                    service_targets={"AX": 0.98})


# --- sensitivity ------------------------------------------------------------------------------


def test_service_sensitivity_hand_computed():
    items = [DemandProfile(sku="W-1", mean_demand=100, demand_std=20, lead_time=2, lead_time_std=0.5, unit_cost=10),
             DemandProfile(sku="W-2", mean_demand=50, demand_std=10, lead_time=1, unit_cost=4)]
    out = service_sensitivity(ServiceSensitivityInput(items=items))
    assert [row.service_level for row in out.levels] == [0.90, 0.95, 0.975, 0.98, 0.99, 0.995]
    # σ_L: 57.446 and sqrt(1·100) = 10, Σ = 67.446 units; valued 574.46 + 40 = 614.46
    at_95 = out.levels[1]
    assert at_95.safety_stock_units == pytest.approx(1.64485 * 67.4456, abs=1e-3)  # 110.94
    assert at_95.safety_stock_value == pytest.approx(1.64485 * 614.4563, abs=1e-2)  # 1010.69
    assert out.levels[0].safety_stock_units == pytest.approx(1.28155 * 67.4456, abs=1e-3)  # 86.44


# --- properties -------------------------------------------------------------------------------

# Cycle service levels from 0.5 up: below 0.5, z < 0 and a longer protection interval *lowers*
# the stock target, which is the textbook model's behaviour, not a defect.
levels = st.floats(min_value=0.5, max_value=0.999)
items = st.fixed_dictionaries({
    "sku": st.just("P"),
    "mean_demand": st.floats(1, 1e4),
    "demand_std": st.floats(0, 1e3),
    "lead_time": st.floats(0.1, 12),
    "lead_time_std": st.floats(0, 3),
    "unit_cost": st.floats(0.1, 1e3),
    "ordering_cost": st.floats(1, 1e3),
    "holding_rate": st.floats(0.05, 0.5),
})
target_kind = st.sampled_from(["service_level", "fill_rate"])


@settings(max_examples=50, deadline=None)
@given(items, target_kind, levels, levels)
def test_safety_stock_non_decreasing_in_service(fields, kind, p1, p2):
    low, high = sorted((p1, p2))
    ss_low = reorder_policy(ReorderItem(**fields, **{kind: low})).safety_stock
    ss_high = reorder_policy(ReorderItem(**fields, **{kind: high})).safety_stock
    assert ss_high >= ss_low - 1e-9 * max(1.0, abs(ss_low))


@settings(max_examples=50, deadline=None)
@given(items, target_kind, levels, st.floats(0, 3))
def test_safety_stock_non_decreasing_in_lead_time_std(fields, kind, p, extra):
    base = reorder_policy(ReorderItem(**fields, **{kind: p})).safety_stock
    wider = reorder_policy(ReorderItem(**(fields | {"lead_time_std": fields["lead_time_std"] + extra}),
                                       **{kind: p})).safety_stock
    assert wider >= base - 1e-9 * max(1.0, abs(base))


@settings(max_examples=50, deadline=None)
@given(items, levels, st.floats(0.1, 6))
def test_order_up_to_covers_reorder_point(fields, p, review):
    # Under a cycle service level both levels carry the same z, so S covers the reorder point.
    # Under a fill rate they need not: the reorder point's k meets β on the lot Q, the level's on
    # a review period's demand μ·R, and when Q < μ·R the lot needs the larger factor
    # (μ = 2, σd = 0, L = 1, σL = 3, Q = 1.41, R = 2, β = 0.5: ROP 6.8 > S 6.6). The fill-rate
    # level is checked against its delivered fill rate below instead.
    r = reorder_policy(ReorderItem(**fields, service_level=p, review_period=review))
    assert r.order_up_to >= r.reorder_point


@settings(max_examples=50, deadline=None)
@given(items, levels, st.floats(0.1, 6))
def test_fill_rate_order_up_to_covers_mean_demand_over_protection(fields, p, review):
    r = reorder_policy(ReorderItem(**fields, fill_rate=p, review_period=review))
    assert r.order_up_to >= fields["mean_demand"] * (review + fields["lead_time"]) * (1 - 1e-12)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1e6), st.lists(st.floats(0, 1e3), min_size=2, max_size=6)),
                min_size=1, max_size=20).filter(lambda rows: sum(r for r, _ in rows) > 0))
def test_abc_shares_sum_to_one_and_classes_partition(rows):
    inp = AbcXyzInput(items=[AbcXyzItem(sku=f"S{i}", revenue=r, monthly_demand=d) for i, (r, d) in enumerate(rows)])
    out = abc_xyz(inp)
    assert math.isclose(sum(r.revenue_share for r in out.items), 1.0, rel_tol=1e-9)
    assert len(out.items) == len(rows)
    assert all(r.abc in "ABC" and len(r.abc) == 1 and r.segment == r.abc + r.xyz for r in out.items)
    # the top-ranked item has nothing ranked above it, so there is always an A
    assert any(r.abc == "A" for r in out.items)


# --- periodic review (R, S) against an independent loss integral ------------------------------


def _delivered_fill_rate(order_up_to: float, mean: float, sd: float, review: float, lead: float) -> float:
    """1 − E[(D_{R+L} − S)⁺] / (μ·R), the expected shortage integrated numerically over the
    normal density of demand over R + L (scipy quad, not the closed-form loss function)."""
    from scipy.integrate import quad
    from scipy.stats import norm

    mu, sigma = mean * (review + lead), sd * math.sqrt(review + lead)
    short, _ = quad(lambda x: (x - order_up_to) * norm.pdf(x, mu, sigma), order_up_to, mu + 40 * sigma,
                    epsabs=1e-12, epsrel=1e-12)
    return 1 - short / (mean * review)


def _rs_item(review: float, fill: float = 0.98, **overrides) -> ReorderItem:
    fields = dict(sku="RS", mean_demand=100, demand_std=20, lead_time=1, unit_cost=10, ordering_cost=100,
                  holding_rate=0.24, fill_rate=fill, review_period=review) | overrides
    return ReorderItem(**fields)


@pytest.mark.parametrize("review", [1.0, 0.25])
def test_periodic_review_meets_its_fill_rate(review):
    # μ = 100, σ = 20, L = 1, β = 0.98: the old level (the lead-time factor over R + L) delivered
    # 93.8 % at R = 1 and 80.4 % at R = 0.25; the loss over R + L against μ·R delivers 98 %.
    r = reorder_policy(_rs_item(review))
    assert _delivered_fill_rate(r.order_up_to, 100, 20, review, 1) == pytest.approx(0.98, abs=1e-6)


def test_periodic_review_fill_rate_by_hand():
    # R = 1, L = 1: σ_{R+L} = 20·√2 = 28.284; G(k) = 0.02·100 / 28.284 = 0.070711, between
    # G(1.08) = 0.071377 and G(1.09) = 0.069987: k = 1.08 + 0.01·0.000666/0.001390 = 1.0848;
    # S = 200 + 1.0848·28.284 = 230.68
    r = reorder_policy(_rs_item(1.0))
    assert normal_loss(1.08) == pytest.approx(0.071377, abs=1e-6)
    assert r.order_up_to_factor == pytest.approx(1.0848, abs=2e-4)
    assert r.order_up_to == pytest.approx(230.68, abs=0.01)


@settings(max_examples=40, deadline=None)
@given(st.floats(1, 1e4), st.floats(0.05, 0.5), st.floats(0.1, 6), st.floats(0.1, 6), st.floats(0.80, 0.999))
def test_periodic_review_fill_rate_holds_over_a_range(mean, cv, lead, review, fill):
    r = reorder_policy(_rs_item(review, fill, mean_demand=mean, demand_std=cv * mean, lead_time=lead))
    delivered = _delivered_fill_rate(r.order_up_to, mean, cv * mean, review, lead)
    # k is floored at 0: a level at mean demand may over-deliver, never under-deliver
    assert delivered >= fill - 1e-6
    if r.order_up_to_factor and r.order_up_to_factor > 0:
        assert delivered == pytest.approx(fill, abs=1e-6)


def test_an_item_without_demand_gets_a_zero_policy_and_the_batch_runs():
    out = reorder_calc(ReorderCalcInput(items=[item(sku="GONE", mean_demand=0), item(sku="A")]))
    gone, a = out.items
    assert (gone.eoq, gone.safety_stock, gone.reorder_point, gone.order_up_to) == (0, 0, 0, 0)
    assert "no demand" in gone.note
    assert a.eoq == pytest.approx(316.2278, abs=1e-4) and a.note == ""


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_non_finite_numbers_name_the_field(value):
    with pytest.raises(ValidationError, match="demand_std") as err:
        ReorderItem(**(BASE | {"demand_std": value}), service_level=0.95)
    assert "finite" in str(err.value)

"""Supplier scorecard against a hand-computed supplier, tier boundaries, weights and trend flags."""

from datetime import date

import pytest
from pydantic import ValidationError

from sop.tools.supply.supplier import (
    DeliveryRecord,
    ItemSource,
    ScorecardWeights,
    SupplierMonthLoad,
    SupplierScorecardInput,
)
from sop.tools.supply.supplier_metrics import trend_quarters
from sop.tools.supply.supplier_scorecard import supplier_scorecard
from sop.tools.supply.supplier_scores import supplier_tier


def po(po_id, supplier, sku, ordered, promised, received, qty_ordered, qty_received,
       defective=0, returned=0, unit_price=10.0, list_price=10.0) -> DeliveryRecord:
    return DeliveryRecord(
        po_id=po_id, supplier=supplier, sku=sku,
        order_date=date.fromisoformat(ordered), promised_date=date.fromisoformat(promised),
        received_date=date.fromisoformat(received) if received else None,
        qty_ordered=qty_ordered, qty_received=qty_received, qty_defective=defective,
        qty_returned=returned, unit_price=unit_price, list_price=list_price,
    )


# ACME, Q4 2024. Lead time = received − ordered.
ACME = [
    po("P1", "ACME", "W-1", "2024-10-01", "2024-10-15", "2024-10-14", 1000, 1000, 2, 1, 9.8),  # 13 d, on time
    po("P2", "ACME", "W-1", "2024-10-10", "2024-10-25", "2024-10-27", 500, 480, 1, 0, 10.0),   # 17 d, late
    po("P3", "ACME", "W-2", "2024-11-01", "2024-11-15", "2024-11-15", 1000, 1000, 0, 0, 9.8),  # 14 d, on time
    po("P4", "ACME", "W-2", "2024-11-20", "2024-12-05", "2024-12-05", 520, 520, 2, 0, 10.2),   # 15 d, on time
    po("P5", "ACME", "W-1", "2024-12-10", "2024-12-20", None, 300, 0),                         # open, past due
]
OTHERS = [
    po("B1", "BETA", "W-2", "2024-10-05", "2024-10-20", "2024-10-18", 1000, 1000),  # spend 10 000
    po("G1", "GAMMA", "W-3", "2024-12-01", "2025-01-15", None, 100, 0),             # nothing received
]


def acme_input(**overrides) -> SupplierScorecardInput:
    fields = dict(
        records=ACME + OTHERS, period_start=date(2024, 10, 1), period_end=date(2024, 12, 31),
        item_sources=[ItemSource(sku="W-1", supplier="ACME"), ItemSource(sku="W-2", supplier="ACME"),
                      ItemSource(sku="W-2", supplier="BETA"), ItemSource(sku="W-3", supplier="GAMMA")],
        capacity_plan=[SupplierMonthLoad(supplier="ACME", period="2025-02", planned_qty=800, capacity=1000),
                       SupplierMonthLoad(supplier="ACME", period="2025-01", planned_qty=950, capacity=1000)],
    )
    return SupplierScorecardInput(**(fields | overrides))


def test_hand_computed_supplier():
    out = supplier_scorecard(acme_input())
    assert [s.supplier for s in out.scorecards] == ["ACME", "BETA"]
    assert out.unscored_suppliers == ["GAMMA"]
    acme = out.scorecards[0]
    m = acme.metrics
    # received 1000 + 480 + 1000 + 520 = 3000 of 3020 ordered; defective 2 + 1 + 0 + 2 = 5; returned 1
    assert m.received_pos == 4
    assert m.ppm == pytest.approx(1666.667, abs=1e-3)            # 5 / 3000 · 1e6
    assert m.first_pass_yield == pytest.approx(0.998333, abs=1e-6)  # 1 − 5/3000
    assert m.return_rate == pytest.approx(0.000333, abs=1e-6)    # 1 / 3000
    assert m.on_time_delivery == 0.75                             # P1, P3, P4 of 4
    assert m.fill_rate == pytest.approx(0.993377, abs=1e-6)      # 3000 / 3020
    # lead times 13, 17, 14, 15: mean 14.75; squared deviations 3.0625 + 5.0625 + 0.5625 + 0.0625 = 8.75 → /4
    assert m.mean_lead_time_days == 14.75
    assert m.lead_time_variance_days2 == pytest.approx(2.1875)
    # spend 9 800 + 4 800 + 9 800 + 5 304 = 29 704 over list 30 000 → index 99.0133, savings 0.99 %
    assert m.spend == pytest.approx(29704)
    assert m.price_index == pytest.approx(99.0133, abs=1e-4)
    assert m.cost_savings == pytest.approx(0.009867, abs=1e-6)
    assert acme.open_pos == 1 and acme.past_due_pos == 1

    s = acme.scores
    # quality: PPM part 100·(1 − 1666.67/10000) = 83.333; FPY part 100·(0.998333 − 0.95)/0.05 = 96.667 → 90.0
    assert s.quality == pytest.approx(90.0)
    # delivery: 100·(0.75 + 0.993377)/2 = 87.1689
    assert s.delivery == pytest.approx(87.1689, abs=1e-4)
    # cost: 100·(115 − 99.0133)/20 = 79.9333
    assert s.cost == pytest.approx(79.9333, abs=1e-4)
    # responsiveness: cv = sqrt(2.1875)/14.75 = 1.47902/14.75 = 0.100273 → 100·(1 − 0.100273/0.5) = 79.9455
    assert s.responsiveness == pytest.approx(79.9455, abs=1e-4)
    # 0.4·90 + 0.3·87.1689 + 0.2·79.9333 + 0.1·79.9455 = 36 + 26.1507 + 15.9867 + 7.9945 = 86.1319
    assert acme.weighted_score == pytest.approx(86.1319, abs=1e-4)
    assert acme.tier == "preferred"
    assert acme.actions[0] == "Hold a semi-annual business review"


def test_hand_computed_risks():
    acme, beta = supplier_scorecard(acme_input()).scorecards
    r = acme.risks
    # W-1 has ACME alone; W-2 is dual-sourced. All spend 29 704 + 10 000 = 39 704; ACME's W-1 spend 14 600
    assert r.single_source_skus == ["W-1"]
    assert r.spend_share == pytest.approx(29704 / 39704)               # 0.7481
    assert r.single_source_spend_share == pytest.approx(14600 / 39704)  # 0.3677
    assert beta.risks.single_source_skus == []
    assert beta.risks.spend_share == pytest.approx(10000 / 39704)
    # capacity: 950/1000 = 0.95 > 0.9 flagged; 800/1000 = 0.8 not; months come back in order
    assert [(c.period, c.utilisation, c.flagged) for c in r.capacity] == [("2025-01", 0.95, True),
                                                                        ("2025-02", 0.8, False)]
    assert r.capacity_flag
    # receipts only in Q4: no prior quarters, so no drift
    assert r.last_quarter_lead_time_days == 14.75
    assert r.prior_lead_time_days is None and not r.lead_time_drift_flag


@pytest.mark.parametrize(("score", "tier"), [
    (100, "strategic partner"), (90, "strategic partner"), (89.99, "preferred"), (80, "preferred"),
    (79.99, "approved"), (70, "approved"), (69.99, "development"), (60, "development"),
    (59.99, "at risk"), (0, "at risk"),
])
def test_tier_boundaries(score, tier):
    assert supplier_tier(score) == tier


def test_weights_must_sum_to_one():
    with pytest.raises(ValidationError, match=r"sum to 1\.1"):
        ScorecardWeights(quality=0.5)
    equal = ScorecardWeights(quality=0.25, delivery=0.25, cost=0.25, responsiveness=0.25)
    acme = supplier_scorecard(acme_input(weights=equal)).scorecards[0]
    # (90 + 87.1689 + 79.9333 + 79.9455) / 4 = 84.2619
    assert acme.weighted_score == pytest.approx(84.2619, abs=1e-4)


def test_record_validation_names_the_po():
    with pytest.raises(ValidationError, match="PO 'X1': qty_defective 5"):
        po("X1", "ACME", "W-1", "2024-10-01", "2024-10-15", "2024-10-14", 10, 4, defective=5)
    with pytest.raises(ValidationError, match="appear more than once"):
        acme_input(records=ACME + ACME[:1])


def test_trend_quarters_end_at_period_end():
    assert trend_quarters(date(2025, 2, 10)) == [
        ("2024Q2", date(2024, 4, 1), date(2024, 6, 30)),
        ("2024Q3", date(2024, 7, 1), date(2024, 9, 30)),
        ("2024Q4", date(2024, 10, 1), date(2024, 12, 31)),
        ("2025Q1", date(2025, 1, 1), date(2025, 2, 10)),
    ]


def test_trend_flags_moves_above_five_points_and_lead_time_drift():
    # One 100-unit PO per quarter, no defects, full fill, single PO so lead-time variance 0
    # (responsiveness 100). Price 9.5/10 → index 95 → cost 100 unless noted.
    records = [
        po("T1", "TREND", "W-1", "2025-02-01", "2025-02-11", "2025-02-11", 100, 100, unit_price=9.5),  # 100
        # index 97 → cost 100·(115 − 97)/20 = 90 → 100 − 0.2·10 = 98 (−2, not flagged)
        po("T2", "TREND", "W-1", "2025-05-01", "2025-05-11", "2025-05-11", 100, 100, unit_price=9.7),
        # one day late → OTD 0 → delivery 50 → 100 − 0.3·50 = 85 (−13, flagged); lead time 11 d
        po("T3", "TREND", "W-1", "2025-08-01", "2025-08-11", "2025-08-12", 100, 100, unit_price=9.5),
        # back to 100 (+15, flagged); lead time 12 d
        po("T4", "TREND", "W-1", "2025-11-01", "2025-11-13", "2025-11-13", 100, 100, unit_price=9.5),
    ]
    inp = SupplierScorecardInput(records=records, period_start=date(2025, 1, 1), period_end=date(2025, 12, 31))
    card = supplier_scorecard(inp).scorecards[0]
    assert [q.quarter for q in card.trend] == ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]
    assert [q.score for q in card.trend] == pytest.approx([100, 98, 85, 100])
    assert card.trend[0].change is None
    assert [q.change for q in card.trend[1:]] == pytest.approx([-2, -13, 15])
    assert [q.flagged for q in card.trend] == [False, False, True, True]
    # lead time: prior quarters 10, 10, 11 → 10.333 d; last quarter 12 d → 12/10.333 − 1 = 16.1 % > 10 %
    assert card.risks.prior_lead_time_days == pytest.approx(31 / 3)
    assert card.risks.lead_time_drift == pytest.approx(0.16129, abs=1e-5)
    assert card.risks.lead_time_drift_flag

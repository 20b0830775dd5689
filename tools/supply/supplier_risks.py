"""Supplier risks: single-source exposure in spend, capacity utilisation against the plan,
and lead-time drift between quarters (days).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from sop.tools.supply.supplier import CapacityMonth, DeliveryRecord, SupplierMonthLoad, SupplierRisks
from sop.tools.supply.supplier_metrics import lead_time_days, received_between, trend_quarters

CAPACITY_FLAG_UTILISATION = 0.9
LEAD_TIME_DRIFT_FLAG = 0.10


def _mean_lead_time(received: list[DeliveryRecord]) -> float | None:
    return float(np.mean([lead_time_days(r) for r in received])) if received else None


def lead_time_drift(records: list[DeliveryRecord], period_end: date) -> tuple[float | None, float | None, float | None]:
    """(last-quarter mean, prior-three-quarter mean, last/prior − 1) of lead time in days."""
    quarters = trend_quarters(period_end)
    prior_start, last_start = quarters[0][1], quarters[-1][1]
    last = _mean_lead_time(received_between(records, last_start, period_end))
    prior = _mean_lead_time(received_between(records, prior_start, last_start - timedelta(days=1)))
    drift = last / prior - 1 if last is not None and prior else None
    return last, prior, drift


def capacity_months(loads: list[SupplierMonthLoad]) -> list[CapacityMonth]:
    return [CapacityMonth(period=m.period, planned_qty=m.planned_qty, capacity=m.capacity,
                          utilisation=m.planned_qty / m.capacity,
                          flagged=m.planned_qty / m.capacity > CAPACITY_FLAG_UTILISATION)
            for m in sorted(loads, key=lambda m: m.period)]


def supplier_risks(
    supplier: str,
    records: list[DeliveryRecord],
    received: list[DeliveryRecord],
    total_spend: float,
    sources: dict[str, set[str]],
    loads: list[SupplierMonthLoad],
    period_end: date,
) -> SupplierRisks:
    """Single-source exposure in spend, capacity utilisation against plan and lead-time drift.

    `records` are all of the supplier's POs, `received` those received in the period.
    """
    single = sorted(sku for sku, suppliers in sources.items() if suppliers == {supplier})
    spend = sum(r.unit_price * r.qty_received for r in received)
    single_spend = sum(r.unit_price * r.qty_received for r in received if r.sku in single)
    months = capacity_months(loads)
    last, prior, drift = lead_time_drift(records, period_end)
    return SupplierRisks(
        single_source_skus=single,
        spend_share=spend / total_spend if total_spend > 0 else 0.0,
        single_source_spend_share=single_spend / total_spend if total_spend > 0 else 0.0,
        capacity=months,
        capacity_flag=any(m.flagged for m in months),
        last_quarter_lead_time_days=last,
        prior_lead_time_days=prior,
        lead_time_drift=drift,
        lead_time_drift_flag=drift is not None and drift > LEAD_TIME_DRIFT_FLAG,
    )

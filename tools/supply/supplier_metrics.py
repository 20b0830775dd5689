"""Supplier delivery metrics: what the POs received in a window show, and the windows.

Rates are fractions, lead times days from order to receipt, money in the PO currency.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from sop.tools.supply.supplier import DeliveryRecord, SupplierMetrics

TREND_QUARTERS = 4


def lead_time_days(record: DeliveryRecord) -> int:
    """Days from order to receipt; an open PO has no lead time yet."""
    if record.received_date is None:
        raise ValueError(f"PO {record.po_id!r} is open: it has no lead time until it is received")
    return (record.received_date - record.order_date).days


def on_time(record: DeliveryRecord) -> bool:
    """Received on or before the promised date."""
    return record.received_date is not None and record.received_date <= record.promised_date


def receipt_metrics(received: list[DeliveryRecord]) -> SupplierMetrics:
    """Quality, delivery, lead-time and price metrics over received POs."""
    qty_received = sum(r.qty_received for r in received)
    qty_defective = sum(r.qty_defective for r in received)
    lead_times = np.array([lead_time_days(r) for r in received], dtype=float)
    spend = sum(r.unit_price * r.qty_received for r in received)
    price_index = 100 * spend / sum(r.list_price * r.qty_received for r in received)
    return SupplierMetrics(
        received_pos=len(received),
        qty_ordered=sum(r.qty_ordered for r in received),
        qty_received=qty_received,
        ppm=1e6 * qty_defective / qty_received,
        first_pass_yield=1 - qty_defective / qty_received,
        return_rate=sum(r.qty_returned for r in received) / qty_received,
        on_time_delivery=sum(on_time(r) for r in received) / len(received),
        fill_rate=qty_received / sum(r.qty_ordered for r in received),
        mean_lead_time_days=float(lead_times.mean()),
        lead_time_variance_days2=float(lead_times.var()),
        spend=spend,
        price_index=price_index,
        cost_savings=1 - price_index / 100,
    )


def quarter_start(day: date) -> date:
    """The first day of the calendar quarter holding `day`."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def trend_quarters(period_end: date, count: int = TREND_QUARTERS) -> list[tuple[str, date, date]]:
    """The `count` calendar quarters ending with the one holding period_end, oldest first.

    The last quarter is cut at period_end. Each entry is (label, first day, last day).
    """
    quarters = []
    start = quarter_start(period_end)
    end = period_end
    for _ in range(count):
        quarters.append((f"{start.year}Q{(start.month - 1) // 3 + 1}", start, end))
        end = start - timedelta(days=1)
        start = quarter_start(end)
    return quarters[::-1]


def received_between(records: list[DeliveryRecord], start: date, end: date) -> list[DeliveryRecord]:
    """POs received from `start` to `end`, both included."""
    return [r for r in records if r.received_date is not None and start <= r.received_date <= end]


def open_at(records: list[DeliveryRecord], day: date) -> list[DeliveryRecord]:
    """POs ordered by `day` and not received by then."""
    return [r for r in records if r.order_date <= day and (r.received_date is None or r.received_date > day)]

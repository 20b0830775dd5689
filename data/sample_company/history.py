"""What the sample company's history records: demand per SKU × DC × month, stock on hand at
the as-of date, supplier deliveries and customer orders. Each function returns the rows in the
schema's column order; those that draw take the generator's `rng` in the fixed order of
`sample_tables`."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from sop.data.sample_company.company import Company
from sop.data.sample_company.months import AS_OF, HISTORY_MONTHS, LAST_YEAR, days_in_month, month_label, month_start
from sop.data.sample_company.profile import DCS, SUPPLIERS, Supplier


def demand_history_rows(c: Company) -> list[tuple]:
    """A row per SKU × DC × month from the SKU's first month (its launch month, or 2023-11);
    zero-order months are written as zeros, nothing is written before a launch."""
    return [(c.sku[s], DCS[d][0], month_label(t), int(c.ordered[s, d, t]), int(c.shipped[s, d, t]))
            for s in range(len(c.sku)) for d in range(len(DCS))
            for t in range(c.launch[s], HISTORY_MONTHS)]


def inventory_rows(c: Company, rng: np.random.Generator) -> list[tuple]:
    """On hand at the end of the history: 0.5-1.5 months of the DC's last-quarter demand."""
    recent = c.ordered[:, :, HISTORY_MONTHS - 3:HISTORY_MONTHS].mean(axis=2)
    cover = rng.uniform(0.5, 1.5, recent.shape)
    on_hand = np.round(recent * cover).astype(int)
    return [(c.sku[s], DCS[d][0], int(on_hand[s, d]), AS_OF.isoformat())
            for s in range(len(c.sku)) for d in range(len(DCS))]


def _receipt(supplier: Supplier, ordered_on: date, qty: int,
             rng: np.random.Generator) -> tuple[date, date | None, int, int, int]:
    """Promised and received date, received, defective and returned units of one PO, drawn
    from the supplier's profile. A PO not received by the as-of date is open: no received
    date and nothing received."""
    promised = ordered_on + timedelta(days=supplier.lead_time_days + int(rng.integers(0, 4)))
    late = rng.random() < supplier.late_share
    delay = int(rng.integers(1, supplier.max_days_late + 1)) if late else -int(rng.integers(0, 3))
    if supplier.drift_from is not None and ordered_on >= supplier.drift_from:
        delay += int(rng.integers(10, 21))
    received = promised + timedelta(days=delay)
    short = rng.random() < supplier.short_share
    qty_received = int(qty * rng.uniform(0.8, 0.98)) if short else qty
    defect_rate = min(1.0, supplier.defect_rate * float(rng.lognormal(0, 0.5)))
    defective = int(rng.binomial(qty_received, defect_rate))
    returned = int(rng.binomial(defective, 0.7))
    if received > AS_OF:
        return promised, None, 0, 0, 0
    return promised, received, qty_received, defective, returned


def supplier_deliveries_rows(c: Company, rng: np.random.Generator) -> list[tuple]:
    """Purchase orders over the 36 months, in finished-unit equivalents (one kit per unit).

    Fast movers are bought every 2 months, the rest every 3, each PO covering the expected
    demand until the next one, rounded up to the pack size and at least the MOQ; launches are
    first bought two months before they sell. Delivery follows the supplier's profile: S01 is
    excellent, S02 late, short and defective, S03 drifts late from August 2026. The unit price
    scatters around the list price by the supplier's premium.
    """
    monthly = c.expected.sum(axis=1)
    volume = monthly[:, :HISTORY_MONTHS].mean(axis=1)
    material_share = rng.uniform(0.4, 0.55, len(c.sku))
    pos = []
    for s in range(len(c.sku)):
        supplier = SUPPLIERS[c.supplier[s]]
        every = 2 if volume[s] >= np.median(volume) else 3
        list_price = round(float(c.unit_cost[s] * material_share[s]), 2)
        first = max(0, c.launch[s] - 2) + int(rng.integers(every))
        for t in range(first, HISTORY_MONTHS, every):
            need = monthly[s, t + 1:t + 1 + every].sum() * rng.uniform(0.9, 1.1)
            qty = max(int(c.moq[s]), int(np.ceil(need / c.pack_size[s])) * int(c.pack_size[s]))
            ordered_on = month_start(t) + timedelta(days=int(rng.integers(0, 28)))
            receipt = _receipt(supplier, ordered_on, qty, rng)
            unit_price = round(list_price * (1 + supplier.price_premium + rng.normal(0, 0.02)), 2)
            pos.append((ordered_on, c.sku[s], supplier.code, qty, receipt, unit_price, list_price))
    pos.sort(key=lambda po: (po[0], po[1]))
    return [(f"PO-{i:05d}", supplier, sku, ordered_on.isoformat(), promised.isoformat(),
             received.isoformat() if received else None, qty, qty_received, defective, returned,
             unit_price, list_price)
            for i, (ordered_on, sku, supplier, qty,
                    (promised, received, qty_received, defective, returned),
                    unit_price, list_price) in enumerate(pos, start=1)]


def _split_orders(total: int, month: int, rng: np.random.Generator) -> list[tuple[date, int]]:
    """A month's ordered units as 1-3 customer orders (most months one), with their dates."""
    count = min(total, 1 + int(rng.binomial(2, 0.15)))
    cuts = np.sort(rng.choice(np.arange(1, total), size=count - 1, replace=False)) if count > 1 else np.array([])
    sizes = np.diff(np.concatenate(([0], cuts, [total]))).astype(int)
    days = np.sort(rng.integers(0, days_in_month(month), size=count))
    first = month_start(month)
    return [(first + timedelta(days=int(day)), int(size)) for day, size in zip(days, sizes)]


def customer_orders_rows(c: Company, rng: np.random.Generator) -> list[tuple]:
    """Customer orders of the last 12 months: each SKU × DC × month's ordered units as 1-3
    orders, filled first come, first served up to the month's shipped units (so stockout
    months give short and unfilled orders). 5 % of orders arrive late, 30 % in stockout months.
    An order with nothing delivered, or delivered after the as-of date, has no delivered date.
    """
    orders = []
    for t in LAST_YEAR:
        for s in range(len(c.sku)):
            for d in range(len(DCS)):
                total, available = int(c.ordered[s, d, t]), int(c.shipped[s, d, t])
                late_share = 0.3 if available < total else 0.05
                for placed, qty in (_split_orders(total, t, rng) if total else []):
                    promised = placed + timedelta(days=int(rng.integers(3, 8)))
                    late = rng.random() < late_share
                    delay = int(rng.integers(1, 10)) if late else -int(rng.integers(0, 3))
                    arrived = max(placed, promised + timedelta(days=delay))
                    delivered_qty = min(qty, available)
                    available -= delivered_qty
                    delivered = arrived if delivered_qty > 0 and arrived <= AS_OF else None
                    orders.append((placed, c.sku[s], DCS[d][0], promised, delivered, qty,
                                   delivered_qty if delivered else 0))
    orders.sort(key=lambda o: (o[0], o[1], o[2]))
    return [(f"SO-{i:05d}", sku, dc, placed.isoformat(), promised.isoformat(),
             delivered.isoformat() if delivered else None, qty, delivered_qty)
            for i, (placed, sku, dc, promised, delivered, qty, delivered_qty)
            in enumerate(orders, start=1)]

"""The supply-plan LP's conservation rows (docs/SUPPLY_PLAN.md), in units.

Where units go: a plant ships what it makes, a DC's stock carries from month to month with the
shipments arriving after their transit and the demand served, lost or backordered, a backorder
waits no longer than its SKU allows, and stock below safety stock is counted as a shortfall.
Each writes its family of rows into the `RowBlocks` in the order HiGHS gets them.
"""

from __future__ import annotations

import numpy as np

from sop.tools.supply.supply_plan_columns import Columns
from sop.tools.supply.supply_plan_layout import Layout
from sop.tools.supply.supply_plan_matrix import INF, RowBlocks


def flow_rows(b: RowBlocks, layout: Layout, c: Columns) -> None:
    """Plant flow: a plant ships all it makes in the month, x − Σ_d y = 0."""
    flow = b.open(0.0, 0.0, c.x.shape)
    b.add(flow, c.x, 1.0)
    b.add(flow[[r for r, _, _ in layout.ships]], c.y, -1.0)


def balance_rows(b: RowBlocks, layout: Layout, c: Columns) -> None:
    """DC balance, rearranged with the data on the right:
    I[t] − I[t−1] − Σ_k y[k, t − transit_k] − Σ_j (u_j[t] + b_j[t] − b_j[t−1])
      = pipeline arriving in t − D[t] (+ initial inventory in the first month),
    since a stream sells D_j[t] − u_j[t] + b_j[t−1] − b_j[t]: its demand not lost, and what it
    owed, less what it still owes."""
    S, D, T = c.inv.shape
    opening = np.zeros((S, D, T))
    opening[:, :, 0] = layout.initial
    arriving = layout.arriving if layout.arriving is not None else np.zeros_like(layout.demand)
    rhs = opening + arriving - layout.demand
    bal = b.open(rhs, rhs, (S, D, T))
    b.add(bal, c.inv, 1.0)
    b.add(bal[:, :, 1:], c.inv[:, :, :-1], -1.0)
    ship_sku = np.array([layout.routes[r][0] for r, _, _ in layout.ships], dtype=np.int64).reshape(-1, 1)
    ship_dc = np.array([d for _, d, _ in layout.ships], dtype=np.int64).reshape(-1, 1)
    lag = np.array([layout.transit[lane] for _, _, lane in layout.ships], dtype=np.int64).reshape(-1, 1)
    b.add(bal[ship_sku, ship_dc, np.minimum(np.arange(T) + lag, T - 1)], c.y, -1.0)  # y arrives lag later
    stream_sku = np.array([s.sku for s in layout.streams], dtype=np.int64)
    stream_dc = np.array([s.dc for s in layout.streams], dtype=np.int64)
    at_stream = bal[stream_sku, stream_dc]  # (stream, month)
    b.add(at_stream, c.unmet, -1.0)
    b.add(at_stream, c.back, -1.0)
    b.add(at_stream[:, 1:], c.back[:, :-1], 1.0)


def safety_rows(b: RowBlocks, layout: Layout, c: Columns) -> None:
    """Soft safety stock: I + z ≥ safety stock (units)."""
    where = c.short >= 0
    target = np.broadcast_to(layout.safety[:, :, None], c.short.shape)[where]
    rows = b.open(target, INF, target.shape)
    b.add(rows, c.inv[where], 1.0)
    b.add(rows, c.short[where], 1.0)


def delay_rows(b: RowBlocks, layout: Layout, c: Columns) -> None:
    """Maximum delay: what a stream owes at the end of month t is demand of its last
    `max_delay` months not lost, b[t] + Σ u ≤ Σ D over t − max_delay + 1 .. t (units), and it
    owes no more than it owed plus this month's demand not lost (a month's sales are never
    negative; with a one-month delay the first row says so). Served oldest first, no unit then
    waits longer than `max_delay` months."""
    for j, t in zip(*np.nonzero(c.back >= 0), strict=True):
        stream, back, unmet = layout.streams[j], c.back[j], c.unmet[j]
        window = list(range(max(0, t - stream.max_delay + 1), t + 1))
        row = b.open(-INF, float(stream.qty[window].sum()), (1,))
        b.add(row, np.array([back[t], *unmet[window]]), 1.0)
        if t and stream.max_delay > 1:  # sales are never negative: b[t] − b[t−1] + u[t] ≤ D[t]
            row = b.open(-INF, float(stream.qty[t]), (1,))
            b.add(row, np.array([back[t], back[t - 1], unmet[t]]), np.array([1.0, -1.0, 1.0]))

"""The supply-plan LP's conservation rows (docs/SUPPLY_PLAN.md), in units.

Where units go: a plant ships what it makes, a DC's stock carries from month to month with the
shipments arriving after their transit and the demand served, lost or backordered, a backorder
waits no longer than its SKU allows, and stock below safety stock is counted as a shortfall.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pulp

from sop.tools.supply.supply_plan_layout import Layout
from sop.tools.supply.supply_plan_variables import Variables


def flow_rows(layout: Layout, v: Variables) -> dict[str, pulp.LpConstraint]:
    """Plant flow: a plant ships all it makes in the month, Σ_d y = x."""
    ships_of: dict[int, list[int]] = defaultdict(list)
    for k, (r, _, _) in enumerate(layout.ships):
        ships_of[r].append(k)
    return {
        f"flow_{r}_{t}": equal_row([(x, 1.0)] + [(y, -1.0) for k in ships_of[r] if (y := v.y[k][t]) is not None], 0.0)
        for r, row in enumerate(v.x)
        for t, x in enumerate(row)
    }


def balance_rows(layout: Layout, v: Variables) -> dict[str, pulp.LpConstraint]:
    """DC balance, rearranged with the data on the right:
    I[t] − I[t−1] − Σ_k y[k, t − transit_k] − Σ_j (u_j[t] + b_j[t] − b_j[t−1])
      = pipeline arriving in t − D[t] (+ initial inventory in the first month),
    since a stream sells D_j[t] − u_j[t] + b_j[t−1] − b_j[t]: its demand not lost, and what it
    owed, less what it still owes."""
    ships_into: dict[tuple[int, int], list[int]] = defaultdict(list)
    for k, (r, d, _) in enumerate(layout.ships):
        ships_into[layout.routes[r][0], d].append(k)
    streams_at: dict[tuple[int, int], list[int]] = defaultdict(list)
    for j, stream in enumerate(layout.streams):
        streams_at[stream.sku, stream.dc].append(j)
    arriving = layout.arriving if layout.arriving is not None else np.zeros_like(layout.demand)
    rows = {}
    for s, by_dc in enumerate(v.inv):
        for d, inv in enumerate(by_dc):
            into = [(k, layout.transit[layout.ships[k][2]]) for k in ships_into[s, d]]
            for t, i in enumerate(inv):
                terms = [(i, 1.0)] + [(v.y[k][t - lag], -1.0) for k, lag in into if t >= lag]
                if t:
                    terms.append((inv[t - 1], -1.0))
                for j in streams_at[s, d]:
                    if (j, t) in v.unmet:
                        terms.append((v.unmet[j, t], -1.0))
                    if (j, t) in v.back:
                        terms.append((v.back[j, t], -1.0))
                        if t:
                            terms.append((v.back[j, t - 1], 1.0))
                opening = layout.initial[s, d] if t == 0 else 0.0
                rows[f"balance_{s}_{d}_{t}"] = equal_row(terms, opening + arriving[s, d, t] - layout.demand[s, d, t])
    return rows


def delay_rows(layout: Layout, v: Variables) -> dict[str, pulp.LpConstraint]:
    """Maximum delay: what a stream owes at the end of month t is demand of its last
    `max_delay` months not lost, b[t] + Σ u ≤ Σ D over t − max_delay + 1 .. t (units), and it
    owes no more than it owed plus this month's demand not lost (a month's sales are never
    negative; with a one-month delay the first row says so). Served oldest first, no unit then
    waits longer than `max_delay` months."""
    rows = {}
    for (j, t), b in v.back.items():
        stream = layout.streams[j]
        window = range(max(0, t - stream.max_delay + 1), t + 1)
        terms = [(b, 1.0)] + [(v.unmet[j, w], 1.0) for w in window if (j, w) in v.unmet]
        rows[f"delay_{j}_{t}"] = pulp.LpConstraint(
            pulp.LpAffineExpression(terms), pulp.LpConstraintLE, rhs=float(stream.qty[list(window)].sum())
        )
        if t and stream.max_delay > 1:  # sales are never negative: b[t] − b[t−1] + u[t] ≤ D[t]
            grow = [(b, 1.0), (v.back[j, t - 1], -1.0)] + ([(v.unmet[j, t], 1.0)] if (j, t) in v.unmet else [])
            rows[f"sold_{j}_{t}"] = pulp.LpConstraint(
                pulp.LpAffineExpression(grow), pulp.LpConstraintLE, rhs=float(stream.qty[t]))
    return rows


def safety_rows(layout: Layout, v: Variables) -> dict[str, pulp.LpConstraint]:
    """Soft safety stock: I + z ≥ safety stock (units)."""
    return {
        f"safety_{s}_{d}_{t}": pulp.LpConstraint(
            pulp.LpAffineExpression([(v.inv[s][d][t], 1.0), (z, 1.0)]),
            pulp.LpConstraintGE,
            rhs=float(layout.safety[s, d]),
        )
        for (s, d, t), z in v.short.items()
    }


def equal_row(terms: list, rhs: float) -> pulp.LpConstraint:
    return pulp.LpConstraint(pulp.LpAffineExpression(terms), pulp.LpConstraintEQ, rhs=float(rhs))

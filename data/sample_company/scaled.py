"""The sample company at a larger size: more SKUs and more DCs, for the scale benchmark.

The 200-SKU, 3-DC company is the seed. Each further SKU is a variant of one of its SKUs (same
family, supplier, routing and prices) and each further DC a twin of one of its DCs, and every
SKU × DC series is the seed series scaled by its own log-normal factor, so no two series are
alike while each keeps a real series' season, events, stockouts and launch. Plant hours,
supplier, lane and storage capacities grow with the demand, so the plan stays as tight as the
sample company's. Supplier deliveries, customer orders, events and the team stay those of the
seed. The same seed and size give the same tables.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from sop.data.sample_company import sample_tables

SERIES_SPREAD = 0.35  # σ of the log-normal factor of each SKU × DC series


def scaled_tables(skus: int, dcs: int, seed: int = 7) -> dict[str, list[tuple]]:
    """Every table's rows for a company of `skus` SKUs and `dcs` DCs (at least the seed's 200
    and 3)."""
    base = sample_tables(seed)
    n_skus, n_dcs = len(base["items"]), len(base["dcs"])
    if skus < n_skus or dcs < n_dcs:
        raise ValueError(f"the scaled company has at least the sample company's {n_skus} SKUs and {n_dcs} DCs")
    rng = np.random.default_rng(seed + 1)
    sku_of = [(row[0] if i < n_skus else f"{row[0]}-V{i // n_skus:03d}", row)
              for i in range(skus) for row in (base["items"][i % n_skus],)]
    dc_of = [(row[0] if j < n_dcs else f"{row[0]}-{j // n_dcs + 1}", row)
             for j in range(dcs) for row in (base["dcs"][j % n_dcs],)]
    factor = rng.lognormal(-SERIES_SPREAD**2 / 2, SERIES_SPREAD, size=(skus, dcs))
    history: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    for row in base["demand_history"]:
        history[row[0], row[1]].append(row)
    stock = {(row[0], row[1]): row for row in base["inventory"]}
    demand_rows, inventory_rows = [], []
    for i, (sku, item) in enumerate(sku_of):
        for j, (dc, dc_row) in enumerate(dc_of):
            f = factor[i, j]
            demand_rows += [(sku, dc, month, round(ordered * f), round(shipped * f))
                            for _, _, month, ordered, shipped in history[item[0], dc_row[0]]]
            _, _, on_hand, as_of = stock[item[0], dc_row[0]]
            inventory_rows.append((sku, dc, round(on_hand * f), as_of))
    growth = sum(r[3] for r in demand_rows) / sum(r[3] for r in base["demand_history"])
    routings = defaultdict(list)
    for row in base["routings"]:
        routings[row[0]].append(row)
    per_dc = growth * n_dcs / dcs  # each DC's share of the grown demand
    return {
        **base,
        "suppliers": [(*r[:3], round(r[3] * growth, 1), r[4]) for r in base["suppliers"]],
        "items": [(sku, item[1] if sku == item[0] else f"{item[1]} {sku[-4:]}", *item[2:]) for sku, item in sku_of],
        "plants": [(*r[:2], round(r[2] * growth, -1), round(r[3] * growth, -1), r[4]) for r in base["plants"]],
        "dcs": [(dc, row[1] if dc == row[0] else f"{row[1]} {j // n_dcs + 1}", row[2], round(row[3] * per_dc, -2))
                for j, (dc, row) in enumerate(dc_of)],
        "routings": [(sku, *r[1:]) for sku, item in sku_of for r in routings[item[0]]],
        "lanes": [(lane[0], dc, lane[2], round(lane[3] * per_dc, -1), lane[4])
                  for dc, row in dc_of for lane in base["lanes"] if lane[1] == row[0]],
        "demand_history": demand_rows,
        "inventory": inventory_rows,
        "budget": [(*r[:2], round(r[2] * growth), round(r[3] * growth, 2), round(r[4] * growth, 2))
                   for r in base["budget"]],
    }

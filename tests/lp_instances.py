"""Seeded, realistic supply-plan instances for the LP tests and the LP benchmark.

2 plants, 3 DCs, 4 suppliers and seasonal demand whose peaks exceed plant hours, so the plan
pre-builds, uses overtime or loses sales; lanes and suppliers are sized near average flow, and
the DCs cannot hold a whole season.
"""

from __future__ import annotations

import numpy as np

from sop.tools.periods import month_range
from sop.tools.supply.supply_plan import SupplyPlanInstance

PLANTS = ("P1", "P2")
DCS = ("D1", "D2", "D3")
SUPPLIERS = ("S1", "S2", "S3", "S4")


def generate_instance(n_skus: int, seed: int = 0, n_months: int = 18) -> SupplyPlanInstance:
    """A seeded instance whose seasonal peaks exceed plant capacity (units, hours, currency)."""
    rng = np.random.default_rng(seed)
    demand = _seasonal_demand(rng, n_skus, n_months)  # (sku, dc, month)
    skus = [f"SKU{i:05d}" for i in range(n_skus)]
    unit_cost = rng.uniform(2.0, 20.0, n_skus)
    hours = rng.uniform(0.01, 0.05, n_skus)
    routings = _routings(rng, skus, unit_cost, hours)
    monthly = demand.mean(axis=2)  # (sku, dc), units per month
    material = [
        {"supplier": str(rng.choice(SUPPLIERS)), "qty_per_unit": float(rng.integers(1, 4))}
        if rng.random() < 0.8 else None
        for _ in skus
    ]
    return SupplyPlanInstance.model_validate(
        {
            "periods": month_range("2027-01", n_months),
            "skus": [
                {"sku": sku, "holding_cost": 0.02 * c, "unmet_penalty": c * rng.uniform(2.5, 4.0),
                 "ss_penalty": 0.1 * c, "material": m}
                for sku, c, m in zip(skus, unit_cost, material)
            ],
            "plants": _plants(rng, demand, hours, n_months),
            "routings": routings,
            "dcs": [
                {"dc": dc, "storage_capacity": round(1.2 * monthly[:, d].sum())}
                for d, dc in enumerate(DCS)
            ],
            "lanes": [
                {"plant": p, "dc": dc, "cost_per_unit": round(rng.uniform(0.2, 1.5), 2),
                 "capacity": [round(0.7 * monthly[:, d].sum() * rng.uniform(0.9, 1.3))] * n_months}
                for p in PLANTS
                for d, dc in enumerate(DCS)
            ],
            "suppliers": _suppliers(material, demand, n_months),
            "demand": [
                {"sku": sku, "dc": dc, "qty": demand[s, d].round(1).tolist()}
                for s, sku in enumerate(skus)
                for d, dc in enumerate(DCS)
            ],
            "initial_inventory": _levels(skus, 0.8 * monthly),
            "safety_stock": _levels(skus, 0.5 * monthly),
        }
    )


def _seasonal_demand(rng: np.random.Generator, n_skus: int, n_months: int) -> np.ndarray:
    """Units per SKU, DC and month: lognormal size, DC split, a yearly peak in July, November
    or December of 20-70 % above the mean, and month-to-month noise."""
    size = rng.lognormal(4.0, 0.8, n_skus)
    split = rng.dirichlet([2.0] * len(DCS), n_skus)
    peak = rng.choice([6, 10, 11], n_skus)
    amplitude = rng.uniform(0.2, 0.7, n_skus)
    month = np.arange(n_months) % 12
    season = 1 + amplitude[:, None] * np.cos(2 * np.pi * (month[None, :] - peak[:, None]) / 12)
    noise = rng.gamma(20.0, 1 / 20.0, (n_skus, len(DCS), n_months))
    return size[:, None, None] * split[:, :, None] * season[:, None, :] * noise


def _routings(rng, skus, unit_cost, hours) -> list[dict]:
    """Each SKU at P1 (75 %) and/or P2 (60 %), never nowhere; P2 a little dearer and slower."""
    at_p1 = rng.random(len(skus)) < 0.75
    at_p2 = (rng.random(len(skus)) < 0.6) | ~at_p1
    rows = []
    for s, sku in enumerate(skus):
        if at_p1[s]:
            rows.append({"sku": sku, "plant": "P1", "hours_per_unit": hours[s], "cost_per_unit": unit_cost[s]})
        if at_p2[s]:
            rows.append({"sku": sku, "plant": "P2", "hours_per_unit": 1.1 * hours[s],
                         "cost_per_unit": 1.05 * unit_cost[s]})
    return rows


def _plants(rng, demand, hours, n_months) -> list[dict]:
    """Regular hours cover 45 % of the average monthly load each (half in August, the summer
    shutdown), overtime another quarter of that: together above average, below the peaks."""
    load = float((hours[:, None] * demand.sum(axis=1)).sum(axis=0).mean())  # hours per month
    august = np.arange(n_months) % 12 == 7
    regular = np.where(august, 0.5, 1.0) * 0.45 * load
    return [
        {"plant": p, "regular_hours": regular.round().tolist(),
         "max_overtime_hours": (0.25 * regular).round().tolist(),
         "overtime_cost_per_hour": round(rng.uniform(45.0, 60.0), 2)}
        for p in PLANTS
    ]


def _suppliers(material, demand, n_months) -> list[dict]:
    """Each supplier can deliver 5 % more than the average monthly need of the SKUs it feeds."""
    need = dict.fromkeys(SUPPLIERS, 0.0)
    for m, units in zip(material, demand.sum(axis=(1, 2)) / n_months):
        if m is not None:
            need[m["supplier"]] += m["qty_per_unit"] * units
    return [{"supplier": k, "capacity": [round(1.05 * n)] * n_months} for k, n in need.items()]


def _levels(skus, levels: np.ndarray) -> list[dict]:
    return [
        {"sku": sku, "dc": dc, "qty": round(float(levels[s, d]), 1)}
        for s, sku in enumerate(skus)
        for d, dc in enumerate(DCS)
    ]


# ---------------------------------------------------------------------------------------------
# Measurement
# ---------------------------------------------------------------------------------------------



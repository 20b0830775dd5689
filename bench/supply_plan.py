"""Benchmark: the PuLP supply-plan LP against the same LP built directly as a sparse matrix.

    .venv/bin/python -m bench.supply_plan            # 200, 1,000 and 2,000 SKUs
    .venv/bin/python -m bench.supply_plan 50 500     # other sizes

Instances are seeded and realistic: 2 plants, 3 DCs, 4 suppliers, 18 months, seasonal demand
whose peaks exceed plant hours (so the plan pre-builds, uses overtime or loses sales), lanes
and suppliers sized near average flow, and DCs that cannot hold a whole season.
Every timing is the median of 3 runs in a fresh process; peak memory is that process's peak RSS
less the RSS it had before the runs (after imports and receiving the instance).
"""

from __future__ import annotations

import multiprocessing
import resource
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from rich.console import Console
from rich.table import Table

from bench.supply_plan_direct import solve_direct
from sop.tools.periods import month_range
from sop.tools.supply.supply_plan import (
    SupplyPlanInstance,
    build_model,
    layout_of,
    read_plan,
    solve_model,
)

SIZES = (200, 1000, 2000)
REPEATS = 3
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
    ]  # fmt: skip
    return SupplyPlanInstance.model_validate(
        {
            "periods": month_range("2027-01", n_months),
            "skus": [
                {"sku": sku, "holding_cost": 0.02 * c, "unmet_penalty": c * rng.uniform(2.5, 4.0),
                 "ss_penalty": 0.1 * c, "material": m}
                for sku, c, m in zip(skus, unit_cost, material)
            ],  # fmt: skip
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
            ],  # fmt: skip
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
                         "cost_per_unit": 1.05 * unit_cost[s]})  # fmt: skip
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
    ]  # fmt: skip


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


def _in_fresh_process(task: Callable[[SupplyPlanInstance], dict], instance: SupplyPlanInstance) -> dict:
    """Run `task` in a new interpreter, so its peak RSS is its own."""
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        return pool.submit(task, instance).result()


def _peak_rss_mb(before_kb: int) -> float:
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before_kb) / 1024  # KB on Linux


def time_ours(instance: SupplyPlanInstance) -> dict:
    """Median seconds of the stages `solve_supply_plan` runs on a feasible instance: layout and
    PuLP build, the HiGHS solve through pulp, and the whole pipeline including the read-out."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    runs = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        layout = layout_of(instance)
        model = build_model(instance, layout)
        built = time.perf_counter()
        status = solve_model(model.problem)
        solved = time.perf_counter()
        result = read_plan(instance, layout, model)
        runs.append((built - start, solved - built, time.perf_counter() - start))
        assert status == "optimal", status
    build, solve, end_to_end = (statistics.median(r[i] for r in runs) for i in range(3))
    return {"build": build, "solve": solve, "end_to_end": end_to_end,
            "objective": result.objective, "rss": _peak_rss_mb(before)}  # fmt: skip


def time_direct(instance: SupplyPlanInstance) -> dict:
    """Median seconds of the sparse-matrix build and the HiGHS solve."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    runs = [solve_direct(instance) for _ in range(REPEATS)]
    return {
        "build": statistics.median(r.build_seconds for r in runs),
        "solve": statistics.median(r.solve_seconds for r in runs),
        "total": statistics.median(r.build_seconds + r.solve_seconds for r in runs),
        "objective": runs[0].objective,
        "rss": _peak_rss_mb(before),
    }


def measure(n_skus: int) -> dict[str, float]:
    """Every figure of one table row for an instance of `n_skus` SKUs (seconds, MB, currency)."""
    instance = generate_instance(n_skus)
    ours = _in_fresh_process(time_ours, instance)
    direct = _in_fresh_process(time_direct, instance)
    return {
        "skus": n_skus,
        "build": ours["build"],
        "solve": ours["solve"],
        "end_to_end": ours["end_to_end"],
        "rss_ours": ours["rss"],
        "direct_build": direct["build"],
        "direct_solve": direct["solve"],
        "direct_total": direct["total"],
        "rss_direct": direct["rss"],
        "objective": ours["objective"],
        "direct_objective": direct["objective"],
        "rel_diff": abs(ours["objective"] - direct["objective"]) / max(1.0, abs(direct["objective"])),
        "ratio": ours["end_to_end"] / direct["total"],
    }


COLUMNS = {
    "skus": ("SKUs", "{:,}"),
    "build": ("pulp build s", "{:.2f}"),
    "solve": ("pulp solve s", "{:.2f}"),
    "end_to_end": ("ours end-to-end s", "{:.2f}"),
    "rss_ours": ("ours peak MB", "{:.0f}"),
    "direct_build": ("direct build s", "{:.2f}"),
    "direct_solve": ("direct solve s", "{:.2f}"),
    "direct_total": ("direct total s", "{:.2f}"),
    "rss_direct": ("direct peak MB", "{:.0f}"),
    "objective": ("objective", "{:,.2f}"),
    "direct_objective": ("direct objective", "{:,.2f}"),
    "rel_diff": ("rel. diff", "{:.1e}"),
    "ratio": ("ours/direct", "{:.2f}"),
}


def main(sizes: list[int]) -> None:
    """Print the table again after each size, so a long run shows its rows as they finish."""
    console = Console(width=250)
    rows = []
    for n in sizes:
        rows.append(measure(n))
        table = Table(title="supply-plan LP: PuLP + HiGHS vs scipy.sparse + highspy (median of 3)")
        for header, _ in COLUMNS.values():
            table.add_column(header, justify="right")
        for row in rows:
            table.add_row(*(fmt.format(row[key]) for key, (_, fmt) in COLUMNS.items()))
        console.print(table)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or list(SIZES))

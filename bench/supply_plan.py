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

from rich.console import Console
from rich.table import Table

from sop.tools.supply.supply_plan import SupplyPlanInstance
from sop.tools.supply.supply_plan_lp import build_model, layout_of, solve_model
from sop.tools.supply.supply_plan_solve import read_plan
from tests.lp_instances import generate_instance
from tests.lp_reference import solve_direct

SIZES = (200, 1000, 2000)
REPEATS = 3


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

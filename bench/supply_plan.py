"""Benchmark: the PuLP supply-plan LP against the same LP built directly as a sparse matrix
and solved with HiGHS's default options, in the same run (the issue's yardstick: ours at most
1.0x the direct build's time). Ours solves with the options `highs_options` picks by size.

    .venv/bin/python -m bench.supply_plan            # 200, 1,000 and 2,000 SKUs
    .venv/bin/python -m bench.supply_plan 50 500     # other sizes
    .venv/bin/python -m bench.supply_plan --instance FILE.json   # one instance of your own

Each row also solves the direct build with interior point + crossover (`IPM_OPTIONS`, the
setting the tool used at every size before it chose by size), so the rule is checked per row.

Instances are seeded and realistic: 2 plants, 3 DCs, 4 suppliers, 18 months, seasonal demand
whose peaks exceed plant hours (so the plan pre-builds, uses overtime or loses sales), lanes
and suppliers sized near average flow, and DCs that cannot hold a whole season.
Every timing is the median of 3 runs in a fresh process; peak memory is that process's peak RSS
less the RSS it had before the runs (after imports and receiving the instance).
"""

from __future__ import annotations

import functools
import multiprocessing
import resource
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from rich.console import Console
from rich.table import Table

from sop.tools.supply.supply_plan import SupplyPlanInstance
from sop.tools.supply.supply_plan_lp import IPM_OPTIONS, build_model, highs_options, layout_of, solve_model
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
    chosen = "ipm+crossover" if highs_options(model.problem.numVariables()) else "defaults"
    return {"build": build, "solve": solve, "end_to_end": end_to_end, "options": chosen,
            "objective": result.objective, "rss": _peak_rss_mb(before)}  # fmt: skip


def time_direct(instance: SupplyPlanInstance) -> dict:
    """Median seconds of the sparse-matrix build and the HiGHS solve with HiGHS's defaults."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    runs = [solve_direct(instance, options={}) for _ in range(REPEATS)]
    ipm = [solve_direct(instance, options=IPM_OPTIONS).solve_seconds for _ in range(REPEATS)]
    return {
        "ipm_solve": statistics.median(ipm),
        "build": statistics.median(r.build_seconds for r in runs),
        "solve": statistics.median(r.solve_seconds for r in runs),
        "total": statistics.median(r.build_seconds + r.solve_seconds for r in runs),
        "objective": runs[0].objective,
        "rss": _peak_rss_mb(before),
    }


def measure(instance: SupplyPlanInstance) -> dict[str, float | str]:
    """Every figure of one table row for an instance (seconds, MB, currency)."""
    n_skus = len(instance.skus)
    ours = _in_fresh_process(time_ours, instance)
    direct = _in_fresh_process(time_direct, instance)
    return {
        "skus": n_skus,
        "options": ours["options"],
        "build": ours["build"],
        "solve": ours["solve"],
        "end_to_end": ours["end_to_end"],
        "rss_ours": ours["rss"],
        "direct_build": direct["build"],
        "direct_solve": direct["solve"],
        "direct_total": direct["total"],
        "ipm_solve": direct["ipm_solve"],
        "rss_direct": direct["rss"],
        "objective": ours["objective"],
        "direct_objective": direct["objective"],
        "rel_diff": abs(ours["objective"] - direct["objective"]) / max(1.0, abs(direct["objective"])),
        "ratio": ours["end_to_end"] / direct["total"],
    }


COLUMNS = {
    "skus": ("SKUs", "{:,}"),
    "options": ("ours: HiGHS", "{}"),
    "build": ("pulp build s", "{:.2f}"),
    "solve": ("pulp solve s", "{:.2f}"),
    "end_to_end": ("ours end-to-end s", "{:.2f}"),
    "rss_ours": ("ours peak MB", "{:.0f}"),
    "direct_build": ("direct build s", "{:.2f}"),
    "direct_solve": ("direct solve s (defaults)", "{:.2f}"),
    "direct_total": ("direct total s", "{:.2f}"),
    "ipm_solve": ("direct solve s (ipm)", "{:.2f}"),
    "rss_direct": ("direct peak MB", "{:.0f}"),
    "objective": ("objective", "{:,.2f}"),
    "direct_objective": ("direct objective", "{:,.2f}"),
    "rel_diff": ("rel. diff", "{:.1e}"),
    "ratio": ("ours/direct", "{:.2f}"),
}


def main(instances: list[Callable[[], SupplyPlanInstance]]) -> None:
    """Print the table again after each instance, so a long run shows its rows as they finish."""
    console = Console(width=280)
    rows = []
    for make in instances:
        rows.append(measure(make()))
        table = Table(title="supply-plan LP: PuLP + HiGHS vs scipy.sparse + highspy with HiGHS defaults "
                            "(median of 3)")
        for header, _ in COLUMNS.values():
            table.add_column(header, justify="right")
        for row in rows:
            table.add_row(*(fmt.format(row[key]) for key, (_, fmt) in COLUMNS.items()))
        console.print(table)


def _instances(args: list[str]) -> list[Callable[[], SupplyPlanInstance]]:
    """`--instance FILE` for a JSON instance, else seeded instances of the sizes given."""
    if args[:1] == ["--instance"]:
        return [lambda: SupplyPlanInstance.model_validate_json(Path(args[1]).read_text(encoding="utf-8"))]
    return [functools.partial(generate_instance, n) for n in ([int(a) for a in args] or list(SIZES))]


if __name__ == "__main__":
    main(_instances(sys.argv[1:]))

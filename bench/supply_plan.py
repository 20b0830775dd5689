"""Benchmark: the PuLP supply-plan LP against the same LP built directly as a sparse matrix
and solved with HiGHS's default options, in the same run (the issue's yardstick: ours at most
1.0x the direct build's time). Ours solves with the options `highs_options` picks by size.

    .venv/bin/python -m bench.supply_plan            # 200, 1,000 and 2,000 SKUs
    .venv/bin/python -m bench.supply_plan 50 500     # other sizes
    .venv/bin/python -m bench.supply_plan --instance FILE.json   # one instance of your own

Each row also solves the direct build with interior point + crossover (`IPM_OPTIONS`, the
setting the tool used at every size before it chose by size), so the rule is checked per row.

A second table times re-solves (`--warm`): one what-if re-solved from the base plan's basis
(`WarmSolver`) against the base solve, and a cycle's LP work (the base scenario, upside and
downside demand, four what-ifs, one after another through one `WarmSolver`: a what-if from the
last basis, a scenario that moves every month's demand cold) against one cold direct solve; and
a MIP: the instance with a lot size on every routing, its time and the gap HiGHS proved.

    .venv/bin/python -m bench.supply_plan --warm 200     # re-solves and the MIP at 200 SKUs

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
from sop.tools.supply.supply_plan_highs import IPM_OPTIONS, highs_options, solve_model
from sop.tools.supply.supply_plan_layout import layout_of
from sop.tools.supply.supply_plan_lp import build_model
from sop.tools.supply.supply_plan_solve import WarmSolver, read_plan, solve_supply_plan
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


def scenarios_and_whatifs(instance: SupplyPlanInstance) -> list[tuple[str, SupplyPlanInstance]]:
    """A cycle's LP work after the base scenario: upside and downside demand (±10 %), then four
    what-ifs on the base: an added shift at P1 (+20 % regular hours, months 5-8), overtime +50 %
    at P2 (months 5-8), a second source for S1 (+20 %, months 3-8), and a promotion moved (the
    first tenth of the SKUs: +20 % taken from months 5-6 and put on months 9-10)."""
    def changed(change: Callable[[SupplyPlanInstance], None]) -> SupplyPlanInstance:
        copy = instance.model_copy(deep=True)
        change(copy)
        return copy

    def demand(factor: float) -> Callable[[SupplyPlanInstance], None]:
        def scale(i: SupplyPlanInstance) -> None:
            for row in i.demand:
                row.qty = [q * factor for q in row.qty]
        return scale

    def shift(i: SupplyPlanInstance) -> None:
        for t in range(4, 8):
            i.plants[0].regular_hours[t] *= 1.2

    def overtime(i: SupplyPlanInstance) -> None:
        for t in range(4, 8):
            i.plants[1].max_overtime_hours[t] *= 1.5

    def sourcing(i: SupplyPlanInstance) -> None:
        for t in range(2, 8):
            i.suppliers[0].capacity[t] *= 1.2

    def promotion(i: SupplyPlanInstance) -> None:
        moved = {row.sku for row in i.demand[: max(1, len(i.demand) // 10)]}
        for row in i.demand:
            if row.sku in moved:
                for old, new in ((4, 8), (5, 9)):
                    row.qty[old] /= 1.2
                    row.qty[new] *= 1.2

    return [("upside", changed(demand(1.1))), ("downside", changed(demand(0.9))), ("shift", changed(shift)),
            ("overtime", changed(overtime)), ("sourcing", changed(sourcing)), ("promotion", changed(promotion))]


def time_cycle(instance: SupplyPlanInstance) -> dict:
    """Seconds of the base solve (cold) and of each later solve from the last basis, build and
    read-out included, and whether each matched a cold solve's objective."""
    warm = WarmSolver()
    start = time.perf_counter()
    base = warm(instance)
    seconds = {"base": time.perf_counter() - start}
    agree = []
    for name, changed in scenarios_and_whatifs(instance):
        start = time.perf_counter()
        result = warm(changed)
        seconds[name] = time.perf_counter() - start
        agree.append((name, result.objective))
    assert base.status == "optimal"
    return {"seconds": seconds, "objectives": dict(agree), "warm": warm.warm}


def time_cold_whatif(instance: SupplyPlanInstance) -> dict:
    """Seconds and objective of the 'shift' what-if solved cold, to check the warm one."""
    _, changed = scenarios_and_whatifs(instance)[2]
    start = time.perf_counter()
    result = solve_supply_plan(changed)
    return {"seconds": time.perf_counter() - start, "objective": result.objective}


def time_mip(instance: SupplyPlanInstance) -> dict:
    """The instance with a lot size on every routing (a quarter of the SKU's mean monthly demand,
    rounded up to 10 units), solved as a MIP with HiGHS's 60 s limit and 1 % gap."""
    monthly: dict[str, float] = {}
    for row in instance.demand:
        monthly[row.sku] = monthly.get(row.sku, 0.0) + sum(row.qty) / len(row.qty)
    lots = instance.model_copy(deep=True)
    for routing in lots.routings:
        routing.lot_size = max(10.0, 10.0 * -(-monthly.get(routing.sku, 0.0) / 4 // 10))
    start = time.perf_counter()
    result = solve_supply_plan(lots)
    return {"seconds": time.perf_counter() - start, "status": result.status, "gap": result.mip_gap,
            "objective": result.objective, "message": result.message}


def warm_main(sizes: list[int]) -> None:
    """The re-solve table: per size, the base solve, the median warm what-if and its ratio, the
    cycle's LP work against one cold direct solve, and the MIP."""
    console = Console(width=220)
    table = Table(title="supply-plan re-solves from the last basis, and the lot-size MIP")
    for header in ("SKUs", "base cold s", "what-ifs warm s (median of 4)", "warm/base", "cold what-if s",
                   "cycle LP work s (7 solves)", "direct cold s (defaults)", "cycle/direct",
                   "warm = cold objective", "MIP s", "MIP status", "MIP gap"):
        table.add_column(header, justify="right")
    for n in sizes:
        instance = generate_instance(n)
        cycle = _in_fresh_process(time_cycle, instance)
        cold = _in_fresh_process(time_cold_whatif, instance)
        direct = _in_fresh_process(time_direct, instance)
        mip = _in_fresh_process(time_mip, instance)
        s = cycle["seconds"]
        whatifs = statistics.median(s[k] for k in ("shift", "overtime", "sourcing", "promotion"))
        total = sum(s.values())
        same = abs(cycle["objectives"]["shift"] - cold["objective"]) <= 1e-9 * abs(cold["objective"])
        table.add_row(f"{n:,}", f"{s['base']:.2f}", f"{whatifs:.2f}", f"{whatifs / s['base']:.2f}",
                      f"{cold['seconds']:.2f}", f"{total:.2f}", f"{direct['total']:.2f}",
                      f"{total / direct['total']:.2f}", "yes" if same else "NO", f"{mip['seconds']:.1f}",
                      mip["status"], "-" if mip["gap"] is None else f"{mip['gap']:.2%}")
        console.print(table)
        console.print(f"{n:,} SKUs, each solve s: " + ", ".join(f"{k} {v:.2f}" for k, v in s.items())
                      + f"; {cycle['warm']} of 6 from the last basis")


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
    if sys.argv[1:2] == ["--warm"]:
        warm_main([int(a) for a in sys.argv[2:]] or [200])
    else:
        main(_instances(sys.argv[1:]))

"""Benchmark: the supply-plan LP as the tool builds and solves it against the same LP built
directly as a sparse matrix (tests/lp_reference.py) and solved with HiGHS's default options, in
the same run (the issue's yardstick: ours at most 1.0x the direct build's time). Ours solves
with the options `highs_options` picks by size.

    .venv/bin/python -m bench.supply_plan            # 200, 1,000 and 2,000 SKUs
    .venv/bin/python -m bench.supply_plan 50 500     # other sizes
    .venv/bin/python -m bench.supply_plan --instance FILE.json   # one instance of your own
    .venv/bin/python -m bench.supply_plan --repeats 1 --no-ipm 2000   # one run each, no ipm column

Each row also solves the direct build with interior point + crossover (`IPM_OPTIONS`, the
setting the tool used at every size before it chose by size), so the rule is checked per row.

A second table times re-solves (`--warm`): the what-ifs, each re-solved from the base plan's
basis (`WarmSolver`), against the base solve, both with the machine to themselves; a cycle's LP work
(the base scenario with the four what-ifs after it from its basis, while worker processes solve
upside and downside demand cold) wall clock against one cold direct solve; and, up to `SMALL`
SKUs, the what-if solved cold (same objective?) and a MIP: the instance with a lot size on every
routing, its time and the gap HiGHS proved.

    .venv/bin/python -m bench.supply_plan --warm 200     # re-solves and the MIP at 200 SKUs

Instances are seeded and realistic: 2 plants, 3 DCs, 4 suppliers, 18 months, seasonal demand
whose peaks exceed plant hours (so the plan pre-builds, uses overtime or loses sales), lanes
and suppliers sized near average flow, and DCs that cannot hold a whole season.
Every timing of the first table is the median of `REPEATS` runs, ours and the direct build
taking turns, each in a fresh process; peak memory is that process's peak RSS less the RSS it
had before the run (after imports and receiving the instance).
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
from sop.tools.supply.supply_plan_highs import IPM_OPTIONS, highs_options, solve_cold
from sop.tools.supply.supply_plan_layout import layout_of
from sop.tools.supply.supply_plan_lp import build_model
from sop.tools.supply.supply_plan_solve import WarmSolver, read_plan, solve_supply_plan
from tests.lp_instances import generate_instance
from tests.lp_reference import solve_direct

SIZES = (200, 1000, 2000)
REPEATS = 3  # `--repeats N` sets it (1 for the 2,000-SKU rows, each solve several minutes)
SMALL = 500  # SKUs: up to this size the re-solve table also solves the what-if cold and the MIP
IPM = True  # `--no-ipm` leaves out the direct build's interior-point solve (a 2,000-SKU row's longest part)
WORKERS = 2  # worker processes for a cycle's independent scenario solves (the machine's 2 cores)


def _in_fresh_process(task: Callable[[SupplyPlanInstance], dict], instance: SupplyPlanInstance) -> dict:
    """Run `task` in a new interpreter, so its peak RSS is its own."""
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        return pool.submit(task, instance).result()


def _peak_rss_mb(before_kb: int) -> float:
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before_kb) / 1024  # KB on Linux


def time_ours(instance: SupplyPlanInstance) -> dict:
    """Seconds of the stages `solve_supply_plan` runs on a feasible instance: layout and the
    arrays' build, the HiGHS solve (hand-over included), and the whole pipeline including the
    read-out; and the process's peak memory."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    layout = layout_of(instance)
    model = build_model(instance, layout)
    built = time.perf_counter()
    solution = solve_cold(model.lp, instance.mip)
    solved = time.perf_counter()
    assert solution.status == "optimal", solution.status
    result = read_plan(instance, layout, model, solution)
    return {"build": built - start, "solve": solved - built, "end_to_end": time.perf_counter() - start,
            "options": "ipm+crossover" if highs_options(len(model.lp.cost)) else "defaults",
            "objective": result.objective, "rss": _peak_rss_mb(before)}


def time_direct(instance: SupplyPlanInstance, ipm: bool = True) -> dict:
    """Seconds of the sparse-matrix build and the HiGHS solve with HiGHS's defaults, and (with
    `ipm`) of the solve with interior point + crossover; and the process's peak memory."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    run = solve_direct(instance, options={})
    return {"build": run.build_seconds, "solve": run.solve_seconds, "total": run.build_seconds + run.solve_seconds,
            "ipm_solve": solve_direct(instance, options=IPM_OPTIONS).solve_seconds if ipm else float("nan"),
            "objective": run.objective, "rss": _peak_rss_mb(before)}


def measure(instance: SupplyPlanInstance) -> dict[str, float | str]:
    """Every figure of one table row for an instance (seconds, MB, currency): medians of
    `REPEATS` runs, ours and the direct build taking turns, each in a fresh process, so a change
    in the machine's load falls on both alike."""
    direct_run = functools.partial(time_direct, ipm=IPM)
    runs = [(_in_fresh_process(time_ours, instance), _in_fresh_process(direct_run, instance)) for _ in range(REPEATS)]
    ours = {k: statistics.median(o[k] for o, _ in runs) for k in ("build", "solve", "end_to_end", "rss")}
    direct = {k: statistics.median(d[k] for _, d in runs) for k in ("build", "solve", "total", "ipm_solve", "rss")}
    objective, direct_objective = runs[0][0]["objective"], runs[0][1]["objective"]
    return {
        "skus": len(instance.skus),
        "options": runs[0][0]["options"],
        "build": ours["build"],
        "solve": ours["solve"],
        "end_to_end": ours["end_to_end"],
        "rss_ours": ours["rss"],
        "direct_build": direct["build"],
        "direct_solve": direct["solve"],
        "direct_total": direct["total"],
        "ipm_solve": direct["ipm_solve"],
        "rss_direct": direct["rss"],
        "objective": objective,
        "direct_objective": direct_objective,
        "rel_diff": abs(objective - direct_objective) / max(1.0, abs(direct_objective)),
        "ratio": ours["end_to_end"] / direct["total"],
    }


COLUMNS = {
    "skus": ("SKUs", "{:,}"),
    "options": ("ours: HiGHS", "{}"),
    "build": ("ours build s", "{:.2f}"),
    "solve": ("ours solve s", "{:.2f}"),
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


def _solve_timed(instance: SupplyPlanInstance) -> tuple[float, float | None]:
    """Seconds and objective of one cold solve, build and read-out included."""
    start = time.perf_counter()
    result = solve_supply_plan(instance)
    return time.perf_counter() - start, result.objective


def time_cycle(instance: SupplyPlanInstance, scenarios: bool = True) -> dict:
    """A cycle's LP work as it can run on this machine: the upside and downside scenarios (every
    month's demand moves, so each is a cold solve) in worker processes while this one solves the
    base; then the four what-ifs, each from the base's basis. Seconds of each solve (build and
    read-out included) and of the whole, wall clock. Without `scenarios`, the base and the
    what-ifs alone, to time a what-if against a base solve that had the machine to itself."""
    start = time.perf_counter()
    changed = scenarios_and_whatifs(instance)
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=WORKERS, mp_context=spawn) as pool:
        cold = {name: pool.submit(_solve_timed, copy) for name, copy in changed[:2] if scenarios}
        warm = WarmSolver()
        base = warm(instance)
        seconds = {"base": time.perf_counter() - start}
        objectives = {}
        for name, copy in changed[2:]:
            began = time.perf_counter()
            objectives[name] = warm(copy).objective
            seconds[name] = time.perf_counter() - began
        for name, future in cold.items():
            seconds[name], objectives[name] = future.result()
    assert base.status == "optimal"
    return {"seconds": seconds, "objectives": objectives, "warm": warm.warm, "wall": time.perf_counter() - start}


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
    table = Table(title="supply-plan re-solves from the base's basis, and the lot-size MIP")
    for header in ("SKUs", "base cold s", "what-ifs warm s (median of 4)", "warm/base", "cold what-if s",
                   "cycle LP work s (7 solves, wall)", "direct cold s (defaults)", "cycle/direct",
                   "warm = cold objective", "MIP s", "MIP status", "MIP gap"):
        table.add_column(header, justify="right")
    for n in sizes:
        instance = generate_instance(n)
        alone = _in_fresh_process(functools.partial(time_cycle, scenarios=False), instance)
        cycle = _in_fresh_process(time_cycle, instance)
        small = n <= SMALL
        cold = _in_fresh_process(time_cold_whatif, instance) if small else None
        direct = _in_fresh_process(functools.partial(time_direct, ipm=False), instance)
        mip = _in_fresh_process(time_mip, instance) if small else None
        s = alone["seconds"]
        whatifs = statistics.median(s[k] for k in ("shift", "overtime", "sourcing", "promotion"))
        same = "-" if cold is None else (
            "yes" if abs(alone["objectives"]["shift"] - cold["objective"]) <= 1e-9 * abs(cold["objective"]) else "NO")
        table.add_row(f"{n:,}", f"{s['base']:.2f}", f"{whatifs:.2f}", f"{whatifs / s['base']:.2f}",
                      "-" if cold is None else f"{cold['seconds']:.2f}", f"{cycle['wall']:.2f}",
                      f"{direct['total']:.2f}", f"{cycle['wall'] / direct['total']:.2f}", same,
                      *((f"{mip['seconds']:.1f}", mip["status"], "-" if mip["gap"] is None else f"{mip['gap']:.2%}")
                        if mip else ("-", "not run", "-")))
        console.print(table)
        for label, run in (("base and what-ifs alone", alone), ("cycle, scenarios in parallel", cycle)):
            console.print(f"{n:,} SKUs, {label}, each solve s: "
                          + ", ".join(f"{k} {v:.2f}" for k, v in run["seconds"].items())
                          + f"; {run['warm']} from the base's basis")


def main(instances: list[Callable[[], SupplyPlanInstance]]) -> None:
    """Print the table again after each instance, so a long run shows its rows as they finish."""
    console = Console(width=280)
    rows = []
    for make in instances:
        rows.append(measure(make()))
        table = Table(title="supply-plan LP: ours vs scipy.sparse + highspy with HiGHS defaults "
                            f"(median of {REPEATS})")
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
    args = sys.argv[1:]
    if "--repeats" in args:
        at = args.index("--repeats")
        REPEATS = int(args[at + 1])
        del args[at:at + 2]
    if "--no-ipm" in args:
        IPM = False
        args.remove("--no-ipm")
    if args[:1] == ["--warm"]:
        warm_main([int(a) for a in args[1:]] or [200])
    else:
        main(_instances(args))

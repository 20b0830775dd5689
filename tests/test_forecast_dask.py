"""The forecast on a dask.distributed cluster equals the local run, series for series, and its
progress moves one finished chunk at a time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from distributed import LocalCluster

from sop.tools.forecasting import dask_runner
from sop.tools.forecasting.dask_runner import DASK_CHUNK_MAX, DASK_CHUNK_MIN, dask_chunk_size
from sop.tools.forecasting.demand_forecast import forecast_frames

SERIES = 24
HORIZON = 6


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    """Two years of seasonal, trending, intermittent and short series."""
    rng = np.random.default_rng(17)
    months = pd.period_range("2024-11", periods=24, freq="M").strftime("%Y-%m")
    rows = []
    for i in range(SERIES):
        season = 1 + 0.3 * np.sin(2 * np.pi * np.arange(24) / 12 + i)
        level = rng.uniform(20, 200) * season * (1 + 0.01 * i * np.arange(24) / 24)
        y = rng.poisson(level).astype(float)
        if i % 5 == 0:
            y[rng.random(24) < 0.6] = 0.0  # intermittent
        start = 18 if i % 7 == 0 else 0  # short
        rows += [{"unique_id": f"S{i:02d}", "ds": m, "y": v} for m, v in zip(months[start:], y[start:])]
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def cluster():
    """Two single-threaded workers in this process: started in a second, as real as any cluster."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as local:
        yield local


def test_dask_results_equal_the_local_run_and_progress_moves_per_chunk(history, cluster, monkeypatch):
    local = forecast_frames(history, HORIZON, n_jobs=1)
    monkeypatch.setattr(dask_runner, "DASK_CHUNK_MIN", 5)  # several chunks even on this small set
    reported: list[int] = []
    on_dask = forecast_frames(history, HORIZON, progress=reported.append, dask_scheduler=cluster.scheduler_address)
    for name in ("forecast", "backtest", "residuals"):
        pd.testing.assert_frame_equal(getattr(on_dask, name), getattr(local, name), check_exact=True)
    assert sum(reported) == SERIES and len(reported) == -(-SERIES // 5) and max(reported) == 5


def test_the_local_cluster_forks_lean_workers_and_gives_the_same_forecast(history):
    """`sop forecast --dask local`'s workers are forked with the engine already imported and run
    no profiler, so the cluster costs little more CPU than local processes (bench/RESULTS.md)."""
    import sys

    import dask
    from distributed import Client

    def worker_state() -> tuple[bool, bool]:
        engine = "sop.tools.forecasting.series_forecast" in sys.modules
        return engine, dask.config.get("distributed.worker.profile.enabled")

    local = forecast_frames(history, HORIZON, n_jobs=1)
    with dask_runner.local_cluster(2) as lean, Client(lean) as client:
        states = client.run(worker_state)  # before any task has run
        on_dask = forecast_frames(history, HORIZON, dask_scheduler=lean.scheduler_address)
    assert list(states.values()) == [(True, False), (True, False)]
    pd.testing.assert_frame_equal(on_dask.forecast, local.forecast, check_exact=True)


def test_chunks_carry_enough_series():
    assert dask_chunk_size(50, 2) == DASK_CHUNK_MIN
    assert dask_chunk_size(100_000, 2) == DASK_CHUNK_MAX
    assert dask_chunk_size(20_000, 8) == 625


def test_an_unreachable_scheduler_is_named(monkeypatch):
    monkeypatch.setattr(dask_runner, "CONNECT_TIMEOUT_S", 1)
    with pytest.raises(dask_runner.DaskUnavailable, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:9"):
        forecast_frames(pd.DataFrame({"unique_id": ["a"] * 12, "ds": [f"2026-{m:02d}" for m in range(1, 13)],
                                      "y": [1.0] * 12}), 3, dask_scheduler="tcp://127.0.0.1:9")


def test_sop_forecast_on_dask_writes_the_local_forecast(history, cluster, tmp_path):
    from typer.testing import CliRunner

    from sop.cli.app import app

    history.to_csv(tmp_path / "demand.csv", index=False)
    runner, common = CliRunner(), ["forecast", "--input", str(tmp_path / "demand.csv"), "--horizon", str(HORIZON)]
    local = runner.invoke(app, [*common, "--output", str(tmp_path / "local.csv")])
    on_dask = runner.invoke(app, [*common, "--output", str(tmp_path / "dask.csv"),
                                  "--dask", cluster.scheduler_address])
    assert local.exit_code == 0 and on_dask.exit_code == 0, on_dask.output
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "dask.csv"), pd.read_csv(tmp_path / "local.csv"))

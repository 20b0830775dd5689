"""`sop forecast`: the baseline forecast of a long demand file (`unique_id`, `ds`, `y`), by month."""

from __future__ import annotations

from pathlib import Path

import typer

from sop.cli.common import console, fail, settings

OUTPUT_COLUMNS = {"yhat": "yhat", "lo_80": "lo-80", "hi_80": "hi-80", "lo_95": "lo-95", "hi_95": "hi-95"}


def forecast(
    ctx: typer.Context,
    input: Path = typer.Option(..., "--input", help="long demand file: unique_id, ds (month), y; .csv or .parquet"),
    horizon: int = typer.Option(..., "--horizon", min=1, help="months ahead"),
    output: Path = typer.Option(..., "--output", help="where the forecast is written; .csv or .parquet"),
    dask: str | None = typer.Option(
        None, "--dask", metavar="local|ADDRESS",
        help="run the series on dask.distributed: 'local' starts a LocalCluster, an address (tcp://HOST:8786) "
             "uses a running scheduler; default SOP_DASK_SCHEDULER, else the local cores"),
) -> None:
    """Forecast every series HORIZON months ahead with 80 % and 95 % bands; the model is chosen by backtest."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from sop.cli.demand_file import InputError, load_history, write_forecast
    from sop.tools.forecasting.dask_runner import DaskUnavailable
    from sop.tools.forecasting.demand_forecast import forecast_frame  # loads statsforecast: only when it runs

    try:
        history, as_dates = load_history(input)
        if output.suffix.lower() not in (".csv", ".parquet"):
            raise InputError(f"{output}: unknown output type {output.suffix!r}; use .csv or .parquet")
    except InputError as exc:
        raise fail(str(exc)) from exc
    series = history["unique_id"].nunique()
    scheduler = dask or settings(ctx).dask_scheduler
    columns = (TextColumn("forecasting"), BarColumn(), MofNCompleteColumn(), TextColumn("series"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("forecast", total=series)
        try:
            fc, backtest = forecast_frame(history, horizon, progress=lambda done: progress.advance(task, done),
                                          dask_scheduler=scheduler)
        except DaskUnavailable as exc:
            raise fail(str(exc)) from exc
    out = fc.rename(columns=OUTPUT_COLUMNS)[["unique_id", "ds", *OUTPUT_COLUMNS.values(), "model"]]
    if as_dates:
        out["ds"] = out["ds"] + "-01"
    try:
        write_forecast(out, output)
    except OSError as exc:
        raise fail(f"{output}: cannot write the forecast ({exc})") from exc
    console.print(
        f"{series:,} series × {horizon} months → {output}; backtest 95 % band coverage "
        f"{(backtest['coverage_95'] * backtest['points']).sum() / backtest['points'].sum():.1%}",
        highlight=False,
    )

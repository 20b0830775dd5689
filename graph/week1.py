"""Week 1, demand planning: the demand-forecaster forecasts every SKU × DC and layers sales input."""

from __future__ import annotations

import pandas as pd
from langgraph.runtime import Runtime

from agents.demand_forecaster import DEMAND_FORECASTER
from agents.narrator import narrate
from graph.context import CycleContext
from graph.state import CycleState
from sop.log import get_logger
from tools.consensus import apply_market_events
from tools.forecasting import DemandPoint, ForecastInput, backtest_wape
from tools.periods import add_months, month_range


def _history(ctx: CycleContext, period: str) -> pd.DataFrame:
    history = ctx.store.query(
        "SELECT sku, dc, month, ordered_qty FROM demand_history WHERE month < ? ORDER BY sku, dc, month",
        [period],
    )
    last = history["month"].max() if len(history) else None
    if last != add_months(period, -1):
        raise ValueError(
            f"the {period} cycle needs demand history through {add_months(period, -1)}, "
            f"but it ends at {last}; load newer data with 'sop data load DIR'"
        )
    return history


def demand_planning(state: CycleState, runtime: Runtime[CycleContext]) -> dict:
    ctx, cycle_id, period = runtime.context, state["cycle_id"], state["period"]
    log = get_logger(cycle_id=cycle_id, node="demand_planning", agent=DEMAND_FORECASTER.name)
    horizon = month_range(period, ctx.settings.horizon_months)
    history = _history(ctx, period)
    # Ordered quantities, not shipments: orders are demand, shipments are capped by stock.
    points = [
        DemandPoint(unique_id=f"{r.sku}|{r.dc}", ds=r.month, y=r.ordered_qty)
        for r in history.itertuples(index=False)
    ]
    result = DEMAND_FORECASTER.use("demand-forecast", ForecastInput(history=points, horizon=len(horizon)), log)
    forecast = pd.DataFrame([r.model_dump() for r in result.forecast])
    backtest = pd.DataFrame([r.model_dump() for r in result.backtest])
    for frame in (forecast, backtest):
        frame[["sku", "dc"]] = frame.pop("unique_id").str.split("|", expand=True)
    forecast = forecast.rename(columns={"ds": "month"})

    items = ctx.store.table("items").set_index("sku")
    events = ctx.store.query("SELECT * FROM market_events WHERE end_month >= ?", [period])
    sales_input = apply_market_events(forecast, events, items["family"])
    layers = pd.concat([
        forecast.assign(layer="statistical", qty=forecast["yhat"]),
        forecast.assign(layer="sales_input", qty=sales_input),
    ])
    ctx.store.replace("forecast_layers", layers, cycle_id=cycle_id)
    ctx.store.replace("backtests", backtest, cycle_id=cycle_id)

    wape, naive = backtest_wape(backtest), backtest_wape(backtest, "benchmark_mae")
    figures = {
        "series": float(len(backtest)),
        "horizon_units": float(forecast["yhat"].sum()),
        "next_quarter_units": float(forecast.loc[forecast["month"] < add_months(period, 3), "yhat"].sum()),
        "backtest_wape": wape,
        "naive_wape": naive,
        "fva_vs_naive": naive - wape,
        "share_beating_naive": float((backtest["mae"] < backtest["benchmark_mae"]).mean()),
        "sales_input_units": float(sales_input.sum() - forecast["yhat"].sum()),
    }
    report = narrate(DEMAND_FORECASTER, figures, ctx.model, log)
    ctx.store.save_reports(cycle_id, [report])
    log.info("week1_done", **{k: round(v, 4) for k, v in figures.items()})
    return {"horizon": horizon, "demand": figures, "reports": [report.model_dump()]}


def adopt_consensus(ctx: CycleContext, cycle_id: str) -> None:
    """The approved consensus: the sales-input layer as it stood when the gate approved it."""
    layer = ctx.store.query("SELECT * FROM forecast_layers WHERE cycle_id = ? AND layer = 'sales_input'", [cycle_id])
    ctx.store.replace("forecast_layers", layer.drop(columns=["cycle_id", "layer"]), cycle_id=cycle_id, layer="consensus")

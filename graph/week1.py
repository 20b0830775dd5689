"""Week 1, demand planning.

The demand-forecaster cleanses the order history (stockouts, promotions, outliers, gaps),
forecasts every node of the hierarchy SKU × DC → SKU → family → total, replaces launches'
forecasts with their analogs' launch curves, reconciles the nodes so every level adds up
(`SOP_RECONCILIATION`; MinT weighs each node by its honest backtest residuals), and scores last
cycle's forecast against the month that has since come in. Sales input from market events
and planner overrides layer on top; the consensus gate adopts the result.
"""

from __future__ import annotations

import pandas as pd
from langgraph.runtime import Runtime
from pydantic import BaseModel

from sop.agents.demand_forecaster import DEMAND_FORECASTER
from sop.agents.narrator import narrate
from sop.graph.context import CycleContext, RunContext, open_context
from sop.graph.outputs import Output, expect
from sop.graph.progress import Progress
from sop.graph.state import CycleState
from sop.log import get_logger
from sop.store import company
from sop.store.demand_reads import every_market_event, order_history
from sop.store.forecasts import layers_in_month
from sop.tools.forecasting import demand_steps as steps
from sop.tools.forecasting.accuracy import AccuracyReport
from sop.tools.forecasting.demand_forecast import DemandPoint, ForecastInput, ForecastOutput, backtest_wape
from sop.tools.periods import add_months, month_range

BANDS = ["lo_80", "hi_80", "lo_95", "hi_95"]


def use(tool: str, payload: BaseModel, kind: type[Output], log, progress=None) -> Output:
    """A tool of the demand-forecaster's belt, run on its behalf (refused when off its belt)."""
    return expect(kind, DEMAND_FORECASTER.use(tool, payload, log, progress))


def _history(ctx: CycleContext, period: str) -> pd.DataFrame:
    history = order_history(ctx.store, period)
    last = history["month"].max() if len(history) else None
    if last != add_months(period, -1):
        raise ValueError(
            f"the {period} cycle needs demand history through {add_months(period, -1)}, "
            f"but it ends at {last}; load newer data with 'sop data load DIR'"
        )
    return history


def _node_forecasts(cleansed: pd.DataFrame, families: pd.Series, horizon: int, log, progress: Progress | None,
                    dask_scheduler: str | None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Base forecasts, backtests and honest backtest residuals for every node of the
    hierarchy, keyed by level and key."""
    nodes = use("hierarchy-series", steps.HierarchySeriesInput(
        demand=steps.Demand.of(cleansed), families=families.to_dict()), steps.NodeSeries, log).frame()
    points = [DemandPoint(unique_id=f"{r.level}:{r.key}", ds=r.month, y=r.demand)
              for r in nodes.itertuples(index=False)]
    counter = progress.tool(DEMAND_FORECASTER.name, "demand-forecast", "forecasting", "series") if progress else None
    result = use("demand-forecast", ForecastInput(history=points, horizon=horizon, dask_scheduler=dask_scheduler),
                 ForecastOutput, log, counter)
    forecast = pd.DataFrame([r.model_dump() for r in result.forecast]).rename(columns={"ds": "month"})
    backtest = pd.DataFrame([r.model_dump() for r in result.backtest])
    residuals = pd.DataFrame([r.model_dump() for r in result.residuals]).rename(columns={"ds": "month"})
    for frame in (forecast, backtest, residuals):
        frame[["level", "key"]] = frame.pop("unique_id").str.split(":", n=1, expand=True)
    bottom = backtest["level"] == "sku_dc"
    backtest.loc[bottom, ["sku", "dc"]] = backtest.loc[bottom, "key"].str.rsplit("/", n=1, expand=True).to_numpy()
    return forecast, backtest, residuals


def _with_launch_curves(forecast: pd.DataFrame, cleansed: pd.DataFrame, items: pd.DataFrame,
                        horizon: int, log) -> pd.DataFrame:
    """Launches follow their family's launch curve; the statistical bands move with the mean."""
    launches = steps.LaunchCurvesInput(demand=steps.Demand.of(cleansed), items=steps.Items.of(items), horizon=horizon)
    analog = use("launch-curves", launches, steps.LaunchCurvesOutput, log).forecast.frame()
    if analog.empty:
        return forecast
    analog = analog.assign(key=analog["sku"] + "/" + analog["dc"], level="sku_dc").set_index(["level", "key", "month"])
    indexed = forecast.set_index(["level", "key", "month"])
    hit = indexed.index.isin(analog.index)
    shift = analog["yhat"].reindex(indexed.index[hit]).to_numpy() - indexed.loc[hit, "yhat"].to_numpy()
    indexed.loc[hit, "yhat"] += shift
    for band in BANDS:
        indexed.loc[hit, band] = (indexed.loc[hit, band] + shift).clip(lower=0)
    indexed.loc[hit, "model"] = "analog launch curve"
    return indexed.reset_index()


def base_forecasts(cleansed: pd.DataFrame, items: pd.DataFrame, horizon: int, log, progress: Progress | None = None,
                   dask_scheduler: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Every node's base forecast (launches on their analogs' curves), backtest and honest
    backtest residuals, before reconciliation: what bench/forecast_hierarchy.py scores too. The
    series run on local cores, or on the Dask cluster `dask_scheduler` names (SOP_DASK_SCHEDULER)."""
    forecast, backtest, residuals = _node_forecasts(cleansed, items.set_index("sku")["family"], horizon, log,
                                                    progress, dask_scheduler)
    return _with_launch_curves(forecast, cleansed, items, horizon, log), backtest, residuals


def _bottom(frame: pd.DataFrame) -> pd.DataFrame:
    bottom = frame[frame["level"] == "sku_dc"].copy()
    bottom[["sku", "dc"]] = bottom["key"].str.rsplit("/", n=1, expand=True)
    return bottom


def _naive_layer(history: pd.DataFrame, horizon: list[str]) -> pd.DataFrame:
    """Seasonal naive per SKU × DC: each month repeats the orders of the same month a year before."""
    by_month = history.set_index(["sku", "dc", "month"])["ordered_qty"]
    keys = history[["sku", "dc"]].drop_duplicates()
    # Month i of the horizon repeats the month 12·(i // 12 + 1) earlier: the latest one seen.
    back = {m: add_months(m, -12 * (i // 12 + 1)) for i, m in enumerate(horizon)}
    rows = keys.merge(pd.DataFrame({"month": horizon}), how="cross")
    back = rows["month"].map(back)
    rows["qty"] = by_month.reindex(pd.MultiIndex.from_arrays([rows["sku"], rows["dc"], back])).fillna(0.0).to_numpy()
    return rows


def last_cycle_accuracy(ctx: CycleContext, period: str, history: pd.DataFrame, families: pd.Series,
                        log) -> pd.DataFrame:
    """Last cycle's layers against the month that has come in since (empty on a first cycle)."""
    previous, month = add_months(period, -1), add_months(period, -1)
    layers = layers_in_month(ctx.store, previous, month)
    if layers.empty:
        return pd.DataFrame()
    actuals = history.loc[history["month"] == month, ["sku", "dc", "month", "ordered_qty"]]
    actuals = actuals.rename(columns={"ordered_qty": "qty"})
    report = use("forecast-accuracy", steps.AccuracyInput(
        forecast=steps.LayerQuantities.of(layers), actuals=steps.Quantities.of(actuals), families=families.to_dict()),
        AccuracyReport, log)
    return report.to_frame().assign(evaluated_cycle=previous)


def demand_planning(state: CycleState, runtime: Runtime[RunContext]) -> dict:
    with open_context(runtime.context, state["cycle_id"]) as ctx:
        return plan_demand(ctx, state, Progress(runtime.stream_writer, "demand_planning"))


def plan_demand(ctx: CycleContext, state: CycleState, progress: Progress) -> dict:
    cycle_id, period = state["cycle_id"], state["period"]
    agent = DEMAND_FORECASTER.name
    log = get_logger(cycle_id=cycle_id, node="demand_planning", agent=agent)
    progress.say("reading the order history, market events and the item master", agent=agent)
    horizon = month_range(period, ctx.settings.horizon_months)
    history = _history(ctx, period)
    items = company.items(ctx.store)
    families = items.set_index("sku")["family"]
    events = every_market_event(ctx.store)

    progress.say("cleansing the history: stockouts, promotions, outliers, gaps", agent=agent)
    cleansing = use("history-cleansing", steps.CleansingInput(
        history=steps.OrderHistory.of(history), events=steps.MarketEvents.of(events[events["start_month"] < period]),
        items=steps.Items.of(items)), steps.CleansingOutput, log)
    cleansed, adjustments = cleansing.cleansed.frame(), cleansing.adjustments.frame()
    forecast, backtest, residuals = base_forecasts(cleansed, items, len(horizon), log, progress,
                                                   ctx.settings.dask_scheduler)
    progress.say("reconciling the hierarchy, sales input, last cycle's accuracy", agent=agent)
    coherent = use("hierarchy-reconcile", steps.ReconcileInput(
        forecasts=steps.NodeForecasts.of(forecast), families=families.to_dict(), method=ctx.settings.reconciliation,
        residuals=steps.NodeResiduals.of(residuals)), steps.CoherentForecasts, log).frame()
    coherent = coherent.merge(forecast[["level", "key", "month", "model"]], on=["level", "key", "month"])
    statistical = _bottom(coherent)
    future_events = events[events["end_month"] >= period]
    sales_input = pd.Series(use("sales-input", steps.SalesInputInput(
        forecast=steps.Forecast.of(statistical), events=steps.MarketEvents.of(future_events),
        families=families.to_dict()), steps.SalesInputOutput, log).qty, index=statistical.index)
    layers = pd.concat([
        _naive_layer(history, horizon).assign(layer="naive"),
        statistical.assign(layer="statistical", qty=statistical["yhat"]),
        statistical.assign(layer="sales_input", qty=sales_input),
    ])
    accuracy = last_cycle_accuracy(ctx, period, history, families, log)
    ctx.store.replace("forecast_layers", layers, cycle_id=cycle_id)
    ctx.store.replace("forecast_nodes", coherent, cycle_id=cycle_id)
    ctx.store.replace("backtests", backtest, cycle_id=cycle_id)
    ctx.store.replace("cleansing_adjustments", adjustments, cycle_id=cycle_id)
    ctx.store.replace("accuracy_history", accuracy, cycle_id=cycle_id)

    bottom_bt = backtest[backtest["level"] == "sku_dc"]
    wape, naive = backtest_wape(bottom_bt), backtest_wape(bottom_bt, "benchmark_mae")
    figures = {
        "series": float(len(bottom_bt)),
        "horizon_units": float(statistical["yhat"].sum()),
        "next_quarter_units": float(statistical.loc[statistical["month"] < add_months(period, 3), "yhat"].sum()),
        "backtest_wape": wape,
        "naive_wape": naive,
        "fva_vs_naive": naive - wape,
        "share_beating_naive": float((bottom_bt["mae"] < bottom_bt["benchmark_mae"]).mean()),
        "sales_input_units": float(sales_input.sum() - statistical["yhat"].sum()),
        "adjusted_months": float(len(adjustments)),
    }
    if not accuracy.empty:
        total = accuracy[(accuracy["level"] == "total") & (accuracy["layer"] == "consensus")
                         & (accuracy["metric"] == "wape")]
        if not total.empty:  # last cycle may still wait at its consensus gate, with no consensus yet
            figures["last_cycle_wape"] = float(total["value"].iloc[0])
    progress.say("writing the narrative", agent=agent)
    report = narrate(DEMAND_FORECASTER, figures, ctx.model, log)
    ctx.store.save_reports(cycle_id, [report])
    log.info("week1_done", **{k: round(v, 4) for k, v in figures.items()})
    return {"horizon": horizon, "demand": figures, "reports": [report.model_dump()]}

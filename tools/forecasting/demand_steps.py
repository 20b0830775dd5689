"""Week 1's demand-planning steps as registry tools, so the demand-forecaster calls them through
its belt like any other: cleansing the history, summing it up the hierarchy, launch curves,
reconciliation, sales input from market events, and last cycle's accuracy.

Each is the pandas function of its module behind a pydantic contract; the long tables travel
as columns (`tools.tables.Columns`). Quantities are units per month; months are YYYY-MM.
"""

from __future__ import annotations

from typing import Annotated

import pandas as pd
from pydantic import BaseModel, Field

from sop.tools.forecasting.accuracy import AccuracyReport, Layer, accuracy_report
from sop.tools.forecasting.cleansing import OUTLIER_K, analog_forecast_profile, cleanse_history
from sop.tools.forecasting.consensus import apply_market_events
from sop.tools.forecasting.hierarchy import Level, Method, aggregate, reconcile
from sop.tools.periods import MONTH_PATTERN
from sop.tools.tables import Columns

Month = Annotated[str, Field(pattern=MONTH_PATTERN)]
Families = Annotated[dict[str, str], Field(description="each SKU's product family")]


class OrderHistory(Columns):
    sku: list[str]
    dc: list[str]
    month: list[Month]
    ordered_qty: list[float]
    shipped_qty: list[float]


class MarketEvents(Columns):
    event_id: list[str]
    type: list[str] = Field(description="promotion, launch, competitor, …")
    family: list[str | None]
    sku: list[str | None] = Field(description="None: every SKU of the family")
    start_month: list[Month]
    end_month: list[Month]
    uplift_pct: list[float] = Field(description="percent, relative to the demand without the event")


class Items(Columns):
    sku: list[str]
    family: list[str]
    launch_month: list[str | None] = Field(description="YYYY-MM for a launched item, else None or ''")


class Demand(Columns):
    sku: list[str]
    dc: list[str]
    month: list[Month]
    demand: list[float]


class CleansedHistory(Demand):
    ordered_qty: list[float]
    shipped_qty: list[float]


class Adjustments(Columns):
    sku: list[str]
    dc: list[str]
    month: list[Month]
    kind: list[str] = Field(description="gap, stockout, censored, promotion, market event or outlier")
    before: list[float] = Field(description="NaN for a gap")
    after: list[float]
    uplift_pct: list[float | None]
    event_id: list[str | None]
    reason: list[str]


class CleansingInput(BaseModel):
    history: OrderHistory
    events: MarketEvents = Field(description="the events that started before the cycle")
    items: Items
    outlier_k: float = Field(OUTLIER_K, gt=0, description="robust standard deviations that make an outlier")


class CleansingOutput(BaseModel):
    cleansed: CleansedHistory
    adjustments: Adjustments = Field(description="every change, with the reason a planner can check")


def history_cleansing(data: CleansingInput) -> CleansingOutput:
    cleansed, adjustments = cleanse_history(data.history.frame(), data.events.frame(), data.items.frame(),
                                            outlier_k=data.outlier_k)
    return CleansingOutput(cleansed=CleansedHistory.of(cleansed), adjustments=Adjustments.of(adjustments))


class NodeSeries(Columns):
    level: list[Level]
    key: list[str] = Field(description="'total', the family, the SKU, or 'SKU/DC'")
    month: list[Month]
    demand: list[float]


class HierarchySeriesInput(BaseModel):
    demand: Demand
    families: Families


def hierarchy_series(data: HierarchySeriesInput) -> NodeSeries:
    """Every node's demand series, SKU × DC summed to SKU, family and total."""
    return NodeSeries.of(aggregate(data.demand.frame(), pd.Series(data.families), value="demand"))


class Forecast(Columns):
    sku: list[str]
    dc: list[str]
    month: list[Month]
    yhat: list[float]


class Analogs(Columns):
    sku: list[str]
    analog: list[str]
    analog_months: list[int] = Field(description="the analog's months of history since its launch")


class LaunchCurvesInput(BaseModel):
    demand: Demand
    items: Items
    horizon: int = Field(ge=1, le=60)


class LaunchCurvesOutput(BaseModel):
    forecast: Forecast = Field(description="the launches' forecasts on their family's launch curve")
    analogs: Analogs


def launch_curves(data: LaunchCurvesInput) -> LaunchCurvesOutput:
    forecast, analogs = analog_forecast_profile(data.demand.frame(), data.items.frame(), horizon=data.horizon)
    return LaunchCurvesOutput(forecast=Forecast.of(forecast), analogs=Analogs.of(analogs))


class NodeForecasts(Columns):
    level: list[Level]
    key: list[str]
    month: list[Month]
    yhat: list[float]
    lo_80: list[float]
    hi_80: list[float]
    lo_95: list[float]
    hi_95: list[float]


class NodeResiduals(Columns):
    level: list[Level]
    key: list[str]
    month: list[Month]
    residual: list[float] = Field(description="actual − forecast in an honest backtest")


class CoherentForecasts(NodeForecasts):
    yhat_base: list[float] = Field(description="the node's own forecast before reconciliation")


class ReconcileInput(BaseModel):
    forecasts: NodeForecasts
    families: Families
    method: Method = "mint_shrink"
    residuals: NodeResiduals | None = Field(None, description="needed by mint_shrink")


def hierarchy_reconcile(data: ReconcileInput) -> CoherentForecasts:
    """Forecasts that add up at every level (see `hierarchy.reconcile`)."""
    residuals = data.residuals.frame() if data.residuals is not None else None
    return CoherentForecasts.of(reconcile(data.forecasts.frame(), pd.Series(data.families), method=data.method,
                                          residuals=residuals))


class SalesInputInput(BaseModel):
    forecast: Forecast
    events: MarketEvents = Field(description="the events still running or to come")
    families: Families


class SalesInputOutput(BaseModel):
    qty: list[float] = Field(description="the sales-input quantity of each forecast row, in its order")


def sales_input(data: SalesInputInput) -> SalesInputOutput:
    return SalesInputOutput(qty=apply_market_events(data.forecast.frame(), data.events.frame(),
                                                    pd.Series(data.families)).tolist())


class LayerQuantities(Columns):
    layer: list[Layer]
    sku: list[str]
    dc: list[str]
    month: list[Month]
    qty: list[float]


class Quantities(Columns):
    sku: list[str]
    dc: list[str]
    month: list[Month]
    qty: list[float]


class AccuracyInput(BaseModel):
    forecast: LayerQuantities
    actuals: Quantities
    families: Families


def forecast_accuracy(data: AccuracyInput) -> AccuracyReport:
    return accuracy_report(data.forecast.frame(), data.actuals.frame(), pd.Series(data.families))

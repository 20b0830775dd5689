"""Demand queries: a family's statistical forecast with its bands (`/demand-forecast`), and the
cycle's forecast layers against last year (`forecast-summary`), which falls back to that same
family forecast before any cycle has run."""

from __future__ import annotations

from typing import cast

import pandas as pd
from pydantic import BaseModel, Field

from sop.agents.queries.core import ALL, NO_HISTORY, QueryContext, QueryError, one_of, records
from sop.store import company
from sop.store.demand_reads import family_history, layer_units, market_events, ordered_units, overrides_in_window
from sop.store.forecasts import consensus_proposal
from sop.tools import registry
from sop.tools.forecasting.demand_forecast import DemandPoint, ForecastInput, ForecastOutput
from sop.tools.forecasting.seasonality import stl_explain
from sop.tools.periods import add_months

# --- family-forecast --------------------------------------------------------------------------


class FamilyForecastQuery(BaseModel):
    family: str = Field(ALL, description="a product family, or all of them")
    horizon: int = Field(18, ge=1, le=36, description="months to forecast")


class HistoryMonth(BaseModel):
    month: str
    demand: float


class ForecastMonth(BaseModel):
    month: str
    forecast: float
    lo_80: float
    hi_80: float
    lo_95: float
    hi_95: float


class Method(BaseModel):
    """The model the backtest chose and how it did against seasonal naive."""

    model: str
    reason: str | None
    mae: float
    benchmark_mae: float
    mae_vs_benchmark: float | None = Field(description="1 − MAE / benchmark MAE; None without a benchmark error")


class Seasonality(BaseModel):
    """The STL reading of the season: peak and low as calendar months (1–12), in units vs trend."""

    seasonal_strength: float
    trend_strength: float
    peak_month: int
    peak_units: float
    low_month: int
    low_units: float


class FamilyForecastHeadline(BaseModel):
    family: str
    first_month: str
    last_month: str
    units: float
    model: str


class FamilyForecast(BaseModel):
    family: str
    horizon: int
    history: list[HistoryMonth]
    forecast: list[ForecastMonth]
    method: Method
    assumptions: list[str]
    seasonality: Seasonality | None = Field(description="None with less than two years of history")
    headline: FamilyForecastHeadline


def _method(out: ForecastOutput) -> Method:
    backtest = out.backtest[0]
    improvement = 1 - backtest.mae / backtest.benchmark_mae if backtest.benchmark_mae > 0 else None
    return Method(model=backtest.model, reason=backtest.reason, mae=backtest.mae,
                  benchmark_mae=backtest.benchmark_mae, mae_vs_benchmark=improvement)


def _seasonality(history: pd.DataFrame) -> Seasonality | None:
    """How strong the family's season is and when it peaks; STL needs two full years."""
    if len(history) < 24:
        return None
    profile = stl_explain(history["demand"].to_numpy())
    first = int(history["month"].iloc[0][5:]) - 1
    calendar = {(first + i) % 12 + 1: v for i, v in enumerate(profile.seasonal_indices)}
    peak, low = max(calendar, key=calendar.__getitem__), min(calendar, key=calendar.__getitem__)
    return Seasonality(seasonal_strength=profile.seasonal_strength, trend_strength=profile.trend_strength,
                       peak_month=peak, peak_units=calendar[peak], low_month=low, low_units=calendar[low])


def family_forecast(ctx: QueryContext, q: FamilyForecastQuery) -> FamilyForecast:
    """Forecast the family's total ordered demand and say how it was made and how accurate it is."""
    family = one_of(q.family, [ALL, *ctx.families()], "family")
    history = family_history(ctx.store, family)
    if history.empty:
        raise QueryError(NO_HISTORY)
    out = cast(ForecastOutput, registry.run("demand-forecast", ForecastInput(
        history=[DemandPoint(unique_id=family, ds=r.month, y=r.demand) for r in history.itertuples()],
        horizon=q.horizon)))
    forecast = [ForecastMonth(month=r.ds, forecast=r.yhat, lo_80=r.lo_80, hi_80=r.hi_80, lo_95=r.lo_95, hi_95=r.hi_95)
                for r in out.forecast]
    method = _method(out)
    first, last = history["month"].iloc[0], history["month"].iloc[-1]
    assumptions = [
        f"history window {first} to {last} ({len(history)} months)",
        f"demand = ordered quantities (unconstrained by stock), summed over {int(history['skus'].max())} SKUs "
        "and all DCs",
        "no sales input, market events or overrides applied: the statistical baseline",
    ]
    return FamilyForecast(
        family=family, horizon=q.horizon, history=records(history[["month", "demand"]]), forecast=forecast,
        method=method, assumptions=assumptions, seasonality=_seasonality(history),
        headline=FamilyForecastHeadline(family=family, first_month=forecast[0].month, last_month=forecast[-1].month,
                                        units=sum(f.forecast for f in forecast), model=method.model))


# --- forecast-summary -------------------------------------------------------------------------


class ForecastSummaryQuery(BaseModel):
    family: str = Field(ALL, description="a product family, or all of them")
    start: str | None = Field(None, description="first month, YYYY-MM; default: the first month of the horizon")
    months: int = Field(6, ge=1, le=36, description="how many months from the start")


class LayerMonth(BaseModel):
    month: str
    statistical: float
    sales_input: float
    consensus: float
    last_year: float


class MarketEvent(BaseModel):
    """A market event as the commercial team entered it; its note is their words, data."""

    event_id: str
    type: str
    family: str
    sku: str | None
    start_month: str
    end_month: str
    uplift_pct: float
    note: str | None


class PlannerOverride(BaseModel):
    override_id: int
    level: str
    key: str
    month_from: str
    month_to: str
    change_pct: float | None
    set_qty: float | None
    author: str
    reason: str


class ForecastSummaryHeadline(BaseModel):
    family: str
    window: str
    basis: str
    units: float
    statistical_units: float
    sales_input_units: float
    last_year_units: float
    change_vs_last_year: float | None
    change_text: str
    events_text: str
    overrides_text: str


class ForecastSummary(BaseModel):
    cycle: str | None
    family: str
    window: list[str]
    basis: str
    by_month: list[LayerMonth]
    events: list[MarketEvent]
    overrides: list[PlannerOverride]
    headline: ForecastSummaryHeadline


def _window(ctx: QueryContext, start: str | None, months: int) -> list[str]:
    if not ctx.horizon:
        raise QueryError(NO_HISTORY)
    first = start or ctx.horizon[0]
    if first not in ctx.horizon:
        raise QueryError(f"start must be a month of the horizon {ctx.horizon[0]} to {ctx.horizon[-1]}, not {first!r}")
    return ctx.horizon[ctx.horizon.index(first):][:months]


def _units(frame: pd.DataFrame) -> pd.Series:
    return frame.groupby("month")["qty"].sum() if len(frame) else pd.Series(dtype=float)


def _cycle_layers(ctx: QueryContext, cycle_id: str, family: str, window: list[str]) -> tuple[pd.DataFrame, str]:
    """Statistical, sales-input and consensus units per month from the cycle's layers."""
    layers = layer_units(ctx.store, cycle_id, family, window[0], window[-1])
    proposal = consensus_proposal(ctx.store, cycle_id)
    proposal["family"] = proposal["sku"].map(company.families(ctx.store))
    proposal = proposal[proposal["month"].isin(window) & ((proposal["family"] == family) | (family == ALL))]
    frame = pd.DataFrame({"statistical": _units(layers[layers["layer"] == "statistical"]),
                          "sales_input": _units(layers[layers["layer"] == "sales_input"]),
                          "consensus": _units(proposal)}).reindex(window).fillna(0.0)
    return frame, f"the {cycle_id} consensus (sales input with the planners' overrides)"


def _baseline(ctx: QueryContext, family: str, window: list[str]) -> tuple[pd.DataFrame, str]:
    """Before any cycle: the statistical baseline, the same family forecast as /demand-forecast."""
    horizon = ctx.horizon.index(window[-1]) + 1
    baseline = family_forecast(ctx, FamilyForecastQuery(family=family, horizon=horizon))
    forecast = pd.Series({f.month: f.forecast for f in baseline.forecast}).reindex(window).fillna(0.0)
    frame = pd.DataFrame({"statistical": forecast, "sales_input": forecast, "consensus": forecast})
    return frame, "the statistical baseline (no cycle has run yet, so no sales input or overrides)"


def _events_text(events: list[MarketEvent]) -> str:
    if not events:
        return "No market event touches the window."
    return "Market events in the window: " + "; ".join(
        f"{e.event_id} ({e.type}, {e.family}{' ' + e.sku if e.sku else ''}, {e.start_month} to {e.end_month}, "
        f"{e.uplift_pct:+g} %)" + (f", note as written: \u201c{e.note}\u201d" if e.note else "") for e in events) + "."


def forecast_summary(ctx: QueryContext, q: ForecastSummaryQuery) -> ForecastSummary:
    family = one_of(q.family, [ALL, *ctx.families()], "family")
    window = _window(ctx, q.start, q.months)
    if ctx.cycle_id:
        frame, basis = _cycle_layers(ctx, ctx.cycle_id, family, window)
    else:
        frame, basis = _baseline(ctx, family, window)
    last_year = ordered_units(ctx.store, family, add_months(window[0], -12), add_months(window[-1], -12))
    frame["last_year"] = [float(last_year.get(add_months(m, -12), 0.0)) for m in window]
    events = [MarketEvent(**e) for e in records(market_events(ctx.store, family, window[0], window[-1]))]
    overrides = [PlannerOverride(**o) for o in records(overrides_in_window(
        ctx.store, ctx.cycle_id, window[0], window[-1]))] if ctx.cycle_id else []
    units, last = float(frame["consensus"].sum()), float(frame["last_year"].sum())
    change = units / last - 1 if last > 0 else None
    change_text = (f"That is {abs(change):.1%} {'above' if change >= 0 else 'below'} the {last:,.0f} units "
                   "ordered in the same months last year." if change is not None
                   else "Nothing was ordered in the same months last year.")
    overrides_text = (f"{len(overrides)} planner override(s) touch the window." if overrides
                      else "No planner override touches the window.")
    return ForecastSummary(
        cycle=ctx.cycle_id, family=family, window=window, basis=basis,
        by_month=records(frame.rename_axis("month").reset_index()), events=events, overrides=overrides,
        headline=ForecastSummaryHeadline(
            family=family, window=window[0] if len(window) == 1 else f"{window[0]} to {window[-1]}", basis=basis,
            units=units, statistical_units=float(frame["statistical"].sum()),
            sales_input_units=float(frame["sales_input"].sum()), last_year_units=last, change_vs_last_year=change,
            change_text=change_text, events_text=_events_text(events), overrides_text=overrides_text))

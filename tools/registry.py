"""The one list of planning tools, shared by the agents, the slash commands and `sop tools`.

Each tool is a pure function from one pydantic input model to one pydantic output model, so
every caller validates the same way and gets the same JSON.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

from pydantic import BaseModel

from sop.tools.finance import gap_resolution, kpis, projection, recommendations, variance
from sop.tools.forecasting import demand_forecast, demand_steps
from sop.tools.supply import (
    aggregate_plan,
    gaps,
    inventory,
    logistics,
    supplier,
    supplier_scorecard,
    supply_plan,
    supply_plan_solve,
)

Progress = Callable[[int, int], None]  # (done, total), in the tool's own unit: series, what-ifs


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    input_model: type[BaseModel]
    fn: Callable[..., BaseModel]
    reports_progress: bool = False  # fn takes `progress(done, total)`: a tool that loops long

    def run(self, payload: BaseModel | dict, progress: Progress | None = None) -> BaseModel:
        """Validate the payload against the input model, then run the tool; a tool that loops
        long reports how far it got to `progress`, when one is given."""
        data = payload if isinstance(payload, self.input_model) else self.input_model.model_validate(
            payload.model_dump() if isinstance(payload, BaseModel) else payload)
        if progress is not None and self.reports_progress:
            return self.fn(data, progress=progress)
        return self.fn(data)


TOOLS: dict[str, Tool] = {t.name: t for t in (
    Tool("history-cleansing", "Baseline demand from orders and shipments: stockouts, gaps, promotions and outliers "
                              "corrected, each change with its reason",
         demand_steps.CleansingInput, demand_steps.history_cleansing),
    Tool("hierarchy-series", "Demand summed from SKU × DC to SKU, family and total",
         demand_steps.HierarchySeriesInput, demand_steps.hierarchy_series),
    Tool("demand-forecast", "Baseline forecast per series with 80/95 % intervals, model chosen by backtest",
         demand_forecast.ForecastInput, demand_forecast.forecast_demand, reports_progress=True),
    Tool("launch-curves", "Launches' forecasts on their family's launch curve, from analog SKUs",
         demand_steps.LaunchCurvesInput, demand_steps.launch_curves),
    Tool("hierarchy-reconcile", "Forecasts that add up at every level (MinT, OLS or bottom-up), bands moved with them",
         demand_steps.ReconcileInput, demand_steps.hierarchy_reconcile),
    Tool("sales-input", "The forecast scaled by the market events that cover each month",
         demand_steps.SalesInputInput, demand_steps.sales_input),
    Tool("forecast-accuracy", "MAPE, WAPE, bias and tracking signal per layer by SKU, family and total, and FVA",
         demand_steps.AccuracyInput, demand_steps.forecast_accuracy),
    Tool("reorder-calc", "EOQ, safety stock, reorder point and order-up-to level per item",
         inventory.ReorderCalcInput, inventory.reorder_calc),
    Tool("abc-xyz", "ABC by revenue and XYZ by demand variability, with service targets per segment",
         inventory.AbcXyzInput, inventory.abc_xyz),
    Tool("service-sensitivity", "Safety-stock investment against cycle service level (90–99.5 %)",
         inventory.ServiceSensitivityInput, inventory.service_sensitivity),
    Tool("supplier-scorecard", "Supplier quality, delivery, cost and responsiveness scores, tiers, trends and risks",
         supplier.SupplierScorecardInput, supplier_scorecard.supplier_scorecard),
    Tool("logistics-plan", "Lane volume, cost and utilisation per month, and the lanes that bind",
         logistics.LogisticsPlanInput, logistics.logistics_plan),
    Tool("supply-plan", "The constrained supply-plan LP (docs/SUPPLY_PLAN.md), solved with HiGHS",
         supply_plan.SupplyPlanInstance, supply_plan_solve.solve_supply_plan),
    Tool("supply-plan-at-level", "The supply-plan LP by SKU, or by family and disaggregated to SKUs by forecast share "
                                 "for a large catalogue (SOP_PLAN_LEVEL)",
         aggregate_plan.LeveledPlanInput, aggregate_plan.supply_plan_at_level),
    Tool("supply-gaps", "Unmet demand, overloaded plants, safety-stock shortfall, binding limits and pre-build",
         gaps.SupplyGapsInput, gaps.supply_gaps),
    Tool("financial-projection", "Revenue, COGS, gross margin and inventory value by family and month vs budget",
         projection.FinanceInput, projection.financial_projection),
    Tool("margin-bridge", "Budget gross margin to projected margin: volume, price/mix and cost steps",
         projection.BridgeInput, projection.margin_bridge),
    Tool("financial-variance", "Projection against budget and targets, flagged beyond a tolerance",
         variance.VarianceInput, variance.financial_variances),
    Tool("kpi-scorecard", "Last month's MAPE/WAPE, plan attainment, days on hand, OTIF, margin and working capital "
                          "vs target",
         kpis.KpiInput, kpis.kpi_scorecard),
    Tool("gap-resolution", "Gaps ranked by margin at risk, with recommendations quantified by what-if re-plans",
         recommendations.GapResolutionInput, gap_resolution.resolve_gaps, reports_progress=True),
)}


class UnknownTool(KeyError):
    pass


def run(name: str, payload: BaseModel | dict, progress: Progress | None = None) -> BaseModel:
    if name not in TOOLS:
        raise UnknownTool(f"unknown tool {name!r}; known tools: {', '.join(TOOLS)}")
    return TOOLS[name].run(payload, progress)


def run_each(name: str, payloads: Sequence[BaseModel], processes: int = 1) -> Iterator[tuple[int, BaseModel]]:
    """Run one tool on several payloads, yielding (index, result) as each finishes: here, one
    after the other, or on `processes` fresh interpreters (spawned, since the caller may hold
    threads and open databases a fork would copy half-made), for solves long enough to pay for
    a process's start."""
    if processes <= 1 or len(payloads) <= 1:
        for i, payload in enumerate(payloads):
            yield i, run(name, payload)
        return
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(processes, len(payloads)), mp_context=spawn) as pool:
        futures = {pool.submit(run, name, payload): i for i, payload in enumerate(payloads)}
        for future in as_completed(futures):
            yield futures[future], future.result()

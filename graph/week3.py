"""Week 3, financial review: the plan in money against budget and targets, last month's key
metrics, the gaps ranked by margin at risk with what-if recommendations, and the executive
package. What-ifs are scenarios: they are stored in their own table and never touch the plan
week 2 solved, which is the one the executive gate approves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from langgraph.runtime import Runtime
from pydantic import BaseModel

from sop.agents.inventory_optimizer import INVENTORY_OPTIMIZER
from sop.agents.logistics_planner import LOGISTICS_PLANNER
from sop.graph.context import CycleContext, RunContext, open_context
from sop.graph.outputs import expect
from sop.graph.plan_inputs import WhatIfBasis, what_if_basis
from sop.graph.progress import Progress
from sop.graph.state import CycleState
from sop.log import get_logger
from sop.report.package import build_package
from sop.store import company, finance_inputs, kpi_inputs
from sop.store.solved_plans import solved_plan
from sop.tools.finance.kpis import Accuracy, KpiInput, KpiOutput
from sop.tools.finance.projection import BudgetLine, FinanceInput, FinanceItem, FinanceOutput, FinanceRow
from sop.tools.finance.recommendations import GapResolution, GapResolutionInput
from sop.tools.finance.variance import HORIZON, TOTAL, VarianceInput, VarianceOutput, VarianceRow
from sop.tools.forecasting.demand_forecast import backtest_wape
from sop.tools.periods import add_months
from sop.tools.supply.supply_plan import SupplyPlanInstance, SupplyPlanResult

SolvedPlans = dict[str, tuple[SupplyPlanInstance, SupplyPlanResult]]
# Who runs each of week 3's tools: the inventory-optimizer prices the plan with finance, the
# logistics-planner re-plans the gaps' what-ifs; each call is checked against its belt.
_AGENT_OF = {"financial-projection": INVENTORY_OPTIMIZER, "financial-variance": INVENTORY_OPTIMIZER,
             "kpi-scorecard": INVENTORY_OPTIMIZER, "gap-resolution": LOGISTICS_PLANNER}


def run_tool(tool: str, payload: Any, cycle_id: str, progress=None) -> BaseModel:
    """Run a week-3 tool on behalf of the agent whose belt carries it."""
    agent = _AGENT_OF[tool]
    return agent.use(tool, payload, get_logger(cycle_id=cycle_id, node="financial_review", agent=agent.name), progress)


def _finance_items(ctx: CycleContext) -> list[FinanceItem]:
    items = company.items(ctx.store)
    return [FinanceItem(**r) for r in items[["sku", "family", "price", "unit_cost"]].to_dict("records")]


def _projections(ctx: CycleContext, state: CycleState, items: list[FinanceItem],
                 plans: SolvedPlans) -> dict[str, list[FinanceRow]]:
    """Each scenario's plan in money by family × month, with working capital and budget."""
    budget = finance_inputs.budget(ctx.store, state["horizon"])
    budget_lines = [BudgetLine(**r) for r in budget.to_dict("records")]
    s = ctx.settings
    return {scenario: expect(FinanceOutput, run_tool("financial-projection", FinanceInput(
        items=items, instance=instance, plan=plan, budget=budget_lines, dso_days=s.dso_days,
        dpo_days=s.dpo_days), state["cycle_id"])).rows for scenario, (instance, plan) in plans.items()}


def _variances(ctx: CycleContext, cycle_id: str, projections: dict[str, list[FinanceRow]],
               targets: dict[str, float]) -> dict[str, list[VarianceRow]]:
    return {scenario: expect(VarianceOutput, run_tool("financial-variance", VarianceInput(
        financials=rows, targets=targets, tolerance=ctx.settings.variance_tolerance), cycle_id)).rows
        for scenario, rows in projections.items()}


def _accuracy(ctx: CycleContext, cycle_id: str) -> Accuracy | None:
    """Last cycle's consensus scored in week 1 (MAPE averaged over SKUs, WAPE of the total); on a
    first cycle, the backtest (pooled WAPE, and MAE over mean actual averaged over series)."""
    scored = finance_inputs.consensus_accuracy(ctx.store, cycle_id)
    if not scored.empty:
        mape = scored.loc[scored["level"] == "sku", "value"].mean()
        wape = scored.loc[scored["level"] == "total", "value"].mean()
        return Accuracy(mape=None if pd.isna(mape) else float(mape), wape=None if pd.isna(wape) else float(wape),
                        source=f"consensus of {scored['evaluated_cycle'].iloc[0]}")
    backtest = finance_inputs.backtest_errors(ctx.store, cycle_id)
    if backtest.empty:
        return None
    return Accuracy(mape=float((backtest["mae"] / backtest["mean_actual"]).mean()), wape=backtest_wape(backtest),
                    source="backtest (first cycle)")


def _kpis(ctx: CycleContext, state: CycleState, items: list[FinanceItem], targets: dict[str, float]) -> pd.DataFrame:
    """The month just closed, measured against the targets and the last published plan."""
    store, cycle_id, month = ctx.store, state["cycle_id"], add_months(state["period"], -1)
    planned = kpi_inputs.previously_planned(store, cycle_id, month)
    budget = kpi_inputs.month_budget(store, month)
    orders = kpi_inputs.orders_promised_in(store, month)
    s = ctx.settings
    out = expect(KpiOutput, run_tool("kpi-scorecard", KpiInput(
        month=month, items=items,
        orders=orders.astype(object).where(orders.notna(), None).to_dict("records"),
        shipped=kpi_inputs.shipped_units(store, month).to_dict("records"),
        on_hand=kpi_inputs.on_hand_by_sku(store).to_dict("records"),
        planned=planned.to_dict("records") if kpi_inputs.published_before(store, cycle_id) else None,
        accuracy=_accuracy(ctx, cycle_id),
        budget_revenue=budget[0] if budget else None,
        budget_cogs=budget[1] if budget else None,
        targets=targets, dso_days=s.dso_days, dpo_days=s.dpo_days, tolerance=s.variance_tolerance), cycle_id))
    kpis = pd.DataFrame([r.model_dump() for r in out.rows])
    ctx.store.replace("kpis", kpis, cycle_id=cycle_id)
    return kpis


def _resolve_gaps(ctx: CycleContext, state: CycleState, basis: WhatIfBasis, rows: list[FinanceRow],
                  variances: list[VarianceRow], targets: dict[str, float], progress: Progress) -> GapResolution:
    """Rank the base plan's gaps by margin at risk and re-plan the best levers for the top ones, at
    the plan's level (`what_if_basis`). A group cannot move one SKU's promotion, so at family level
    only the promotions of whole families are levers."""
    cycle_id = state["cycle_id"]
    counter = progress.tool(LOGISTICS_PLANNER.name, "gap-resolution", "what-if re-plans solved:", "")
    promotions = finance_inputs.open_promotions(ctx.store, state["period"])
    if basis.groups is not None:
        progress.say(f"re-planning the gaps on the family plan's {basis.groups} planning groups (SOP_PLAN_LEVEL)",
                     agent=LOGISTICS_PLANNER.name, tool="gap-resolution")
        promotions = promotions[promotions["sku"].fillna("") == ""]
    suppliers = finance_inputs.supplier_tiers(ctx.store, cycle_id)
    resolution = expect(GapResolution, run_tool("gap-resolution", GapResolutionInput(
        instance=basis.instance, plan=basis.plan, items=basis.items, financials=rows, variances=variances,
        promotions=promotions.astype(object).where(promotions.notna(), None).to_dict("records"),
        suppliers=suppliers.astype(object).where(suppliers.notna(), None).to_dict("records"),
        targets=targets, tolerance=ctx.settings.variance_tolerance, max_whatifs=ctx.settings.max_whatifs),
        cycle_id, progress=counter))
    gaps = pd.DataFrame([g.model_dump() for g in resolution.gaps],
                        columns=["rank", "kind", "subject", "family", "months", "units", "margin_at_risk", "detail"])
    gaps["months"] = gaps["months"].map(",".join)
    whatifs = pd.DataFrame([{
        **r.model_dump(exclude={"base", "whatif", "gap_ranks", "months", "options", "justification"}),
        "gap_ranks": ",".join(map(str, r.gap_ranks)), "months": ",".join(r.months), "status": r.whatif.status,
        "options": "; ".join(r.options), "justification": "; ".join(r.justification),
        **{f"base_{k}": getattr(r.base, k) for k in ("objective", "unmet_units", "revenue", "margin")},
        **{k: getattr(r.whatif, k) for k in ("objective", "unmet_units", "revenue", "margin")},
    } for r in resolution.recommendations])
    ctx.store.replace("margin_gaps", gaps, cycle_id=cycle_id)
    ctx.store.replace("whatifs", whatifs, cycle_id=cycle_id)
    ctx.store.replace("decision_requests", pd.DataFrame([d.model_dump() for d in resolution.decisions]),
                      cycle_id=cycle_id)
    return resolution


def _figures(rows: list[FinanceRow], variances: list[VarianceRow], resolution: GapResolution) -> dict[str, float]:
    """The headline figures of the base scenario that the executive gate and its policy read."""
    base = pd.DataFrame([r.model_dump() for r in rows])
    revenue, margin = base["revenue"].sum(), base["gross_margin"].sum()
    budget_revenue, budget_margin = base["budget_revenue"].sum(), (base["budget_revenue"] - base["budget_cogs"]).sum()
    monthly_wc = base.groupby("month")["working_capital"].sum()
    recommended = [r for r in resolution.recommendations if r.recommended]
    return {
        "revenue": float(revenue),
        "gross_margin": float(margin),
        "gross_margin_pct": float(margin / revenue) if revenue else 0.0,
        "revenue_vs_budget_pct": float(revenue / budget_revenue - 1) if budget_revenue else 0.0,
        "gross_margin_vs_budget_pct": float(margin / budget_margin - 1) if budget_margin else 0.0,
        "inventory_value_end": float(base.loc[base["month"] == base["month"].max(), "inventory_value"].sum()),
        "working_capital_avg": float(monthly_wc.mean()),
        "variances_flagged": float(sum(v.flagged and not v.favourable for v in variances
                                       if v.scope == TOTAL and v.month == HORIZON)),
        "margin_at_risk_top": float(resolution.gaps[0].margin_at_risk) if resolution.gaps else 0.0,
        "whatifs_run": float(len(resolution.recommendations)),
        "recommended_net_benefit": float(sum(r.net_benefit for r in recommended)),
    }


def financial_review(state: CycleState, runtime: Runtime[RunContext]) -> dict:
    with open_context(runtime.context, state["cycle_id"]) as ctx:
        return review_finances(ctx, state, Progress(runtime.stream_writer, "financial_review"))


def review_finances(ctx: CycleContext, state: CycleState, progress: Progress) -> dict:
    cycle_id = state["cycle_id"]
    log = get_logger(cycle_id=cycle_id, node="financial_review", agent=None)
    progress.say("projecting each scenario's plan in money, against budget and targets", agent=INVENTORY_OPTIMIZER.name,
                 tool="financial-projection")
    items, targets = _finance_items(ctx), finance_inputs.targets(ctx.store)
    plans = {scenario: solved_plan(ctx.store, cycle_id, scenario) for scenario in state["supply"]["scenarios"]}
    projections = _projections(ctx, state, items, plans)
    fin = pd.concat([pd.DataFrame([r.model_dump() for r in rows]).assign(scenario=scenario)
                     for scenario, rows in projections.items()], ignore_index=True)
    ctx.store.replace("financials", fin, cycle_id=cycle_id)
    variances = _variances(ctx, cycle_id, projections, targets)
    ctx.store.replace("variances", pd.concat([pd.DataFrame([v.model_dump() for v in rows]).assign(scenario=scenario)
                                              for scenario, rows in variances.items()], ignore_index=True),
                      cycle_id=cycle_id)
    progress.say("last month's key metrics", agent=INVENTORY_OPTIMIZER.name, tool="kpi-scorecard")
    _kpis(ctx, state, items, targets)
    basis = what_if_basis(ctx.settings, *plans["base"], items, log)
    resolution = _resolve_gaps(ctx, state, basis, projections["base"], variances["base"], targets, progress)
    figures = _figures(projections["base"], variances["base"], resolution)
    package = Path(ctx.settings.out_dir) / cycle_id
    progress.say("writing the executive package")
    build_package(ctx.store, cycle_id, state["period"], package)
    log.info("week3_done", **{k: round(v, 4) for k, v in figures.items()})
    return {"finance": {"figures": figures}, "package_dir": str(package)}

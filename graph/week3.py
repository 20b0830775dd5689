"""Week 3, financial review: the plan in money, against budget, and the executive package."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from langgraph.runtime import Runtime

from graph.context import CycleContext
from graph.plan_inputs import plan_instance, stored_plan
from graph.state import CycleState
from sop.log import get_logger
from sop.report import build_package
from tools.finance import BudgetLine, FinanceInput, FinanceItem
from tools.registry import run as run_tool


def financial_review(state: CycleState, runtime: Runtime[CycleContext]) -> dict:
    ctx, cycle_id = runtime.context, state["cycle_id"]
    log = get_logger(cycle_id=cycle_id, node="financial_review", agent=None)
    items = ctx.store.table("items")
    budget = ctx.store.query("SELECT family, month, units, revenue, cogs FROM budget WHERE month IN "
                             "(SELECT UNNEST(?::VARCHAR[]))", [state["horizon"]])
    fin_items = [FinanceItem(**r) for r in items[["sku", "family", "price", "unit_cost"]].to_dict("records")]
    budget_lines = [BudgetLine(**r) for r in budget.to_dict("records")]
    frames = []
    for scenario in state["supply"]["scenarios"]:
        out = run_tool("financial-projection", FinanceInput(
            items=fin_items, instance=plan_instance(ctx, state, scenario),
            plan=stored_plan(ctx, cycle_id, scenario), budget=budget_lines))
        frames.append(pd.DataFrame([r.model_dump() for r in out.rows]).assign(scenario=scenario))
    fin = pd.concat(frames, ignore_index=True)
    ctx.store.replace("financials", fin, cycle_id=cycle_id)

    base = fin[fin["scenario"] == "base"]
    revenue, margin = base["revenue"].sum(), base["gross_margin"].sum()
    budget_margin = (base["budget_revenue"] - base["budget_cogs"]).sum()
    figures = {
        "revenue": float(revenue),
        "gross_margin": float(margin),
        "gross_margin_pct": float(margin / revenue) if revenue else 0.0,
        "revenue_vs_budget_pct": float(revenue / base["budget_revenue"].sum() - 1) if base["budget_revenue"].sum() else 0.0,
        "gross_margin_vs_budget_pct": float(margin / budget_margin - 1) if budget_margin else 0.0,
        "inventory_value_end": float(base.loc[base["month"] == base["month"].max(), "inventory_value"].sum()),
    }
    package = Path(ctx.settings.out_dir) / cycle_id
    build_package(ctx.store, cycle_id, state["period"], package)
    log.info("week3_done", **{k: round(v, 4) for k, v in figures.items()})
    return {"finance": {"figures": figures}, "package_dir": str(package)}

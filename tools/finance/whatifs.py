"""What-ifs: a lever applied to a copy of the base instance, re-planned and priced.

A what-if copies the base instance, changes one lever, solves it with `solve_supply_plan` and
prices both plans with `financial_projection`. The base instance and plan are never changed:
a what-if is a scenario, and the approved plan stays the base plan. The margin recovered is
the what-if's gross margin minus the base's (overtime, freight and holding are in both); the
cost is what the lever costs outside the LP (a shift premium, a sourcing premium, capital);
the net benefit is their difference. Money in currency over the horizon.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from sop.tools.finance.levers import Lever
from sop.tools.finance.projection import FinanceInput, FinanceItem, financial_projection
from sop.tools.finance.recommendations import (
    GapResolutionInput,
    LeverKind,
    LeverTerms,
    PlanOutcome,
    Promotion,
    Recommendation,
    sku_families,
)
from sop.tools.supply.supply_plan import SupplyPlanInstance, SupplyPlanResult
from sop.tools.supply.supply_plan_solve import solve_supply_plan


def apply_lever(instance: SupplyPlanInstance, lever: Lever, terms: LeverTerms,
                promotions: list[Promotion], families: dict[str, str]) -> SupplyPlanInstance:
    """A changed deep copy of the instance; the instance passed in is left as it was."""
    copy = instance.model_copy(deep=True)
    at = [copy.periods.index(m) for m in lever.months]
    if lever.kind == "overtime":
        plant = next(p for p in copy.plants if p.plant == lever.resource)
        for i in at:
            plant.max_overtime_hours[i] *= 1 + terms.overtime_uplift
    elif lever.kind in ("shift", "prebuild", "capital"):
        plant = next(p for p in copy.plants if p.plant == lever.resource)
        share = terms.capital_uplift if lever.kind == "capital" else terms.shift_share
        for i in at:
            plant.regular_hours[i] += plant.regular_hours[i] * share
    elif lever.kind == "sourcing":
        supplier = next(s for s in copy.suppliers if s.supplier == lever.resource)
        for i in at:
            supplier.capacity[i] *= 1 + terms.sourcing_uplift
    elif lever.kind == "promotion":
        promo = next(p for p in promotions if p.event_id == lever.resource)
        factor = 1 + promo.uplift_pct / 100
        moved = [copy.periods.index(m) for m in lever.moved_to]
        for row in copy.demand:
            if promo.sku == row.sku or (not promo.sku and families.get(row.sku) == promo.family):
                for old, new in zip(at, moved):
                    row.qty[old] /= factor
                    row.qty[new] *= factor
    return copy


def lever_cost(lever: Lever, base: SupplyPlanInstance, terms: LeverTerms, base_plan: SupplyPlanResult,
               whatif_plan: SupplyPlanResult, items: list[FinanceItem]) -> float:
    """What the lever costs outside the LP, in currency over the horizon: the shift premium on
    every added hour, capital per added hour, or the sourcing premium on the extra units made
    from the supplier's material. Overtime is already priced in the LP and so in the margin."""
    at = [base.periods.index(m) for m in lever.months]
    if lever.kind in ("shift", "prebuild", "capital"):
        plant = next(p for p in base.plants if p.plant == lever.resource)
        share, rate = ((terms.capital_uplift, terms.capital_cost_share) if lever.kind == "capital"
                       else (terms.shift_share, terms.shift_premium_share))
        return sum(plant.regular_hours[i] * share for i in at) * rate * plant.overtime_cost_per_hour
    if lever.kind == "sourcing":
        fed = {s.sku for s in base.skus if s.material is not None and s.material.supplier == lever.resource}
        made = _production(base_plan, fed, set(lever.months))
        extra = (_production(whatif_plan, fed, set(lever.months)).sub(made, fill_value=0.0)).clip(lower=0)
        cost = pd.Series({i.sku: i.unit_cost for i in items})
        return float((extra * cost.reindex(extra.index.get_level_values(0)).to_numpy()).sum() * terms.sourcing_premium)
    return 0.0


def _production(plan: SupplyPlanResult, skus: set[str], months: set[str]) -> pd.Series:
    """Units made per (SKU, month), all plants, for the SKUs and months given."""
    rows = [(p.sku, p.period, p.qty) for p in plan.production if p.sku in skus and p.period in months]
    frame = pd.DataFrame(rows, columns=["sku", "period", "qty"])
    return frame.groupby(["sku", "period"])["qty"].sum()


RISKS: dict[LeverKind, str] = {
    "promotion": "retailer and marketing commitments were made for the original dates; the uplift may differ "
                 "out of season",
    "overtime": "overtime beyond the agreed maximum: fatigue, quality and labour-agreement risk",
    "sourcing": "a second source needs qualification; its quality and lead time are unproven",
    "prebuild": "stock built ahead ties up working capital and ages if demand comes in lower",
    "shift": "crew must be hired and trained in time; the premium is paid whether or not the hours are used",
    "capital": "commits capital for years; the capacity outlives a demand dip",
}


def plan_outcome(items: list[FinanceItem], instance: SupplyPlanInstance, plan: SupplyPlanResult) -> PlanOutcome:
    """A plan's totals over the horizon: LP objective, lost and served units, revenue, margin."""
    if plan.status != "optimal":
        return PlanOutcome(status=plan.status, objective=None, unmet_units=0.0, fulfilled_units=0.0,
                           revenue=0.0, margin=0.0)
    rows = financial_projection(FinanceInput(items=items, instance=instance, plan=plan)).rows
    return PlanOutcome(status=plan.status, objective=plan.objective, unmet_units=sum(u.qty for u in plan.unmet),
                       fulfilled_units=sum(r.fulfilled_units for r in rows), revenue=sum(r.revenue for r in rows),
                       margin=sum(r.gross_margin for r in rows))


def evaluate(lever: Lever, gap_ranks: list[int], inp: GapResolutionInput, base: PlanOutcome,
             recommendation_id: str,
             solve: Callable[[SupplyPlanInstance], SupplyPlanResult] = solve_supply_plan) -> Recommendation:
    """Re-plan a changed copy of the base instance and compare it with the base plan; `solve`
    may be a `WarmSolver` that solved the base first, so the what-if starts from its basis."""
    instance = apply_lever(inp.instance, lever, inp.terms, inp.promotions, sku_families(inp.items))
    plan = solve(instance)
    whatif = plan_outcome(inp.items, instance, plan)
    solved = plan.status == "optimal"
    recovered = whatif.margin - base.margin if solved else 0.0
    cost = lever_cost(lever, inp.instance, inp.terms, inp.plan, plan, inp.items) if solved else 0.0
    return Recommendation(
        recommendation_id=recommendation_id, gap_ranks=gap_ranks, lever=lever.kind, title=lever.title,
        months=sorted(set(lever.months) | set(lever.moved_to)), base=base, whatif=whatif,
        margin_recovered=recovered, cost=cost, net_benefit=recovered - cost,
        units=whatif.fulfilled_units - base.fulfilled_units if solved else 0.0,
        risks=RISKS[lever.kind] if solved else f"the what-if plan is {plan.status}: {plan.message}",
        recommended=solved and recovered - cost > 0)

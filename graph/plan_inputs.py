"""Builds a scenario's supply-plan LP instance from the cycle's plan inputs and its demand, and
solves one at the configured level (SOP_PLAN_LEVEL: by SKU, or by family for a large catalogue).

Week 2 builds each scenario's instance here once, solves it and keeps both
(`sop.store.solved_plans`); weeks 3 and 4 read them back, so every week sees the same cost
rates and the same demand. Week 3's option set and what-ifs re-plan at the same level
(`what_if_basis`): at family level, on the group instance, so none of them solves the SKU LP
that the level is there to avoid.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import pandas as pd

from sop.agents.logistics_planner import LOGISTICS_PLANNER
from sop.config import Settings
from sop.graph.outputs import expect
from sop.store.plan_inputs import PlanInputs
from sop.tools.finance.projection import FinanceItem
from sop.tools.supply.aggregate_plan import LeveledPlanInput, family_instance, planned_by_family
from sop.tools.supply.supply_plan import SupplyPlanInstance, SupplyPlanResult

SCENARIOS = ("base", "upside", "downside")
# SKU × DC × month demand cells (about 370 SKUs × 3 DCs × 18 months) from which week 2 solves its
# scenarios on a process each: a fresh process takes about 3 s to start (it imports the tools),
# as long as one solve takes at 200 SKUs, so below this it would not pay (bench/supply_plan.py).
PARALLEL_FROM_CELLS = 20_000


def plan_instance(settings: Settings, months: list[str], inputs: PlanInputs, demand: pd.DataFrame,
                  scenario: str) -> SupplyPlanInstance:
    """The instance of one scenario over `months`: its demand column of `demand` (units per SKU ×
    DC × month), holding cost per unit-month, penalties per lost unit and per unit short of
    safety stock, and each plant's, lane's and supplier's monthly capacity."""
    s, T = settings, len(months)
    safety = inputs.safety_stock
    wide = demand.pivot_table(index=["sku", "dc"], columns="month", values=scenario, fill_value=0.0)
    wide = wide.reindex(columns=months, fill_value=0.0)
    return SupplyPlanInstance(
        periods=months,
        skus=[{"sku": r.sku, "holding_cost": r.unit_cost * s.holding_rate / 12,
               "unmet_penalty": r.price * s.unmet_penalty_factor, "ss_penalty": r.unit_cost * s.ss_penalty_rate,
               "material": {"supplier": r.supplier, "qty_per_unit": r.material_per_unit}}
              for r in inputs.items.itertuples(index=False)],
        plants=[{"plant": r.plant, "regular_hours": [r.regular_hours_per_month] * T,
                 "max_overtime_hours": [r.max_overtime_hours_per_month] * T,
                 "overtime_cost_per_hour": r.overtime_cost_per_hour}
                for r in inputs.plants.itertuples(index=False)],
        routings=inputs.routings[["sku", "plant", "hours_per_unit", "cost_per_unit"]].to_dict("records"),
        dcs=inputs.dcs[["dc", "storage_capacity"]].to_dict("records"),
        lanes=[{"plant": r.plant, "dc": r.dc, "cost_per_unit": r.cost_per_unit, "capacity": [r.capacity_per_month] * T}
               for r in inputs.lanes.itertuples(index=False)],
        suppliers=[{"supplier": r.supplier, "capacity": [r.capacity_per_month] * T}
                   for r in inputs.suppliers.itertuples(index=False)],
        demand=[{"sku": sku, "dc": dc, "qty": row.tolist()} for (sku, dc), row in wide.iterrows()],
        initial_inventory=inputs.on_hand.to_dict("records"),
        safety_stock=safety[safety["qty"] > 0].to_dict("records"),
    )


def solve_plan(settings: Settings, instance: SupplyPlanInstance, family_of: dict[str, str], log) -> SupplyPlanResult:
    """The logistics-planner's solve of `instance` at the level SOP_PLAN_LEVEL asks for (`auto`:
    by family above the size docs/SCALE.md names), in the SKU result format either way."""
    return expect(SupplyPlanResult, LOGISTICS_PLANNER.use("supply-plan-at-level", LeveledPlanInput(
        instance=instance, family_of=family_of, level=settings.plan_level), log))


def solve_plans(settings: Settings, instances: dict[str, SupplyPlanInstance], family_of: dict[str, str],
                log, processes: int) -> Iterator[tuple[str, SupplyPlanResult]]:
    """`solve_plan` on independent instances (a cycle's scenarios), (name, plan) as each is solved,
    on `processes` processes (`solve_processes` says how many pay)."""
    names = list(instances)
    payloads = [LeveledPlanInput(instance=instances[n], family_of=family_of, level=settings.plan_level)
                for n in names]
    for i, plan in LOGISTICS_PLANNER.use_each("supply-plan-at-level", payloads, log, processes):
        yield names[i], expect(SupplyPlanResult, plan)


def solve_processes(settings: Settings, instance: SupplyPlanInstance) -> int:
    """Processes for a cycle's scenario solves: SOP_SOLVE_PROCESSES (a core each) when the plan is
    an SKU-level LP of at least PARALLEL_FROM_CELLS demand cells, else 1 (this process)."""
    cells = sum(len(d.qty) for d in instance.demand)
    if cells < PARALLEL_FROM_CELLS or planned_by_family(instance, settings.plan_level):
        return 1
    return settings.solve_processes


class WhatIfBasis(NamedTuple):
    """What week 3's gap resolution re-plans from: an instance, its optimal plan and the items
    priced, and the number of planning groups when that is the family level (else None)."""

    instance: SupplyPlanInstance
    plan: SupplyPlanResult
    items: list[FinanceItem]
    groups: int | None


def what_if_basis(settings: Settings, instance: SupplyPlanInstance, plan: SupplyPlanResult,
                  items: list[FinanceItem], log) -> WhatIfBasis:
    """The base scenario's instance and plan where the level is SKU. Where it is family, the group
    instance, its plan (the group LP week 2 solved, solved again by the logistics-planner: the same
    instance gives the same plan) and each group as an item at its members' demand-weighted price
    and standard cost, so the option set and every what-if solve the small LP."""
    if not planned_by_family(instance, settings.plan_level):
        return WhatIfBasis(instance, plan, items, None)
    family = family_instance(instance, {i.sku: i.family for i in items})
    group_plan = expect(SupplyPlanResult, LOGISTICS_PLANNER.use("supply-plan", family.instance, log))
    item_of = {i.sku: i for i in items}
    group_items = [FinanceItem(sku=g.name, family=g.family,
                               price=float(family.shares[g.name] @ [item_of[s].price for s in g.skus]),
                               unit_cost=float(family.shares[g.name] @ [item_of[s].unit_cost for s in g.skus]))
                   for g in family.groups]
    return WhatIfBasis(family.instance, group_plan, group_items, len(family.groups))

"""The supply-plan model of docs/SUPPLY_PLAN.md, written with PuLP and solved by HiGHS.

`build_model` writes the LP (a MIP with lot sizes, minimum batches or options with a fixed cost;
optionally with elastic capacity rows, for the diagnosis of an infeasible instance) from the
instance's layout (`supply_plan_layout.layout_of`): its columns (supply_plan_variables), cost
(supply_plan_objective), conservation rows (supply_plan_balance_rows), integer rows
(supply_plan_integer_rows) and capacity rows (supply_plan_capacity_rows). `supply_plan_highs`
solves it; `supply_plan_warm` re-solves a changed copy from the last basis.
Units: columns in units per month (overtime in hours per month), objective in currency.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulp

from sop.tools.supply.supply_plan import SupplyPlanInstance
from sop.tools.supply.supply_plan_balance_rows import balance_rows, delay_rows, flow_rows, safety_rows
from sop.tools.supply.supply_plan_capacity_rows import capacity_limits
from sop.tools.supply.supply_plan_integer_rows import batch_rows, option_rows
from sop.tools.supply.supply_plan_layout import Layout
from sop.tools.supply.supply_plan_objective import elastic_penalty, objective_terms
from sop.tools.supply.supply_plan_result_rows import Family
from sop.tools.supply.supply_plan_variables import ColumnNames, Variables, add_variables


@dataclass(frozen=True)
class CapacityRow:
    """One hard capacity constraint, known by the keys a planner uses; `slack` is its elastic
    column (None in the plain model)."""

    family: Family
    keys: dict[str, str]
    period: str
    limit: float
    constraint: pulp.LpConstraint
    slack: pulp.LpVariable | None


@dataclass(frozen=True)
class SupplyModel:
    problem: pulp.LpProblem
    variables: Variables
    capacities: list[CapacityRow]
    is_mip: bool = False


def build_model(instance: SupplyPlanInstance, layout: Layout, elastic: bool = False) -> SupplyModel:
    """The LP (a MIP with lot sizes or minimum batches) of SUPPLY_PLAN.md.

    With `elastic`, each hard capacity row gets a slack column priced far above any plan cost:
    the model is then always feasible, and the slack it uses names the limits the data cannot
    respect.
    """
    prob = pulp.LpProblem("supply_plan", pulp.LpMinimize)
    name = ColumnNames()
    v = add_variables(prob, name, instance, layout)
    limits = capacity_limits(instance, layout, v)
    slacks = [prob.add_variable(name("E"), 0) if elastic else None for _ in limits]
    penalty = elastic_penalty(instance)
    prob.setObjective(
        pulp.LpAffineExpression(
            [(e, penalty) for e in slacks if e is not None] + objective_terms(instance, layout, v)
        )
    )
    capacities = []
    rows = (flow_rows(layout, v) | balance_rows(layout, v) | safety_rows(layout, v)
            | delay_rows(layout, v) | batch_rows(instance, layout, v) | option_rows(instance, v))
    for i, ((family, keys, t, limit, terms), e) in enumerate(zip(limits, slacks, strict=True)):
        if e is not None:
            terms.append((e, -1.0))
        row = pulp.LpConstraint(pulp.LpAffineExpression(terms), pulp.LpConstraintLE, rhs=limit)
        rows[f"{family}_{i}"] = row
        capacities.append(CapacityRow(family, keys, layout.periods[t], limit, row, e))
    prob.extend(rows)
    return SupplyModel(prob, v, capacities, is_mip=bool(v.lots or v.batch or v.option_taken))

"""Solve the supply-plan LP and read the result out (docs/SUPPLY_PLAN.md).

`solve_supply_plan` turns a `SupplyPlanInstance` into a `SupplyPlanResult`: the optimal plan's
long tables and the capacity limits at their bound with shadow prices (currency per unit of
the limit), or, for an infeasible instance, the limits an elastic re-solve had to overrun.
"""

from __future__ import annotations

from collections.abc import Iterable

import pulp

from sop.tools.supply.supply_plan import ZERO, SupplyPlanInstance, SupplyPlanResult
from sop.tools.supply.supply_plan_lp import Layout, SupplyModel, build_model, layout_of, solve_model


def solve_supply_plan(instance: SupplyPlanInstance) -> SupplyPlanResult:
    """The cheapest supply plan for the instance, or why there is none."""
    layout = layout_of(instance)
    model = build_model(instance, layout)
    status = solve_model(model.problem)
    if status == "optimal":
        return read_plan(instance, layout, model)
    if status == "infeasible":
        return diagnose_infeasible(instance, layout)
    return SupplyPlanResult(status=status, message=f"HiGHS stopped with status {status}")


def read_plan(instance: SupplyPlanInstance, layout: Layout, model: SupplyModel) -> SupplyPlanResult:
    """The optimal plan as the long tables of the result format."""
    v = model.variables
    periods, skus, plants, dcs = layout.periods, layout.skus, layout.plants, layout.dcs
    inventory = (
        ((s, d, t), i)
        for s, by_dc in enumerate(v.inv)
        for d, row in enumerate(by_dc)
        for t, i in enumerate(row)
    )
    return SupplyPlanResult.model_validate(
        {
            "status": "optimal",
            "objective": model.problem.objective.value(),
            "production": [
                {"sku": skus[s], "plant": plants[p], "period": periods[t], "qty": q}
                for (s, p), row in zip(layout.routes, v.x)
                for t, x in enumerate(row)
                if (q := x.varValue) > ZERO
            ],
            "overtime": [
                {"plant": plants[p], "period": periods[t], "hours": h}
                for p, row in enumerate(v.o)
                for t, o in enumerate(row)
                if (h := o.varValue) > ZERO
            ],
            "shipments": [
                {"sku": skus[layout.routes[r][0]], "plant": plants[layout.routes[r][1]],
                 "dc": dcs[d], "period": periods[t], "qty": q}
                for (r, d, _), row in zip(layout.ships, v.y)
                for t, y in enumerate(row)
                if (q := y.varValue) > ZERO
            ],
            "inventory": _dc_rows(layout, inventory),
            "unmet": _dc_rows(layout, v.unmet.items()),
            "ss_shortfall": _dc_rows(layout, v.short.items()),
            "binding": _binding(model, instance),
        }
    )


def _dc_rows(layout: Layout, columns: Iterable[tuple[tuple[int, int, int], pulp.LpVariable]]) -> list[dict]:
    """Per-SKU, per-DC columns (units) as result rows, zeros left out."""
    return [
        {"sku": layout.skus[s], "dc": layout.dcs[d], "period": layout.periods[t], "qty": q}
        for (s, d, t), column in columns
        if (q := column.varValue) > ZERO
    ]


def _at_limit(used: float, limit: float) -> bool:
    return limit - used <= ZERO * max(1.0, abs(limit))


def _binding(model: SupplyModel, instance: SupplyPlanInstance) -> list[dict]:
    """Capacity rows and overtime bounds at their limit. A row whose limit is zero and whose
    shadow price is zero (a closed lane nobody wants) is left out: it says nothing."""
    rows = [
        {"family": c.family, "keys": c.keys, "period": c.period, "limit": c.limit,
         "used": c.limit - c.constraint.slack, "shadow_price": c.constraint.pi}
        for c in model.capacities
        if _at_limit(c.limit - c.constraint.slack, c.limit)
        and (c.limit > ZERO or abs(c.constraint.pi or 0.0) > ZERO)
    ]  # fmt: skip
    overtime = [
        {"family": "overtime", "keys": {"plant": plant.plant}, "period": instance.periods[t],
         "limit": o.upBound, "used": o.varValue, "shadow_price": o.dj}
        for plant, row in zip(instance.plants, model.variables.o)
        for t, o in enumerate(row)
        if o.upBound > ZERO and _at_limit(o.varValue, o.upBound)
    ]  # fmt: skip
    return rows + overtime


def diagnose_infeasible(instance: SupplyPlanInstance, layout: Layout) -> SupplyPlanResult:
    """Re-solve with elastic capacity rows and report the limits that had to give."""
    model = build_model(instance, layout, elastic=True)
    status = solve_model(model.problem)
    if status != "optimal":
        return SupplyPlanResult(
            status="infeasible", message=f"infeasible; the elastic re-solve ended {status}"
        )
    overruns = [
        {"family": c.family, "keys": c.keys, "period": c.period, "limit": c.limit, "excess": e}
        for c in model.capacities
        if c.slack is not None and (e := c.slack.varValue) > ZERO
    ]
    where = ", ".join(
        f"{o['family']} {'/'.join(o['keys'].values())} in {o['period']} (+{o['excess']:g})"
        for o in overruns
    )
    return SupplyPlanResult(
        status="infeasible",
        diagnosis=overruns,
        message=f"no plan respects every hard limit; these need more capacity: {where}",
    )

"""Solve the supply-plan LP and read the result out (docs/SUPPLY_PLAN.md).

`solve_supply_plan` turns a `SupplyPlanInstance` into a `SupplyPlanResult`: the optimal plan's
long tables and the capacity limits at their bound with shadow prices (currency per unit of
the limit), or, for an infeasible instance, the limits an elastic re-solve had to overrun.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pulp

from sop.tools.supply.supply_plan import ZERO, SupplyPlanInstance, SupplyPlanResult
from sop.tools.supply.supply_plan_highs import solve_model
from sop.tools.supply.supply_plan_layout import Layout, layout_of
from sop.tools.supply.supply_plan_lp import SupplyModel, build_model
from sop.tools.supply.supply_plan_result_rows import Status
from sop.tools.supply.supply_plan_warm import resolve_warm


def solve_supply_plan(instance: SupplyPlanInstance) -> SupplyPlanResult:
    """The cheapest supply plan for the instance, or why there is none. With lot sizes or
    minimum batches it is a MIP: HiGHS stops at `instance.mip`'s time limit or gap, and the
    result says how far from proven optimal the plan is (`mip_gap`)."""
    layout = layout_of(instance)
    model = build_model(instance, layout)
    status = solve_model(model.problem, instance.mip if model.is_mip else None)
    return _result(instance, layout, model, status)


def _result(instance: SupplyPlanInstance, layout: Layout, model: SupplyModel, status: Status) -> SupplyPlanResult:
    if status == "optimal":
        return read_plan(instance, layout, model)
    if status == "infeasible":
        return diagnose_infeasible(instance, layout)
    return SupplyPlanResult(status=status, message=f"HiGHS stopped with status {status}")


class WarmSolver:
    """Solves supply plans one after another, each from the last one's HiGHS basis when the two
    differ only in numbers (what-ifs: capacities, demand, costs), with dual simplex; the first
    solve, a MIP, and one whose matrix differs are solved cold. Same results as
    `solve_supply_plan`; `warm` counts the solves that started from a basis."""

    def __init__(self) -> None:
        self._last: pulp.LpProblem | None = None
        self.warm = 0

    def __call__(self, instance: SupplyPlanInstance) -> SupplyPlanResult:
        layout = layout_of(instance)
        model = build_model(instance, layout)
        status = None
        if self._last is not None and not model.is_mip:
            status = resolve_warm(self._last, model.problem)
        if status in (None, "error"):
            status = solve_model(model.problem, instance.mip if model.is_mip else None)
        else:
            self.warm += 1
        self._last = model.problem
        return _result(instance, layout, model, status)


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
    gap, message = _mip_gap(instance, model)
    return SupplyPlanResult.model_validate(
        {
            "status": "optimal",
            "message": message,
            "mip_gap": gap,
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
                 "dc": dcs[d], "period": periods[t], "qty": q, "mode": instance.lanes[lane].mode}
                for (r, d, lane), row in zip(layout.ships, v.y)
                for t, y in enumerate(row)
                if y is not None and (q := y.varValue) > ZERO
            ],
            "inventory": _dc_rows(layout, inventory),
            "unmet": _stream_rows(layout, v.unmet.items()),
            "ss_shortfall": _dc_rows(layout, v.short.items()),
            "binding": _binding(model, instance),
            "in_transit": _in_transit_rows(layout, model),
            "backorders": _stream_rows(layout, v.back.items()),
            "options": _option_rows(instance, layout, model),
        }
    )


def _option_rows(instance: SupplyPlanInstance, layout: Layout, model: SupplyModel) -> list[dict]:
    """Each option: taken (its switch on, or any of it used when it has no fixed cost), the
    capacity used by month, and its fixed and variable cost in currency."""
    v, rows = model.variables, []
    for i, option in enumerate(instance.options):
        by_month = {layout.periods[t]: q for (j, t), e in v.option_use.items()
                    if j == i and (q := e.varValue or 0.0) > ZERO}
        used = sum(by_month.values())
        taken = (v.option_taken[i].varValue or 0.0) > 0.5 if i in v.option_taken else used > ZERO
        rows.append({"option": option.option, "title": option.title or option.option, "taken": taken,
                     "used": used, "used_by_month": by_month, "fixed_cost": option.fixed_cost if taken else 0.0,
                     "variable_cost": used * option.cost_per_unit})
    return rows


def _mip_gap(instance: SupplyPlanInstance, model: SupplyModel) -> tuple[float | None, str]:
    """The relative gap HiGHS proved for a MIP, and a sentence when it stopped short of the
    gap asked for (its time limit); (None, "") for an LP."""
    if not model.is_mip:
        return None, ""
    gap = float(model.problem.solverModel.getInfo().mip_gap)
    if gap <= instance.mip.mip_rel_gap + ZERO:
        return gap, ""
    return gap, (f"HiGHS stopped at its time limit of {instance.mip.time_limit_seconds:g} s with the best plan "
                 f"found, within {gap:.2%} of the best possible")


def _stream_rows(layout: Layout, columns: Iterable[tuple[tuple[int, int], pulp.LpVariable]]) -> list[dict]:
    """Per-demand-stream columns (units: lost, or owed at month end) as result rows."""
    rows = []
    for (j, t), column in columns:
        if (q := column.varValue) > ZERO:
            stream = layout.streams[j]
            rows.append({"sku": layout.skus[stream.sku], "dc": layout.dcs[stream.dc], "period": layout.periods[t],
                         "qty": q, "demand_class": stream.demand_class})
    return rows


def _in_transit_rows(layout: Layout, model: SupplyModel) -> list[dict]:
    """Units on the way to each DC at the end of each month: shipped in the lane's last
    `transit` months (departed, not arrived) plus the opening pipeline still to arrive."""
    n = len(layout.periods)
    on_way = np.zeros((len(layout.skus), len(layout.dcs), n))
    if layout.arriving is not None:
        later = np.cumsum(layout.arriving[:, :, ::-1], axis=2)[:, :, ::-1]  # arriving in t or after
        on_way[:, :, :-1] += later[:, :, 1:]
    for (r, d, lane), row in zip(layout.ships, model.variables.y):
        lag, s = layout.transit[lane], layout.routes[r][0]
        for t, y in enumerate(row):
            if lag and y is not None and (q := y.varValue) > ZERO:
                on_way[s, d, t:t + lag] += q
    return [
        {"sku": layout.skus[s], "dc": layout.dcs[d], "period": layout.periods[t], "qty": float(on_way[s, d, t])}
        for s, d, t in zip(*np.nonzero(on_way > ZERO))
    ]


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
    shadow price is zero (a closed lane nobody wants) is left out: it says nothing. A MIP has no
    shadow prices (None)."""
    priced = not model.is_mip
    rows = [
        {"family": c.family, "keys": c.keys, "period": c.period, "limit": c.limit,
         "used": c.limit - c.constraint.slack, "shadow_price": c.constraint.pi if priced else None}
        for c in model.capacities
        if _at_limit(c.limit - c.constraint.slack, c.limit)
        and (c.limit > ZERO or (priced and abs(c.constraint.pi or 0.0) > ZERO))
    ]  # fmt: skip
    overtime = [
        {"family": "overtime", "keys": {"plant": plant.plant}, "period": instance.periods[t],
         "limit": o.upBound, "used": o.varValue, "shadow_price": o.dj if priced else None}
        for plant, row in zip(instance.plants, model.variables.o)
        for t, o in enumerate(row)
        if o.upBound > ZERO and _at_limit(o.varValue, o.upBound)
    ]  # fmt: skip
    return rows + overtime


def diagnose_infeasible(instance: SupplyPlanInstance, layout: Layout) -> SupplyPlanResult:
    """Re-solve with elastic capacity rows and report the limits that had to give."""
    model = build_model(instance, layout, elastic=True)
    status = solve_model(model.problem, instance.mip if model.is_mip else None)
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

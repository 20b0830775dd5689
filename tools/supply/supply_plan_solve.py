"""Solve the supply-plan LP and read the result out (docs/SUPPLY_PLAN.md).

`solve_supply_plan` turns a `SupplyPlanInstance` into a `SupplyPlanResult`: the optimal plan's
long tables and the capacity limits at their bound with shadow prices (currency per unit of
the limit), or, for an infeasible instance, the limits an elastic re-solve had to overrun.
`WarmSolver` does the same for a base and its what-ifs, each what-if from the base's basis.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from sop.tools.supply.supply_plan import ZERO, SupplyPlanInstance, SupplyPlanResult
from sop.tools.supply.supply_plan_highs import Solved, solve_cold
from sop.tools.supply.supply_plan_layout import Layout, layout_of
from sop.tools.supply.supply_plan_lp import SupplyModel, build_model
from sop.tools.supply.supply_plan_mip_start import mip_start
from sop.tools.supply.supply_plan_warm import resolve_warm


def solve_supply_plan(instance: SupplyPlanInstance) -> SupplyPlanResult:
    """The cheapest supply plan for the instance, or why there is none. With lot sizes or
    minimum batches it is a MIP: HiGHS stops at `instance.mip`'s time limit or gap, and the
    result says how far from proven optimal the plan is (`mip_gap`)."""
    return solve_from(instance, None)[0]


def solve_from(instance: SupplyPlanInstance, base: Solved | None) -> tuple[SupplyPlanResult, Solved]:
    """The plan, solved from the `base` solve's basis when only numbers changed (what-ifs:
    capacities, demand, costs), cold otherwise; and the solve, to start later ones from."""
    layout = layout_of(instance)
    model = build_model(instance, layout)
    solved = resolve_warm(base.start, model.lp) if base is not None and base.start is not None else None
    if solved is None or solved.status == "error":
        lots = bool((model.columns.lots >= 0).any())  # a lot-size MIP starts from a plan of its own
        solved = solve_cold(model.lp, instance.mip,
                            (lambda seconds: mip_start(instance, layout, model, seconds)) if lots else None)
    if solved.status == "optimal":
        return read_plan(instance, layout, model, solved), solved
    if solved.status == "infeasible":
        return diagnose_infeasible(instance, layout), solved
    return SupplyPlanResult(status=solved.status, message=f"HiGHS stopped with status {solved.status}"), solved


class WarmSolver:
    """Solves supply plans one after another. The first optimal LP is the base; each later one
    that differs from it only in numbers (a what-if: "what if we do only X") is re-solved with
    dual simplex from the base's basis, whatever was solved in between; the first solve, a MIP,
    and one whose matrix differs are solved cold. Same results as `solve_supply_plan`; `warm`
    counts the solves that started from the base's basis."""

    def __init__(self) -> None:
        self._base: Solved | None = None
        self.warm = 0

    def __call__(self, instance: SupplyPlanInstance) -> SupplyPlanResult:
        result, solved = solve_from(instance, self._base)
        if self._base is None and solved.start is not None:
            self._base = solved
        self.warm += solved.warm
        return result


def read_plan(instance: SupplyPlanInstance, layout: Layout, model: SupplyModel, solved: Solved) -> SupplyPlanResult:
    """The optimal plan as the long tables of the result format."""
    gap, message = _mip_gap(instance, model, solved)
    with _collector_paused():
        return _plan_of(instance, layout, model, solved, gap, message)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The read-out makes some 100,000 short-lived rows and no reference cycles; the cyclic
    collector's passes over the whole heap meanwhile took half its time (0.5 s of 1.0 s at 200
    SKUs on a loaded machine), a fifth of a warm what-if's."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _plan_of(instance: SupplyPlanInstance, layout: Layout, model: SupplyModel, solved: Solved, gap: float | None,
             message: str) -> SupplyPlanResult:
    c, value = model.columns, solved.col_value
    periods, skus, plants, dcs = layout.periods, layout.skus, layout.plants, layout.dcs
    return SupplyPlanResult.model_validate(
        {
            "status": "optimal",
            "message": message,
            "mip_gap": gap,
            "objective": solved.objective,
            "production": [
                {"sku": skus[layout.routes[r][0]], "plant": plants[layout.routes[r][1]], "period": periods[t], "qty": q}
                for r, t, q in _nonzero(c.x, value)
            ],
            "overtime": [{"plant": plants[p], "period": periods[t], "hours": h} for p, t, h in _nonzero(c.o, value)],
            "shipments": [
                {"sku": skus[layout.routes[r][0]], "plant": plants[layout.routes[r][1]], "dc": dcs[d],
                 "period": periods[t], "qty": q, "mode": instance.lanes[lane].mode}
                for k, t, q in _nonzero(c.y, value)
                for r, d, lane in (layout.ships[k],)
            ],
            "inventory": _dc_rows(layout, c.inv, value),
            "unmet": _stream_rows(layout, c.unmet, value),
            "ss_shortfall": _dc_rows(layout, c.short, value),
            "binding": _binding(instance, model, solved),
            "in_transit": _in_transit_rows(layout, c.y, value),
            "backorders": _stream_rows(layout, c.back, value),
            "options": _option_rows(instance, layout, c.option_use, c.option_taken, value),
        }
    )


def _values(columns: np.ndarray, value: np.ndarray) -> np.ndarray:
    """The solution's values of these columns, shaped like them; 0 where the model has none."""
    return np.where(columns >= 0, value[np.maximum(columns, 0)], 0.0) if value.size else np.zeros(columns.shape)


def _nonzero(columns: np.ndarray, value: np.ndarray) -> Iterator[tuple]:
    """(index…, value) of every column whose value is above round-off, in index order."""
    values = _values(columns, value)
    where = np.nonzero(values > ZERO)
    return zip(*(i.tolist() for i in where), values[where].tolist(), strict=True)


def _option_rows(instance: SupplyPlanInstance, layout: Layout, use: np.ndarray, taken: np.ndarray,
                 value: np.ndarray) -> list[dict]:
    """Each option: taken (its switch on, or any of it used when it has no fixed cost), the
    capacity used by month, and its fixed and variable cost in currency."""
    used_by = _values(use, value)
    switched = _values(taken, value)
    rows = []
    for i, option in enumerate(instance.options):
        by_month = {layout.periods[t]: float(q) for t, q in enumerate(used_by[i]) if q > ZERO}
        used = sum(by_month.values())
        on = switched[i] > 0.5 if taken[i] >= 0 else used > ZERO
        rows.append({"option": option.option, "title": option.title or option.option, "taken": bool(on),
                     "used": used, "used_by_month": by_month, "fixed_cost": option.fixed_cost if on else 0.0,
                     "variable_cost": used * option.cost_per_unit})
    return rows


def _mip_gap(instance: SupplyPlanInstance, model: SupplyModel, solved: Solved) -> tuple[float | None, str]:
    """The relative gap HiGHS proved for a MIP, and a sentence when it stopped short of the
    gap asked for (its time limit); (None, "") for an LP."""
    if not model.is_mip:
        return None, ""
    gap = float(solved.highs.getInfo().mip_gap)
    if solved.mip_bound is not None:  # started from a plan: its objective against the best bound proved
        gap = max(0.0, solved.objective - solved.mip_bound) / max(1.0, abs(solved.objective))
    if gap <= instance.mip.mip_rel_gap + ZERO:
        return gap, ""
    return gap, (f"HiGHS stopped at its time limit of {instance.mip.time_limit_seconds:g} s with the best plan "
                 f"found, within {gap:.2%} of the best possible")


def _stream_rows(layout: Layout, columns: np.ndarray, value: np.ndarray) -> list[dict]:
    """Per-demand-stream columns (units: lost, or owed at month end) as result rows."""
    return [
        {"sku": layout.skus[stream.sku], "dc": layout.dcs[stream.dc], "period": layout.periods[t], "qty": q,
         "demand_class": stream.demand_class}
        for j, t, q in _nonzero(columns, value)
        for stream in (layout.streams[j],)
    ]


def _in_transit_rows(layout: Layout, y: np.ndarray, value: np.ndarray) -> list[dict]:
    """Units on the way to each DC at the end of each month: shipped in the lane's last
    `transit` months (departed, not arrived) plus the opening pipeline still to arrive."""
    n = len(layout.periods)
    on_way = np.zeros((len(layout.skus), len(layout.dcs), n))
    if layout.arriving is not None:
        later = np.cumsum(layout.arriving[:, :, ::-1], axis=2)[:, :, ::-1]  # arriving in t or after
        on_way[:, :, :-1] += later[:, :, 1:]
    shipped = _values(y, value)
    shipped[shipped <= ZERO] = 0.0
    for k, (r, d, lane) in enumerate(layout.ships):
        for months in range(layout.transit[lane]):  # a shipment of month t is on the way in t .. t+lag−1
            on_way[layout.routes[r][0], d, months:] += shipped[k, : n - months]
    return [
        {"sku": layout.skus[s], "dc": layout.dcs[d], "period": layout.periods[t], "qty": float(on_way[s, d, t])}
        for s, d, t in zip(*np.nonzero(on_way > ZERO), strict=True)
    ]


def _dc_rows(layout: Layout, columns: np.ndarray, value: np.ndarray) -> list[dict]:
    """Per-SKU, per-DC columns (units) as result rows, zeros left out."""
    return [{"sku": layout.skus[s], "dc": layout.dcs[d], "period": layout.periods[t], "qty": q}
            for s, d, t, q in _nonzero(columns, value)]


def _at_limit(used: float, limit: float) -> bool:
    return limit - used <= ZERO * max(1.0, abs(limit))


def _binding(instance: SupplyPlanInstance, model: SupplyModel, solved: Solved) -> list[dict]:
    """Capacity rows and overtime bounds at their limit. A row whose limit is zero and whose
    shadow price is zero (a closed lane nobody wants) is left out: it says nothing. A MIP has no
    shadow prices (None)."""
    priced = not model.is_mip
    rows = []
    for lim in model.limits:
        used = float(solved.row_value[lim.row])
        pi = float(solved.row_dual[lim.row])
        if _at_limit(used, lim.limit) and (lim.limit > ZERO or (priced and abs(pi) > ZERO)):
            rows.append({"family": lim.family, "keys": lim.keys, "period": instance.periods[lim.t],
                         "limit": lim.limit, "used": used, "shadow_price": pi if priced else None})
    upper = model.lp.col_upper
    for p, plant in enumerate(instance.plants):
        for t, o in enumerate(model.columns.o[p].tolist()):
            hours, bound = float(solved.col_value[o]), float(upper[o])
            if bound > ZERO and _at_limit(hours, bound):
                rows.append({"family": "overtime", "keys": {"plant": plant.plant}, "period": instance.periods[t],
                             "limit": bound, "used": hours,
                             "shadow_price": float(solved.col_dual[o]) if priced else None})
    return rows


def diagnose_infeasible(instance: SupplyPlanInstance, layout: Layout) -> SupplyPlanResult:
    """Re-solve with elastic capacity rows and report the limits that had to give."""
    model = build_model(instance, layout, elastic=True)
    solved = solve_cold(model.lp, instance.mip)
    if solved.status != "optimal":
        return SupplyPlanResult(status="infeasible", message=f"infeasible; the elastic re-solve ended {solved.status}")
    excess = _values(model.columns.elastic, solved.col_value)
    over = [(lim, float(e)) for lim, e in zip(model.limits, excess, strict=True) if e > ZERO]
    overruns = [{"family": lim.family, "keys": lim.keys, "period": instance.periods[lim.t], "limit": lim.limit,
                 "excess": e} for lim, e in over]
    where = ", ".join(f"{lim.family} {'/'.join(lim.keys.values())} in {instance.periods[lim.t]} (+{e:g})"
                      for lim, e in over)
    return SupplyPlanResult(
        status="infeasible",
        diagnosis=overruns,
        message=f"no plan respects every hard limit; these need more capacity: {where}",
    )

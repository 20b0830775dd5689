"""A first plan for the lot-size MIP, handed to HiGHS as its start (docs/SUPPLY_PLAN.md).

On the lot-size MIP HiGHS's bound stays within a fraction of a percent of the LP relaxation,
but the plans its own heuristics find in a minute are 3-7 % above it (bench/RESULTS.md): the gap
is the incumbent. `mip_start` builds a better one by diving: it solves the relaxation, then month
by month rounds that month's lots (`round_month`: all down, then up where it saves most, as far
as the month's plant hours, material, lanes and storage allow: a greedy knapsack), fixes them and
re-solves the LP from the last basis, so the later months make up for what the rounding took
from the earlier ones. At 200 SKUs (bench/supply_plan.py's MIP) the plan is 1.07 % above the
relaxation, in about 12 s on a loaded machine; rounding the whole relaxation at once (each
route's cumulative production kept within a lot of it, hours repaired month by month) left
2.6 %, and 6.7 % at 30 SKUs: without the LP re-planning the later months, the rounding's
shortfalls pile up as lost sales. The plan is whole and within every row, so HiGHS takes it as
its incumbent and spends the time left improving it and proving the gap.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

from sop.tools.supply.supply_plan import SupplyPlanInstance
from sop.tools.supply.supply_plan_highs import pass_model
from sop.tools.supply.supply_plan_layout import Layout
from sop.tools.supply.supply_plan_lp import SupplyModel

EPS = 1e-6  # a lot count this close to whole is whole; units this close to zero are none


@dataclass(frozen=True)
class Start:
    """A plan to start the MIP from: every column's value (whole where integer), its objective
    (currency), and the LP relaxation's objective, a bound no plan beats."""

    col_value: np.ndarray
    objective: float
    bound: float


@dataclass(frozen=True)
class Routes:
    """Per route (routing): its SKU, lot size and minimum batch (units; 1 and 0 when none), unit
    cost, hours per unit, and its SKU's lost-sale, safety-shortfall and holding costs (currency
    per unit, per unit-month)."""

    sku: np.ndarray
    size: np.ndarray
    least: np.ndarray
    unit_cost: np.ndarray
    hours: np.ndarray
    penalty: np.ndarray
    ss_penalty: np.ndarray
    holding: np.ndarray

    @staticmethod
    def of(instance: SupplyPlanInstance, layout: Layout) -> Routes:
        sku = np.array([s for s, _ in layout.routes], dtype=np.int64)
        rows = instance.routings
        per_sku = {k: np.array([getattr(s, k) for s in instance.skus], dtype=float)[sku]
                   for k in ("unmet_penalty", "ss_penalty", "holding_cost")}
        return Routes(sku, np.array([r.lot_size or 1.0 for r in rows]), np.array([r.min_batch or 0.0 for r in rows]),
                      np.array([r.cost_per_unit for r in rows]), np.array([r.hours_per_unit for r in rows]),
                      per_sku["unmet_penalty"], per_sku["ss_penalty"], per_sku["holding_cost"])


def mip_start(instance: SupplyPlanInstance, layout: Layout, model: SupplyModel, seconds: float) -> Start | None:
    """A whole plan within every row, or None when the LPs do not solve within `seconds` (HiGHS
    then starts on its own with the time left). A month at a time: rounding two months from the
    same LP left 3.8 % above the relaxation at 200 SKUs against 1.1 %, and re-solved no faster."""
    deadline = time.perf_counter() + seconds
    lp, c = model.lp, model.columns
    highs = pass_model(dataclasses.replace(lp, integer=np.zeros_like(lp.integer)))
    if not _run(highs, deadline):
        return None
    bound = float(highs.getInfo().objective_function_value)
    value = _values(highs)
    taken = c.option_taken[c.option_taken >= 0]  # an option used at all is taken: more capacity, never infeasible
    on = np.ceil(value[taken] - EPS)
    highs.changeColsBounds(len(taken), taken.astype(np.int32), on, on)
    routes = Routes.of(instance, layout)
    for t in range(len(layout.periods)):
        for floors in (False, True):  # all down when the rounding finds no plan
            _fix(highs, model, routes, value, t, None if floors else round_month(layout, model, routes, value, t))
            if _run(highs, deadline):
                break
            if time.perf_counter() >= deadline:
                return None
        else:
            return None
        value = _values(highs)
    plan = value.copy()
    whole = np.flatnonzero(lp.integer)
    plan[whole] = np.round(plan[whole])
    return Start(plan, float(lp.cost @ plan), bound)


def _fix(highs: highspy.Highs, model: SupplyModel, routes: Routes, value: np.ndarray, t: int,
         lots: np.ndarray | None) -> None:
    """Month t's lot counts fixed (`lots`, or None: the LP's rounded down, to none below a
    minimum batch) and its minimum batches' switches: on where the month makes anything; on a
    route without a lot size, where the LP makes at least half the batch (None: all of it)."""
    c = model.columns
    made = value[c.x[:, t]]
    share = 1.0 if lots is None else 0.5
    if lots is None:
        lots = np.floor(made / routes.size + EPS)
        lots = np.where(lots * routes.size >= routes.least - EPS, lots, 0.0)
    has = c.lots[:, t] >= 0
    lots = np.where(has, lots, 0.0)
    switch = np.where(has, lots > 0, made >= share * routes.least - EPS).astype(float)
    col = np.concatenate([c.lots[:, t], c.batch[:, t]])
    val = np.concatenate([lots, switch])
    kept = col >= 0
    highs.changeColsBounds(int(kept.sum()), col[kept].astype(np.int32), val[kept], val[kept])


def _values(highs: highspy.Highs) -> np.ndarray:
    """Column values of HiGHS's last solve."""
    return np.asarray(highs.getSolution().col_value)


def _run(highs: highspy.Highs, deadline: float) -> bool:
    """Solve within the time left; whether HiGHS reached the optimum. (HiGHS's time limit counts
    from the object's first run, so it is the time run so far plus the time left.)"""
    left = deadline - time.perf_counter()
    if left <= 0:
        return False
    highs.setOptionValue("time_limit", float(highs.getRunTime() + left))
    highs.run()
    return highs.getModelStatus() == highspy.HighsModelStatus.kOptimal


def round_month(layout: Layout, model: SupplyModel, routes: Routes, value: np.ndarray, t: int) -> np.ndarray:
    """Whole lot counts of month t (per route) near the LP's production: all round down, then
    routes round up, those saving most per plant hour first (`urgency`), while the month's plant
    hours, supplier material, lanes and DC storage have room (`month_loads`): a greedy knapsack.
    Routes without a lot size get 0."""
    c, lp, size, least = model.columns, model.lp, routes.size, routes.least
    has = c.lots[:, t] >= 0
    cap = np.where(has, lp.col_upper[np.maximum(c.lots[:, t], 0)], 0.0)
    load, room, to_dc = month_loads(layout, model, value, t)
    made = value[c.x[:, t]]
    want = made / size
    down = np.floor(want + EPS)
    down = np.where(down * size < least - EPS, 0.0, down)  # below a minimum batch: nothing
    up = np.minimum(np.maximum(down + 1, np.ceil(least / size - EPS)), cap)
    down = np.minimum(down, cap)
    room = room - load @ (down * size)
    stock = storage_room(layout, model, value, t) - to_dc @ (down * size - made)  # less made: more room
    while (room < -EPS).any():  # a bound cut below the LP's plan: round further down
        fits = load[int(np.argmin(room))].toarray().ravel() * size * (down > 0)
        r = int(np.argmax(fits))
        less = down[r] - 1 if (down[r] - 1) * size[r] >= least[r] - EPS else 0.0
        room += load[:, [r]].toarray().ravel() * (down[r] - less) * size[r]
        down[r] = less
    short, extra = (want - down) * size, (up - want) * size
    state = sku_state(layout, model, routes, value, t)
    gain = urgency(routes, short, extra, *state)
    added = np.zeros(len(layout.skus))  # units the SKU's routes rounded up so far this month
    hours = np.maximum(routes.hours * (short + extra), EPS)
    for r in np.argsort(-gain / hours, kind="stable"):
        if not has[r] or up[r] <= down[r] or want[r] - down[r] <= EPS or gain[r] <= 0:
            continue
        more = added[routes.sku[r]]  # another route of the SKU rounded up: this one is needed less
        if more > 0 and urgency(routes, short, extra, *(a + b * more for a, b in zip(state, (1, 1, -1, -1))))[r] <= 0:
            continue
        need = load[:, [r]].toarray().ravel() * (up[r] - down[r]) * size[r]
        ahead = to_dc[:, r] * (up[r] - down[r]) * size[r]
        if np.all(need <= room + EPS) and np.all(ahead <= stock + EPS):
            room -= need
            stock -= ahead
            down[r] = up[r]
            added[routes.sku[r]] += size[r] * (up[r] - want[r])
    return np.where(has, down, 0.0)


def month_loads(layout: Layout, model: SupplyModel, value: np.ndarray,
                t: int) -> tuple[sp.csc_matrix, np.ndarray, np.ndarray]:
    """Month t's capacity rows as the routes' production sees them: the load of a unit made
    (hours and material, and on each lane the share of the route's units the LP shipped there);
    each row's room for the month's production (its limit less what other columns use, plus the
    overtime left unused); and the share of each route's units going to each DC (DC, route)."""
    c, lp = model.columns, model.lp
    x_cols = c.x[:, t]
    ships = np.flatnonzero(c.y[:, t] >= 0)
    y_cols = c.y[ships, t]
    limits = np.array([lim.row for lim in model.limits], dtype=np.int64)
    matrix = lp.matrix[:, np.concatenate([x_cols, y_cols, c.o[:, t]])].tocsr()[limits]
    rows = limits[np.diff(matrix.indptr) > 0]
    a = matrix[np.diff(matrix.indptr) > 0].tocsc()
    a_x, a_y, a_o = a[:, : len(x_cols)], a[:, len(x_cols): len(x_cols) + len(ships)], a[:, len(x_cols) + len(ships):]
    route = np.array([r for r, _, _ in layout.ships], dtype=np.int64)[ships]
    shipped = value[y_cols]
    total = np.bincount(route, weights=shipped, minlength=len(x_cols))[route]
    count = np.bincount(route, minlength=len(x_cols))[route]
    share = np.where(total > EPS, shipped / np.maximum(total, EPS), 1.0 / np.maximum(count, 1))  # none shipped: even
    split = sp.csc_matrix((share, (np.arange(len(ships)), route)), shape=(len(ships), len(x_cols)))
    load = (a_x + a_y @ split).tocsc()
    others = lp.matrix.tocsr()[rows] @ value - load @ value[x_cols]  # the rows' use by other columns
    o = c.o[:, t]
    room = lp.row_upper[rows] - others - a_o @ (lp.col_upper[o] - value[o])  # overtime enters with −1
    to_dc = np.zeros((len(layout.dcs), len(x_cols)))
    np.add.at(to_dc, (np.array([d for _, d, _ in layout.ships], dtype=np.int64)[ships], route), share)
    return load, room, to_dc


def sku_state(layout: Layout, model: SupplyModel, routes: Routes, value: np.ndarray,
              t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per route, its SKU's units in month t that a route short can do without: the stock its
    DCs keep of what they got (`cover`) and of it above safety stock (`spare`); the units the
    DCs are below safety stock; and the units the LP makes of the SKU after month t."""
    c = model.columns
    stock = value[c.inv[:, :, t]]  # (SKU, DC)
    shipped = np.zeros_like(stock)  # a route short ships less: each DC can go without what it got
    ships = np.flatnonzero(c.y[:, t] >= 0)
    np.add.at(shipped, (np.array([layout.routes[layout.ships[k][0]][0] for k in ships], dtype=np.int64),
                        np.array([layout.ships[k][1] for k in ships], dtype=np.int64)), value[c.y[ships, t]])
    sku = routes.sku
    cover = np.minimum(stock, shipped).sum(axis=1)[sku]
    spare = np.minimum(np.maximum(stock - layout.safety, 0.0), shipped).sum(axis=1)[sku]
    below = np.maximum(layout.safety - stock, 0.0).sum(axis=1)[sku]
    later = np.bincount(sku, weights=value[c.x[:, t + 1:]].sum(axis=1), minlength=stock.shape[0])[sku]
    return cover, spare, below, later


def urgency(routes: Routes, short: np.ndarray, extra: np.ndarray, cover: np.ndarray, spare: np.ndarray,
            below: np.ndarray, later: np.ndarray) -> np.ndarray:
    """What rounding each route up instead of down saves (currency). Down, `short` units fewer
    take the SKU's stock below safety stock or, beyond its `cover`, lose sales. Up, `extra` units
    are held a month (and made fewer later), or, beyond what the LP makes of the SKU `later`,
    made for nothing. (Crediting the extra units with the capacity they free later, at month t's
    shadow prices, rounded up too often: 1.57 % above the relaxation at 200 SKUs against 1.16 %
    without.)"""
    wasted = np.maximum(extra - np.maximum(later, 0.0), 0.0)
    cover, spare = np.maximum(cover, 0.0), np.maximum(spare, 0.0)
    saved = (routes.penalty * np.maximum(short - cover, 0.0)
             + routes.ss_penalty * (np.minimum(short, cover) - np.minimum(short, spare)))
    cost = (routes.holding * extra - routes.ss_penalty * np.minimum(extra, np.maximum(below, 0.0))
            + routes.unit_cost * wasted)
    return saved - cost


def storage_room(layout: Layout, model: SupplyModel, value: np.ndarray, t: int) -> np.ndarray:
    """Units each DC can hold beyond the LP's stock from month t until month t's shipments have
    arrived (the least over those months): units made beyond the LP's wait there."""
    slack = np.full((len(layout.dcs), len(layout.periods)), np.inf)
    dcs = {name: d for d, name in enumerate(layout.dcs)}
    rows = [lim for lim in model.limits if lim.family == "storage"]
    used = model.lp.matrix.tocsr()[[lim.row for lim in rows]] @ value if rows else np.zeros(0)
    for lim, u in zip(rows, used, strict=True):
        slack[dcs[lim.keys["dc"]], lim.t] = lim.limit - u
    return slack[:, t: t + max(layout.transit, default=0) + 1].min(axis=1)

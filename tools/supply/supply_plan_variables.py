"""The columns of the supply-plan LP (docs/SUPPLY_PLAN.md): which exist, their bounds and names.

A column is made only where it can be non-zero (unmet demand where there is demand, backorders
for streams that may wait, lot counts and switches for routings and options that need them),
and named so that PuLP's sort by name keeps the order the objective is written in. Units:
units per month, overtime in hours per month.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pulp

from sop.tools.supply.supply_plan import SupplyPlanInstance
from sop.tools.supply.supply_plan_layout import Layout


@dataclass(frozen=True)
class Variables:
    """The LP columns by index: x[route][t], o[plant][t], inv[sku][dc][t]; y[ship][t], None for
    a month whose shipment would arrive after the horizon; unmet[(stream, t)] only where the
    stream has demand (its upper bound); back[(stream, t)] only for streams that may wait;
    short[(sku, dc, t)] only where a safety stock is set (elsewhere the shortfall is zero by
    definition); lots[(route, t)] (integer) and batch[(route, t)] (binary) only for routings
    with a lot size or a minimum batch; option_use[(option, t)] the added capacity an option's
    month uses (up to its amount), option_taken[option] (binary) for options with a fixed cost."""

    x: list[list[pulp.LpVariable]]
    o: list[list[pulp.LpVariable]]
    y: list[list[pulp.LpVariable | None]]
    inv: list[list[list[pulp.LpVariable]]]
    unmet: dict[tuple[int, int], pulp.LpVariable]
    short: dict[tuple[int, int, int], pulp.LpVariable]
    back: dict[tuple[int, int], pulp.LpVariable] = field(default_factory=dict)
    lots: dict[tuple[int, int], pulp.LpVariable] = field(default_factory=dict)
    batch: dict[tuple[int, int], pulp.LpVariable] = field(default_factory=dict)
    option_use: dict[tuple[int, int], pulp.LpVariable] = field(default_factory=dict)
    option_taken: dict[int, pulp.LpVariable] = field(default_factory=dict)


class ColumnNames:
    """Column names that sort in the order the columns enter the objective ("I000000001", ...).

    PuLP sorts the columns by name before handing them to HiGHS; when the names are already in
    order that sort is linear. Families therefore enter the objective in ASCII order:
    E (elastic slack), I, o, u, x, y, z; the time-phased model's b (backorders), n (lots) and
    w (batch switches) come when an instance uses them.
    """

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, family: str) -> str:
        self.count += 1
        return f"{family}{self.count:09d}"


def add_variables(prob: pulp.LpProblem, name: ColumnNames, instance: SupplyPlanInstance, layout: Layout) -> Variables:
    n = len(layout.periods)
    T = range(n)
    dcs = range(len(layout.dcs))
    return Variables(
        inv=[[[prob.add_variable(name("I"), 0) for _ in T] for _ in dcs] for _ in layout.skus],
        o=[
            [prob.add_variable(name("o"), 0, hours) for hours in plant.max_overtime_hours]
            for plant in instance.plants
        ],
        unmet={
            (j, t): prob.add_variable(name("u"), 0, float(stream.qty[t]))
            for j, stream in enumerate(layout.streams)
            for t in np.flatnonzero(stream.qty > 0).tolist()
        },
        x=[[prob.add_variable(name("x"), 0) for _ in T] for _ in layout.routes],
        y=[[prob.add_variable(name("y"), 0) if t + layout.transit[lane] < n else None for t in T]
           for _, _, lane in layout.ships],
        short={
            (s, d, t): prob.add_variable(name("z"), 0)
            for s, d in zip(*np.nonzero(layout.safety > 0))
            for t in T
        },
        back={
            (j, t): prob.add_variable(name("b"), 0)
            for j, stream in enumerate(layout.streams)
            if stream.max_delay > 0
            for t in T
        },
        lots={
            (r, t): prob.add_variable(name("n"), 0, cat=pulp.LpInteger)
            for r, routing in enumerate(instance.routings)
            if routing.lot_size
            for t in T
        },
        batch={
            (r, t): prob.add_variable(name("w"), 0, 1, cat=pulp.LpBinary)
            for r, routing in enumerate(instance.routings)
            if routing.min_batch
            for t in T
        },
        option_use={
            (i, t): prob.add_variable(name("e"), 0, amount)
            for i, option in enumerate(instance.options)
            for t, amount in enumerate(option.amount)
            if amount > 0
        },
        option_taken={
            i: prob.add_variable(name("f"), 0, 1, cat=pulp.LpBinary)
            for i, option in enumerate(instance.options)
            if option.fixed_cost > 0
        },
    )

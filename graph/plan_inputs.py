"""Builds the supply-plan LP instance for a scenario from the store, and reads a stored plan back.

Week 2 solves the instance and week 3 prices the plan; both build it here, from the same rows,
so the cost rates and the demand they see are the same.
"""

from __future__ import annotations

import pandas as pd

from sop.graph.context import CycleContext
from sop.graph.state import CycleState
from sop.store import Store
from sop.tools.forecasting.consensus import scenarios
from sop.tools.periods import add_months, to_timestamp
from sop.tools.supply.supply_plan import SupplyPlanInstance, SupplyPlanResult, binding_rows

SCENARIOS = ("base", "upside", "downside")
DAYS_PER_MONTH = 365.25 / 12


def abc_items(store: Store, period: str) -> list[dict]:
    """Each SKU's revenue and monthly demand over the 12 months before `period`: the abc-xyz input."""
    year = store.query(
        "SELECT h.sku, h.month, SUM(h.ordered_qty) AS qty, SUM(h.ordered_qty * i.price) AS revenue "
        "FROM demand_history h JOIN items i USING (sku) WHERE h.month >= ? AND h.month < ? GROUP BY 1, 2 ORDER BY 1, 2",
        [add_months(period, -12), period])
    return [{"sku": sku, "revenue": g["revenue"].sum(), "monthly_demand": g["qty"].tolist() + [0.0] * (12 - len(g))}
            for sku, g in year.groupby("sku")]


def lead_times(store: Store, period: str) -> pd.DataFrame:
    """Mean and σ of each supplier's actual lead time over the 12 months before `period`, in months."""
    return store.query(
        "SELECT supplier, AVG(received_date - order_date) / ? AS lead_time, "
        "COALESCE(STDDEV_SAMP(received_date - order_date), 0) / ? AS lead_time_std FROM supplier_deliveries "
        "WHERE received_date IS NOT NULL AND order_date >= ? GROUP BY 1",
        [DAYS_PER_MONTH, DAYS_PER_MONTH, to_timestamp(add_months(period, -12)).date()]).set_index("supplier")


def scenario_demand(ctx: CycleContext, cycle_id: str) -> pd.DataFrame:
    """Consensus demand per SKU × DC × month, with one column per scenario."""
    layers = ctx.store.query(
        "SELECT sku, dc, month, qty, yhat, lo_80, hi_80 FROM forecast_layers "
        "WHERE cycle_id = ? AND layer = 'consensus' ORDER BY sku, dc, month", [cycle_id])
    for name, qty in scenarios(layers["qty"], layers).items():
        layers[name] = qty
    return layers


def plan_instance(ctx: CycleContext, state: CycleState, scenario: str) -> SupplyPlanInstance:
    s, store, months = ctx.settings, ctx.store, state["horizon"]
    T = len(months)
    items = store.table("items")
    demand = scenario_demand(ctx, state["cycle_id"])
    safety = store.query("SELECT sku, dc, safety_stock AS qty FROM inventory_policy WHERE cycle_id = ?",
                         [state["cycle_id"]])
    wide = demand.pivot_table(index=["sku", "dc"], columns="month", values=scenario, fill_value=0.0)
    wide = wide.reindex(columns=months, fill_value=0.0)
    return SupplyPlanInstance(
        periods=months,
        skus=[{"sku": r.sku, "holding_cost": r.unit_cost * s.holding_rate / 12,
               "unmet_penalty": r.price * s.unmet_penalty_factor, "ss_penalty": r.unit_cost * s.ss_penalty_rate,
               "material": {"supplier": r.supplier, "qty_per_unit": r.material_per_unit}}
              for r in items.itertuples(index=False)],
        plants=[{"plant": r.plant, "regular_hours": [r.regular_hours_per_month] * T,
                 "max_overtime_hours": [r.max_overtime_hours_per_month] * T,
                 "overtime_cost_per_hour": r.overtime_cost_per_hour}
                for r in store.table("plants").itertuples(index=False)],
        routings=store.query("SELECT sku, plant, hours_per_unit, cost_per_unit FROM routings").to_dict("records"),
        dcs=store.query("SELECT dc, storage_capacity FROM dcs").to_dict("records"),
        lanes=[{"plant": r.plant, "dc": r.dc, "cost_per_unit": r.cost_per_unit, "capacity": [r.capacity_per_month] * T}
               for r in store.table("lanes").itertuples(index=False)],
        suppliers=[{"supplier": r.supplier, "capacity": [r.capacity_per_month] * T}
                   for r in store.table("suppliers").itertuples(index=False)],
        demand=[{"sku": sku, "dc": dc, "qty": row.tolist()} for (sku, dc), row in wide.iterrows()],
        initial_inventory=store.query("SELECT sku, dc, on_hand AS qty FROM inventory").to_dict("records"),
        safety_stock=safety[safety["qty"] > 0].to_dict("records"),
    )


def stored_plan(ctx: CycleContext, cycle_id: str, scenario: str) -> SupplyPlanResult:
    """The solved plan of a scenario as week 2 stored it, with the limits it runs into."""
    summary = ctx.store.query("SELECT status, objective FROM plan_summary WHERE cycle_id = ? AND scenario = ?",
                              [cycle_id, scenario])
    lines = ctx.store.query("SELECT kind, sku, plant, dc, month AS period, qty FROM plan_lines "
                            "WHERE cycle_id = ? AND scenario = ?", [cycle_id, scenario])
    hours = ctx.store.query("SELECT plant, month AS period, overtime_hours AS hours FROM plant_hours "
                            "WHERE cycle_id = ? AND scenario = ? AND overtime_hours > 0", [cycle_id, scenario])
    binding = ctx.store.query("SELECT * FROM plan_binding WHERE cycle_id = ? AND scenario = ?", [cycle_id, scenario])

    def rows(kind: str, cols: list[str]) -> list[dict]:
        return lines.loc[lines["kind"] == kind, cols].to_dict("records")

    return SupplyPlanResult(
        status=summary["status"].iloc[0], objective=summary["objective"].iloc[0],
        production=rows("production", ["sku", "plant", "period", "qty"]),
        shipments=rows("shipment", ["sku", "plant", "dc", "period", "qty"]),
        inventory=rows("inventory", ["sku", "dc", "period", "qty"]),
        unmet=rows("unmet", ["sku", "dc", "period", "qty"]),
        ss_shortfall=rows("ss_shortfall", ["sku", "dc", "period", "qty"]),
        overtime=hours.to_dict("records"),
        binding=binding_rows(binding),
    )

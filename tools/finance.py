"""Financial projection of a supply plan by family × month, against budget.

Revenue counts only the demand the plan fulfils. COGS is what the plan spends to fulfil it:
production at routing cost, overtime, freight on the lanes and holding. Overtime is paid per
plant-month, so it is spread over the families by their share of that plant-month's
production hours.
"""

from __future__ import annotations

from typing import Annotated

import pandas as pd
from pydantic import BaseModel, Field

from tools.supply_plan import SupplyPlanInstance, SupplyPlanResult

Money = Annotated[float, Field(description="currency")]


class FinanceItem(BaseModel):
    sku: str
    family: str
    price: Annotated[float, Field(ge=0, description="currency per unit sold")]
    unit_cost: Annotated[float, Field(ge=0, description="standard cost per unit, values inventory")]


class BudgetLine(BaseModel):
    family: str
    month: str
    units: float
    revenue: Money
    cogs: Money


class FinanceInput(BaseModel):
    items: list[FinanceItem]
    instance: SupplyPlanInstance
    plan: SupplyPlanResult
    budget: list[BudgetLine] = Field(default_factory=list)


class FinanceRow(BaseModel):
    family: str
    month: str
    demand_units: float
    fulfilled_units: float
    revenue: Money
    production_cost: Money
    overtime_cost: Money
    freight_cost: Money
    holding_cost: Money
    cogs: Money
    gross_margin: Money
    gross_margin_pct: float | None = Field(description="fraction of revenue; None without revenue")
    inventory_units: float = Field(description="end of month, all DCs")
    inventory_value: Money = Field(description="end-of-month units at standard cost")
    budget_revenue: Money
    budget_cogs: Money
    revenue_variance: Money = Field(description="revenue − budget revenue")
    margin_variance: Money = Field(description="gross margin − budget gross margin")


class FinanceOutput(BaseModel):
    rows: list[FinanceRow]


def _frame(rows: list[BaseModel], columns: list[str]) -> pd.DataFrame:
    """Plan rows as a frame whose last column (quantity or hours) is numeric even when empty."""
    frame = pd.DataFrame([r.model_dump() for r in rows], columns=columns)
    return frame.astype({columns[-1]: float})


def _by_family(df: pd.DataFrame, families: pd.Series, value: str, name: str) -> pd.Series:
    df = df.assign(family=df["sku"].map(families))
    return df.groupby(["family", "period"])[value].sum().rename(name)


def financial_projection(inp: FinanceInput) -> FinanceOutput:
    items = pd.DataFrame([i.model_dump() for i in inp.items]).set_index("sku")
    families = items["family"]
    periods = inp.instance.periods
    demand = pd.DataFrame(
        [(d.sku, d.dc, p, q) for d in inp.instance.demand for p, q in zip(periods, d.qty)],
        columns=["sku", "dc", "period", "qty"],
    )
    unmet = _frame(inp.plan.unmet, ["sku", "dc", "period", "qty"])
    production = _frame(inp.plan.production, ["sku", "plant", "period", "qty"])
    shipments = _frame(inp.plan.shipments, ["sku", "plant", "dc", "period", "qty"])
    inventory = _frame(inp.plan.inventory, ["sku", "dc", "period", "qty"])
    overtime = _frame(inp.plan.overtime, ["plant", "period", "hours"])

    routing = pd.DataFrame([r.model_dump() for r in inp.instance.routings]).set_index(["sku", "plant"])
    lane_cost = {(l.plant, l.dc): l.cost_per_unit for l in inp.instance.lanes}
    holding = {s.sku: s.holding_cost for s in inp.instance.skus}
    ot_rate = {p.plant: p.overtime_cost_per_hour for p in inp.instance.plants}

    demand["fulfilled"] = demand["qty"] - demand.merge(unmet, on=["sku", "dc", "period"], how="left")["qty_y"].fillna(0.0).values
    demand["revenue"] = demand["fulfilled"] * demand["sku"].map(items["price"])
    key = pd.MultiIndex.from_arrays([production["sku"], production["plant"]])
    production["cost"] = production["qty"] * routing["cost_per_unit"].reindex(key).to_numpy()
    production["hours"] = production["qty"] * routing["hours_per_unit"].reindex(key).to_numpy()
    shipments["cost"] = shipments["qty"] * [lane_cost[k] for k in zip(shipments["plant"], shipments["dc"])]
    inventory["holding"] = inventory["qty"] * inventory["sku"].map(holding)
    inventory["value"] = inventory["qty"] * inventory["sku"].map(items["unit_cost"])

    # Overtime cost per plant-month, spread over families by production hours.
    production["family"] = production["sku"].map(families)
    hours = production.groupby(["plant", "period", "family"])["hours"].sum()
    share = hours / hours.groupby(level=["plant", "period"]).transform("sum")
    ot_cost = overtime.set_index(["plant", "period"])["hours"] * overtime["plant"].map(ot_rate).to_numpy()
    ot_alloc = (share * ot_cost.reindex(share.index.droplevel("family")).to_numpy()).groupby(level=["family", "period"]).sum()

    table = pd.concat([
        _by_family(demand, families, "qty", "demand_units"),
        _by_family(demand, families, "fulfilled", "fulfilled_units"),
        _by_family(demand, families, "revenue", "revenue"),
        _by_family(production, families, "cost", "production_cost"),
        ot_alloc.rename("overtime_cost"),
        _by_family(shipments, families, "cost", "freight_cost"),
        _by_family(inventory, families, "holding", "holding_cost"),
        _by_family(inventory, families, "qty", "inventory_units"),
        _by_family(inventory, families, "value", "inventory_value"),
    ], axis=1).fillna(0.0)
    budget = pd.DataFrame([b.model_dump() for b in inp.budget], columns=["family", "month", "units", "revenue", "cogs"])
    budget = budget.astype({"revenue": float, "cogs": float})
    budget = budget.set_index(["family", "month"]).rename_axis(["family", "period"])
    table["budget_revenue"] = budget["revenue"].reindex(table.index).fillna(0.0)
    table["budget_cogs"] = budget["cogs"].reindex(table.index).fillna(0.0)
    table["cogs"] = table[["production_cost", "overtime_cost", "freight_cost", "holding_cost"]].sum(axis=1)
    table["gross_margin"] = table["revenue"] - table["cogs"]
    table["gross_margin_pct"] = (table["gross_margin"] / table["revenue"]).where(table["revenue"] > 0)
    table["revenue_variance"] = table["revenue"] - table["budget_revenue"]
    table["margin_variance"] = table["gross_margin"] - (table["budget_revenue"] - table["budget_cogs"])
    table = table.reset_index().rename(columns={"period": "month"}).sort_values(["family", "month"])
    table["gross_margin_pct"] = table["gross_margin_pct"].astype(object).where(table["gross_margin_pct"].notna(), None)
    return FinanceOutput(rows=[FinanceRow(**r) for r in table.to_dict("records")])

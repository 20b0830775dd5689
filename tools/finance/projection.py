"""Financial projection of a supply plan by family × month, against budget.

Revenue counts only the demand the plan fulfils. Cost of goods sold is matched to the units
sold: each unit sold costs its standard cost (`FinanceItem.unit_cost`), whether it was made this
month, before the horizon (opening stock is valued at standard cost too) or ahead of a peak;
what the month's making and moving cost beyond standard (production at routing cost above
standard, overtime, freight and holding) is charged in the month it is spent. So
COGS = opening stock + spend − closing stock, all stock at standard cost, and a pre-build moves
no cost between months. Overtime is paid per plant-month, so it is spread over the families by
their share of that plant-month's production hours.

The month's spend (production, overtime, freight, holding) is cash, shown apart in `spend`; it
is what payables are owed on. Working capital per family and month is inventory + receivables
− payables, with a month's balances derived from its flows (the convention of a monthly plan
without a balance sheet): receivables = revenue × DSO / days per month and payables = spend ×
DPO / days per month, where a month has 365.25 / 12 = 30.44 days. A DSO of 45 days thus holds
about 1.48 months of revenue outstanding at each month end.

The margin bridge explains the gap from budget margin to projected margin in three steps that
add up exactly: volume (units sold minus budget units, at the budget's margin per unit),
price/mix (the standard margin of what is sold, less the budget margin per unit on those units)
and cost (standard cost of the units sold minus COGS: overtime, freight, holding and dearer
routings).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from sop.tools.supply.supply_plan import SupplyPlanInstance, SupplyPlanResult

Money = Annotated[float, Field(description="currency")]
DAYS_PER_MONTH = 365.25 / 12  # days in an average month: turns DSO/DPO days into months of flow


class FinanceItem(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    sku: str
    family: str
    price: Annotated[float, Field(ge=0, description="currency per unit sold")]
    unit_cost: Annotated[float, Field(ge=0, description="standard cost per unit, values inventory")]


class BudgetLine(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

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
    dso_days: float = Field(0.0, ge=0, description="days sales outstanding; 0 counts no receivables")
    dpo_days: float = Field(0.0, ge=0, description="days payables outstanding; 0 counts no payables")


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
    cogs: Money = Field(description="units sold at standard cost + the month's spend above standard cost")
    gross_margin: Money
    gross_margin_pct: float | None = Field(description="fraction of revenue; None without revenue")
    inventory_units: float = Field(description="end of month, all DCs")
    inventory_value: Money = Field(description="end-of-month units at standard cost")
    standard_cogs: Money = Field(description="fulfilled units at standard unit cost")
    receivables: Money = Field(description="revenue × DSO / days per month, at month end")
    payables: Money = Field(description="spend × DPO / days per month, at month end")
    working_capital: Money = Field(description="inventory value + receivables − payables")
    budget_units: float
    budget_revenue: Money
    budget_cogs: Money
    revenue_variance: Money = Field(description="revenue − budget revenue")
    margin_variance: Money = Field(description="gross margin − budget gross margin")
    spend: Money = Field(0.0, description="cash spent in the month: production, overtime, freight, holding")


class FinanceOutput(BaseModel):
    rows: list[FinanceRow]


def _frame(rows: Sequence[BaseModel], columns: list[str]) -> pd.DataFrame:
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
    lane_cost = {(ln.plant, ln.dc): ln.cost_per_unit for ln in inp.instance.lanes}
    holding = {s.sku: s.holding_cost for s in inp.instance.skus}
    ot_rate = {p.plant: p.overtime_cost_per_hour for p in inp.instance.plants}

    lost = demand.merge(unmet, on=["sku", "dc", "period"], how="left")["qty_y"].fillna(0.0)
    demand["fulfilled"] = demand["qty"] - lost.values
    demand["revenue"] = demand["fulfilled"] * demand["sku"].map(items["price"])
    key = pd.MultiIndex.from_arrays([production["sku"], production["plant"]])
    production["cost"] = production["qty"] * routing["cost_per_unit"].reindex(key).to_numpy()
    production["hours"] = production["qty"] * routing["hours_per_unit"].reindex(key).to_numpy()
    shipments["cost"] = shipments["qty"] * [lane_cost[k] for k in zip(shipments["plant"], shipments["dc"])]
    inventory["holding"] = inventory["qty"] * inventory["sku"].map(holding)
    inventory["value"] = inventory["qty"] * inventory["sku"].map(items["unit_cost"])
    demand["standard_cogs"] = demand["fulfilled"] * demand["sku"].map(items["unit_cost"])
    production["standard"] = production["qty"] * production["sku"].map(items["unit_cost"])

    # Overtime cost per plant-month, spread over families by production hours.
    production["family"] = production["sku"].map(families)
    hours = production.groupby(["plant", "period", "family"])["hours"].sum()
    share = hours / hours.groupby(level=["plant", "period"]).transform("sum")
    ot_cost = overtime.set_index(["plant", "period"])["hours"] * overtime["plant"].map(ot_rate).to_numpy()
    ot_alloc = (share * ot_cost.reindex(share.index.droplevel("family")).to_numpy()).groupby(
        level=["family", "period"]).sum()

    table = pd.concat([
        _by_family(demand, families, "qty", "demand_units"),
        _by_family(demand, families, "fulfilled", "fulfilled_units"),
        _by_family(demand, families, "revenue", "revenue"),
        _by_family(demand, families, "standard_cogs", "standard_cogs"),
        _by_family(production, families, "cost", "production_cost"),
        _by_family(production, families, "standard", "made_at_standard"),
        ot_alloc.rename("overtime_cost"),
        _by_family(shipments, families, "cost", "freight_cost"),
        _by_family(inventory, families, "holding", "holding_cost"),
        _by_family(inventory, families, "qty", "inventory_units"),
        _by_family(inventory, families, "value", "inventory_value"),
    ], axis=1).fillna(0.0)
    budget = pd.DataFrame([b.model_dump() for b in inp.budget], columns=["family", "month", "units", "revenue", "cogs"])
    budget = budget.astype({"units": float, "revenue": float, "cogs": float})
    budget = budget.set_index(["family", "month"]).rename_axis(["family", "period"])
    table["budget_units"] = budget["units"].reindex(table.index).fillna(0.0)
    table["budget_revenue"] = budget["revenue"].reindex(table.index).fillna(0.0)
    table["budget_cogs"] = budget["cogs"].reindex(table.index).fillna(0.0)
    table["spend"] = table[["production_cost", "overtime_cost", "freight_cost", "holding_cost"]].sum(axis=1)
    table["cogs"] = table["standard_cogs"] + table["spend"] - table.pop("made_at_standard")
    table["gross_margin"] = table["revenue"] - table["cogs"]
    table["gross_margin_pct"] = (table["gross_margin"] / table["revenue"]).where(table["revenue"] > 0)
    table["receivables"], table["payables"], table["working_capital"] = working_capital(
        table["inventory_value"], table["revenue"], table["spend"], inp.dso_days, inp.dpo_days)
    table["revenue_variance"] = table["revenue"] - table["budget_revenue"]
    table["margin_variance"] = table["gross_margin"] - (table["budget_revenue"] - table["budget_cogs"])
    table = table.reset_index().rename(columns={"period": "month"}).sort_values(["family", "month"])
    table["gross_margin_pct"] = table["gross_margin_pct"].astype(object).where(table["gross_margin_pct"].notna(), None)
    return FinanceOutput(rows=[FinanceRow(**r) for r in table.to_dict("records")])


def working_capital(inventory_value, revenue, spend, dso_days: float, dpo_days: float):
    """(receivables, payables, working capital) in currency at a month end, from that month's
    revenue and spend (scalars or aligned arrays): working capital = inventory + receivables −
    payables, each balance being DSO or DPO days of the month's flow."""
    receivables = revenue * dso_days / DAYS_PER_MONTH
    payables = spend * dpo_days / DAYS_PER_MONTH
    return receivables, payables, inventory_value + receivables - payables


class BridgeInput(BaseModel):
    """Projected and budget figures summed over the months bridged, one row per family."""

    rows: list[FinanceRow]


class BridgeStep(BaseModel):
    step: Literal["budget margin", "volume", "price/mix", "cost", "projected margin"]
    value: Money = Field(description="the bar: a level for the two ends, a change for the steps")


class BridgeOutput(BaseModel):
    steps: list[BridgeStep]


def margin_bridge(inp: BridgeInput) -> BridgeOutput:
    """Budget gross margin → volume → price/mix → cost → projected gross margin, summed over the
    rows given; the steps add up to the projected margin exactly. A family with a budget but no
    budget units carries its whole budget margin in volume."""
    df = pd.DataFrame([r.model_dump() for r in inp.rows],
                      columns=list(FinanceRow.model_fields)).groupby("family")[
        ["fulfilled_units", "revenue", "standard_cogs", "cogs", "budget_units", "budget_revenue", "budget_cogs"]].sum()
    budget_margin = df["budget_revenue"] - df["budget_cogs"]
    per_unit = (budget_margin / df["budget_units"]).where(df["budget_units"] > 0, 0.0)
    volume = df["fulfilled_units"] * per_unit - budget_margin
    price_mix = df["revenue"] - df["standard_cogs"] - df["fulfilled_units"] * per_unit
    cost = df["standard_cogs"] - df["cogs"]
    values = {"budget margin": budget_margin.sum(), "volume": volume.sum(), "price/mix": price_mix.sum(),
              "cost": cost.sum(), "projected margin": (df["revenue"] - df["cogs"]).sum()}
    return BridgeOutput(steps=[BridgeStep(step=k, value=float(v)) for k, v in values.items()])

"""The rows of a supply-plan result (docs/SUPPLY_PLAN.md), one pydantic model per table.

`SupplyPlanResult` (supply_plan.py) holds them; they stand apart so that code that builds or
reads single rows (the family plan in aggregate_plan.py, the gap values in gap_values.py) needs
neither the instance format nor the result around them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Status = Literal["optimal", "infeasible", "unbounded", "error"]
Family = Literal["plant_hours", "overtime", "supplier", "lane", "storage", "work_centre"]


class ProductionRow(BaseModel):
    sku: str
    plant: str
    period: str
    qty: float = Field(description="units made in the month")


class OvertimeRow(BaseModel):
    plant: str
    period: str
    hours: float = Field(description="overtime hours used in the month")


class ShipmentRow(BaseModel):
    sku: str
    plant: str
    dc: str
    period: str
    qty: float = Field(description="units shipped in the month (leaving the plant)")
    mode: str | None = Field(None, description="the lane's transport mode, when it names one")


class DcRow(BaseModel):
    """A per-SKU, per-DC quantity in units: end-of-month stock, lost demand or SS shortfall."""

    sku: str
    dc: str
    period: str
    qty: float


class DemandRow(DcRow):
    """Lost or backordered units of one demand stream: a SKU at a DC, and its class if any."""

    demand_class: str | None = None


class BindingConstraint(BaseModel):
    """A capacity at its limit in the optimal plan.

    `shadow_price` is d(objective)/d(limit) in currency per unit of the limit (per hour for
    plant hours and overtime): ≤ 0, and one more unit of capacity saves |shadow_price|.
    """

    family: Family
    keys: dict[str, str]
    period: str
    limit: float
    used: float
    shadow_price: float | None


class UnmetConstraint(BaseModel):
    """A hard limit the data cannot respect: it needs `excess` more than `limit`."""

    family: Family
    keys: dict[str, str]
    period: str
    limit: float
    excess: float


class OptionRow(BaseModel):
    """What the plan did with one option: taken or not, the capacity it used (in the option's
    units, over the horizon and by month) and what that cost (currency)."""

    option: str
    title: str
    taken: bool
    used: float
    used_by_month: dict[str, float] = Field(default_factory=dict)
    fixed_cost: float
    variable_cost: float

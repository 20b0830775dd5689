"""The tables of a supply-plan instance (docs/SUPPLY_PLAN.md), one pydantic model per row.

They live apart from `SupplyPlanInstance` (supply_plan.py), which holds them and checks that
they agree with one another (supply_plan_instance_checks.py), so each row's own fields, units
and bounds read in one place.

Units: quantities in units per month, hours per month, costs in currency (per unit, per hour,
per unit held at the end of a month).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from sop.tools.periods import MONTH_PATTERN

NonNegative = Annotated[float, Field(ge=0)]
Months = Annotated[int, Field(ge=0, le=120)]
Name = Annotated[str, Field(min_length=1)]
Month = Annotated[str, Field(pattern=MONTH_PATTERN, description="month, YYYY-MM")]


class StrictModel(BaseModel):
    """Rejects unknown fields, so a misspelt key ('holdng_cost') is an error, not a default, and
    non-finite numbers (`Infinity`, `NaN`), which no solver takes, with the field that holds one."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Material(StrictModel):
    supplier: Name
    qty_per_unit: Annotated[float, Field(ge=0, description="supplier units per unit made")]


class Sku(StrictModel):
    sku: Name
    holding_cost: Annotated[float, Field(ge=0, description="currency per unit per month held")]
    unmet_penalty: Annotated[float, Field(ge=0, description="currency per unit of lost demand")]
    ss_penalty: Annotated[float, Field(ge=0, description="currency per unit per month below SS")]
    material: Material | None = None
    backorder_penalty: Annotated[float, Field(ge=0, description="currency per unit per month served late")] = 0.0
    max_backorder_months: Annotated[Months, Field(description="months a unit may wait; 0: no backorders")] = 0


class WorkCentre(StrictModel):
    """A machine or line inside a plant: its own hours, on top of the plant's pool of labour
    hours; overtime does not extend it."""

    work_centre: Name
    hours: list[NonNegative] = Field(description="[T] hours per month")


class Plant(StrictModel):
    plant: Name
    regular_hours: list[NonNegative] = Field(description="[T] hours per month")
    max_overtime_hours: list[NonNegative] = Field(description="[T] hours per month")
    overtime_cost_per_hour: NonNegative
    work_centres: list[WorkCentre] = Field(default_factory=list)


class Routing(StrictModel):
    sku: Name
    plant: Name
    hours_per_unit: NonNegative
    cost_per_unit: NonNegative
    work_centre_hours: dict[str, NonNegative] = Field(
        default_factory=dict, description="hours per unit on each work centre of the plant")
    lot_size: Annotated[float, Field(gt=0, description="units; a month's production is a whole number of lots")] \
        | None = None
    min_batch: Annotated[float, Field(gt=0, description="units; a month makes nothing or at least this")] \
        | None = None


class Dc(StrictModel):
    dc: Name
    storage_capacity: Annotated[float, Field(ge=0, description="units on hand, all SKUs")]


class Lane(StrictModel):
    plant: Name
    dc: Name
    cost_per_unit: NonNegative
    capacity: list[NonNegative] = Field(description="[T] units per month leaving the plant, all SKUs")
    mode: Name | None = Field(None, description="transport mode; one lane per plant, DC and mode")
    transit_months: Annotated[Months, Field(description="a unit shipped in month t arrives in t + this")] = 0


class Supplier(StrictModel):
    supplier: Name
    capacity: list[NonNegative] = Field(description="[T] material units per month, by the month ordered")
    lead_time_months: Annotated[Months, Field(description="material ordered in t is usable in t + this")] = 0
    on_order: list[NonNegative] | None = Field(
        None, description="[T] material units ordered before the plan, usable in each month")


class DemandClass(StrictModel):
    """A class of demand (a customer tier, a channel). Priority 1 is served first: each lost unit
    of a class costs `priority_premium` more per class ranked below it (unclassified demand ranks
    last)."""

    demand_class: Name
    priority: Annotated[int, Field(ge=1)]


class Demand(StrictModel):
    sku: Name
    dc: Name
    qty: list[NonNegative] = Field(description="[T] units per month")
    demand_class: Name | None = None


class PipelineFlow(StrictModel):
    """Units of one SKU already on their way to one DC before the plan, by month of arrival."""

    sku: Name
    dc: Name
    qty: list[NonNegative] = Field(description="[T] units arriving in each month")


OptionFamily = Literal["plant_hours", "supplier", "lane", "storage", "work_centre"]


class SupplyOption(StrictModel):
    """Capacity the plan may buy: overtime beyond the agreed maximum, an added shift, a
    pre-build shift, a second source, a capacity request. The solve takes it or not (a 0/1
    choice when it has a fixed cost) and uses as much of it as pays.

    `amount` adds to the capacity row of `family` and `keys` (the keys a binding limit of that
    family carries, e.g. {"plant": "P1"}) in each month, in the row's units: hours, material units
    by the month ordered, units shipped or stored."""

    option: Name
    family: OptionFamily
    keys: dict[str, str]
    amount: list[NonNegative] = Field(description="[T] capacity added in each month when taken")
    fixed_cost: NonNegative = Field(0.0, description="currency, once, when taken (premiums paid on every hour "
                                                     "added, qualification, capital)")
    cost_per_unit: NonNegative = Field(0.0, description="currency per unit of the added capacity used")
    title: str = ""


class MipSettings(StrictModel):
    """How long HiGHS may search when lot sizes or minimum batches make the plan a MIP."""

    time_limit_seconds: Annotated[float, Field(gt=0)] = 60.0
    mip_rel_gap: Annotated[float, Field(ge=0, le=1, description="stop within this relative gap")] = 0.01


class StockLevel(StrictModel):
    """Initial inventory or safety-stock target of one SKU at one DC, in units."""

    sku: Name
    dc: Name
    qty: NonNegative

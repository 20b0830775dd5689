"""The supply plan's instance and result formats (docs/SUPPLY_PLAN.md), as pydantic models.

A `SupplyPlanInstance` is one planning problem; a `SupplyPlanResult` is the cheapest monthly
plan of production, overtime, shipments and inventory, the demand it leaves unmet, the
safety-stock shortfall, the capacity limits it runs into with their shadow prices, and, for an
infeasible instance, the limits that cannot be met. Their rows are in
`supply_plan_instance_parts` and `supply_plan_result_rows`, the instance's cross-table checks in
`supply_plan_instance_checks`. `supply_plan_lp` builds the linear program and
`supply_plan_solve` solves it and reads the result out.

Units: quantities in units per month, hours per month, costs in currency (per unit, per hour,
per unit held at the end of a month).
"""

from __future__ import annotations

import json
from typing import Annotated

import pandas as pd
from pydantic import BaseModel, Field, model_validator

from sop.tools.supply.supply_plan_instance_checks import instance_problems
from sop.tools.supply.supply_plan_instance_parts import (
    Dc,
    Demand,
    DemandClass,
    Lane,
    MipSettings,
    Month,
    PipelineFlow,
    Plant,
    Routing,
    Sku,
    StockLevel,
    StrictModel,
    Supplier,
    SupplyOption,
)
from sop.tools.supply.supply_plan_result_rows import (
    BindingConstraint,
    DcRow,
    DemandRow,
    OptionRow,
    OvertimeRow,
    ProductionRow,
    ShipmentRow,
    Status,
    UnmetConstraint,
)

# A value at or below this is reported as zero (units, hours): HiGHS' primal feasibility
# tolerance is 1e-7, so smaller values are round-off, not plan.
ZERO = 1e-7


class SupplyPlanInstance(StrictModel):
    """One supply-planning problem, field for field the JSON instance of SUPPLY_PLAN.md."""

    periods: list[Month] = Field(min_length=1)
    skus: list[Sku] = Field(min_length=1)
    plants: list[Plant] = Field(default_factory=list)
    routings: list[Routing] = Field(default_factory=list)
    dcs: list[Dc] = Field(min_length=1)
    lanes: list[Lane] = Field(default_factory=list)
    suppliers: list[Supplier] = Field(default_factory=list)
    demand: list[Demand] = Field(default_factory=list)
    initial_inventory: list[StockLevel] = Field(default_factory=list)
    safety_stock: list[StockLevel] = Field(default_factory=list)
    in_transit: list[PipelineFlow] = Field(default_factory=list)
    demand_classes: list[DemandClass] = Field(default_factory=list)
    priority_premium: Annotated[float, Field(ge=0, description="currency per lost unit per class ranked below")] = 1.0
    mip: MipSettings = Field(default_factory=MipSettings)
    options: list[SupplyOption] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> SupplyPlanInstance:
        problems = instance_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self


class SupplyPlanResult(BaseModel):
    """The result format of SUPPLY_PLAN.md; rows whose quantity is zero are left out."""

    status: Status
    objective: float | None = None
    production: list[ProductionRow] = Field(default_factory=list)
    overtime: list[OvertimeRow] = Field(default_factory=list)
    shipments: list[ShipmentRow] = Field(default_factory=list)
    inventory: list[DcRow] = Field(default_factory=list)
    unmet: list[DemandRow] = Field(default_factory=list)
    ss_shortfall: list[DcRow] = Field(default_factory=list)
    binding: list[BindingConstraint] = Field(default_factory=list)
    diagnosis: list[UnmetConstraint] = Field(default_factory=list)
    message: str = ""
    in_transit: list[DcRow] = Field(default_factory=list, description="units on the way at the end of the month")
    backorders: list[DemandRow] = Field(default_factory=list, description="units owed at the end of the month")
    mip_gap: float | None = Field(None, description="relative MIP gap HiGHS reports; None for an LP")
    options: list[OptionRow] = Field(default_factory=list, description="every option of the instance")


def binding_frame(plan: SupplyPlanResult) -> pd.DataFrame:
    """The binding limits as a flat table (keys as sorted JSON), the way a store keeps them."""
    columns = list(BindingConstraint.model_fields)
    return pd.DataFrame([{**b.model_dump(), "keys": json.dumps(b.keys, sort_keys=True)} for b in plan.binding],
                        columns=columns)


def binding_rows(frame: pd.DataFrame) -> list[dict]:
    """`binding_frame` read back: the `binding` list of a `SupplyPlanResult`."""
    rows = frame[list(BindingConstraint.model_fields)].astype(object).where(frame.notna(), None)
    return [{**r, "keys": json.loads(r["keys"])} for r in rows.to_dict("records")]

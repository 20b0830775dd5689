"""The supply plan's instance and result formats (docs/SUPPLY_PLAN.md), as pydantic models.

A `SupplyPlanInstance` is one planning problem; a `SupplyPlanResult` is the cheapest monthly
plan of production, overtime, shipments and inventory, the demand it leaves unmet, the
safety-stock shortfall, the capacity limits it runs into with their shadow prices, and, for an
infeasible instance, the limits that cannot be met. `supply_plan_lp` builds the linear program
and `supply_plan_solve` solves it and reads the result out.

Units: quantities in units per month, hours per month, costs in currency (per unit, per hour,
per unit held at the end of a month).
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Sequence
from itertools import pairwise
from typing import Annotated, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sop.tools.periods import MONTH_PATTERN, month_number

NonNegative = Annotated[float, Field(ge=0)]
Name = Annotated[str, Field(min_length=1)]
Month = Annotated[str, Field(pattern=MONTH_PATTERN, description="month, YYYY-MM")]

# A value at or below this is reported as zero (units, hours): HiGHS' primal feasibility
# tolerance is 1e-7, so smaller values are round-off, not plan.
ZERO = 1e-7


class _Strict(BaseModel):
    """Rejects unknown fields, so a misspelt key ('holdng_cost') is an error, not a default, and
    non-finite numbers (`Infinity`, `NaN`), which no solver takes, with the field that holds one."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


# ---------------------------------------------------------------------------------------------
# Instance format
# ---------------------------------------------------------------------------------------------


class Material(_Strict):
    supplier: Name
    qty_per_unit: Annotated[float, Field(ge=0, description="supplier units per unit made")]


class Sku(_Strict):
    sku: Name
    holding_cost: Annotated[float, Field(ge=0, description="currency per unit per month held")]
    unmet_penalty: Annotated[float, Field(ge=0, description="currency per unit of lost demand")]
    ss_penalty: Annotated[float, Field(ge=0, description="currency per unit per month below SS")]
    material: Material | None = None


class Plant(_Strict):
    plant: Name
    regular_hours: list[NonNegative] = Field(description="[T] hours per month")
    max_overtime_hours: list[NonNegative] = Field(description="[T] hours per month")
    overtime_cost_per_hour: NonNegative


class Routing(_Strict):
    sku: Name
    plant: Name
    hours_per_unit: NonNegative
    cost_per_unit: NonNegative


class Dc(_Strict):
    dc: Name
    storage_capacity: Annotated[float, Field(ge=0, description="units on hand, all SKUs")]


class Lane(_Strict):
    plant: Name
    dc: Name
    cost_per_unit: NonNegative
    capacity: list[NonNegative] = Field(description="[T] units per month, all SKUs")


class Supplier(_Strict):
    supplier: Name
    capacity: list[NonNegative] = Field(description="[T] material units per month")


class Demand(_Strict):
    sku: Name
    dc: Name
    qty: list[NonNegative] = Field(description="[T] units per month")


class StockLevel(_Strict):
    """Initial inventory or safety-stock target of one SKU at one DC, in units."""

    sku: Name
    dc: Name
    qty: NonNegative


def _duplicates(keys: Sequence[Hashable]) -> list[Hashable]:
    """Each key that appears more than once, once, in the order of its second appearance."""
    seen: set[Hashable] = set()
    repeated: dict[Hashable, None] = {}
    for key in keys:
        if key in seen:
            repeated[key] = None
        seen.add(key)
    return list(repeated)


class SupplyPlanInstance(_Strict):
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

    @model_validator(mode="after")
    def _consistent(self) -> SupplyPlanInstance:
        problems = self._period_order() + self._duplicate_keys() + self._month_lengths() + self._unknown_references()
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _period_order(self) -> list[str]:
        """Stock carries from each month to the next entry, so the periods must be consecutive
        months in calendar order."""
        return [
            f"periods[{i}] {later!r} does not follow {earlier!r}; give consecutive months in calendar order"
            for i, (earlier, later) in enumerate(pairwise(self.periods), start=1)
            if month_number(later) != month_number(earlier) + 1
        ]

    def _duplicate_keys(self) -> list[str]:
        tables: dict[str, Sequence[Hashable]] = {
            "periods": self.periods,
            "skus": [s.sku for s in self.skus],
            "plants": [p.plant for p in self.plants],
            "dcs": [d.dc for d in self.dcs],
            "suppliers": [k.supplier for k in self.suppliers],
            "routings": [(r.sku, r.plant) for r in self.routings],
            "lanes": [(ln.plant, ln.dc) for ln in self.lanes],
            "demand": [(r.sku, r.dc) for r in self.demand],
            "initial_inventory": [(r.sku, r.dc) for r in self.initial_inventory],
            "safety_stock": [(r.sku, r.dc) for r in self.safety_stock],
        }
        return [
            f"{table}: {key!r} appears more than once; merge the rows"
            for table, keys in tables.items()
            for key in _duplicates(keys)
        ]

    def _month_lengths(self) -> list[str]:
        n = len(self.periods)
        lists = (
            [(f"plants[{i}] {p.plant!r}.regular_hours", p.regular_hours) for i, p in enumerate(self.plants)]
            + [(f"plants[{i}] {p.plant!r}.max_overtime_hours", p.max_overtime_hours) for i, p in enumerate(self.plants)]
            + [(f"lanes[{i}] {ln.plant}->{ln.dc}.capacity", ln.capacity) for i, ln in enumerate(self.lanes)]
            + [(f"suppliers[{i}] {k.supplier!r}.capacity", k.capacity) for i, k in enumerate(self.suppliers)]
            + [(f"demand[{i}] {r.sku}@{r.dc}.qty", r.qty) for i, r in enumerate(self.demand)]
        )  # fmt: skip
        return [
            f"{where} has {len(values)} entries but periods has {n}; give one number per month, "
            f"in the order of periods"
            for where, values in lists
            if len(values) != n
        ]

    def _unknown_references(self) -> list[str]:
        known = {
            "sku": {s.sku for s in self.skus},
            "plant": {p.plant for p in self.plants},
            "dc": {d.dc for d in self.dcs},
            "supplier": {k.supplier for k in self.suppliers},
        }
        refs = (
            [(f"routings[{i}]", {"sku": r.sku, "plant": r.plant}) for i, r in enumerate(self.routings)]
            + [(f"lanes[{i}]", {"plant": ln.plant, "dc": ln.dc}) for i, ln in enumerate(self.lanes)]
            + [(f"skus[{i}].material", {"supplier": s.material.supplier})
               for i, s in enumerate(self.skus) if s.material]
            + [(f"{table}[{i}]", {"sku": r.sku, "dc": r.dc})
               for table in ("demand", "initial_inventory", "safety_stock")
               for i, r in enumerate(getattr(self, table))]
        )  # fmt: skip
        return [
            f"{where}: unknown {kind} {name!r}; add it to {kind}s or fix the spelling"
            for where, names in refs
            for kind, name in names.items()
            if name not in known[kind]
        ]


# ---------------------------------------------------------------------------------------------
# Result format
# ---------------------------------------------------------------------------------------------

Status = Literal["optimal", "infeasible", "unbounded", "error"]
Family = Literal["plant_hours", "overtime", "supplier", "lane", "storage"]


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
    qty: float = Field(description="units shipped in the month")


class DcRow(BaseModel):
    """A per-SKU, per-DC quantity in units: end-of-month stock, lost demand or SS shortfall."""

    sku: str
    dc: str
    period: str
    qty: float


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


class SupplyPlanResult(BaseModel):
    """The result format of SUPPLY_PLAN.md; rows whose quantity is zero are left out."""

    status: Status
    objective: float | None = None
    production: list[ProductionRow] = Field(default_factory=list)
    overtime: list[OvertimeRow] = Field(default_factory=list)
    shipments: list[ShipmentRow] = Field(default_factory=list)
    inventory: list[DcRow] = Field(default_factory=list)
    unmet: list[DcRow] = Field(default_factory=list)
    ss_shortfall: list[DcRow] = Field(default_factory=list)
    binding: list[BindingConstraint] = Field(default_factory=list)
    diagnosis: list[UnmetConstraint] = Field(default_factory=list)
    message: str = ""


def binding_frame(plan: SupplyPlanResult) -> pd.DataFrame:
    """The binding limits as a flat table (keys as sorted JSON), the way a store keeps them."""
    columns = list(BindingConstraint.model_fields)
    return pd.DataFrame([{**b.model_dump(), "keys": json.dumps(b.keys, sort_keys=True)} for b in plan.binding],
                        columns=columns)


def binding_rows(frame: pd.DataFrame) -> list[dict]:
    """`binding_frame` read back: the `binding` list of a `SupplyPlanResult`."""
    rows = frame[list(BindingConstraint.model_fields)].astype(object).where(frame.notna(), None)
    return [{**r, "keys": json.loads(r["keys"])} for r in rows.to_dict("records")]

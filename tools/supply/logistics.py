"""Lane capacity and cost of a shipment plan: which plant→DC lanes bind in which month.

A lane is a plant, a DC and, where a plant–DC pair has several, a transport `mode` (the supply
plan's lanes and shipment rows name it), each with its own capacity and cost. Volumes and
capacities are in units per month, costs in currency. Shipment rows for the same lane and month
are added up, so the supply plan's per-SKU shipments can be passed as they are.
A lane is over capacity only beyond the solver's round-off (`ZERO` relative to the capacity):
an LP plan at its limit may ship 9e-12 units more than the capacity, and that is not a flag.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sop.tools.periods import MONTH_PATTERN, month_number
from sop.tools.supply.supply_plan import ZERO

Month = Annotated[str, Field(pattern=MONTH_PATTERN)]


class Lane(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    plant: str = Field(min_length=1)
    dc: str = Field(min_length=1)
    cost_per_unit: float = Field(ge=0, description="freight per unit shipped, currency")
    capacity: list[Annotated[float, Field(ge=0)]] = Field(description="units per month, one per entry of `periods`")
    mode: str | None = Field(None, description="transport mode; one lane per plant, DC and mode")


class Shipment(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    plant: str = Field(min_length=1)
    dc: str = Field(min_length=1)
    period: Month
    qty: float = Field(ge=0, description="units")
    mode: str | None = Field(None, description="the lane's transport mode, when it names one")


class LogisticsPlanInput(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    periods: list[Month] = Field(min_length=1, description="months 'YYYY-MM', in order")
    lanes: list[Lane] = Field(min_length=1)
    shipments: list[Shipment] = Field(default_factory=list)
    binding_utilisation: float = Field(0.999, gt=0, le=1, description="a lane binds at or above this")
    near_utilisation: float = Field(0.9, gt=0, le=1, description="a lane is near capacity at or above this")

    @model_validator(mode="after")
    def _references(self) -> LogisticsPlanInput:
        if len(set(self.periods)) != len(self.periods):
            raise ValueError(f"periods repeat a month: {self.periods}")
        for i in range(1, len(self.periods)):
            if month_number(self.periods[i]) <= month_number(self.periods[i - 1]):
                raise ValueError(f"periods[{i}] {self.periods[i]!r} comes before {self.periods[i - 1]!r}; "
                                 "give the months in calendar order")
        keys = [lane_name(lane) for lane in self.lanes]
        repeated = sorted({k for k in keys if keys.count(k) > 1})
        if repeated:
            raise ValueError(f"lanes {repeated} are listed more than once; give one row per plant→dc and mode")
        for lane in self.lanes:
            if len(lane.capacity) != len(self.periods):
                raise ValueError(f"lane {lane_name(lane)}: capacity has {len(lane.capacity)} values "
                                 f"but there are {len(self.periods)} periods; give one per month")
        known, months = set(keys), set(self.periods)
        for row, s in enumerate(self.shipments):
            if lane_name(s) not in known:
                raise ValueError(f"shipment {row}: lane {lane_name(s)} is not among the lanes; add it or fix the row")
            if s.period not in months:
                raise ValueError(f"shipment {row}: period {s.period} is not among the periods {self.periods}")
        if self.near_utilisation > self.binding_utilisation:
            raise ValueError("near_utilisation must not exceed binding_utilisation")
        return self


class LaneMonth(BaseModel):
    period: str
    volume: float = Field(ge=0, description="units shipped")
    capacity: float = Field(ge=0)
    utilisation: float | None = Field(ge=0, description="volume / capacity; None when the lane is closed (0)")
    cost: float = Field(ge=0)
    binding: bool = Field(description="at the limit: utilisation ≥ binding_utilisation, or volume on a closed lane")
    near_capacity: bool = Field(description="utilisation ≥ near_utilisation; includes binding months")
    over_capacity: bool = Field(description="volume above capacity: the plan cannot ship")


class LanePlan(BaseModel):
    plant: str
    dc: str
    mode: str | None = None
    months: list[LaneMonth]
    total_volume: float = Field(ge=0)
    total_capacity: float = Field(ge=0)
    utilisation: float | None = Field(ge=0, description="total volume / total capacity")
    total_cost: float = Field(ge=0)
    binding_months: int = Field(ge=0)


class BindingLane(BaseModel):
    plant: str
    dc: str
    mode: str | None = None
    period: str
    volume: float
    capacity: float
    utilisation: float | None


class LogisticsPlanOutput(BaseModel):
    lanes: list[LanePlan]
    binding: list[BindingLane] = Field(description="every lane-month at its limit, in lane then period order")
    total_cost: float = Field(ge=0)


def lane_name(row: Lane | Shipment) -> str:
    """'P1→D1', or 'P1→D1 (air)' for a lane with a mode: how messages name a lane."""
    return f"{row.plant}→{row.dc}" + (f" ({row.mode})" if row.mode else "")


def beyond(volume: float, limit: float) -> bool:
    """More than the limit by more than solver round-off (units)."""
    return volume - limit > ZERO * max(1.0, abs(limit))


def lane_month(period: str, volume: float, capacity: float, cost_per_unit: float,
               binding_utilisation: float, near_utilisation: float) -> LaneMonth:
    """Load of one lane in one month; a closed lane (capacity 0) binds only if something ships."""
    utilisation = volume / capacity if capacity > 0 else None
    at_limit = utilisation >= binding_utilisation if utilisation is not None else beyond(volume, 0.0)
    return LaneMonth(
        period=period,
        volume=volume,
        capacity=capacity,
        utilisation=utilisation,
        cost=volume * cost_per_unit,
        binding=at_limit,
        near_capacity=at_limit or (utilisation is not None and utilisation >= near_utilisation),
        over_capacity=beyond(volume, capacity),
    )


def logistics_plan(inp: LogisticsPlanInput) -> LogisticsPlanOutput:
    """The `logistics-plan` tool: volume, utilisation and cost per lane and month, and what binds."""
    volume: dict[tuple[str, str, str | None, str], float] = defaultdict(float)
    for s in inp.shipments:
        volume[(s.plant, s.dc, s.mode, s.period)] += s.qty
    plans, binding = [], []
    for lane in inp.lanes:
        months = [lane_month(period, volume[(lane.plant, lane.dc, lane.mode, period)], capacity, lane.cost_per_unit,
                             inp.binding_utilisation, inp.near_utilisation)
                  for period, capacity in zip(inp.periods, lane.capacity)]
        total_volume = sum(m.volume for m in months)
        total_capacity = sum(lane.capacity)
        plans.append(LanePlan(
            plant=lane.plant,
            dc=lane.dc,
            mode=lane.mode,
            months=months,
            total_volume=total_volume,
            total_capacity=total_capacity,
            utilisation=total_volume / total_capacity if total_capacity > 0 else None,
            total_cost=sum(m.cost for m in months),
            binding_months=sum(m.binding for m in months),
        ))
        binding += [BindingLane(plant=lane.plant, dc=lane.dc, mode=lane.mode, period=m.period, volume=m.volume,
                                capacity=m.capacity, utilisation=m.utilisation) for m in months if m.binding]
    return LogisticsPlanOutput(lanes=plans, binding=binding, total_cost=sum(p.total_cost for p in plans))

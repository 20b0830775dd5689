"""Inventory policy: order quantities, safety stock, reorder points and ABC/XYZ service targets.

Time units: demand is per month and lead times are in months, while ordering and holding costs
are annual, as planners quote them. Quantities are in units and money in the item's currency.
Demand over the lead time is taken as normal with mean μ·L and standard deviation
σ_L = sqrt(L·σd² + μ²·σL²): demand noise over an uncertain lead time (Silver, Pyke & Thomas).
A periodic review (R, S) policy protects over R + L instead: its fill rate is met when the
expected shortage over R + L, σ_{R+L}·G(k), is (1 − β) of the demand of one review period, μ·R.
"""

from __future__ import annotations

import math
from typing import Literal, cast, get_args

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy.optimize import brentq
from scipy.stats import norm

MONTHS_PER_YEAR = 12
SENSITIVITY_LEVELS = (0.90, 0.95, 0.975, 0.98, 0.99, 0.995)
# Rounding guard so that 300/100 packs stays 3 packs despite floating-point noise.
_PACK_TOLERANCE = 1e-9
# Far enough into the tail that G(k) is below any positive target a fill rate < 1 can set.
_MAX_SAFETY_FACTOR = 40.0


# --- building blocks ------------------------------------------------------------------------


def economic_order_quantity(annual_demand: float, ordering_cost: float, annual_holding_cost: float) -> float:
    """Wilson's EOQ in units: sqrt(2·D·K/h), D in units/year, K per order, h per unit-year."""
    return math.sqrt(2 * annual_demand * ordering_cost / annual_holding_cost)


def epq(annual_demand: float, production_rate: float, setup_cost: float, annual_holding_cost: float) -> float:
    """Economic production quantity in units for a plant making at a finite rate.

    Stock builds at (P − D) while the run lasts, so the average inventory is Q·(1 − D/P)/2 and
    Q = sqrt(2·D·K / (h·(1 − D/P))). D and P in units/year, K per set-up, h per unit-year.
    """
    if annual_demand >= production_rate:
        raise ValueError(
            f"annual_demand {annual_demand} must be below production_rate {production_rate}: "
            "a plant that cannot outpace demand runs continuously and has no lot size"
        )
    return math.sqrt(2 * annual_demand * setup_cost / (annual_holding_cost * (1 - annual_demand / production_rate)))


def newsvendor_quantity(mean_demand: float, demand_std: float, underage_cost: float, overage_cost: float) -> float:
    """Units to buy once for a single selling season with normal demand (critical fractile).

    Buy up to the demand quantile Cu/(Cu + Co): Cu is the margin lost per unit short, Co the
    loss per unit left over (cost minus salvage).
    """
    return mean_demand + demand_std * float(norm.ppf(underage_cost / (underage_cost + overage_cost)))


def lead_time_demand_std(mean_demand: float, demand_std: float, lead_time: float, lead_time_std: float) -> float:
    """Standard deviation of demand over a lead time in units: sqrt(L·σd² + μ²·σL²)."""
    return math.sqrt(lead_time * demand_std**2 + mean_demand**2 * lead_time_std**2)


def normal_loss(k: float) -> float:
    """Standard normal loss function G(k) = φ(k) − k·(1 − Φ(k)): expected units short per σ."""
    return float(norm.pdf(k) - k * norm.sf(k))


def fill_rate_safety_factor(fill_rate: float, order_quantity: float, sigma: float) -> float:
    """Safety factor k that meets a fill rate, from σ·G(k) = (1 − fill_rate)·Q.

    The expected shortage per replenishment cycle may be (1 − fill_rate) of the order quantity.
    k is floored at 0. When the order quantity alone meets the target (σ·G(0) ≤ (1−β)·Q), k = 0
    already over-delivers the fill rate; a negative k would put the reorder point below mean
    lead-time demand and plan a stock-out in more than half of all cycles, a policy that
    meets its fill rate only on paper. With no demand uncertainty (σ = 0), k = 0.
    """
    if sigma == 0:
        return 0.0
    target = (1 - fill_rate) * order_quantity / sigma
    if target >= normal_loss(0.0):
        return 0.0
    return float(brentq(lambda k: normal_loss(k) - target, 0.0, _MAX_SAFETY_FACTOR))


def round_order_quantity(quantity: float, moq: float, pack_size: float) -> float:
    """Raise a quantity to the MOQ, then up to a whole number of packs (pack_size 0 = loose units)."""
    quantity = max(quantity, moq)
    if pack_size == 0:
        return quantity
    return math.ceil(quantity / pack_size - _PACK_TOLERANCE) * pack_size


# --- reorder-calc ---------------------------------------------------------------------------


class DemandProfile(BaseModel):
    """What safety stock depends on: monthly demand, lead time and its spread, and unit cost."""

    model_config = ConfigDict(allow_inf_nan=False)

    sku: str = Field(min_length=1)
    mean_demand: float = Field(ge=0, description="mean demand, units per month; 0 gets a zero policy")
    demand_std: float = Field(ge=0, description="standard deviation of monthly demand, units")
    lead_time: float = Field(ge=0, description="mean replenishment lead time, months")
    lead_time_std: float = Field(0.0, ge=0, description="standard deviation of lead time, months")
    unit_cost: float = Field(gt=0, description="cost per unit, currency")


class ReorderItem(DemandProfile):
    """One SKU's inputs to `reorder_calc`; set exactly one of service_level and fill_rate."""

    ordering_cost: float = Field(gt=0, description="cost per order placed, currency")
    holding_rate: float = Field(gt=0, description="holding cost per year as a fraction of unit cost")
    service_level: float | None = Field(None, gt=0, lt=1, description="cycle service level: P(no stock-out per cycle)")
    fill_rate: float | None = Field(None, gt=0, lt=1, description="share of demand served from stock")
    review_period: float = Field(0.0, ge=0, description="months between reviews; 0 = continuous review")
    moq: float = Field(0.0, ge=0, description="minimum order quantity, units")
    pack_size: float = Field(0.0, ge=0, description="orders are whole packs of this many units; 0 = any quantity")

    @model_validator(mode="after")
    def _one_service_target(self) -> ReorderItem:
        if (self.service_level is None) == (self.fill_rate is None):
            raise ValueError(
                f"item {self.sku!r}: give exactly one of service_level (cycle service level) "
                f"or fill_rate, got service_level={self.service_level}, fill_rate={self.fill_rate}"
            )
        return self


class ReorderCalcInput(BaseModel):
    items: list[ReorderItem] = Field(min_length=1)


class ReorderResult(BaseModel):
    """Policy for one SKU. Units unless named otherwise; costs in currency per year."""

    sku: str
    z: float = Field(description="safety factor: SS = z·σ_L")
    cycle_service_level: float = Field(ge=0, le=1, description="Φ(z): chance a cycle has no stock-out")
    eoq_unconstrained: float = Field(ge=0, description="Wilson EOQ before MOQ and pack rounding")
    eoq: float = Field(ge=0, description="order quantity: EOQ raised to the MOQ and whole packs")
    lead_time_demand_std: float = Field(ge=0, description="σ_L over the lead time")
    safety_stock: float
    reorder_point: float
    order_up_to: float = Field(description="periodic review level for R + L; equals the reorder point when R = 0")
    order_up_to_factor: float | None = Field(None, description="safety factor of the order-up-to level over R + L")
    cycle_stock: float = Field(ge=0)
    annual_ordering_cost: float = Field(ge=0)
    annual_holding_cost: float
    note: str = Field("", description="why the policy is special, e.g. zero for an item without demand")


class ReorderCalcOutput(BaseModel):
    items: list[ReorderResult]


def safety_factor(item: ReorderItem, order_quantity: float, sigma: float) -> float:
    """z from the cycle service level, or k from the fill rate for this order quantity and σ_L."""
    if item.fill_rate is not None:
        return fill_rate_safety_factor(item.fill_rate, order_quantity, sigma)
    return float(norm.ppf(item.service_level))


def order_up_to_factor(item: ReorderItem, z: float, sigma_rl: float) -> float:
    """Safety factor of the (R, S) level over R + L: z for a cycle service level; for a fill rate
    k from σ_{R+L}·G(k) = (1 − β)·μ·R, the shortage allowed per review period (units). Under
    continuous review (R = 0) the reorder point's factor."""
    if item.fill_rate is None or item.review_period == 0:
        return z
    return fill_rate_safety_factor(item.fill_rate, item.mean_demand * item.review_period, sigma_rl)


def zero_policy(item: ReorderItem) -> ReorderResult:
    """No demand (a discontinued or not yet launched item): nothing to order, nothing to hold."""
    return ReorderResult(
        sku=item.sku, z=0.0, cycle_service_level=1.0, eoq_unconstrained=0.0, eoq=0.0, lead_time_demand_std=0.0,
        safety_stock=0.0, reorder_point=0.0, order_up_to=0.0, order_up_to_factor=0.0, cycle_stock=0.0,
        annual_ordering_cost=0.0, annual_holding_cost=0.0,
        note="no demand (mean_demand 0): a zero policy; discontinued or not yet launched",
    )


def reorder_policy(item: ReorderItem) -> ReorderResult:
    """EOQ, safety stock, reorder point and order-up-to level for one SKU.

    A fill rate is met on the order quantity actually placed (after MOQ and pack rounding) over
    the lead time: σ_L·G(k) = (1 − fill_rate)·Q, SS = k·σ_L. The order-up-to level S of a
    periodic review protects over R + L and replenishes one review period's demand per cycle,
    so its factor comes from σ_{R+L}·G(k) = (1 − fill_rate)·μ·R (`order_up_to_factor`).
    An item without demand gets a zero policy with a note.
    """
    if item.mean_demand == 0:
        return zero_policy(item)
    annual_demand = MONTHS_PER_YEAR * item.mean_demand
    unit_holding_cost = item.holding_rate * item.unit_cost
    eoq_raw = economic_order_quantity(annual_demand, item.ordering_cost, unit_holding_cost)
    quantity = round_order_quantity(eoq_raw, item.moq, item.pack_size)
    sigma_l = lead_time_demand_std(item.mean_demand, item.demand_std, item.lead_time, item.lead_time_std)
    z = safety_factor(item, quantity, sigma_l)
    safety_stock = z * sigma_l
    reorder_point = item.mean_demand * item.lead_time + safety_stock
    protection = item.review_period + item.lead_time
    sigma_rl = lead_time_demand_std(item.mean_demand, item.demand_std, protection, item.lead_time_std)
    k_review = order_up_to_factor(item, z, sigma_rl)
    return ReorderResult(
        sku=item.sku,
        z=z,
        cycle_service_level=float(norm.cdf(z)),
        eoq_unconstrained=eoq_raw,
        eoq=quantity,
        lead_time_demand_std=sigma_l,
        safety_stock=safety_stock,
        reorder_point=reorder_point,
        order_up_to=item.mean_demand * protection + k_review * sigma_rl,
        order_up_to_factor=k_review,
        cycle_stock=quantity / 2,
        annual_ordering_cost=item.ordering_cost * annual_demand / quantity,
        annual_holding_cost=unit_holding_cost * (quantity / 2 + safety_stock),
    )


def reorder_calc(inp: ReorderCalcInput) -> ReorderCalcOutput:
    """The `reorder-calc` tool: one policy per item, in input order."""
    return ReorderCalcOutput(items=[reorder_policy(item) for item in inp.items])


# --- ABC/XYZ segmentation -------------------------------------------------------------------

Segment = Literal["AX", "AY", "AZ", "BX", "BY", "BZ", "CX", "CY", "CZ"]
SEGMENTS: tuple[Segment, ...] = get_args(Segment)
DEFAULT_SERVICE_TARGETS: dict[Segment, float] = {
    "AX": 0.98, "AY": 0.97, "AZ": 0.95,
    "BX": 0.97, "BY": 0.95, "BZ": 0.93,
    "CX": 0.95, "CY": 0.92, "CZ": 0.90,
}


class AbcXyzItem(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    sku: str = Field(min_length=1)
    revenue: float = Field(ge=0, description="revenue over the analysis window, currency")
    monthly_demand: list[float] = Field(min_length=2, description="demand per month, units")


class AbcXyzInput(BaseModel):
    """Items plus the cut-offs: A up to a_share of cumulative revenue, B the next b_share."""

    model_config = ConfigDict(allow_inf_nan=False)

    items: list[AbcXyzItem] = Field(min_length=1)
    a_share: float = Field(0.80, gt=0, lt=1)
    b_share: float = Field(0.15, gt=0, lt=1)
    x_max_cv: float = Field(0.5, gt=0)
    y_max_cv: float = Field(1.0, gt=0)
    service_targets: dict[Segment, float] = Field(default_factory=lambda: dict(DEFAULT_SERVICE_TARGETS))

    @model_validator(mode="after")
    def _consistent(self) -> AbcXyzInput:
        if self.a_share + self.b_share >= 1:
            raise ValueError(f"a_share + b_share = {self.a_share + self.b_share} must be below 1 to leave room for C")
        if self.y_max_cv <= self.x_max_cv:
            raise ValueError(f"y_max_cv {self.y_max_cv} must exceed x_max_cv {self.x_max_cv}")
        missing = [s for s in SEGMENTS if s not in self.service_targets]
        if missing:
            raise ValueError(f"service_targets lacks segments {missing}; give a level for all nine")
        bad = {s: v for s, v in self.service_targets.items() if not 0 < v < 1}
        if bad:
            raise ValueError(f"service_targets must lie strictly between 0 and 1, got {bad}")
        skus = [i.sku for i in self.items]
        duplicates = sorted({s for s in skus if skus.count(s) > 1})
        if duplicates:
            raise ValueError(f"SKUs {duplicates} appear more than once; give one row per SKU")
        if sum(i.revenue for i in self.items) <= 0:
            raise ValueError("total revenue is 0: ABC needs at least one item with revenue")
        return self


class AbcXyzResult(BaseModel):
    sku: str
    revenue_share: float = Field(ge=0, le=1)
    cumulative_share: float = Field(ge=0, le=1, description="share of this item and all ranked above it")
    abc: Literal["A", "B", "C"]
    cv: float | None = Field(ge=0, description="std/mean of monthly demand; None when mean demand is 0")
    xyz: Literal["X", "Y", "Z"]
    segment: Segment
    service_level: float = Field(gt=0, lt=1)


class AbcXyzOutput(BaseModel):
    items: list[AbcXyzResult]


def demand_cv(monthly_demand: list[float]) -> float | None:
    """Coefficient of variation of monthly demand (population std / mean); None if mean is 0."""
    values = np.asarray(monthly_demand, dtype=float)
    mean = values.mean()
    return float(values.std() / mean) if mean > 0 else None


def xyz_class(cv: float | None, x_max_cv: float, y_max_cv: float) -> Literal["X", "Y", "Z"]:
    """X: steady, Y: variable, Z: erratic. No mean demand counts as erratic."""
    if cv is None or cv > y_max_cv:
        return "Z"
    return "X" if cv <= x_max_cv else "Y"


def abc_xyz(inp: AbcXyzInput) -> AbcXyzOutput:
    """Segment items by revenue (ABC) and demand variability (XYZ), with a service target each.

    Items are ranked by revenue (ties by SKU). An item is A while the share held by the items
    ranked above it is below a_share, so the item that crosses 80 % is still A; likewise B up to
    a_share + b_share. Results come back in input order.
    """
    total = sum(i.revenue for i in inp.items)
    ranked = sorted(inp.items, key=lambda i: (-i.revenue, i.sku))
    cumulative: dict[str, tuple[float, float]] = {}
    running = 0.0
    for item in ranked:
        share = item.revenue / total
        cumulative[item.sku] = (running, running + share)
        running += share
    results = []
    for item in inp.items:
        before, after = cumulative[item.sku]
        abc = "A" if before < inp.a_share else "B" if before < inp.a_share + inp.b_share else "C"
        cv = demand_cv(item.monthly_demand)
        xyz = xyz_class(cv, inp.x_max_cv, inp.y_max_cv)
        segment = cast(Segment, abc + xyz)  # "A".."C" + "X".."Z": mypy cannot add literal strings
        results.append(AbcXyzResult(
            sku=item.sku,
            revenue_share=item.revenue / total,
            cumulative_share=min(after, 1.0),
            abc=abc,
            cv=cv,
            xyz=xyz,
            segment=segment,
            service_level=inp.service_targets[segment],
        ))
    return AbcXyzOutput(items=results)


# --- service-level sensitivity --------------------------------------------------------------


class ServiceSensitivityInput(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    items: list[DemandProfile] = Field(min_length=1)
    levels: list[float] = Field(default_factory=lambda: list(SENSITIVITY_LEVELS), min_length=1)

    @model_validator(mode="after")
    def _levels_are_probabilities(self) -> ServiceSensitivityInput:
        bad = [p for p in self.levels if not 0 < p < 1]
        if bad:
            raise ValueError(f"service levels must lie strictly between 0 and 1, got {bad}")
        return self


class ServiceLevelCost(BaseModel):
    service_level: float = Field(gt=0, lt=1)
    z: float
    safety_stock_units: float
    safety_stock_value: float = Field(description="Σ units × unit_cost, currency")


class ServiceSensitivityOutput(BaseModel):
    levels: list[ServiceLevelCost]


def service_sensitivity(inp: ServiceSensitivityInput) -> ServiceSensitivityOutput:
    """Total safety stock (units and investment) if every item ran at each cycle service level.

    Shows planners what the last points of service cost: z grows fast above 0.98.
    """
    sigmas = np.array([lead_time_demand_std(i.mean_demand, i.demand_std, i.lead_time, i.lead_time_std)
                       for i in inp.items])
    costs = np.array([i.unit_cost for i in inp.items])
    rows = []
    for level in inp.levels:
        z = float(norm.ppf(level))
        rows.append(ServiceLevelCost(
            service_level=level,
            z=z,
            safety_stock_units=float(z * sigmas.sum()),
            safety_stock_value=float(z * (sigmas * costs).sum()),
        ))
    return ServiceSensitivityOutput(levels=rows)

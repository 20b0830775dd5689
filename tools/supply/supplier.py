"""The supplier scorecard's formats: purchase-order receipts in, scorecards out.

A purchase order counts in a window when it was received in that window: quality, delivery,
price and lead time are all observed at receipt. Open orders are counted, not scored.
Rates are fractions (0.95 = 95 %); lead times are in days; money is in the PO currency.
`supplier_metrics` measures the receipts, `supplier_scores` scores and tiers them,
`supplier_risks` finds the risks and `supplier_scorecard` is the tool.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from sop.tools.periods import MONTH_PATTERN

Tier = Literal["strategic partner", "preferred", "approved", "development", "at risk"]
# Lowest weighted score of each tier, best first; anything below the last is "at risk".
TIER_FLOORS: tuple[tuple[float, Tier], ...] = (
    (90.0, "strategic partner"), (80.0, "preferred"), (70.0, "approved"), (60.0, "development"),
)


class DeliveryRecord(BaseModel):
    """One purchase order line as delivered; received_date is None while the PO is open."""

    po_id: str = Field(min_length=1)
    supplier: str = Field(min_length=1)
    sku: str = Field(min_length=1)
    order_date: date
    promised_date: date
    received_date: date | None = None
    qty_ordered: float = Field(gt=0, description="units")
    qty_received: float = Field(0.0, ge=0, description="units")
    qty_defective: float = Field(0.0, ge=0, description="units found defective at receipt")
    qty_returned: float = Field(0.0, ge=0, description="units sent back to the supplier")
    unit_price: float = Field(ge=0, description="price paid per unit")
    list_price: float = Field(gt=0, description="catalogue or benchmark price per unit")

    @model_validator(mode="after")
    def _consistent(self) -> DeliveryRecord:
        where = f"PO {self.po_id!r}"
        if self.promised_date < self.order_date:
            raise ValueError(f"{where}: promised_date {self.promised_date} is before order_date {self.order_date}")
        if self.received_date is None and self.qty_received > 0:
            raise ValueError(f"{where}: qty_received is {self.qty_received} but received_date is empty; set the date")
        if self.received_date is not None:
            if self.received_date < self.order_date:
                raise ValueError(f"{where}: received_date {self.received_date} is before order_date {self.order_date}")
            if self.qty_received == 0:
                raise ValueError(f"{where}: received_date is set but qty_received is 0; clear the date if nothing came")
        for name in ("qty_defective", "qty_returned"):
            if getattr(self, name) > self.qty_received:
                raise ValueError(f"{where}: {name} {getattr(self, name)} exceeds qty_received {self.qty_received}")
        return self


class ScorecardWeights(BaseModel):
    """Weights of the four category scores; they must sum to 1."""

    quality: float = Field(0.40, ge=0, le=1)
    delivery: float = Field(0.30, ge=0, le=1)
    cost: float = Field(0.20, ge=0, le=1)
    responsiveness: float = Field(0.10, ge=0, le=1)

    @model_validator(mode="after")
    def _sum_to_one(self) -> ScorecardWeights:
        total = self.quality + self.delivery + self.cost + self.responsiveness
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(f"scorecard weights sum to {total:.6g}; adjust them to sum to 1")
        return self


class ItemSource(BaseModel):
    """One approved supplier of a SKU; a SKU with a single row is single-sourced."""

    sku: str = Field(min_length=1)
    supplier: str = Field(min_length=1)


class SupplierMonthLoad(BaseModel):
    """Planned material from a supplier in a month against what it can supply, in units."""

    supplier: str = Field(min_length=1)
    period: str = Field(pattern=MONTH_PATTERN)
    planned_qty: float = Field(ge=0)
    capacity: float = Field(gt=0)


class SupplierScorecardInput(BaseModel):
    records: list[DeliveryRecord] = Field(min_length=1)
    period_start: date
    period_end: date
    weights: ScorecardWeights = Field(default_factory=ScorecardWeights)
    item_sources: list[ItemSource] = Field(default_factory=list)
    capacity_plan: list[SupplierMonthLoad] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> SupplierScorecardInput:
        if self.period_end < self.period_start:
            raise ValueError(f"period_end {self.period_end} is before period_start {self.period_start}")
        po_ids = [r.po_id for r in self.records]
        duplicates = sorted({p for p in po_ids if po_ids.count(p) > 1})
        if duplicates:
            raise ValueError(f"po_id values {duplicates} appear more than once; each PO needs one row")
        loads = [(m.supplier, m.period) for m in self.capacity_plan]
        repeated = sorted({k for k in loads if loads.count(k) > 1})
        if repeated:
            raise ValueError(f"capacity_plan repeats (supplier, period) {repeated}; give one row each")
        return self


# --- outputs ----------------------------------------------------------------------------------


class SupplierMetrics(BaseModel):
    """Performance on the POs received in a window."""

    received_pos: int = Field(ge=1)
    qty_ordered: float = Field(gt=0)
    qty_received: float = Field(gt=0)
    ppm: float = Field(ge=0, description="defective units per million received")
    first_pass_yield: float = Field(ge=0, le=1)
    return_rate: float = Field(ge=0, le=1)
    on_time_delivery: float = Field(ge=0, le=1, description="share of POs received on or before the promise")
    fill_rate: float = Field(ge=0, description="received / ordered; above 1 means over-delivery")
    mean_lead_time_days: float = Field(ge=0)
    lead_time_variance_days2: float = Field(ge=0, description="population variance of lead time, days²")
    spend: float = Field(ge=0, description="Σ unit_price · qty_received")
    price_index: float = Field(ge=0, description="spend at paid over list prices × 100")
    cost_savings: float = Field(le=1, description="1 − price_index/100; negative means above list")


class CategoryScores(BaseModel):
    quality: float = Field(ge=0, le=100)
    delivery: float = Field(ge=0, le=100)
    cost: float = Field(ge=0, le=100)
    responsiveness: float = Field(ge=0, le=100)


class QuarterScore(BaseModel):
    quarter: str = Field(description="e.g. 2025Q3")
    start: date
    end: date
    score: float | None = Field(description="None when nothing was received in the quarter")
    change: float | None = Field(description="points against the previous quarter")
    flagged: bool = Field(description="the score moved more than 5 points")


class CapacityMonth(BaseModel):
    period: str
    planned_qty: float
    capacity: float
    utilisation: float = Field(ge=0)
    flagged: bool = Field(description="utilisation above 0.9")


class SupplierRisks(BaseModel):
    single_source_skus: list[str] = Field(description="SKUs this supplier alone provides")
    spend_share: float = Field(ge=0, le=1, description="this supplier's share of all spend in the period")
    single_source_spend_share: float = Field(ge=0, le=1, description="share of all spend on its single-source SKUs")
    capacity: list[CapacityMonth]
    capacity_flag: bool
    last_quarter_lead_time_days: float | None
    prior_lead_time_days: float | None = Field(description="mean over the three quarters before the last")
    lead_time_drift: float | None = Field(description="last / prior − 1")
    lead_time_drift_flag: bool = Field(description="the last quarter is more than 10 % slower")


class SupplierScorecard(BaseModel):
    supplier: str
    metrics: SupplierMetrics
    open_pos: int = Field(ge=0, description="ordered by period_end and not received by then")
    past_due_pos: int = Field(ge=0, description="open POs whose promised date is before period_end")
    scores: CategoryScores
    weighted_score: float = Field(ge=0, le=100)
    tier: Tier
    trend: list[QuarterScore]
    risks: SupplierRisks
    actions: list[str]


class SupplierScorecardOutput(BaseModel):
    scorecards: list[SupplierScorecard] = Field(description="one per supplier with receipts, by supplier id")
    unscored_suppliers: list[str] = Field(description="named in the input but with nothing received in the period")

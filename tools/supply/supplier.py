"""Supplier scorecards: delivery metrics, category scores, tiers, quarterly trend, risks, actions.

A purchase order counts in a window when it was received in that window: quality, delivery,
price and lead time are all observed at receipt. Open orders are counted, not scored.
Rates are fractions (0.95 = 95 %); lead times are in days; money is in the PO currency.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, timedelta
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field, model_validator

from sop.tools.periods import MONTH_PATTERN

Tier = Literal["strategic partner", "preferred", "approved", "development", "at risk"]
# Lowest weighted score of each tier, best first; anything below the last is "at risk".
TIER_FLOORS: tuple[tuple[float, Tier], ...] = (
    (90.0, "strategic partner"), (80.0, "preferred"), (70.0, "approved"), (60.0, "development"),
)
TIER_ACTIONS: dict[Tier, tuple[str, ...]] = {
    "strategic partner": (
        "Hold a quarterly executive business review with joint improvement and innovation goals",
        "Share the 18-month consensus forecast and agree capacity reservations",
        "Offer multi-year agreements and first call on new business",
    ),
    "preferred": (
        "Hold a semi-annual business review",
        "Agree an improvement target on the weakest category score",
        "Prefer for new business within the current categories",
    ),
    "approved": (
        "Review the scorecard quarterly with the supplier",
        "Set improvement targets for every category scoring below 70",
        "Keep volumes at current levels until the score improves",
    ),
    "development": (
        "Agree a supplier development plan with monthly progress reviews",
        "Run root-cause analysis on the weakest category",
        "Hold new business until the score reaches 70",
    ),
    "at risk": (
        "Issue a formal corrective action request (8D) with a 30-day response",
        "Start qualifying a second source for the supplier's SKUs",
        "Freeze new business and raise incoming inspection",
        "Escalate with weekly reviews until the score reaches 60",
    ),
}
TREND_QUARTERS = 4
TREND_FLAG_POINTS = 5.0
CAPACITY_FLAG_UTILISATION = 0.9
LEAD_TIME_DRIFT_FLAG = 0.10
# Score scales: the value at which a metric's score reaches 0 (or 100), see each *_score function.
PPM_AT_ZERO = 10_000.0
FPY_AT_ZERO = 0.95
PRICE_INDEX_AT_FULL = 95.0
PRICE_INDEX_AT_ZERO = 115.0
LEAD_TIME_CV_AT_ZERO = 0.5


# --- inputs -----------------------------------------------------------------------------------


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


# --- metrics and scores -----------------------------------------------------------------------


def lead_time_days(record: DeliveryRecord) -> int:
    return (record.received_date - record.order_date).days


def receipt_metrics(received: list[DeliveryRecord]) -> SupplierMetrics:
    """Quality, delivery, lead-time and price metrics over received POs."""
    qty_received = sum(r.qty_received for r in received)
    qty_defective = sum(r.qty_defective for r in received)
    lead_times = np.array([lead_time_days(r) for r in received], dtype=float)
    spend = sum(r.unit_price * r.qty_received for r in received)
    price_index = 100 * spend / sum(r.list_price * r.qty_received for r in received)
    return SupplierMetrics(
        received_pos=len(received),
        qty_ordered=sum(r.qty_ordered for r in received),
        qty_received=qty_received,
        ppm=1e6 * qty_defective / qty_received,
        first_pass_yield=1 - qty_defective / qty_received,
        return_rate=sum(r.qty_returned for r in received) / qty_received,
        on_time_delivery=sum(r.received_date <= r.promised_date for r in received) / len(received),
        fill_rate=qty_received / sum(r.qty_ordered for r in received),
        mean_lead_time_days=float(lead_times.mean()),
        lead_time_variance_days2=float(lead_times.var()),
        spend=spend,
        price_index=price_index,
        cost_savings=1 - price_index / 100,
    )


def _scale(value: float, at_zero: float, at_full: float) -> float:
    """Linear 0–100 score: 0 at `at_zero`, 100 at `at_full`, clamped outside."""
    return 100 * min(1.0, max(0.0, (value - at_zero) / (at_full - at_zero)))


def quality_score(ppm: float, first_pass_yield: float) -> float:
    """Mean of a strict PPM scale (100 at 0 PPM, 0 at 10 000 PPM = 1 % defective) and a lenient
    FPY scale (100 at 100 %, 0 at 95 %), so suppliers between 1 % and 5 % defects still rank."""
    return (_scale(ppm, PPM_AT_ZERO, 0.0) + _scale(first_pass_yield, FPY_AT_ZERO, 1.0)) / 2


def delivery_score(on_time_delivery: float, fill_rate: float) -> float:
    """Mean of OTD and fill rate in percent; over-delivery counts as a full fill."""
    return 100 * (on_time_delivery + min(fill_rate, 1.0)) / 2


def cost_score(price_index: float) -> float:
    """100 at 5 % or more below list (index ≤ 95), 75 at list, 0 at 15 % above list (≥ 115)."""
    return _scale(price_index, PRICE_INDEX_AT_ZERO, PRICE_INDEX_AT_FULL)


def responsiveness_score(mean_lead_time_days: float, lead_time_variance_days2: float) -> float:
    """Reliability of lead time: 100 at a constant lead time, 0 when its coefficient of
    variation reaches 0.5. Drift between quarters is reported as a risk, not scored."""
    cv = math.sqrt(lead_time_variance_days2) / mean_lead_time_days if mean_lead_time_days > 0 else 0.0
    return _scale(cv, LEAD_TIME_CV_AT_ZERO, 0.0)


def category_scores(m: SupplierMetrics) -> CategoryScores:
    return CategoryScores(
        quality=quality_score(m.ppm, m.first_pass_yield),
        delivery=delivery_score(m.on_time_delivery, m.fill_rate),
        cost=cost_score(m.price_index),
        responsiveness=responsiveness_score(m.mean_lead_time_days, m.lead_time_variance_days2),
    )


def weighted_score(scores: CategoryScores, weights: ScorecardWeights) -> float:
    """Σ weight × category score, 0–100; capped at 100 as weights may sum to 1 only within 1e-6."""
    return min(100.0, weights.quality * scores.quality + weights.delivery * scores.delivery
            + weights.cost * scores.cost + weights.responsiveness * scores.responsiveness)


def supplier_tier(score: float) -> Tier:
    """Strategic partner ≥ 90, preferred ≥ 80, approved ≥ 70, development ≥ 60, else at risk."""
    return next((tier for floor, tier in TIER_FLOORS if score >= floor), "at risk")


def score_receipts(received: list[DeliveryRecord], weights: ScorecardWeights) -> float:
    return weighted_score(category_scores(receipt_metrics(received)), weights)


# --- calendar quarters ------------------------------------------------------------------------


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def trend_quarters(period_end: date, count: int = TREND_QUARTERS) -> list[tuple[str, date, date]]:
    """The `count` calendar quarters ending with the one holding period_end, oldest first.

    The last quarter is cut at period_end. Each entry is (label, first day, last day).
    """
    quarters = []
    start = quarter_start(period_end)
    end = period_end
    for _ in range(count):
        quarters.append((f"{start.year}Q{(start.month - 1) // 3 + 1}", start, end))
        end = start - timedelta(days=1)
        start = quarter_start(end)
    return quarters[::-1]


def received_between(records: list[DeliveryRecord], start: date, end: date) -> list[DeliveryRecord]:
    return [r for r in records if r.received_date is not None and start <= r.received_date <= end]


def quarterly_trend(records: list[DeliveryRecord], period_end: date, weights: ScorecardWeights) -> list[QuarterScore]:
    """Score per quarter, flagging a move of more than 5 points from the previous scored quarter."""
    trend: list[QuarterScore] = []
    previous: float | None = None
    for label, start, end in trend_quarters(period_end):
        received = received_between(records, start, end)
        score = score_receipts(received, weights) if received else None
        change = score - previous if score is not None and previous is not None else None
        trend.append(QuarterScore(quarter=label, start=start, end=end, score=score, change=change,
                                  flagged=change is not None and abs(change) > TREND_FLAG_POINTS))
        previous = score if score is not None else previous
    return trend


# --- risks ------------------------------------------------------------------------------------


def _mean_lead_time(received: list[DeliveryRecord]) -> float | None:
    return float(np.mean([lead_time_days(r) for r in received])) if received else None


def lead_time_drift(records: list[DeliveryRecord], period_end: date) -> tuple[float | None, float | None, float | None]:
    """(last-quarter mean, prior-three-quarter mean, last/prior − 1) of lead time in days."""
    quarters = trend_quarters(period_end)
    prior_start, last_start = quarters[0][1], quarters[-1][1]
    last = _mean_lead_time(received_between(records, last_start, period_end))
    prior = _mean_lead_time(received_between(records, prior_start, last_start - timedelta(days=1)))
    drift = last / prior - 1 if last is not None and prior else None
    return last, prior, drift


def capacity_months(loads: list[SupplierMonthLoad]) -> list[CapacityMonth]:
    return [CapacityMonth(period=m.period, planned_qty=m.planned_qty, capacity=m.capacity,
                          utilisation=m.planned_qty / m.capacity,
                          flagged=m.planned_qty / m.capacity > CAPACITY_FLAG_UTILISATION)
            for m in sorted(loads, key=lambda m: m.period)]


def supplier_risks(
    supplier: str,
    records: list[DeliveryRecord],
    received: list[DeliveryRecord],
    total_spend: float,
    sources: dict[str, set[str]],
    loads: list[SupplierMonthLoad],
    period_end: date,
) -> SupplierRisks:
    """Single-source exposure in spend, capacity utilisation against plan and lead-time drift.

    `records` are all of the supplier's POs, `received` those received in the period.
    """
    single = sorted(sku for sku, suppliers in sources.items() if suppliers == {supplier})
    spend = sum(r.unit_price * r.qty_received for r in received)
    single_spend = sum(r.unit_price * r.qty_received for r in received if r.sku in single)
    months = capacity_months(loads)
    last, prior, drift = lead_time_drift(records, period_end)
    return SupplierRisks(
        single_source_skus=single,
        spend_share=spend / total_spend if total_spend > 0 else 0.0,
        single_source_spend_share=single_spend / total_spend if total_spend > 0 else 0.0,
        capacity=months,
        capacity_flag=any(m.flagged for m in months),
        last_quarter_lead_time_days=last,
        prior_lead_time_days=prior,
        lead_time_drift=drift,
        lead_time_drift_flag=drift is not None and drift > LEAD_TIME_DRIFT_FLAG,
    )


# --- the tool ---------------------------------------------------------------------------------


def open_at(records: list[DeliveryRecord], day: date) -> list[DeliveryRecord]:
    """POs ordered by `day` and not received by then."""
    return [r for r in records if r.order_date <= day and (r.received_date is None or r.received_date > day)]


def supplier_scorecard(inp: SupplierScorecardInput) -> SupplierScorecardOutput:
    """The `supplier-scorecard` tool: metrics, scores, tier, trend, risks and actions per supplier."""
    by_supplier: dict[str, list[DeliveryRecord]] = defaultdict(list)
    for record in inp.records:
        by_supplier[record.supplier].append(record)
    sources: dict[str, set[str]] = defaultdict(set)
    for source in inp.item_sources:
        sources[source.sku].add(source.supplier)
    loads: dict[str, list[SupplierMonthLoad]] = defaultdict(list)
    for load in inp.capacity_plan:
        loads[load.supplier].append(load)
    period_received = received_between(inp.records, inp.period_start, inp.period_end)
    total_spend = sum(r.unit_price * r.qty_received for r in period_received)

    named = set(by_supplier) | {s.supplier for s in inp.item_sources} | set(loads)
    scorecards = []
    for supplier in sorted(named):
        records = by_supplier.get(supplier, [])
        received = [r for r in period_received if r.supplier == supplier]
        if not received:
            continue
        metrics = receipt_metrics(received)
        scores = category_scores(metrics)
        score = weighted_score(scores, inp.weights)
        tier = supplier_tier(score)
        still_open = open_at(records, inp.period_end)
        scorecards.append(SupplierScorecard(
            supplier=supplier,
            metrics=metrics,
            open_pos=len(still_open),
            past_due_pos=sum(r.promised_date < inp.period_end for r in still_open),
            scores=scores,
            weighted_score=score,
            tier=tier,
            trend=quarterly_trend(records, inp.period_end, inp.weights),
            risks=supplier_risks(supplier, records, received, total_spend, sources,
                                 loads[supplier], inp.period_end),
            actions=list(TIER_ACTIONS[tier]),
        ))
    scored = {s.supplier for s in scorecards}
    return SupplierScorecardOutput(scorecards=scorecards, unscored_suppliers=sorted(named - scored))

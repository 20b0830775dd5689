"""Supplier scores: the four 0–100 category scores, their weighted score, the tier it earns
with the actions that follow, and the score's quarterly trend.
"""

from __future__ import annotations

import math
from datetime import date

from sop.tools.supply.supplier import (
    TIER_FLOORS,
    CategoryScores,
    DeliveryRecord,
    QuarterScore,
    ScorecardWeights,
    SupplierMetrics,
    Tier,
)
from sop.tools.supply.supplier_metrics import receipt_metrics, received_between, trend_quarters

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
TREND_FLAG_POINTS = 5.0
# Score scales: the value at which a metric's score reaches 0 (or 100), see each *_score function.
PPM_AT_ZERO = 10_000.0
FPY_AT_ZERO = 0.95
PRICE_INDEX_AT_FULL = 95.0
PRICE_INDEX_AT_ZERO = 115.0
LEAD_TIME_CV_AT_ZERO = 0.5


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
    """Each category's 0–100 score from the receipt metrics."""
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
    """The weighted score (0–100) of a set of received POs."""
    return weighted_score(category_scores(receipt_metrics(received)), weights)


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

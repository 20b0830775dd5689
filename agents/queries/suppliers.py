"""The supplier query: scorecards over twelve months of receipts, for `/supplier-scorecard` and
the supplier-relationship-manager's `supplier-summary`."""

from __future__ import annotations

from datetime import date
from typing import cast

import pandas as pd
from pydantic import BaseModel, Field

from sop.agents.queries.core import ALL, NO_HISTORY, QueryContext, QueryError, one_of, records
from sop.store import company
from sop.store.supplier_reads import deliveries_by
from sop.tools import registry
from sop.tools.periods import MONTH_PATTERN, add_months, to_timestamp
from sop.tools.supply.supplier import ScorecardWeights, SupplierScorecard, SupplierScorecardOutput


class SupplierQuery(BaseModel):
    supplier: str = Field(ALL, description="a supplier code, or all of them")
    period: str | None = Field(None, pattern=MONTH_PATTERN,
                               description="last month of the 12 scored, YYYY-MM; default: the last month of history")


class SupplierRow(BaseModel):
    """One scored supplier in the summary: weighted and category scores, tier and what to watch."""

    supplier: str
    score: float
    tier: str
    quality: float
    delivery: float
    cost: float
    responsiveness: float
    on_time: float
    ppm: float
    trend_flags: int
    open_pos: int


class SupplierHeadline(BaseModel):
    text: str


class SupplierSummary(BaseModel):
    window: str = Field(description="the 12 months scored, 'YYYY-MM to YYYY-MM'")
    weights: ScorecardWeights
    suppliers: list[SupplierRow] = Field(description="every scored supplier; empty when one is named")
    unscored_suppliers: list[str]
    scorecard: SupplierScorecard | None = Field(description="the named supplier's scorecard in full; None for all")
    headline: SupplierHeadline


def scorecard_window(period: str) -> tuple[date, date]:
    """First and last day of the 12 months ending with `period`."""
    end = to_timestamp(add_months(period, 1)) - pd.Timedelta(days=1)
    return to_timestamp(add_months(period, -11)).date(), end.date()


def _detail_text(card: SupplierScorecard, window: str) -> str:
    m = card.metrics
    return (f"{card.supplier} scores {card.weighted_score:.1f} of 100 over {window} (tier {card.tier}): "
            f"{m.on_time_delivery:.1%} on time, {m.ppm:,.0f} PPM defective, mean lead time "
            f"{m.mean_lead_time_days:.1f} days. First action: {card.actions[0] if card.actions else 'none'}.")


def _summary_text(rows: list[SupplierRow], window: str) -> str:
    ranked = sorted(rows, key=lambda r: r.score)
    watch = [r.supplier for r in ranked if r.tier in ("at risk", "development")]
    low, high = ranked[0], ranked[-1]
    return (f"{len(ranked)} suppliers scored over {window}: the lowest is {low.supplier} at {low.score:.1f} "
            f"({low.tier}), the highest {high.supplier} at {high.score:.1f} ({high.tier}). "
            + (f"Needing a corrective action plan: {', '.join(watch)}." if watch
               else "None is rated at risk or development."))


def supplier_summary(ctx: QueryContext, q: SupplierQuery) -> SupplierSummary:
    """Scorecards over the 12 months ending with the period: one supplier in full, or all in summary."""
    supplier = one_of(q.supplier, [ALL, *ctx.suppliers()], "supplier")
    period = q.period or ctx.store.last_history_month()
    if period is None:
        raise QueryError(NO_HISTORY)
    start, end = scorecard_window(period)
    deliveries = deliveries_by(ctx.store, end)
    if deliveries.empty:
        raise QueryError(f"no purchase orders were placed by {end}; load supplier_deliveries first")
    weights = ScorecardWeights()
    out = cast(SupplierScorecardOutput, registry.run("supplier-scorecard", {
        "records": records(deliveries), "period_start": start, "period_end": end, "weights": weights,
        "item_sources": records(company.items(ctx.store)[["sku", "supplier"]])}))
    window = f"{start:%Y-%m} to {period}"
    rows = [SupplierRow(supplier=c.supplier, score=c.weighted_score, tier=c.tier, **c.scores.model_dump(),
                        on_time=c.metrics.on_time_delivery, ppm=c.metrics.ppm,
                        trend_flags=sum(t.flagged for t in c.trend), open_pos=c.open_pos) for c in out.scorecards]
    if supplier == ALL:
        return SupplierSummary(window=window, weights=weights, suppliers=rows,
                               unscored_suppliers=out.unscored_suppliers, scorecard=None,
                               headline=SupplierHeadline(text=_summary_text(rows, window)))
    card = next((c for c in out.scorecards if c.supplier == supplier), None)
    if card is None:
        raise QueryError(f"{supplier} received nothing from {start} to {end}, so it has no scorecard")
    return SupplierSummary(window=window, weights=weights, suppliers=[], unscored_suppliers=out.unscored_suppliers,
                           scorecard=card, headline=SupplierHeadline(text=_detail_text(card, window)))

"""The supplier-scorecard tool: metrics, scores, tier, trend, risks and actions per supplier."""

from __future__ import annotations

from collections import defaultdict

from sop.tools.supply.supplier import (
    DeliveryRecord,
    SupplierMonthLoad,
    SupplierScorecard,
    SupplierScorecardInput,
    SupplierScorecardOutput,
)
from sop.tools.supply.supplier_metrics import open_at, receipt_metrics, received_between
from sop.tools.supply.supplier_risks import supplier_risks
from sop.tools.supply.supplier_scores import (
    TIER_ACTIONS,
    category_scores,
    quarterly_trend,
    supplier_tier,
    weighted_score,
)


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

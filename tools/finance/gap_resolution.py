"""The gap-resolution tool: the plan's gaps ranked by the margin they put at risk, and for the
top ones, recommendations quantified by a what-if re-plan through the same supply-plan LP, with
the decisions to put to the executives (money in currency over the horizon).
"""

from __future__ import annotations

from collections.abc import Callable

from sop.numbers import money, units
from sop.tools.finance.levers import Bindings, Lever, bindings, candidate_levers
from sop.tools.finance.margin_gaps import rank_margin_gaps
from sop.tools.finance.recommendations import (
    DecisionRequest,
    GapResolution,
    GapResolutionInput,
    MarginGap,
    PlanOutcome,
    Recommendation,
)
from sop.tools.finance.whatifs import evaluate, plan_outcome


def choose_levers(gaps: list[MarginGap], inp: GapResolutionInput,
                  b: Bindings) -> tuple[list[tuple[Lever, list[int]]], list[str]]:
    """The gaps' levers, the top gap's first, up to `max_whatifs` of them, and the titles of those
    left over. A lever two gaps share is solved once and names both."""
    serves: dict[Lever, list[int]] = {}
    for gap in gaps:
        for lever in candidate_levers(gap, inp, b):
            serves.setdefault(lever, []).append(gap.rank)
    chosen = list(serves)[:inp.max_whatifs]
    return [(lever, serves[lever]) for lever in chosen], [lever.title for lever in list(serves)[inp.max_whatifs:]]


def decisions_requested(gaps: list[MarginGap], recommendations: list[Recommendation], base: PlanOutcome,
                        major_gaps: int) -> list[DecisionRequest]:
    """What the executives are asked to decide: the base plan, each recommendation that pays,
    and each major margin gap that no evaluated lever closes."""
    asks: list[tuple[str, str, str | None]] = [(
        "Approve the base supply plan as the operating plan",
        f"revenue {money(base.revenue)}, gross margin {money(base.margin)}, {units(base.unmet_units)} units of "
        f"demand left unmet", None)]
    for r in sorted((r for r in recommendations if r.recommended), key=lambda r: -r.net_benefit):
        asks.append((f"Approve: {r.title}", f"recovers {money(r.margin_recovered)} of margin for {money(r.cost)} "
                     f"(net {money(r.net_benefit)}), {units(r.units)} more units served; risks: {r.risks}",
                     r.recommendation_id))
    closed = {rank for r in recommendations if r.recommended for rank in r.gap_ranks}
    for g in gaps[:major_gaps]:
        if g.rank not in closed and g.kind == "financial_target":
            asks.append((f"Accept or act on the {g.subject} margin gap of {money(g.margin_at_risk)}",
                         f"{g.detail}; no evaluated supply lever pays for itself against it, so the options are "
                         f"pricing, cost or a re-forecast of the budget", None))
    return [DecisionRequest(seq=i, decision=d, detail=t, recommendation_id=rid)
            for i, (d, t, rid) in enumerate(asks, start=1)]


def resolve_gaps(inp: GapResolutionInput, progress: Callable[[int, int], None] | None = None) -> GapResolution:
    """Rank the gaps, re-plan the best levers for the top ones, and say what to decide;
    `progress(done, total)` hears of each what-if re-plan solved."""
    if inp.plan.status != "optimal":
        raise ValueError(f"gap resolution needs an optimal base plan, but it is {inp.plan.status!r}")
    gaps = rank_margin_gaps(inp)
    b = bindings(inp.instance, inp.plan, inp.items)
    base = plan_outcome(inp.items, inp.instance, inp.plan)
    chosen, left = choose_levers(gaps, inp, b)
    recommendations = []
    for i, (lever, ranks) in enumerate(chosen, start=1):
        recommendations.append(evaluate(lever, ranks, inp, base, f"R{i}"))
        if progress:
            progress(i, len(chosen))
    return GapResolution(gaps=gaps, recommendations=recommendations, not_evaluated=left,
                         decisions=decisions_requested(gaps, recommendations, base, inp.major_gaps))

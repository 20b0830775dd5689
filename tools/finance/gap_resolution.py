"""The gap-resolution tool: the plan's gaps ranked by the margin they put at risk, and for the
top ones, recommendations quantified by a what-if re-plan through the same supply-plan LP, with
the decisions to put to the executives (money in currency over the horizon).

The gaps' capacity levers are offered together, as options the plan chooses among in one solve
(`option_sets`): that set, when it pays, is the recommendation; each lever re-planned alone
("what if we do only X") stays beside it as a comparison.
"""

from __future__ import annotations

from collections.abc import Callable

from sop.numbers import money, units
from sop.tools.finance.levers import Bindings, Lever, bindings, candidate_levers
from sop.tools.finance.margin_gaps import rank_margin_gaps
from sop.tools.finance.option_sets import OPTION_KINDS, best_combination, no_combination_reason
from sop.tools.finance.recommendations import (
    DecisionRequest,
    GapResolution,
    GapResolutionInput,
    MarginGap,
    PlanOutcome,
    Recommendation,
)
from sop.tools.finance.whatifs import evaluate, plan_outcome
from sop.tools.supply.supply_plan_solve import WarmSolver


def all_levers(gaps: list[MarginGap], inp: GapResolutionInput, b: Bindings) -> dict[Lever, list[int]]:
    """Every lever of every gap, with the ranks of the gaps it acts on, the top gap's first."""
    serves: dict[Lever, list[int]] = {}
    for gap in gaps:
        for lever in candidate_levers(gap, inp, b):
            serves.setdefault(lever, []).append(gap.rank)
    return serves


def choose_levers(serves: dict[Lever, list[int]], inp: GapResolutionInput) -> tuple[list[tuple[Lever, list[int]]],
                                                                                    list[str]]:
    """Of the gaps' levers (`all_levers`), the top gap's first, up to `max_whatifs`, and the titles
    of those left over. A lever two gaps share is solved once and names both."""
    chosen = list(serves)[:inp.max_whatifs]
    return [(lever, serves[lever]) for lever in chosen], [lever.title for lever in list(serves)[inp.max_whatifs:]]


def decisions_requested(gaps: list[MarginGap], recommendations: list[Recommendation], base: PlanOutcome,
                        major_gaps: int, no_combination: str = "") -> list[DecisionRequest]:
    """What the executives are asked to decide: the base plan, each recommendation put to them
    (a set of options that pays, with its shadow prices and the levers alone beside it), why no set
    of options is put when none is, and each major margin gap that no evaluated lever closes."""
    asks: list[tuple[str, str, str | None]] = [(
        "Approve the base supply plan as the operating plan",
        f"revenue {money(base.revenue)}, gross margin {money(base.margin)}, {units(base.unmet_units)} units of "
        f"demand left unmet", None)]
    alone = [r for r in recommendations if r.lever != "combination"]
    for r in sorted((r for r in recommendations if r.recommended), key=lambda r: -r.net_benefit):
        detail = (f"recovers {money(r.margin_recovered)} of margin for {money(r.cost)} (net {money(r.net_benefit)}), "
                  f"{units(r.units)} more units served; risks: {r.risks}")
        if r.lever == "combination":
            detail += ("; why: " + "; ".join(r.justification)
                       + ("; each alone: " + "; ".join(f"only {a.title}: net {money(a.net_benefit)}" for a in alone)
                          if alone else ""))
        asks.append((f"Approve: {r.title}", detail, r.recommendation_id))
    if no_combination:
        asks.append(("Note: no set of supply options pays for itself", no_combination, None))
    closed = {rank for r in recommendations if r.recommended for rank in r.gap_ranks}
    for g in gaps[:major_gaps]:
        if g.rank not in closed and g.kind == "financial_target":
            asks.append((f"Accept or act on the {g.subject} margin gap of {money(g.margin_at_risk)}",
                         f"{g.detail}; no evaluated supply lever pays for itself against it, so the options are "
                         f"pricing, cost or a re-forecast of the budget", None))
    return [DecisionRequest(seq=i, decision=d, detail=t, recommendation_id=rid)
            for i, (d, t, rid) in enumerate(asks, start=1)]


def resolve_gaps(inp: GapResolutionInput, progress: Callable[[int, int], None] | None = None) -> GapResolution:
    """Rank the gaps, solve once with every capacity lever as an option, re-plan the best levers
    alone for comparison, and say what to decide; `progress(done, total)` hears of each solve."""
    if inp.plan.status != "optimal":
        raise ValueError(f"gap resolution needs an optimal base plan, but it is {inp.plan.status!r}")
    gaps = rank_margin_gaps(inp)
    b = bindings(inp.instance, inp.plan, inp.items)
    base = plan_outcome(inp.items, inp.instance, inp.plan)
    serves = all_levers(gaps, inp, b)
    chosen, left = choose_levers(serves, inp)
    capacity = [lever for lever in serves if lever.kind in OPTION_KINDS]
    total = len(chosen) + 1
    combo = best_combination(capacity, inp, base, "C1")
    if combo is not None:  # the gaps the options taken act on
        combo.gap_ranks = sorted({rank for lever in capacity if lever.title in combo.options for rank in serves[lever]})
    if progress:
        progress(1, total)
    recommendations = [combo] if combo is not None else []
    warm = WarmSolver()  # each lever alone changes only numbers: re-solved from the base's basis
    if chosen:
        warm(inp.instance)  # the base again, for its basis (week 2 solved it in another process)
    for i, (lever, ranks) in enumerate(chosen, start=1):
        alone = evaluate(lever, ranks, inp, base, f"R{i}", warm)
        if combo is not None and combo.recommended and lever.kind in OPTION_KINDS:
            alone.recommended = False  # a comparison: the set of options is put instead
        recommendations.append(alone)
        if progress:
            progress(i + 1, total)
    reason = "" if combo is not None and combo.recommended else no_combination_reason(combo, capacity)
    return GapResolution(gaps=gaps, recommendations=recommendations, not_evaluated=left,
                         decisions=decisions_requested(gaps, recommendations, base, inp.major_gaps, reason),
                         no_combination=reason)

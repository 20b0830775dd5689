"""The gaps' capacity levers as options the supply plan chooses among, in one solve.

Each capacity lever (overtime beyond the maximum, an added shift, a pre-build shift, a capital
request, a second source) becomes a `SupplyOption` with the costs `LeverTerms` gives it; one
solve of the base instance with every option returns the cheapest set and how much of each it
uses. The set is priced like a what-if (margin recovered against the base plan, minus what the
options cost outside the LP) and justified by the base plan's shadow prices on the limits it
relieves. Promotions move demand rather than add capacity: they stay single what-ifs. Money in
currency over the horizon.
"""

from __future__ import annotations

from sop.numbers import money
from sop.tools.finance.levers import Lever
from sop.tools.finance.recommendations import GapResolutionInput, LeverKind, PlanOutcome, Recommendation
from sop.tools.finance.whatifs import RISKS, plan_outcome
from sop.tools.supply.supply_plan import SupplyPlanResult
from sop.tools.supply.supply_plan_instance_parts import SupplyOption
from sop.tools.supply.supply_plan_solve import solve_supply_plan

OPTION_KINDS = ("overtime", "shift", "prebuild", "capital", "sourcing")
UNIT = {"plant_hours": "hour", "supplier": "material unit"}


def lever_option(lever: Lever, index: int, inp: GapResolutionInput) -> SupplyOption | None:
    """The option a capacity lever offers, or None for a promotion (it adds no capacity).

    Overtime beyond the maximum: `overtime_uplift` × the maximum hours, paid per hour used at the
    plant's overtime rate. A shift, pre-build or capital request: its added regular hours, with
    the premium (`shift_premium_share` or `capital_cost_share` × the overtime rate) on every hour
    added as a fixed cost, used or not. A second source: `sourcing_uplift` × the supplier's
    capacity, each material unit used at `sourcing_premium` × the standard cost per material unit
    of the SKUs it feeds (their mean).
    """
    instance, terms = inp.instance, inp.terms
    at = {instance.periods.index(m) for m in lever.months}
    if lever.kind in ("overtime", "shift", "prebuild", "capital"):
        plant = next(p for p in instance.plants if p.plant == lever.resource)
        if lever.kind == "overtime":
            amount = [h * terms.overtime_uplift if t in at else 0.0 for t, h in enumerate(plant.max_overtime_hours)]
            fixed, per_unit = 0.0, plant.overtime_cost_per_hour
        else:
            share, rate = ((terms.capital_uplift, terms.capital_cost_share) if lever.kind == "capital"
                           else (terms.shift_share, terms.shift_premium_share))
            amount = [h * share if t in at else 0.0 for t, h in enumerate(plant.regular_hours)]
            fixed, per_unit = sum(amount) * rate * plant.overtime_cost_per_hour, 0.0
        return SupplyOption(option=f"O{index}", family="plant_hours", keys={"plant": plant.plant}, amount=amount,
                            fixed_cost=fixed, cost_per_unit=per_unit, title=lever.title)
    if lever.kind == "sourcing":
        supplier = next(k for k in instance.suppliers if k.supplier == lever.resource)
        cost = {i.sku: i.unit_cost for i in inp.items}
        per_material = [cost.get(s.sku, 0.0) / s.material.qty_per_unit for s in instance.skus
                        if s.material is not None and s.material.supplier == supplier.supplier
                        and s.material.qty_per_unit > 0]
        per_unit = terms.sourcing_premium * (sum(per_material) / len(per_material) if per_material else 0.0)
        amount = [c * terms.sourcing_uplift if t in at else 0.0 for t, c in enumerate(supplier.capacity)]
        return SupplyOption(option=f"O{index}", family="supplier", keys={"supplier": supplier.supplier},
                            amount=amount, cost_per_unit=per_unit, title=lever.title)
    return None


def justification(option: SupplyOption, used_by_month: dict[str, float], base: SupplyPlanResult) -> str:
    """Why an option pays, from the base plan's shadow prices on the limit it relieves: what one
    more unit of that limit was worth in the months the option is used, against what a unit of
    the option costs (its variable cost, plus its fixed cost spread over the units used)."""
    prices = {b.period: -(b.shadow_price or 0.0) for b in base.binding
              if b.family == option.family and b.keys == option.keys}
    used = sum(used_by_month.values())
    unit = UNIT.get(option.family, "unit")
    cost = option.cost_per_unit + (option.fixed_cost / used if used else 0.0)
    worth = [prices.get(m, 0.0) for m in used_by_month]
    if not worth:
        return f"{option.title}: not used"
    months = sorted(used_by_month)
    span = (f"{min(worth):,.2f}" if max(worth) - min(worth) < 0.005 else f"{min(worth):,.2f}–{max(worth):,.2f}")
    when = months[0] if len(months) == 1 else f"{months[0]}…{months[-1]}"
    return (f"{option.title}: one more {unit} of {'/'.join(option.keys.values())} was worth {span} in the base "
            f"plan (shadow price, {when}); the option costs {cost:,.2f} per {unit} used ({used:,.0f} used)")


def best_combination(levers: list[Lever], inp: GapResolutionInput, base: PlanOutcome,
                     recommendation_id: str) -> Recommendation | None:
    """The set of options to put to the executives, priced against the base plan; None when no
    lever adds capacity.

    One solve of the base instance with every option gives the set the plan takes. The plan
    values a lost unit at its lost-sale penalty, which may exceed the margin the unit earns, so
    when that set does not pay in margin, a second solve values lost units at their price (what
    margin loses with them) and its set, if another, is priced against the base plan the same
    way; the better of the two by net benefit is returned.
    """
    options = [o for i, lever in enumerate(levers, start=1) if (o := lever_option(lever, i, inp)) is not None]
    if not options:
        return None
    kinds: dict[str, LeverKind] = {lever.title: lever.kind for lever in levers}
    best = _priced(options, inp, base, recommendation_id, kinds)
    if best.net_benefit > 0 or not best.options:
        return best
    price = {i.sku: i.price for i in inp.items}
    by_margin = inp.instance.model_copy(deep=True, update={"options": options})
    for sku in by_margin.skus:
        sku.unmet_penalty = price.get(sku.sku, sku.unmet_penalty)
    plan = solve_supply_plan(by_margin)
    chosen = {row.option for row in plan.options if row.taken} if plan.status == "optimal" else set()
    if chosen and chosen != {o.option for o in options if o.title in best.options}:
        second = _priced([o for o in options if o.option in chosen], inp, base, recommendation_id, kinds)
        if second.net_benefit > best.net_benefit:
            return second
    return best


def _priced(options: list[SupplyOption], inp: GapResolutionInput, base: PlanOutcome, recommendation_id: str,
            kinds: dict[str, LeverKind]) -> Recommendation:
    """Solve the base instance with these options and price the set the plan takes."""
    instance = inp.instance.model_copy(update={"options": options}, deep=True)
    plan = solve_supply_plan(instance)
    solved = plan.status == "optimal"
    outcome = plan_outcome(inp.items, inp.instance, plan)
    taken = [(o, row) for o, row in zip(options, plan.options) if row.taken] if solved else []
    cost = sum(row.fixed_cost + row.variable_cost for _, row in taken)
    recovered = outcome.margin - base.margin if solved else 0.0
    months = sorted({m for _, row in taken for m in row.used_by_month})
    title = ("Options chosen together: " + "; ".join(o.title for o, _ in taken)) if taken else \
        f"None of the {len(options)} supply options is worth taking"
    return Recommendation(
        recommendation_id=recommendation_id, gap_ranks=[], lever="combination", title=title, months=months,
        base=base, whatif=outcome, margin_recovered=recovered, cost=cost, net_benefit=recovered - cost,
        units=outcome.fulfilled_units - base.fulfilled_units if solved else 0.0,
        risks="; ".join(dict.fromkeys(RISKS[kinds[o.title]] for o, _ in taken)) if solved
        else f"the options plan is {plan.status}: {plan.message}",
        recommended=solved and bool(taken) and recovered - cost > 0,
        options=[o.title for o, _ in taken],
        justification=[justification(o, row.used_by_month, inp.plan) for o, row in taken],
        mip_gap=plan.mip_gap)


def no_combination_reason(combo: Recommendation | None, levers: list[Lever]) -> str:
    """In plain words, why no set of supply options is put to the executives."""
    if combo is None:
        kinds = sorted({lever.kind for lever in levers})
        return ("no gap has a capacity lever (overtime, shift, pre-build, capital or second source)"
                + (f"; only {', '.join(kinds)}" if kinds else ""))
    if not combo.options:
        return (f"the plan takes none of the options offered: each costs more per unit of capacity than the "
                f"base plan's shadow price on the limit it relieves ({combo.title.lower()})")
    return (f"the best set ({'; '.join(combo.options)}) recovers {money(combo.margin_recovered)} of margin for "
            f"{money(combo.cost)} (net {money(combo.net_benefit)}); valued at the margin a lost unit earns rather "
            f"than its lost-sale penalty, no option is worth its cost")

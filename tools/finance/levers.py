"""Levers: what a what-if changes, and which levers can act on a gap.

A lever acts where the base plan is short: a plant's months whose regular hours bind at a price
or whose overtime is at its maximum, a supplier's months at capacity, and the promotions that
fall in a plant's short months.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sop.tools.finance.projection import FinanceItem
from sop.tools.finance.recommendations import (
    GapResolutionInput,
    LeverKind,
    LeverTerms,
    MarginGap,
    Promotion,
    sku_families,
)
from sop.tools.periods import month_number
from sop.tools.supply.supply_plan import ZERO, SupplyPlanInstance, SupplyPlanResult

LEVER_ORDER: tuple[LeverKind, ...] = ("promotion", "overtime", "sourcing", "prebuild", "shift", "capital")


@dataclass(frozen=True)
class Lever:
    """One change to try on the base instance; hashable, so two gaps that share it share a what-if."""

    kind: LeverKind
    resource: str  # plant, supplier or promotion id
    months: tuple[str, ...] = ()
    moved_to: tuple[str, ...] = ()  # promotions only: the new window
    title: str = ""


@dataclass(frozen=True)
class Bindings:
    """Where the base plan is short, by resource: months whose limit binds at a price."""

    hours: dict[str, dict[str, float]]  # plant → month → |shadow price| of a regular hour
    overtime: dict[str, set[str]]  # plant → months with overtime at its maximum
    supplier: dict[str, set[str]]  # supplier → months at capacity
    made_at: dict[str, dict[str, float]]  # SKU → plant → units the base plan makes there
    family_plant: dict[str, str]  # family → the plant that makes most of it in the base plan
    supplier_of: dict[str, str]  # SKU → supplier of its material


def bindings(instance: SupplyPlanInstance, plan: SupplyPlanResult, items: list[FinanceItem]) -> Bindings:
    """Read the base plan's binding limits and production by resource (see `Bindings`)."""
    hours: dict[str, dict[str, float]] = defaultdict(dict)
    overtime: dict[str, set[str]] = defaultdict(set)
    supplier: dict[str, set[str]] = defaultdict(set)
    for b in plan.binding:
        saving = -(b.shadow_price or 0.0)  # currency per unit of the limit added
        priced = saving > ZERO
        if b.family == "plant_hours" and priced:
            hours[b.keys["plant"]][b.period] = saving
        elif b.family == "overtime":
            overtime[b.keys["plant"]].add(b.period)
        elif b.family == "supplier" and priced:
            supplier[b.keys["supplier"]].add(b.period)
    made_at: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in plan.production:
        made_at[row.sku][row.plant] += row.qty
    members: dict[str, set[str]] = defaultdict(set)
    for sku, f in sku_families(items).items():
        members[f].add(sku)
    family_plant = {f: plant for f, skus in members.items() if (plant := _primary(skus, made_at)) is not None}
    return Bindings(hours=dict(hours), overtime=dict(overtime), supplier=dict(supplier), made_at=made_at,
                    family_plant=family_plant,
                    supplier_of={s.sku: s.material.supplier for s in instance.skus if s.material is not None})


def _months_text(months: list[str]) -> str:
    """'2027-03…2027-05' for a run of months; with the count when the run has holes."""
    if len(months) <= 1:
        return months[0] if months else "no month"
    run = month_number(months[-1]) - month_number(months[0]) + 1 == len(months)
    return f"{months[0]}…{months[-1]}" + ("" if run else f" ({len(months)} months)")


def _window(start: str, end: str, periods: list[str]) -> list[str]:
    """The plan's months from start to end, both included."""
    return [m for m in periods if start <= m <= end]


def short_skus(gap: MarginGap, plan: SupplyPlanResult, families: dict[str, str]) -> tuple[set[str], set[str]]:
    """The SKUs a gap is about and the months they fall short: lost demand for demand and
    financial gaps (a supply lever helps a family's margin only by serving demand it loses),
    the safety-stock shortfall for low stock."""
    rows = plan.ss_shortfall if gap.kind == "inventory_low" else plan.unmet
    hit = [(r.sku, r.period) for r in rows if families.get(r.sku) == gap.family]
    return {sku for sku, _ in hit}, {m for _, m in hit}


def _primary(skus: set[str], made_at: dict[str, dict[str, float]]) -> str | None:
    """The plant that makes most of these SKUs in the base plan: where capacity levers act."""
    units: dict[str, float] = defaultdict(float)
    for sku in skus:
        for plant, q in made_at.get(sku, {}).items():
            units[plant] += q
    return max(sorted(units), key=units.__getitem__) if units else None


def promotion_levers(gap_months: set[str], plant: str, promotions: list[Promotion], b: Bindings,
                     periods: list[str]) -> list[Lever]:
    """Promotions not yet started, on families made mostly at the plant, that fall in months it
    is short of hours and the gap is short of supply, moved to the first later window of the
    same length where the plant is not short."""
    short = set(b.hours.get(plant, {}))
    levers = []
    for promo in sorted(promotions, key=lambda p: (p.start_month, p.event_id)):
        window = _window(promo.start_month, promo.end_month, periods)
        started = promo.start_month <= periods[0]
        if promo.uplift_pct <= 0 or started or b.family_plant.get(promo.family) != plant \
                or not set(window) & short & gap_months:
            continue
        after = periods.index(window[-1]) + 1
        target = next((periods[i:i + len(window)] for i in range(after, len(periods) - len(window) + 1)
                       if not set(periods[i:i + len(window)]) & short), None)
        if target:
            levers.append(Lever("promotion", promo.event_id, tuple(window), tuple(target),
                                f"Move promotion {promo.event_id} ({promo.family}, {promo.uplift_pct:+g} %) from "
                                f"{_months_text(window)} to {_months_text(target)}"))
    return levers


def capacity_levers(plant: str, months: set[str], b: Bindings, t: LeverTerms, periods: list[str]) -> list[Lever]:
    """Overtime, pre-build, an added shift and a capital request at the plant, each where it
    acts: overtime in months at its maximum, the shift in months short of regular hours, the
    pre-build in the months before the dearest of those, capital from its lead time on."""
    levers = []
    if ms := sorted(b.overtime.get(plant, set()) & months):
        levers.append(Lever("overtime", plant, tuple(ms), (), f"Overtime +{t.overtime_uplift:.0%} above the "
                            f"maximum at {plant}, {_months_text(ms)}"))
    short = {m: v for m, v in b.hours.get(plant, {}).items() if m in months}
    if not short:
        return levers
    peak = periods.index(max(sorted(short), key=short.__getitem__))
    if ahead := periods[max(0, peak - t.prebuild_months):peak]:
        levers.append(Lever("prebuild", plant, tuple(ahead), (), f"Pre-build: added shift at {plant} in "
                            f"{_months_text(ahead)}, ahead of the {periods[peak]} peak"))
    levers.append(Lever("shift", plant, tuple(sorted(short)), (), f"Added shift at {plant} (+{t.shift_share:.0%} "
                        f"hours), {_months_text(sorted(short))}"))
    if t.capital_lead_months < len(periods):
        permanent = periods[t.capital_lead_months:]
        levers.append(Lever("capital", plant, tuple(permanent), (), f"Capital request: +{t.capital_uplift:.0%} "
                            f"permanent hours at {plant} from {permanent[0]}"))
    return levers


def candidate_levers(gap: MarginGap, inp: GapResolutionInput, b: Bindings) -> list[Lever]:
    """The levers that can act on a gap, cheapest kind first; none for lanes and excess stock,
    nor for a family that loses no demand (its margin gap is volume, price or cost)."""
    t, periods = inp.terms, list(inp.instance.periods)
    if gap.kind == "supplier":
        at_capacity = sorted(b.supplier.get(gap.subject, set()) & set(gap.months))
        return [_sourcing(gap.subject, at_capacity, t)] if at_capacity else []
    if gap.family is None or gap.kind not in ("demand_over_supply", "financial_target", "inventory_low"):
        return []
    skus, months = short_skus(gap, inp.plan, sku_families(inp.items))
    plant = _primary(skus, b.made_at)
    if plant is None:
        return []
    sources = sorted({b.supplier_of[s] for s in skus if s in b.supplier_of})
    levers = (promotion_levers(months, plant, inp.promotions, b, periods)
              + [_sourcing(k, ms, t) for k in sources if (ms := sorted(b.supplier.get(k, set()) & months))]
              + capacity_levers(plant, months, b, t, periods))
    return sorted(levers, key=lambda lever: LEVER_ORDER.index(lever.kind))


def _sourcing(supplier: str, months: list[str], t: LeverTerms) -> Lever:
    """A second source for the supplier in the months it is at capacity."""
    return Lever("sourcing", supplier, tuple(months), (), f"Second source for {supplier}: "
                 f"+{t.sourcing_uplift:.0%} capacity at a {t.sourcing_premium:.0%} premium, {_months_text(months)}")

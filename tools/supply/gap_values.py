"""What a gap is worth, in currency: one valuation for every ranking of gaps.

Week 2's ranked supply gaps (`/gaps`) and week 3's gaps by margin at risk (the executive package
and the workbook) value each gap with these functions, so a gap ranks the same wherever a
planner meets it, and units of plant hours, material and lanes are never compared as if they
were alike:
- lost demand: its lost margin, units × (price − standard cost); revenue when no cost is known;
- a binding plant, overtime, work-centre, supplier, lane or storage limit: |shadow price| × its exposure, the
  share of the limit at risk (`DISRUPTION_SHARE` of it): the first-order cost to the plan of
  losing that share of the capacity;
- a safety-stock shortfall: what the plan charges for it, units × the SKU's `ss_penalty` (per
  unit-month below target);
- a pre-build: the month's holding cost of the units built ahead.
"""

from __future__ import annotations

from sop.tools.supply.supply_plan_result_rows import BindingConstraint

DISRUPTION_SHARE = 0.1  # share of a binding limit taken to be at risk


def lost_margin(units: float, price: float, unit_cost: float | None) -> float:
    """Margin lost with `units` of demand (currency); revenue when the standard cost is unknown."""
    return units * (price - (unit_cost if unit_cost is not None else 0.0))


def limit_value(limit: BindingConstraint, share: float = DISRUPTION_SHARE) -> float:
    """|shadow price| × limit × share: what losing `share` of a binding limit would cost the plan
    (currency; the shadow price is per unit of the limit, per hour for plant hours)."""
    return abs(limit.shadow_price or 0.0) * limit.limit * share


def shortfall_cost(units: float, ss_penalty: float) -> float:
    """The plan's own price of a safety-stock shortfall: units below target × penalty per unit-month."""
    return units * ss_penalty


def prebuild_cost(units: float, holding_cost: float) -> float:
    """A month's holding cost of stock built ahead of a peak (currency)."""
    return units * holding_cost

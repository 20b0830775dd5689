"""The generated company as arrays, and the capacities sized on its demand."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sop.data.sample_company.catalogue import draw_catalogue, launches_and_intermittent, routings
from sop.data.sample_company.demand import expected_demand, recorded_demand
from sop.data.sample_company.months import LAST_YEAR
from sop.data.sample_company.profile import CAPACITY_OVER_PEAK, FAMILIES, PLANTS, REGULAR_OVER_AVERAGE


@dataclass
class Company:
    """The generated company as arrays, one row per SKU; the tables are views of it.

    Demand arrays are SKU × DC × month over history and plan (54 months): `expected` is the
    noise-free demand (trend, season, events, launch ramp), `ordered` and `shipped` the
    history actually recorded (zero before a SKU's launch and in the plan months).
    """

    sku: list[str]
    name: list[str]
    family: np.ndarray  # index into FAMILIES
    price: np.ndarray
    unit_cost: np.ndarray
    supplier: np.ndarray  # index into SUPPLIERS
    material_per_unit: np.ndarray
    moq: np.ndarray
    pack_size: np.ndarray
    launch: np.ndarray  # first month index with demand (0 for established SKUs)
    routed: np.ndarray  # SKU × plant, bool: the SKU can be made there
    hours: np.ndarray  # SKU × plant, 0 where not routed
    routing_cost: np.ndarray  # SKU × plant, 0 where not routed
    primary_plant: np.ndarray  # index into PLANTS
    expected: np.ndarray
    ordered: np.ndarray
    shipped: np.ndarray

    def family_name(self, s: int) -> str:
        return FAMILIES[self.family[s]].name


def build_company(rng: np.random.Generator) -> Company:
    """Generate the catalogue, routings and demand, in a fixed order of random draws."""
    cat = draw_catalogue(rng)
    launch, intermittent = launches_and_intermittent(rng, cat.family, cat.volume)
    hours, routing_cost, primary = routings(rng, cat.family, cat.unit_cost)
    expected = expected_demand(rng, cat, launch)
    ordered, shipped = recorded_demand(rng, expected, cat.family, intermittent)
    return Company(
        sku=cat.sku, name=cat.name, family=cat.family, price=cat.price, unit_cost=cat.unit_cost,
        supplier=cat.supplier, material_per_unit=cat.material_per_unit, moq=cat.moq, pack_size=cat.pack_size,
        launch=launch, routed=hours > 0, hours=hours, routing_cost=routing_cost,
        primary_plant=primary, expected=expected, ordered=ordered, shipped=shipped,
    )


def plant_hours_needed(c: Company) -> np.ndarray:
    """Plant × month hours needed to make the ordered units at each SKU's primary plant."""
    units = c.ordered.sum(axis=1)  # SKU × month
    primary_hours = c.hours[np.arange(len(c.sku)), c.primary_plant]
    need = np.zeros((len(PLANTS), units.shape[1]))
    for p in range(len(PLANTS)):
        mine = c.primary_plant == p
        need[p] = (units[mine] * primary_hours[mine, None]).sum(axis=0)
    return need


def plant_capacity(c: Company) -> list[tuple[float, float]]:
    """(regular, max overtime) hours per month per plant, sized on the last 12 months.

    Regular hours cover the average month (×1.03); regular plus overtime covers 87.5 % of the
    peak month, so the summer peak cannot be made in the month it sells: the plan must build
    ahead and, with storage and the tight supplier, still leaves some demand unmet.
    """
    need = plant_hours_needed(c)[:, LAST_YEAR]
    sizes = []
    for p in range(len(PLANTS)):
        regular = round(REGULAR_OVER_AVERAGE * need[p].mean(), -1)
        overtime = round(CAPACITY_OVER_PEAK * need[p].max() - regular, -1)
        sizes.append((float(regular), float(overtime)))
    return sizes


def average_units(c: Company) -> np.ndarray:
    """SKU × DC average ordered units per month over the capacity window."""
    return c.ordered[:, :, LAST_YEAR].mean(axis=2)

"""The drawn catalogue: SKUs with prices, costs, sourcing and lot sizes, which SKUs are new or
sell intermittently, and where each can be made at what hours and cost."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sop.data.sample_company.months import month_index
from sop.data.sample_company.profile import FAMILIES, INTERMITTENT_SKUS, LAUNCHES, PLANTS, SUPPLIERS, VARIANTS


@dataclass(frozen=True)
class Catalogue:
    """One entry per SKU; `family` and `supplier` index FAMILIES and SUPPLIERS, money is per unit,
    `material_per_unit` in kg and `volume` the SKU's level in units per month, all DCs."""

    sku: list[str]
    name: list[str]
    family: np.ndarray
    price: np.ndarray
    unit_cost: np.ndarray
    supplier: np.ndarray
    material_per_unit: np.ndarray
    moq: np.ndarray
    pack_size: np.ndarray
    volume: np.ndarray


def draw_catalogue(rng: np.random.Generator) -> Catalogue:
    """SKUs with prices, costs, sourcing and lot sizes.

    Prices are log-uniform within the family's range, margins uniform 25-55 %; pack sizes are
    the family's usual case sizes and the MOQ is a few packs, roughly two weeks of demand, as a
    supplier would set it. 15 % of SKUs are sourced away from the family's usual supplier.
    """
    sku: list[str] = []
    name: list[str] = []
    family, price, volume, supplier, material, pack = [], [], [], [], [], []
    for f, fam in enumerate(FAMILIES):
        labels = [f"{noun} {variant}" for noun in fam.nouns for variant in VARIANTS]
        chosen = rng.choice(len(labels), size=fam.skus, replace=False)
        for n, label in enumerate(chosen, start=1):
            sku.append(f"{fam.prefix}-{n:03d}")
            name.append(labels[label])
            family.append(f)
            price.append(float(np.exp(rng.uniform(*np.log(fam.price_range)))))
            volume.append(fam.median_volume * float(rng.lognormal(0.0, 0.7)))
            usual = [s.code for s in SUPPLIERS].index(fam.supplier)
            supplier.append(usual if rng.random() > 0.15 else int(rng.integers(len(SUPPLIERS))))
            material.append(fam.material_per_unit * float(rng.lognormal(0.0, 0.3)))
            pack.append(int(rng.choice(fam.pack_sizes)))
    price_arr = np.round(np.array(price), 2)
    margin = rng.uniform(0.25, 0.55, size=len(sku))
    pack_arr = np.array(pack)
    volume_arr = np.array(volume)
    moq = np.maximum(1, np.round(volume_arr / 2 / pack_arr)).astype(int) * pack_arr
    return Catalogue(
        sku=sku, name=name, family=np.array(family), price=price_arr,
        unit_cost=np.round(price_arr * (1 - margin), 2), supplier=np.array(supplier),
        material_per_unit=np.round(np.array(material), 3), moq=moq, pack_size=pack_arr, volume=volume_arr,
    )


def launches_and_intermittent(rng: np.random.Generator, family: np.ndarray,
                              volume: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Launch month per SKU and which SKUs sell intermittently.

    Launches are the highest-numbered SKUs of their family (the newest codes), with 4-10
    months of history. Intermittent SKUs are drawn from the slower half of the established
    SKUs: spare parts and niche variants that sell a few months a year.
    """
    launch = np.zeros(len(family), dtype=int)
    for fam_name, first in LAUNCHES:
        f = [x.name for x in FAMILIES].index(fam_name)
        members = np.flatnonzero((family == f) & (launch == 0))
        launch[members[-1]] = month_index(first)
    slow = np.flatnonzero((launch == 0) & (volume < np.median(volume)))
    intermittent = np.zeros(len(family), dtype=bool)
    intermittent[rng.choice(slow, size=INTERMITTENT_SKUS, replace=False)] = True
    return launch, intermittent


def routings(rng: np.random.Generator, family: np.ndarray,
             unit_cost: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hours and cost per unit at each plant (0 where the SKU is not routed).

    Every SKU has its family's primary plant; 45 % can also be made at the other plant, at
    10-35 % more hours and 8-25 % more cost, which gives the LP a real but expensive choice.
    The variable cost at the primary plant (materials plus conversion) is 88-96 % of the
    standard unit cost, whose remainder is fixed overhead the plan does not move.
    """
    n = len(family)
    plant_codes = [p[0] for p in PLANTS]
    primary = np.array([plant_codes.index(FAMILIES[f].plant) for f in family])
    base_hours = np.array([FAMILIES[f].hours_per_unit for f in family]) * rng.lognormal(0, 0.35, n)
    base_cost = unit_cost * rng.uniform(0.88, 0.96, n)
    second = rng.random(n) < 0.45
    hours_factor = rng.uniform(1.1, 1.35, n)
    cost_factor = rng.uniform(1.08, 1.25, n)
    hours = np.zeros((n, len(PLANTS)))
    cost = np.zeros((n, len(PLANTS)))
    rows = np.arange(n)
    hours[rows, primary] = base_hours
    cost[rows, primary] = base_cost
    hours[rows[second], 1 - primary[second]] = (base_hours * hours_factor)[second]
    cost[rows[second], 1 - primary[second]] = (base_cost * cost_factor)[second]
    return np.round(hours, 4), np.round(cost, 2), primary

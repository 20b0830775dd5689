"""Week 1's forecast of the demo company against the demand its generator expects.

The sample company is drawn from a known, noise-free expected demand (`sample_company.demand`),
so its forecast can be scored against the truth rather than against noisy orders. This runs
week 1's demand-planning node on the demo data (real store, real engine) and prints, over the
18 plan months: the statistical layer (reconciled baseline, SKU × DC) and the seasonal naive
layer against the generator's baseline (expected demand without market events; cleansing takes
the events out), the sales-input layer against the expected demand with events, and over the
36 history months the cleansed history against the baseline (what cleansing hands the engine);
then every level of the hierarchy before and after reconciliation, and the statistical layer
by the model the engine chose.

Run: .venv/bin/python -m bench.demo_forecast
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from langgraph.runtime import Runtime
from rich.console import Console
from rich.table import Table

from sop.config import Settings
from sop.data.sample_company import write_sample_company
from sop.data.sample_company.company import build_company
from sop.data.sample_company.demand import event_multiplier
from sop.data.sample_company.months import HISTORY_MONTHS, PLAN_MONTHS, month_label
from sop.data.sample_company.profile import DCS
from sop.graph.context import CycleContext
from sop.graph.week1 import demand_planning
from sop.log import configure_logging
from sop.store import Store

SEED = 7  # the demo's seed (`sop data demo`)
PERIOD = month_label(HISTORY_MONTHS)


def generator_truth(seed: int = SEED) -> pd.DataFrame:
    """sku, dc, month over history and plan: expected (with market events) and baseline
    (without) demand, and the ordered and shipped units recorded (0 in the plan), units a month."""
    c = build_company(np.random.default_rng(seed))
    months = HISTORY_MONTHS + PLAN_MONTHS
    baseline = c.expected / event_multiplier(c.sku, c.family, months)[:, None, :]
    index = pd.MultiIndex.from_product([c.sku, [d[0] for d in DCS], [month_label(t) for t in range(months)]],
                                       names=["sku", "dc", "month"])
    columns = {"expected": c.expected, "baseline": baseline, "ordered": c.ordered, "shipped": c.shipped}
    return pd.DataFrame({name: values.ravel() for name, values in columns.items()}, index=index).reset_index()


class RecordingStore(Store):
    """The store, keeping the last frame each node wrote to each table (read here without SQL)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.written: dict[str, pd.DataFrame] = {}

    def replace(self, name: str, rows: pd.DataFrame, **keys: str) -> None:
        self.written[name] = rows.copy()
        super().replace(name, rows, **keys)


def run_week1(workdir: Path) -> tuple[dict[str, pd.DataFrame], float]:
    """Week 1 on the demo data in a fresh store: the frames it wrote, by table, and its seconds."""
    settings = Settings(SOP_DB=workdir / "sop.duckdb", SOP_OUT=workdir / "out", OPENAI_API_KEY=None)
    write_sample_company(workdir / "csv", seed=SEED)
    with RecordingStore(settings.db) as store:
        store.load_dir(workdir / "csv")
        start = time.perf_counter()
        demand_planning({"cycle_id": PERIOD, "period": PERIOD}, Runtime(context=CycleContext(settings, store)))
        return store.written, time.perf_counter() - start


def _row(table: Table, name: str, units: float, truth: float, truth_name: str) -> None:
    table.add_row(name, f"{units / 1e6:.3f}", truth_name, f"{truth / 1e6:.3f}", f"{(units / truth - 1) * 100:+.1f} %")


def main() -> None:
    configure_logging("WARNING")
    truth = generator_truth()
    with tempfile.TemporaryDirectory() as tmp:
        written, seconds = run_week1(Path(tmp))
    layers, nodes = written["forecast_layers"], written["forecast_nodes"]
    nodes = nodes[nodes["level"] == "sku_dc"].copy()
    plan = truth[truth["month"] >= PERIOD]
    table = Table("layer, 18 plan months at SKU × DC", "M units", "generator", "M units", "difference",
                  title=f"Week 1 of the demo cycle against the generator's demand (seed {SEED}), "
                        f"week 1 ran in {seconds:.1f} s")
    for layer, column in (("statistical", "baseline"), ("naive", "baseline"), ("sales_input", "expected")):
        _row(table, f"{layer} layer", layers.loc[layers["layer"] == layer, "qty"].sum(),
             plan[column].sum(), column)

    # Cleansing starts from the shipments; each logged change moves a month from before to after.
    changes = written["cleansing_adjustments"]
    hist = truth[truth["month"] < PERIOD]
    cleansed = hist["shipped"].sum() + (changes["after"] - changes["before"].fillna(0.0)).sum()
    table.add_section()
    for name, units in (("history: shipped", hist["shipped"].sum()), ("history: ordered", hist["ordered"].sum()),
                        ("history: cleansed demand", cleansed)):
        _row(table, name, units, hist["baseline"].sum(), "baseline")
    Console().print(table)

    every_level = written["forecast_nodes"].groupby("level", sort=False)[["yhat_base", "yhat"]].sum()
    truth_units = plan["baseline"].sum()
    levels = Table("level", "base forecasts M", "reconciled M", "baseline M", "base difference",
                   title="Every level of the hierarchy, 18 plan months (base: before reconciliation)")
    for level, row in every_level.iterrows():
        levels.add_row(str(level), f"{row['yhat_base'] / 1e6:.3f}", f"{row['yhat'] / 1e6:.3f}",
                       f"{truth_units / 1e6:.3f}", f"{(row['yhat_base'] / truth_units - 1) * 100:+.1f} %")
    Console().print(levels)

    nodes[["sku", "dc"]] = nodes["key"].str.rsplit("/", n=1, expand=True)
    by_model = nodes.merge(plan, on=["sku", "dc", "month"]).groupby("model")
    models = Table("model the engine chose", "series", "forecast M", "baseline M", "difference",
                   title="The statistical layer by model, 18 plan months")
    for model, group in by_model:
        forecast, expected = group["yhat"].sum(), group["baseline"].sum()
        models.add_row(model, str(len(group) // PLAN_MONTHS), f"{forecast / 1e6:.3f}", f"{expected / 1e6:.3f}",
                       f"{(forecast / expected - 1) * 100:+.1f} %")
    Console().print(models)


if __name__ == "__main__":
    main()

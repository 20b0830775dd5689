"""Times a full demo cycle (data load, weeks 1–4 under the demo policy), per node and in total.

Run: .venv/bin/python -m bench.cycle [--runs 3]. Target: 60 s or less on 2 cores.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from sop.agents.models import chat_model
from sop.config import Settings
from sop.data.sample_company import write_sample_company
from sop.graph.context import CycleContext
from sop.graph.cycle import build_graph
from sop.graph.policy import load_policy
from sop.log import configure_logging
from sop.store import Store

ROOT = Path(__file__).resolve().parent.parent


def one_cycle(workdir: Path) -> dict[str, float]:
    settings = Settings(SOP_DB=workdir / "sop.duckdb", SOP_OUT=workdir / "out", OPENAI_API_KEY=None)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    write_sample_company(workdir / "csv")
    with Store(settings.db) as store:
        store.load_dir(workdir / "csv")
        timings["data load"] = time.perf_counter() - start
        ctx = CycleContext(settings=settings, store=store, model=chat_model(settings),
                           policy=load_policy("demo"))
        graph = build_graph()
        mark = time.perf_counter()
        for update in graph.stream({"cycle_id": "2026-11", "period": "2026-11"}, context=ctx, stream_mode="updates"):
            now = time.perf_counter()
            for node in update:
                timings[node] = timings.get(node, 0.0) + now - mark
            mark = now
    timings["total"] = time.perf_counter() - start
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    configure_logging("WARNING")
    results = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            results.append(one_cycle(Path(tmp)))
    table = Table("stage", *[f"run {i + 1} (s)" for i in range(runs)], "median (s)",
                  title="Full demo cycle, 200 SKUs × 3 DCs, 18 months, 3 scenarios")
    for stage in results[0]:
        values = [r[stage] for r in results]
        table.add_row(stage, *[f"{v:.2f}" for v in values], f"{statistics.median(values):.2f}")
    Console().print(table)
    print(f"target: total ≤ 60 s; median total {statistics.median(r['total'] for r in results):.1f} s")


if __name__ == "__main__":
    main()

"""Times a full demo cycle (data load, weeks 1–4 under the demo policy), per node and in total.

Run: .venv/bin/python -m bench.cycle [--runs 3]. Target: 60 s or less on 2 cores.

`--served` times the same unattended cycle as a person starts it, on a fresh copy of the loaded
demo store each time, alternating: `sop cycle run --policy demo` (the CLI process, start to
exit) and a run on `langgraph dev` through `langgraph_sdk` (the server started once beforehand;
the run's context names the store copy and the policy). Target: served at most 10 % slower.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
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


def _fresh(loaded: Path, to: Path) -> Path:
    """A copy of the loaded demo store in its own folder, as no cycle has touched it."""
    to.mkdir()
    shutil.copy(loaded / "sop.duckdb", to / "sop.duckdb")
    return to


def served_vs_cli(runs: int) -> None:
    from langgraph_sdk import get_sync_client

    from tests.langgraph_server import BIN, offline_env, serve

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        loaded = root / "loaded"
        loaded.mkdir()
        subprocess.run([str(BIN / "sop"), "data", "demo", "--out", str(loaded / "csv")], env=offline_env(loaded),
                       check=True, capture_output=True)
        times: dict[str, list[float]] = {"CLI: sop cycle run --policy demo": [], "served: langgraph dev + SDK": []}
        with serve(root, offline_env(root)) as url:
            client = get_sync_client(url=url, timeout=900)
            for run in range(runs):
                cli = _fresh(loaded, root / f"cli-{run}")
                start = time.perf_counter()
                subprocess.run([str(BIN / "sop"), "cycle", "run", "--policy", "demo"], env=offline_env(cli), check=True,
                               capture_output=True)
                times["CLI: sop cycle run --policy demo"].append(time.perf_counter() - start)
                served = _fresh(loaded, root / f"served-{run}")
                thread = client.threads.create(thread_id=str(uuid.uuid4()))["thread_id"]
                start = time.perf_counter()
                result = client.runs.wait(thread, "sop_cycle", input={"cycle_id": "2026-11", "period": "2026-11"},
                                          context={"db": str(served / "sop.duckdb"), "out_dir": str(served / "out"),
                                                   "policy": "demo"})
                times["served: langgraph dev + SDK"].append(time.perf_counter() - start)
                if not isinstance(result, dict) or result.get("published_version") != 1:
                    raise RuntimeError(f"the served cycle did not publish: {result}")
    cli_median = statistics.median(times["CLI: sop cycle run --policy demo"])
    table = Table("run", *[f"run {i + 1} (s)" for i in range(runs)], "median (s)", "vs CLI",
                  title="Unattended demo cycle (weeks 1–4, demo policy), CLI against served")
    for name, values in times.items():
        median = statistics.median(values)
        table.add_row(name, *[f"{v:.2f}" for v in values], f"{median:.2f}", f"{median / cli_median:.3f}")
    Console().print(table)
    print(f"target: served ≤ 1.10 × CLI; served / CLI = "
          f"{statistics.median(times['served: langgraph dev + SDK']) / cli_median:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--served", action="store_true", help="the CLI run against a run on langgraph dev")
    args = parser.parse_args()
    runs = args.runs
    configure_logging("WARNING")
    if args.served:
        served_vs_cli(runs)
        return
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

"""`sop` starts fast because every `sop.cli` module imports at its top only typer, rich and light
parts of sop, and a command imports the rest when it runs (sop/cli/app.py): `sop --help` and
`--version` load no heavy library, and `sop cycle status --json` loads DuckDB to open the store,
but neither LangGraph nor the report for a cycle whose status the runner recorded, nor pandas
before any history is loaded. bench/cli_startup.py times it; these tests keep it from creeping back.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from chat_company import CYCLE, env
from processes import TIMEOUT_S

from sop.store.busy import write_status

HEAVY = {"pandas", "numpy", "pyarrow", "duckdb", "pydantic", "pydantic_settings", "structlog", "langgraph",
         "langchain_core", "statsforecast", "openpyxl", "scipy", "highspy"}
# `sop ARGS` in a fresh interpreter, which writes the names of the modules it loaded when it exits.
PROBE = """
import atexit, json, sys
out, sys.argv = sys.argv[1], ["sop", *sys.argv[2:]]
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
from sop.cli.app import app
app()
"""


@pytest.fixture(scope="module")
def at_start() -> set[str]:
    """What the interpreter loads before `sop` does (a test dependency's .pth file loads some)."""
    done = subprocess.run([sys.executable, "-c", "import json, sys; print(json.dumps(sorted(sys.modules)))"],
                          capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout))


def loaded(root: Path, *args: str, code: int = 0) -> tuple[set[str], subprocess.CompletedProcess]:
    """The modules `sop ARGS` loaded beyond the interpreter's own, and what it printed."""
    out = root / "modules.json"
    done = subprocess.run([sys.executable, "-c", PROBE, str(out), *args], env=env(root), capture_output=True,
                          text=True, timeout=TIMEOUT_S)
    assert done.returncode == code, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return set(json.loads(out.read_text())), done


def heavy(modules: set[str], at_start: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules - at_start} & HEAVY


@pytest.mark.parametrize("args", [("--help",), ("--version",), ("cycle", "--help"), ("cycle", "status", "--help"),
                                  ("override", "add", "--help")])
def test_help_and_version_load_no_heavy_library(tmp_path, at_start, args):
    modules, done = loaded(tmp_path, *args)
    assert done.stdout.strip()
    # A command's help comes after `sop` itself has run: typer checks its options with pydantic,
    # and it sets up logging (structlog) for the command.
    assert heavy(modules, at_start) <= ({"pydantic", "structlog"} if len(args) > 1 else set())
    assert not {m for m in modules if m.startswith(("sop.store.", "sop.graph.cycle", "sop.report", "sop.agents"))
                and m not in ("sop.store.busy", "sop.store.location", "sop.store.checkpoint_file")}


def test_status_before_any_history_opens_the_store_without_pandas(tmp_path, at_start):
    modules, done = loaded(tmp_path, "cycle", "status", "--json", code=1)
    assert done.stderr.startswith("error: no demand history is loaded")
    assert heavy(modules, at_start) == {"duckdb", "pydantic", "pydantic_settings", "structlog"}


def test_status_of_a_recorded_cycle_loads_neither_the_graph_nor_the_report(waiting_company, at_start):
    write_status(waiting_company / "sop.duckdb", CYCLE, {"period": CYCLE, "state": "waiting", "gate": "consensus"})
    modules, done = loaded(waiting_company, "cycle", "status", "--json")
    assert json.loads(done.stdout)["state"] == "waiting"
    assert heavy(modules, at_start) & {"langgraph", "langchain_core", "openpyxl", "statsforecast", "highspy"} == set()
    assert not {m for m in modules if m.startswith(("sop.graph.cycle", "sop.graph.runner", "sop.report"))}

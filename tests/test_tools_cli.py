"""`sop tools` as a user types it, and the graph that langgraph.json serves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sop.cli.app import app

EXAMPLE = Path(__file__).parent / "data" / "supply_plan_example.json"


def _sop(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, list(args), env={"SOP_DB": ":memory:"})
    assert result.exit_code == code, result.output
    return result.stdout if code == 0 else result.stderr


def test_supply_plan_example_of_the_docs_solves_to_the_hand_computed_optimum():
    # The instance of docs/SUPPLY_PLAN.md. January: make 850 so that 100 + 850 − 900 = 50 meets
    # safety stock. February: 50 + x − 1,100 ≥ 50 needs x = 1,100, but keeping those 50 units
    # costs 3 + 0.4 to make and ship, more than the shortfall penalty of 2, so make 1,050 and
    # fall 50 short. Cost: 1,900 × 3 + 1,900 × 0.4 + 50 held × 0.5 + 50 short × 2 = 6,585.
    result = json.loads(_sop("tools", "run", "supply-plan", "--input", f"@{EXAMPLE}"))
    assert result["status"] == "optimal"
    assert result["objective"] == pytest.approx(6585)
    assert [(r["period"], r["qty"]) for r in result["production"]] == [("2027-01", 850), ("2027-02", 1050)]
    assert result["ss_shortfall"] == [{"sku": "A", "dc": "D1", "period": "2027-02", "qty": 50}]
    assert result["unmet"] == []


def test_tools_list_names_every_registry_tool():
    out = _sop("tools", "list")
    for name in ("demand-forecast", "reorder-calc", "supplier-scorecard", "logistics-plan", "supply-plan"):
        assert name in out


@pytest.mark.parametrize("args, message", [
    (("tools", "run", "no-such-tool", "--input", "{}"), "unknown tool 'no-such-tool'"),
    (("tools", "run", "supply-plan", "--input", "{not json"), "not valid JSON at line 1"),
    (("tools", "run", "supply-plan", "--input", "@missing.json"), "missing.json: cannot read the input file"),
    (("tools", "run", "supply-plan", "--input", '{"periods": []}'), "input field periods"),
])
def test_bad_tool_input_gets_one_clear_line(args, message):
    assert message in _sop(*args, code=2 if "no-such-tool" in args else 1)


def test_the_served_graph_has_no_checkpointer():
    config = json.loads((Path(__file__).parent.parent / "langgraph.json").read_text())
    module, name = config["graphs"]["sop_cycle"].split(":")
    assert module == "sop.graph.cycle"  # by module, so it serves from any folder sop is installed in
    from sop.graph.cycle import cycle_graph
    assert name == "cycle_graph" and cycle_graph.checkpointer is None


def test_version_is_the_installed_distribution_version():
    from importlib.metadata import version

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout == f"sop {version('sop')}\n"


@pytest.mark.parametrize("command", [["cycle", "status"], ["cycle", "run"], ["cycle", "resume"]])
def test_a_period_that_is_not_a_month_is_a_usage_error(command):
    result = CliRunner().invoke(app, [*command, "--period", "2026-13"])
    assert result.exit_code == 2 and "expected a month as YYYY-MM" in result.output

"""The demo company through a whole cycle, as a person drives it from the CLI: stop at each
gate, refuse the wrong approver, rework on rejection, finish with the package and the log."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import copy_company
from typer.testing import CliRunner

from sop.cli.app import app
from sop.store import Store
from sop.store.forecasts import node_backtests
from sop.store.ledger import verify_chain

POLICY = Path(__file__).resolve().parent.parent / "data" / "demo-policy.yaml"


pytestmark = pytest.mark.slow


class Sop:
    """Runs `sop` in-process with its own database, checkpoints and output folder."""

    def __init__(self, root: Path, db: Path | str | None = None):
        self.root = root
        self.env = {"SOP_DB": str(db or root / "sop.duckdb"), "SOP_CHECKPOINT_URL": str(root / "checkpoints.sqlite"),
                    "SOP_OUT": str(root / "out"), "OPENAI_API_KEY": ""}
        self.runner = CliRunner()

    def __call__(self, *args: str, code: int = 0):
        result = self.runner.invoke(app, list(args), env=self.env)
        assert result.exit_code == code, result.output + repr(result.exception)
        return result

    def status(self) -> dict:
        return json.loads(self("cycle", "status", "--json").stdout)


@pytest.fixture(scope="module")
def company(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("company")
    Sop(data)("data", "demo", "--out", str(data / "csv"))
    return data / "csv"


def test_an_attended_cycle_stops_at_each_gate_and_finishes(demo_at_consensus, tmp_path):
    """From a copy of the session's demo run, whose `sop cycle run` output is checked first."""
    sop = Sop(copy_company(demo_at_consensus.root, tmp_path / "attended"))
    out = demo_at_consensus.output
    assert "waiting at the consensus gate" in out and "sop cycle approve --gate consensus" in out
    assert "Honest backtest WAPE" in out
    with Store(sop.env["SOP_DB"]) as store:
        nodes = node_backtests(store, "2026-11")
    assert nodes["level"].tolist() == ["total"] + ["family"] * 5
    assert set(nodes["benchmark"]) <= {"SeasonalNaive", "Naive"} and nodes["backtest_wape"].between(0, 1).all()
    assert sop.status() == {"period": "2026-11", "state": "waiting", "gate": "consensus", "error": None,
                            "published_version": None, "package_dir": None}

    refused = sop("cycle", "approve", "--gate", "consensus", "--as", "sam", code=1)
    assert "sam" in refused.output and "may not decide at the consensus gate" in refused.output
    sop("cycle", "approve", "--gate", "executive", "--as", "erin", code=1)
    assert sop.status()["gate"] == "consensus"

    rework = sop("cycle", "reject", "--gate", "consensus", "--as", "dana", "--notes", "recheck kitchen").stdout
    assert "waiting at the consensus gate" in rework

    out = sop("cycle", "approve", "--gate", "consensus", "--as", "dana", "--notes", "agreed").stdout
    assert "waiting at the executive gate" in out and "unmet_revenue_pct" in out
    out = sop("cycle", "approve", "--gate", "executive", "--as", "erin").stdout
    assert "complete" in out and "executive-package.html" in out
    status = sop.status()
    assert status["state"] == "done" and status["published_version"] == 1

    package = Path(status["package_dir"])
    html = (package / "executive-package.html").read_text()
    assert "<svg" in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    with open(package / "decision-log.csv") as f:
        log = list(csv.DictReader(f))
    assert [(r["gate"], r["decision"], r["decided_by"]) for r in log] == [
        ("consensus", "refused", "sam"), ("consensus", "rejected", "dana"), ("consensus", "approved", "dana"),
        ("executive", "approved", "erin")]
    assert "may not decide at the consensus gate" in log[0]["rationale"]
    with open(package / "approved-plan.csv") as f:
        plan = list(csv.DictReader(f))
    assert list(plan[0]) == ["sku", "dc", "month", "quantity"]
    assert {r["month"] for r in plan} <= {f"{y}-{m:02d}" for y in (2026, 2027, 2028) for m in range(1, 13)}

    with Store(sop.env["SOP_DB"]) as store:
        assert verify_chain(store.query("SELECT * FROM decisions ORDER BY seq").to_dict("records")) == []
        # The plan balances: published supply plus opening stock covers what the plan serves.
        lines = store.query("SELECT kind, SUM(qty) AS q FROM plan_lines WHERE scenario = 'base' GROUP BY 1")
    q = dict(zip(lines["kind"], lines["q"]))
    assert q["demand"] > q.get("unmet", 0) > 0, "the sample company's peak must leave some demand unmet"

    sop("cycle", "run", code=1)  # a finished cycle is not run twice


def test_the_demo_policy_runs_a_cycle_unattended(tmp_path, company, store_db):
    """On each back end of the store: a DuckDB file and a PostgreSQL database."""
    sop = Sop(tmp_path, store_db)
    sop("data", "load", str(company))
    out = sop("cycle", "run", "--policy", str(POLICY)).stdout
    assert "complete" in out
    with Store(sop.env["SOP_DB"]) as store:
        approvers = store.query("SELECT decided_by FROM decisions ORDER BY seq")["decided_by"].tolist()
    assert approvers == ["policy:demo-policy", "policy:demo-policy"]
    assert "intact: 2 entries" in sop("decisions", "verify").stdout
    sop("report", "--out", str(tmp_path / "again"))
    assert (tmp_path / "again" / "executive-package.html").exists()

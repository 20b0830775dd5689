"""Two monthly cycles driven from the CLI at once: the policy's pause path, both cycles waiting
at their gates, executive decisions carried out in week 4, two plan versions and their diff,
action items and their follow-through in the next cycle's package.

The cycles plan 6 months rather than 18, so that each takes seconds; the stages are the same.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from test_cycle import Sop

from sop.store import Store

pytestmark = pytest.mark.slow

# A backtest WAPE of at most 1 % is out of reach, so the consensus gate never passes on its own.
STRICT = """\
name: strict
gates:
  consensus:
    - metric: backtest_wape
      max: 0.01
"""
DECISIONS = """\
decisions:
  - kind: approve
    plan: supply
  - kind: inventory_target
    family: fasteners
    safety_stock_change_pct: 10
    rationale: fasteners ran short at the last peak
    owner: sam
    due: 2026-10-20
"""


@pytest.fixture(scope="module")
def sop(tmp_path_factory) -> Sop:
    root = tmp_path_factory.mktemp("two-cycles")
    sop = Sop(root)
    sop.env["SOP_HORIZON"] = "6"
    sop("data", "demo", "--out", str(root / "csv"))
    (root / "strict.yaml").write_text(STRICT)
    (root / "decisions.yaml").write_text(DECISIONS)
    return sop


def _status(sop: Sop, period: str) -> tuple[str, str | None]:
    status = json.loads(sop("cycle", "status", "--period", period, "--json").stdout)
    return status["state"], status["gate"]


def _csv(sop: Sop, *args: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(sop(*args, "--csv").stdout)))


def test_two_periods_wait_at_their_gates_at_once_and_publish_in_turn(sop):
    paused = sop("cycle", "run", "--period", "2026-10", "--policy", str(sop.root / "strict.yaml"), code=3).stdout
    assert "policy:" in paused and "above the maximum 0.01" in paused
    sop("cycle", "run", "--period", "2026-11")
    assert _status(sop, "2026-10") == _status(sop, "2026-11") == ("waiting", "consensus")

    sop("cycle", "approve", "--gate", "consensus", "--as", "dana", "--period", "2026-10")
    assert _status(sop, "2026-10") == ("waiting", "executive")
    assert _status(sop, "2026-11") == ("waiting", "consensus")

    sop("cycle", "approve", "--gate", "consensus", "--as", "dana", "--period", "2026-10",
        "--decisions", str(sop.root / "decisions.yaml"), code=1)  # decisions belong to the executive gate
    out = sop("cycle", "approve", "--gate", "executive", "--as", "erin", "--period", "2026-10",
              "--decisions", str(sop.root / "decisions.yaml")).stdout
    assert "plan version 1 published" in out

    with Store(sop.env["SOP_DB"]) as store:
        versions = store.plan_versions()[["version", "cycle_id", "scenario"]].values.tolist()
        assert versions == [[1, "2026-10", "approved"]]
        safety = store.query("SELECT scenario, SUM(qty) AS q FROM plan_lines WHERE kind = 'ss_shortfall' "
                             "GROUP BY 1").set_index("scenario")["q"]
        entries = store.query("SELECT ref, decision, decided_by, rationale FROM decisions "
                              "WHERE cycle_id = '2026-10' AND gate = 'executive' ORDER BY seq").values.tolist()
        items = store.action_items("2026-10")
    assert entries == [["", "approved", "erin", ""], ["decision 1", "approve the supply plan", "erin", ""],
                       ["decision 2", "inventory target: safety stock of fasteners +10 %", "erin",
                        "fasteners ran short at the last peak"]]
    assert set(safety.index) >= {"base", "approved"}  # the raised targets were re-planned
    assert items[["source", "owner", "due"]].values.tolist()[:2] == [["decision", "erin", "2026-10-31"],
                                                                     ["decision", "sam", "2026-10-20"]]
    assert (items["source"] == "gap").sum() == 5 and set(items["status"]) == {"open"}

    first = int(items["action_id"].iloc[1])
    closed = sop("actions", "close", str(first), "--as", "sam", "--notes", "set in ERP").stdout
    assert f"Action item {first} closed" in closed
    assert "already closed" in sop("actions", "close", str(first), "--as", "sam", code=1).output
    assert "not in the team file" in sop("actions", "close", "1", "--as", "zoe", code=1).output
    assert "no action item 999" in sop("actions", "close", "999", "--as", "sam", code=1).output

    sop("cycle", "approve", "--gate", "consensus", "--as", "dana", "--period", "2026-11")
    html = (sop.root / "out" / "2026-11" / "executive-package.html").read_text()
    review = html[html.index("Follow-through on earlier action items"):]
    assert "Set the new safety-stock targets in the ERP" in review and "set in ERP" in review
    sop("cycle", "approve", "--gate", "executive", "--as", "erin", "--period", "2026-11")
    assert _status(sop, "2026-11") == ("done", None)

    shown = _csv(sop, "plan", "show", "2", "--by", "month")
    assert [r["month"] for r in shown] == ["2026-11", "2026-12", "2027-01", "2027-02", "2027-03", "2027-04"]
    diff = _csv(sop, "plan", "diff", "1", "2", "--by", "family")
    coverage = {(r["month"], r["coverage"]) for r in diff}
    assert ("2026-10", "old only") in coverage and ("2027-04", "new only") in coverage
    assert any(c == "both" for _, c in coverage)
    assert "The decision log is intact" in sop("decisions", "verify").stdout

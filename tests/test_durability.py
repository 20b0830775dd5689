"""A cycle killed with SIGKILL at any stage resumes to the same approved plan as a run that was
never interrupted: the same published rows, one plan version, each decision logged once and
the same action items.

Each cycle runs as `sop` processes, the way a scheduler runs it, on a 6-month horizon so that a
run takes seconds rather than a minute; the stages and writes are the same as at 18 months.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from processes import Moment, SopProcess

from sop.store import Store
from sop.store.ledger import verify_chain

pytestmark = pytest.mark.slow

HORIZON = "6"
# Passes the consensus gate on the backtest and names no executive rule, so an unattended run
# pauses at the executive gate (exit 3) until erin approves.
POLICY = """\
name: consensus-only
gates:
  consensus:
    - metric: backtest_wape
      max: 0.40
"""
# Both change the plan, so week 4 re-plans before it publishes.
DECISIONS = """\
decisions:
  - kind: demand
    family: kitchen
    from: 2027-01
    to: 2027-03
    change_pct: 8
    rationale: retailer listing won for the first quarter
  - kind: capacity
    plant: GREENVILLE
    from: 2027-01
    to: 2027-04
    extra_overtime_hours: 200
    owner: sam
"""


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("inputs")
    SopProcess(root).run("data", "demo", "--out", str(root / "csv"))
    (root / "policy.yaml").write_text(POLICY)
    (root / "decisions.yaml").write_text(DECISIONS)
    return {"csv": root / "csv", "policy": root / "policy.yaml", "decisions": root / "decisions.yaml"}


def _company(tmp_path_factory, name: str, inputs: dict[str, Path]) -> SopProcess:
    sop = SopProcess(tmp_path_factory.mktemp(name), SOP_HORIZON=HORIZON)
    sop.run("data", "load", str(inputs["csv"]))
    return sop


def _approve(inputs: dict[str, Path]) -> tuple[str, ...]:
    return ("cycle", "approve", "--gate", "executive", "--as", "erin", "--decisions", str(inputs["decisions"]))


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, inputs) -> SopProcess:
    """The reference: the same cycle with no kill, paused at the executive gate and approved."""
    sop = _company(tmp_path_factory, "uninterrupted", inputs)
    sop.run("cycle", "run", "--policy", str(inputs["policy"]), code=3)
    sop.run(*_approve(inputs))
    return sop


def _outcome(sop: SopProcess) -> dict:
    """What a finished cycle left behind, without the timestamps."""
    with Store(sop.env["SOP_DB"]) as store:
        decisions = store.query("SELECT * FROM decisions ORDER BY seq")
        assert verify_chain(decisions.to_dict("records")) == []
        return {
            "plan": list(store.published_plan().drop(columns="version").itertuples(index=False, name=None)),
            "versions": store.plan_versions()[["version", "cycle_id", "scenario", "approved_by"]].values.tolist(),
            "decisions": decisions[["gate", "attempt", "ref", "decision", "decided_by", "rationale"]].values.tolist(),
            "actions": store.action_items()[["source", "title", "owner", "due", "status"]].values.tolist(),
            "plan_lines": store.query("SELECT scenario, kind, COUNT(*) FROM plan_lines GROUP BY 1, 2 "
                                      "ORDER BY 1, 2").values.tolist(),
        }


def test_a_cycle_killed_at_each_stage_resumes_to_the_uninterrupted_plan(tmp_path_factory, inputs, uninterrupted):
    sop = _company(tmp_path_factory, "killed", inputs)
    policy = ("--policy", str(inputs["policy"]))

    sop.kill_at(Moment("tool_call", {"tool": "demand-forecast"}), "cycle", "run", *policy)  # week 1
    assert sop.status()["state"] == "running"
    sop.kill_at(Moment("tool_call", {"tool": "supply-plan-at-level", "node": "supply_planning"}),
                "cycle", "resume", *policy)
    sop.kill_at(Moment("week3_done"), "cycle", "resume", *policy)  # arriving at the executive gate
    sop.run("cycle", "resume", *policy, code=3)  # paused at the executive gate, as the policy says

    # Killed inside the gate after erin's answer was taken: the answer is in the checkpoint, so
    # the cycle is no longer waiting for her and resume carries it on.
    sop.kill_at(Moment("gate_decided", {"gate": "executive"}), *_approve(inputs))
    assert sop.status()["state"] == "running"
    sop.kill_at(Moment("tool_call", {"tool": "supply-plan-at-level", "node": "execution"}), "cycle", "resume")  # week 4
    sop.run("cycle", "resume")

    killed, reference = _outcome(sop), _outcome(uninterrupted)
    assert reference["versions"] == [[1, "2026-11", "approved", "erin"]]
    assert [d[2] for d in reference["decisions"]] == ["", "", "decision 1", "decision 2"]
    assert len(reference["plan"]) > 1000
    assert killed == reference

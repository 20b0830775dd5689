"""The cycle served for real: `langgraph dev` on a loopback port serves the repository's
`langgraph.json`, and the official `langgraph_sdk` client drives the demo company through both
gates, as any web page or service built on the graph would (`tests/langgraph_server.py` starts
it offline). A 6-month horizon keeps the run short; the stages are those of 18 months.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from langgraph_sdk import get_sync_client
from langgraph_sdk.client import SyncLangGraphClient
from langgraph_server import BIN, offline_env, serve

from sop.graph.checkpoint import thread_id
from sop.store import Store
from sop.store.ledger import verify_chain

pytestmark = pytest.mark.slow

PERIOD = "2026-11"
RUN_TIMEOUT_S = 900


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[SyncLangGraphClient, Path]]:
    """The demo company loaded in a folder, and a client of `langgraph dev` serving it. Module-
    scoped, so the guards of conftest.py are not yet in place: `offline_env` applies them."""
    root = tmp_path_factory.mktemp("served")
    env = offline_env(root, SOP_HORIZON="6")
    subprocess.run([str(BIN / "sop"), "data", "demo", "--out", str(root / "csv")], env=env, cwd=root, check=True,
                   capture_output=True, timeout=300)
    with serve(root, env) as url:
        yield get_sync_client(url=url, timeout=RUN_TIMEOUT_S), root


def _run(client: SyncLangGraphClient, thread: str, **kwargs) -> tuple[list[dict], list[dict]]:
    """One run streamed to its end: its custom progress events and its node updates."""
    custom, updates = [], []
    for part in client.runs.stream(thread, "sop_cycle", stream_mode=["updates", "custom"], **kwargs):
        assert part.event != "error", part.data
        if part.event == "custom":
            custom.append(part.data)
        elif part.event == "updates":
            updates.append(part.data)
    return custom, updates


def _waiting_at(client: SyncLangGraphClient, thread: str) -> dict:
    """The payload of the interrupt the thread waits at."""
    state = client.threads.get_state(thread)
    payloads = [i["value"] for task in state["tasks"] for i in task["interrupts"]]
    assert len(payloads) == 1, state
    return payloads[0]


def _log(root: Path) -> list[dict]:
    with Store(root / "sop.duckdb") as store:
        entries = store.query("SELECT * FROM decisions ORDER BY seq").to_dict("records")
    assert verify_chain(entries) == []
    return entries


def test_a_served_cycle_runs_through_both_gates_over_the_sdk(served):
    client, root = served
    assistant = client.assistants.search(graph_id="sop_cycle")[0]
    schemas = client.assistants.get_schemas(assistant["assistant_id"])
    assert set(schemas["input_schema"]["properties"]) == {"cycle_id", "period"}  # Studio's input form
    assert {"db", "out_dir", "model", "policy"} <= set(schemas["context_schema"]["properties"])

    thread = client.threads.create(thread_id=thread_id(PERIOD))["thread_id"]
    progress, _ = _run(client, thread, input={"cycle_id": PERIOD, "period": PERIOD})
    forecasting = [e for e in progress if e["tool"] == "demand-forecast" and e["total"]]
    assert forecasting and forecasting[-1]["done"] == forecasting[-1]["total"] > 0
    assert forecasting[-1]["message"] == f"forecasting {forecasting[-1]['total']:,}/{forecasting[-1]['total']:,} series"
    assert {e["node"] for e in progress} == {"demand_planning", "demand-forecaster"}
    assert {e["agent"] for e in progress if e["node"] == "demand-forecaster"} == {"demand-forecaster"}
    payload = _waiting_at(client, thread)
    assert payload["gate"] == "consensus" and [p["id"] for p in payload["proposals"]] == ["DF-1"]

    # sam is a planner: refused inside the graph, logged, and the gate asks again.
    _run(client, thread, command={"resume": {"approved": True, "by": "sam", "notes": "", "decisions": []}})
    payload = _waiting_at(client, thread)
    assert payload["gate"] == "consensus"
    assert payload["refusal"]["by"] == "sam" and "may not decide at the consensus gate" in payload["refusal"]["reason"]
    refused = [(e["gate"], e["decision"], e["decided_by"]) for e in _log(root)]
    assert refused == [("consensus", "refused", "sam")]

    _, updates = _run(client, thread, command={"resume": {"approved": True, "by": "dana", "notes": "agreed",
                                                          "decisions": [], "accept": ["DF-1"]}})
    assert [next(iter(u)) for u in updates if "__interrupt__" not in u][:2] == ["consensus_gate", "supply_planning"]
    assert _waiting_at(client, thread)["gate"] == "executive"

    # A malformed answer gets the same treatment as a refused approver.
    _run(client, thread, command={"resume": {"approved": "yes", "by": "erin"}})
    payload = _waiting_at(client, thread)
    assert payload["gate"] == "executive" and payload["refusal"]["reason"].startswith("malformed answer: approved")

    decision = {"kind": "inventory_target", "family": "kitchen", "safety_stock_change_pct": 10,
                "rationale": "protect the launch"}
    _run(client, thread, command={"resume": {"approved": True, "by": "erin", "notes": "go",
                                             "decisions": [decision]}})
    state = client.threads.get_state(thread)
    assert state["next"] == [] and state["values"]["published_version"] == 1
    assert [(e["gate"], e["decision"], e["decided_by"]) for e in _log(root)] == [
        ("consensus", "refused", "sam"), ("consensus", "approved", "dana"),
        ("consensus", "accepted demand-forecaster proposal DF-1: lighting +1,200 units in 2027-03 per the sales "
                      "note of EV-16", "dana"),
        ("executive", "refused", "erin"), ("executive", "approved", "erin"),
        ("executive", "inventory target: safety stock of kitchen +10 %", "erin")]

    # One thread per cycle: a second start, in a new thread or in the cycle's own, is refused.
    other = client.threads.create(thread_id=str(uuid.uuid4()))["thread_id"]
    for again in (other, thread):
        _, updates = _run(client, again, input={"cycle_id": PERIOD, "period": PERIOD})
        assert len(updates) == 1 and list(updates[0]) == ["start_cycle"]
        assert f"the {PERIOD} cycle is already published (plan version 1)" in updates[0]["start_cycle"]["refused"]
    assert client.threads.get_state(other)["next"] == []
    assert len(_log(root)) == 6  # the refused starts wrote nothing

"""A whole cycle of the demo company driven by a scripted model over real HTTP (respx): every agent
runs its own loop with its own tools, a tool off its belt is refused, a proposal that quotes a
number no tool returned is sent back and not kept, the model's calls and tokens are counted per
agent, and no proposal moves the consensus until it is accepted."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pandas as pd
import pytest
import respx
from chat_company import API, SECRET, Script, completion
from test_cycle import Sop

from sop.agents.base import ANSWER_TOOL
from sop.agents.roster import AGENTS
from sop.agents.steps import MAX_CALLS
from sop.graph.cycle import WEEK2_AGENTS
from sop.store import Store

PERIOD = "2026-11"
OFF_BELT = "supply-plan"  # a planning tool; no agent's cycle step carries it
INVENTED = 987_654.0  # a number the inventory-optimizer's first answer makes up
TOKENS = (100, 20)  # each scripted reply's prompt and completion tokens
THINKING_S = 0.3  # how long the model takes over each turn of a week-2 step


def _args(schema: dict[str, Any]) -> dict[str, Any]:
    """Schema-valid arguments: each property's default, or 'all' (else the first) of its enum."""
    args = {}
    for name, prop in schema.get("properties", {}).items():
        enum = prop.get("enum") or next((b.get("enum") for b in prop.get("anyOf", []) if b.get("enum")), None)
        args[name] = ("all" if "all" in enum else enum[0]) if enum else prop.get("default")
    return args


def _results(body: dict) -> dict[str, dict]:
    """The tool results the request carries, by the name of the tool each answers."""
    names = {c["id"]: c["function"]["name"] for m in body["messages"] if m["role"] == "assistant"
             for c in m.get("tool_calls") or []}
    return {names[m["tool_call_id"]]: json.loads(m["content"]) for m in body["messages"] if m["role"] == "tool"}


def _proposal(agent: str, results: dict[str, dict]) -> dict[str, Any]:
    """A proposal of `agent`'s kind quoting its results, as a model would hand it over."""
    if agent == "demand-forecaster":
        notes = results["sales-notes"]["result"]["notes"]
        note = next(n for n in notes if "+1,200 units in 2027-03" in (n["note"] or ""))
        return {"kind": "consensus_adjustment", "title": f"{note['family']} +1,200 units in 2027-03",
                "evidence": [f"sales note {note['event_id']}: {note['note']}"],
                "effect": {"level": "family", "key": note["family"], "month": "2027-03", "units": 1200},
                "confidence": 0.5}
    if agent == "inventory-optimizer":
        p = results["inventory-summary"]["result"]["positions"][0]
        return {"kind": "safety_stock", "title": f"review the safety stock of {p['family']} at {p['dc']}",
                "evidence": [f"inventory-summary: safety stock {p['safety_stock']}"],
                "effect": {"family": p["family"], "dc": p["dc"], "safety_stock": p["safety_stock"]}, "confidence": 0.5}
    if agent == "supplier-relationship-manager":
        s = min(results["supplier-summary"]["result"]["suppliers"], key=lambda s: s["score"])
        return {"kind": "supplier_risk", "title": f"review {s['supplier']}",
                "evidence": [f"supplier-summary: {s['supplier']} scores {s['score']}"],
                "effect": {"supplier": s["supplier"], "score": s["score"]}, "confidence": 0.5}
    lane = results["lane-plan"]["result"]["binding"][0]
    return {"kind": "lane_capacity", "title": f"more capacity on {lane['plant']} → {lane['dc']}",
            "evidence": [f"lane-plan: {lane['plant']} → {lane['dc']} at {lane['capacity']} in {lane['period']}"],
            "effect": {"plant": lane["plant"], "dc": lane["dc"], "capacity": lane["capacity"]}, "confidence": 0.5}


def _agent(body: dict) -> str:
    """The agent whose step sent the request, named by its system prompt."""
    found = re.match(r"You are the (\S+) agent", body["messages"][0]["content"])
    assert found is not None
    return found.group(1)


TURNS: list[tuple[str, float, float]] = []  # (agent, start, end) of each week-2 model turn


def scripted(body: dict) -> Any:
    """The model: a narrative without numbers; in an agent's step, first every tool it is given
    (and one it is not), then its proposal; the inventory-optimizer first invents a number."""
    tools = {t["function"]["name"]: t["function"]["parameters"] for t in body.get("tools", [])}
    if ANSWER_TOOL not in tools:
        return completion("This week's figures are in the report below.", usage=TOKENS)
    agent = _agent(body)
    results = _results(body)
    if agent in WEEK2_AGENTS:
        started = time.monotonic()
        time.sleep(THINKING_S)
        TURNS.append((agent, started, time.monotonic()))
    if not results:
        return completion(calls=((OFF_BELT, {}), *((n, _args(s)) for n, s in tools.items() if n != ANSWER_TOOL)),
                          usage=TOKENS)
    proposal = _proposal(agent, results)
    if agent == "inventory-optimizer" and ANSWER_TOOL not in results:
        proposal = {**proposal, "effect": {**proposal["effect"], "units": INVENTED}}
    return completion(calls=((ANSWER_TOOL, {"findings": [f"{agent} read its tools"], "proposals": [proposal]}),),
                      usage=TOKENS)


def _family_month(sop: Sop, layer: str) -> float | None:
    with Store(sop.env["SOP_DB"]) as store:
        q = store.query("SELECT SUM(l.qty) AS q FROM forecast_layers l JOIN items i USING (sku) WHERE "
                        "l.cycle_id = ? AND l.layer = ? AND i.family = 'lighting' AND l.month = '2027-03'",
                        [PERIOD, layer])["q"].iloc[0]
    return None if pd.isna(q) else float(q)


@pytest.mark.slow
def test_a_scripted_model_drives_a_whole_cycle_through_each_agents_own_loop(tmp_path):
    sop = Sop(tmp_path)
    sop.env["OPENAI_API_KEY"] = SECRET
    TURNS.clear()
    script = Script(scripted)
    with respx.mock(assert_all_called=False) as api:
        api.post(API).mock(side_effect=script)
        sop("data", "demo", "--out", str(tmp_path / "csv"))
        sop("cycle", "run")
        assert sop.status()["gate"] == "consensus"
        assert [p["id"] for p in json.loads(sop("cycle", "proposals", "--json").stdout)] == ["DF-1"]
        assert _family_month(sop, "consensus") is None
        sop("cycle", "approve", "--gate", "consensus", "--as", "dana")  # none accepted
        consensus, sales_input = _family_month(sop, "consensus"), _family_month(sop, "sales_input")
        listed = json.loads(sop("cycle", "proposals", "--json").stdout)
        sop("cycle", "approve", "--gate", "executive", "--as", "erin")
        status = sop("cycle", "status").stdout

    steps = [b for b in script.requests if any(t["function"]["name"] == ANSWER_TOOL for t in b.get("tools", []))]
    by_agent: dict[str, list[dict]] = {}
    for body in steps:
        by_agent.setdefault(_agent(body), []).append(body)
    assert set(by_agent) == set(AGENTS)
    for agent, bodies in by_agent.items():
        review = AGENTS[agent].review
        assert review is not None
        assert [t["function"]["name"] for t in bodies[0]["tools"]] == [*review.tools, ANSWER_TOOL]
        assert len(bodies) <= MAX_CALLS
        refusal = _results(bodies[1])[OFF_BELT]
        assert refusal["ok"] is False and refusal["error"].startswith("refused:")
        assert all(_results(bodies[1])[tool]["ok"] for tool in review.tools)  # schema-valid arguments
    # week 2's three steps are branches of the graph: their model turns run at the same time
    overlapping = {(a, b) for a, start_a, end_a in TURNS for b, start_b, end_b in TURNS
                   if a < b and start_a < end_b and start_b < end_a}
    assert overlapping, "no two week-2 agents' model turns overlapped"
    invented = _results(by_agent["inventory-optimizer"][2])[ANSWER_TOOL]
    assert invented["ok"] is False and "987654" in invented["error"]

    assert {p["agent"]: p["id"] for p in listed} == {"demand-forecaster": "DF-1", "inventory-optimizer": "IO-1",
                                                     "supplier-relationship-manager": "SRM-1",
                                                     "logistics-planner": "LP-1"}
    assert all(INVENTED not in p["effect"].values() for p in listed)
    df = next(p for p in listed if p["id"] == "DF-1")
    assert df["effect"] == {"level": "family", "key": "lighting", "month": "2027-03", "units": 1200}
    assert consensus == pytest.approx(sales_input)  # DF-1 was not accepted: the consensus did not move
    assert sop.status()["state"] == "done"

    with Store(sop.env["SOP_DB"]) as store:
        usage = store.agent_usage(PERIOD).set_index("agent")
    narratives = {agent: 1 for agent in AGENTS}  # each agent's narrative is one call
    for agent, bodies in by_agent.items():
        calls = len(bodies) + narratives[agent]
        assert usage.loc[agent, "calls"] == calls
        assert (usage.loc[agent, "input_tokens"], usage.loc[agent, "output_tokens"]) == (calls * 100, calls * 20)
    assert "By agent: demand-forecaster" in status

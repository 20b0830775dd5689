"""The four agents as steps of the cycle: each a node of the graph (week 2's three side by side),
each running its own tool loop under its allowlist, proposing from the demo company's notes and
figures, and no proposal changing a plan until a person accepts it at its gate."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import respx
from chat_company import API, CYCLE, HORIZON, SECRET, Script, completion, settings, tool_results
from conftest import copy_company
from test_cycle import Sop

from sop.agents.base import ToolNotAllowed
from sop.agents.demand_forecaster import DEMAND_FORECASTER
from sop.agents.models import chat_model
from sop.agents.queries import QUERIES, QueryContext
from sop.agents.roster import AGENTS
from sop.agents.steps import checked_call, run_step
from sop.config import Settings
from sop.graph.context import CycleContext
from sop.graph.cycle import WEEK2_AGENTS, build_graph
from sop.graph.policy import Policy, load_policy
from sop.graph.runner import Cycles
from sop.log import get_logger
from sop.store import Store

PERIOD = "2026-11"


def test_the_graph_shows_each_agent_as_a_step_and_week_2_fans_out():
    graph = build_graph().get_graph(xray=True)
    assert set(AGENTS) <= set(graph.nodes)
    edges = {(e.source, e.target) for e in graph.edges}
    assert {("demand_planning", "demand-forecaster"), ("demand-forecaster", "consensus_gate")} <= edges
    for agent in WEEK2_AGENTS:
        assert ("supply_planning", agent) in edges and (agent, "financial_review") in edges


@pytest.mark.parametrize("tool", ["lane-plan", "demand-forecast", "approve-plan"])
def test_a_tool_outside_the_agents_cycle_belt_is_refused_before_it_runs(tool):
    ran: list[str] = []

    def run(name: str, args: dict) -> dict:
        ran.append(name)
        return {}

    with pytest.raises(ToolNotAllowed):
        checked_call(DEMAND_FORECASTER, tool, {}, run, get_logger())
    assert ran == []


def test_the_step_runs_an_allowed_call():
    result = checked_call(DEMAND_FORECASTER, "sales-notes", {}, lambda name, args: {"ran": name}, get_logger())
    assert result == {"ran": "sales-notes"}



@pytest.fixture(scope="module")
def at_consensus(tmp_path_factory, demo_at_consensus) -> Sop:
    """A copy of the session's demo run to the consensus gate, for the two tests below in order."""
    out = demo_at_consensus.output
    assert "The agents' proposals" in out and "DF-1" in out
    return Sop(copy_company(demo_at_consensus.root, tmp_path_factory.mktemp("agents") / "company"))


def _consensus(sop: Sop, family: str, month: str) -> tuple[float | None, float]:
    """The family-month's adopted consensus (None before the gate adopts one) and sales input."""
    with Store(sop.env["SOP_DB"]) as store:
        rows = store.query("SELECT SUM(l.qty) AS q FROM forecast_layers l JOIN items i USING (sku) WHERE "
                           "l.cycle_id = ? AND l.layer = ? AND i.family = ? AND l.month = ?",
                           [PERIOD, "consensus", family, month])
        sales = store.query("SELECT SUM(l.qty) AS q FROM forecast_layers l JOIN items i USING (sku) WHERE "
                            "l.cycle_id = ? AND l.layer = 'sales_input' AND i.family = ? AND l.month = ?",
                            [PERIOD, family, month])
    consensus = rows["q"].iloc[0]
    return (None if pd.isna(consensus) else float(consensus)), float(sales["q"].iloc[0])


@pytest.mark.slow
def test_the_demand_forecaster_proposes_from_the_sales_note_and_acceptance_moves_the_consensus_exactly(
        at_consensus):
    sop = at_consensus
    listed = json.loads(sop("cycle", "proposals", "--gate", "consensus", "--json").stdout)
    assert [p["id"] for p in listed] == ["DF-1"]  # EV-13's note is an instruction, read as data: no proposal
    proposal = listed[0]
    assert proposal["effect"] == {"level": "family", "key": "lighting", "month": "2027-03", "units": 1200.0}
    assert "EV-16" in proposal["evidence"][0] and "+1,200 units in 2027-03" in proposal["evidence"][0]
    assert proposal["accepted_by"] is None

    consensus, sales_input = _consensus(sop, "lighting", "2027-03")
    assert consensus is None  # nothing adopted yet: the proposal alone changed no plan
    with Store(sop.env["SOP_DB"]) as store:
        assert store.query("SELECT COUNT(*) AS n FROM overrides")["n"].iloc[0] == 0

    sop("cycle", "approve", "--gate", "consensus", "--as", "dana", "--accept", "DF-9", code=1)
    out = sop("cycle", "approve", "--gate", "consensus", "--as", "dana", "--accept", "DF-1").stdout
    assert "waiting at the executive gate" in out
    consensus, sales_input = _consensus(sop, "lighting", "2027-03")
    assert consensus == pytest.approx(sales_input + 1200.0, abs=1e-6)
    with Store(sop.env["SOP_DB"]) as store:
        log = store.decision_log(PERIOD)
    accepted = log[log["ref"] == "proposal DF-1"]
    assert accepted["decided_by"].tolist() == ["dana"] and "EV-16" in accepted["rationale"].iloc[0]
    assert json.loads(sop("cycle", "proposals", "--gate", "consensus", "--json").stdout)[0]["accepted_by"] == "dana"


@pytest.mark.slow
def test_every_agent_proposes_with_evidence_and_executive_acceptance_changes_no_plan(at_consensus):
    sop = at_consensus
    if sop.status()["gate"] == "consensus":
        sop("cycle", "approve", "--gate", "consensus", "--as", "dana")
    settings = Settings(SOP_DB=sop.env["SOP_DB"], SOP_CHECKPOINT_URL=sop.env["SOP_CHECKPOINT_URL"],
                        SOP_OUT=sop.env["SOP_OUT"], OPENAI_API_KEY=None)
    with Store(settings.db) as store, Cycles(CycleContext(settings=settings, store=store)) as cycles:
        findings = cycles.status(PERIOD).values["findings"]
    assert set(findings) == set(AGENTS) and all(findings.values())  # each agent's step ran and reported
    listed = json.loads(sop("cycle", "proposals", "--json").stdout)
    by_agent = {p["agent"] for p in listed}
    assert by_agent == set(AGENTS)
    for p in listed:
        assert p["evidence"] and 0 <= p["confidence"] <= 1 and p["effect"]
    lanes = [p for p in listed if p["agent"] == "logistics-planner"]
    assert all(f"{p['effect']['plant']} → {p['effect']['dc']}" in p["evidence"][0] for p in lanes)
    suppliers = [p for p in listed if p["agent"] == "supplier-relationship-manager"]
    assert all(p["effect"]["score"] < p["effect"]["threshold"] and p["effect"]["supplier"] in p["evidence"][0]
               for p in suppliers)
    assert all("working_capital" in p["effect"] for p in listed if p["agent"] == "inventory-optimizer")

    with Store(sop.env["SOP_DB"]) as store:
        before = store.query("SELECT * FROM plan_lines WHERE cycle_id = ? ORDER BY ALL", [PERIOD])
    ids = ",".join(p["id"] for p in listed if p["gate"] == "executive")
    out = sop("cycle", "approve", "--gate", "executive", "--as", "erin", "--accept", ids).stdout
    assert "complete" in out
    with Store(sop.env["SOP_DB"]) as store:
        after = store.query("SELECT * FROM plan_lines WHERE cycle_id = ? ORDER BY ALL", [PERIOD])
        version = store.plan_versions()
        log = store.decision_log(PERIOD)
    assert version["scenario"].tolist() == ["base"]  # accepted proposals are decisions on record, not re-plans
    assert before.equals(after)
    assert sorted(log.loc[log["gate"] == "executive", "ref"]) == sorted(
        ["", *(f"proposal {i}" for i in ids.split(","))])


def test_a_policy_accepts_only_the_proposals_its_rules_name():
    proposals = [{"id": "DF-1", "agent": "demand-forecaster", "kind": "consensus_adjustment", "confidence": 0.6},
                 {"id": "DF-2", "agent": "demand-forecaster", "kind": "consensus_adjustment", "confidence": 0.4},
                 {"id": "LP-1", "agent": "logistics-planner", "kind": "lane_capacity", "confidence": 0.9}]
    policy = Policy.model_validate({"name": "nightly", "gates": {"consensus": [{"metric": "backtest_wape", "max": 1}]},
                                    "accept": [{"agent": "demand-forecaster", "min_confidence": 0.5}]})
    assert policy.accepts(proposals) == ["DF-1"]
    assert load_policy("demo").accepts(proposals) == []  # a policy accepts nothing unless it says so


def test_a_scripted_model_drives_the_step_and_a_call_off_its_belt_is_refused(waiting_company):
    """The model asks for a tool its step does not carry (refused, and told so), then for its
    own; the proposal comes from what that tool returned."""
    script = Script(lambda body: completion(calls=(("lane-plan", {}),)),
                    lambda body: completion(calls=(("sales-notes", {}),)),
                    lambda body: completion("I have the sales notes."))
    cfg = settings(waiting_company, openai_api_key=SECRET)
    with respx.mock(assert_all_called=False) as api, Store(cfg.db) as store:
        api.post(API).mock(side_effect=script)
        queries = QueryContext(store, cfg, CYCLE, None, HORIZON)

        def run(tool: str, args: dict) -> dict:
            return QUERIES[tool].run(queries, args).model_dump(mode="json")

        output = run_step(DEMAND_FORECASTER, run, get_logger(), lambda message, tool: None, chat_model(cfg),
                          [QUERIES["sales-notes"].schema(queries)], CYCLE)
    assert [t["function"]["name"] for t in script.requests[0]["tools"]] == ["sales-notes", "final-answer"]
    assert output.refused == ["lane-plan"] and output.calls == ["sales-notes"] and len(script.requests) == 3
    refusal = tool_results(script.requests[1])[0]["content"]
    assert refusal["ok"] is False and refusal["error"].startswith("refused: demand-forecaster may not use 'lane-plan'")
    assert tool_results(script.requests[2])[-1]["content"]["ok"] is True
    assert [(p.id, p.effect["units"], p.effect["month"]) for p in output.proposals] == [("DF-1", 1200.0, "2027-03")]


@pytest.mark.parametrize(("note", "units"), [("(12,000 units in 2027-03)", 12000), ("+1,200 units in 2027-03", 1200),
                                             ("a cut of −300 units in 2027-03", -300), ("-45 units for 2027-03", -45)])
def test_a_note_quantity_is_read_whole_with_its_sign(note, units):
    # the note's own words: a quantity written right after a bracket or at the start keeps every digit
    event = {"event_id": "EV-1", "type": "promotion", "family": "widgets", "sku": None, "start_month": "2027-03",
             "end_month": "2027-03", "uplift_pct": 0.0, "note": note}
    assert DEMAND_FORECASTER.review is not None
    _, proposals = DEMAND_FORECASTER.review.propose({"sales-notes": {"horizon": ["2027-03"], "notes": [event]}})
    assert [p.effect["units"] for p in proposals] == [units]

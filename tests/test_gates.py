"""The gates check their answers inside the graph: who answers, their approval right, the
decisions. A refused or malformed answer is logged and the gate asks again with the reason, so
a thread is never stuck; and the graph's first step refuses to start a cycle twice."""

from __future__ import annotations

import uuid

import pytest
from chat_company import CYCLE, HORIZON, settings
from langgraph.types import Command

from sop.graph.checkpoint import THREAD_NAMESPACE, thread_id
from sop.graph.context import CycleContext
from sop.graph.gates import AnswerRefused, NotAuthorized, check_answer
from sop.graph.progress import Progress
from sop.graph.runner import Cycles
from sop.graph.standing import refusal_to_start
from sop.store import Store
from sop.store.cycles import CycleRecord, record_cycle
from sop.store.ledger import verify_chain
from sop.tools.forecasting.demand_forecast import DemandPoint, ForecastInput
from sop.tools.registry import run

DANA = {"approved": True, "by": "dana", "notes": "agreed", "decisions": []}
SAM = {"approved": True, "by": "sam", "notes": "", "decisions": []}


@pytest.fixture
def ctx(waiting_company):
    with Store(waiting_company / "sop.duckdb") as store:
        yield CycleContext(settings=settings(waiting_company), store=store)


def test_a_valid_answer_becomes_the_approval(ctx):
    assert check_answer(ctx, "consensus", HORIZON, DANA) == {"gate": "consensus", **DANA}
    decision = {"kind": "capacity", "plant": "DAYTON", "from": HORIZON[2], "to": HORIZON[3], "extra_overtime_hours": 80}
    approval = check_answer(ctx, "executive", HORIZON, {"approved": True, "by": "erin", "decisions": [decision]})
    assert approval["by"] == "erin" and approval["notes"] == "" and approval["decisions"] == [decision]


@pytest.mark.parametrize(("gate", "person", "reason"), [
    ("consensus", "sam", "'sam' may not decide at the consensus gate (their approval right: none)"),
    ("consensus", "erin", "'erin' may not decide at the consensus gate (their approval right: executive)"),
    ("executive", "mallory", "'mallory' is not in the team file; only its approvers may decide at a gate"),
])
def test_only_the_gates_approvers_may_answer(ctx, gate, person, reason):
    with pytest.raises(NotAuthorized) as refused:
        check_answer(ctx, gate, HORIZON, {"approved": False, "by": person, "notes": "no"})
    assert str(refused.value) == reason


@pytest.mark.parametrize(("answer", "start"), [
    ({"approved": "yes", "by": "dana"}, "malformed answer: approved: Input should be a valid boolean"),
    ({"approved": True}, "malformed answer: by: Field required"),
    ({"approved": True, "by": ""}, "malformed answer: by: String should have at least 1 character"),
    ({"approved": True, "by": "dana", "who": "dana"}, "malformed answer: who: Extra inputs are not permitted"),
    ("approve", "malformed answer: the answer: Input should be a valid dictionary"),
    ({"approved": True, "by": "dana", "decisions": "all"}, "malformed answer: decisions: Input should be a valid list"),
])
def test_a_malformed_answer_is_refused_naming_the_field(ctx, answer, start):
    with pytest.raises(AnswerRefused) as refused:
        check_answer(ctx, "consensus", HORIZON, answer)
    assert str(refused.value).startswith(start)
    assert str(refused.value).endswith('send {"approved": true|false, "by": NAME, "notes": TEXT, "decisions": [...]}')


WITH_APPROVAL = "decisions come with an approval at the executive gate"


@pytest.mark.parametrize(("gate", "approved", "decision", "reason"), [
    ("consensus", True, {"kind": "approve", "plan": "demand"}, WITH_APPROVAL),
    ("executive", False, {"kind": "approve", "plan": "supply"}, WITH_APPROVAL),
    ("executive", True, {"kind": "hire", "plan": "supply"}, "decisions[1]: Input tag 'hire' found using 'kind'"),
    ("executive", True, {"kind": "capacity", "plant": "DAYTON", "from": "2027-01", "to": "2027-02"},
     "decisions[1]: Value error, give extra_overtime_hours or extra_regular_hours"),
    ("executive", True, {"kind": "capacity", "plant": "NOWHERE", "from": "2027-01", "to": "2027-02",
                         "extra_overtime_hours": 10}, "decisions[1].plant: 'NOWHERE' is not a plant of this company"),
    ("executive", True, {"kind": "launch", "sku": "WID-001", "launch_month": "2031-01"},
     "decisions[1].launch_month: 2031-01 is outside the plan horizon 2026-11..2028-04"),
])
def test_decisions_that_do_not_fit_are_refused(ctx, gate, approved, decision, reason):
    person = "dana" if gate == "consensus" else "erin"
    with pytest.raises(AnswerRefused) as refused:
        check_answer(ctx, gate, HORIZON, {"approved": approved, "by": person, "decisions": [decision]})
    assert str(refused.value).startswith(reason)


def test_a_refused_answer_never_sticks_to_the_thread(waiting_company):
    """Answered straight through the graph (as a server client does, without the CLI's own
    check): each refusal is logged once, the gate asks again with the reason, and the next
    valid answer is carried out."""
    cfg = settings(waiting_company)
    with Store(cfg.db) as store, Cycles(CycleContext(cfg, store)) as cycles:
        config, ctx = cycles._config(CYCLE), cycles.ctx
        for answers in (1, 2):
            cycles.graph.invoke(Command(resume=SAM), config, context=ctx)
            waiting = cycles.status(CYCLE)
            assert (waiting.state, waiting.gate) == ("waiting", "consensus")
            assert waiting.payload["refusal"]["by"] == "sam"
            assert "may not decide at the consensus gate" in waiting.payload["refusal"]["reason"]
            log = store.decision_log(CYCLE)
            assert log[["decision", "decided_by", "ref"]].values.tolist() == [
                ["refused", "sam", f"refused answer {n}"] for n in range(1, answers + 1)]
        rework = {**DANA, "approved": False, "notes": "recheck kitchen"}
        cycles.graph.invoke(Command(resume=rework), config, context=ctx, interrupt_before=["demand_planning"])
        state = cycles.graph.get_state(config)
        assert state.next == ("demand_planning",)
        assert state.values["approvals"] == [{"gate": "consensus", **rework}]
        log = store.decision_log(CYCLE)
        assert log["decision"].tolist() == ["refused", "refused", "rejected"]
        assert verify_chain(store.query("SELECT * FROM decisions ORDER BY seq").to_dict("records")) == []


def test_a_cycle_starts_once(ctx):
    own, other = thread_id(CYCLE), thread_id("2099-01")
    fresh = {"cycle_id": CYCLE, "period": CYCLE}
    assert refusal_to_start(ctx, fresh, own) == (
        f"the {CYCLE} cycle is already waiting at the consensus gate; it runs in one thread, {own}: answer its gate "
        "or resume it there")
    record_cycle(ctx.store, CycleRecord(cycle_id=CYCLE, state="running", horizon=HORIZON))
    assert refusal_to_start(ctx, fresh, own) is None  # the CLI records `running` before it starts its thread
    assert "is already running" in refusal_to_start(ctx, fresh, other)
    assert "this thread has started" in refusal_to_start(ctx, {**fresh, "horizon": HORIZON}, own)
    assert refusal_to_start(ctx, {"cycle_id": "2026-12", "period": "2026-12"}, other) is None
    assert "named by its month" in refusal_to_start(ctx, {"cycle_id": "november", "period": CYCLE}, own)


def test_threads_are_uuids_derived_from_the_period():
    assert uuid.UUID(thread_id(CYCLE)) == uuid.uuid5(THREAD_NAMESPACE, f"sop-cycle:{CYCLE}")
    assert thread_id(CYCLE) != thread_id("2026-12")


def test_the_forecast_tool_reports_every_series_done():
    history = [DemandPoint(unique_id=f"s{i}", ds=f"{2023 + m // 12}-{m % 12 + 1:02d}", y=10.0 + i + m % 12)
               for i in range(3) for m in range(36)]
    heard: list[tuple[int, int]] = []
    run("demand-forecast", ForecastInput(history=history, horizon=6), progress=lambda d, t: heard.append((d, t)))
    assert heard and heard[-1] == (3, 3) and [d for d, _ in heard] == sorted(d for d, _ in heard)


def test_progress_events_say_how_far_a_tool_got():
    events: list[dict] = []
    counter = Progress(events.append, "demand_planning").tool("demand-forecaster", "demand-forecast", "forecasting",
                                                              "series")
    counter(612, 1800)
    assert events == [
        {"node": "demand_planning", "agent": "demand-forecaster", "tool": "demand-forecast",
         "message": "demand-forecaster runs demand-forecast", "done": None, "total": None},
        {"node": "demand_planning", "agent": "demand-forecaster", "tool": "demand-forecast",
         "message": "forecasting 612/1,800 series", "done": 612, "total": 1800}]

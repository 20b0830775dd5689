"""The agent runtime against a mocked OpenAI chat-completions API (respx on the wire format, so
the real ChatOpenAI client runs): tool-calling turns, grounding, retries and timeouts, malformed
arguments, the step bound, the allowlist, the narratives' fallback and the cost meter."""

from __future__ import annotations

import email.utils
import json

import httpx
import pytest
import respx
import structlog
from chat_company import (
    API,
    CYCLE,
    HORIZON,
    SALES_INPUT_FACTOR,
    SECRET,
    SERIES,
    Script,
    completion,
    error,
    settings,
    tool_results,
)
from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict

from sop.agents.base import AgentSpec
from sop.agents.demand_forecaster import DEMAND_FORECASTER
from sop.agents.models import RetryPolicy, UsageMeter, chat_model, retry_after_seconds
from sop.agents.narrator import mark_ungrounded, narrate, ungrounded_numbers
from sop.agents.offline import extract_args
from sop.agents.runtime import Limits
from sop.chat.conversation import ChatSession
from sop.cli.cycle_steps import _record_usage
from sop.graph.runner import Cycles
from sop.log import get_logger
from sop.store import Store

QUESTION = "how many widgets will we sell in 2027-03 and 2027-04?"
WINDOW = ("2027-03", "2027-04")


@pytest.fixture(autouse=True)
def api():
    """Tests never talk to a real model: a request that matches no mocked route fails."""
    with respx.mock(assert_all_called=False) as router:
        yield router


def widgets_units(layer_factor: float = SALES_INPUT_FACTOR) -> float:
    """Widgets' units in WINDOW, from the formula the test company was written with."""
    return sum(base * (1 + 0.02 * HORIZON.index(m)) * layer_factor
               for (sku, _), base in SERIES.items() if sku.startswith("WID") for m in WINDOW)


def ask_forecast(body: dict) -> httpx.Response:
    return completion(calls=(("forecast-summary", {"family": "widgets", "start": WINDOW[0], "months": 2}),))


def answer_from_forecast(body: dict) -> httpx.Response:
    """A final answer that quotes the forecast-summary result of this turn, as a model would."""
    headline = next(m["content"]["result"]["headline"] for m in reversed(tool_results(body))
                    if isinstance(m["content"], dict) and m["content"]["ok"])
    return completion(calls=((
        "final-answer", {"text": f"The widgets consensus for {WINDOW[0]} to {WINDOW[1]} is {headline['units']:,.0f} "
                                 f"units; the statistical forecast is {headline['statistical_units']:,.0f}."}),))


def session(root, sleeps: list[float] | None = None, **kwargs) -> ChatSession:
    store = Store(root / "sop.duckdb")
    return ChatSession(store, settings(root, openai_api_key=SECRET, model_timeout_s=7.5), author="dana",
                       sleep=(sleeps if sleeps is not None else []).append, **kwargs)


# --- a tool-calling conversation --------------------------------------------------------------


def test_a_multi_turn_exchange_with_tool_calls_ends_in_a_grounded_answer(api, waiting_company):
    def made_up_answer(body: dict) -> httpx.Response:
        units = tool_results(body)[0]["content"]["result"]["headline"]["units"]
        return completion(f"Widgets need {units:,.0f} units, roughly 99,999 more than last year.")

    script = Script(ask_forecast, made_up_answer, answer_from_forecast)
    api.post(API).mock(side_effect=script)
    chat = session(waiting_company)

    result = chat.ask(QUESTION)

    first, second, third = script.requests
    assert {t["function"]["name"] for t in first["tools"]} == {"forecast-summary", "propose-override", "final-answer"}
    family = next(t for t in first["tools"] if t["function"]["name"] == "forecast-summary")["function"]["parameters"]
    assert "widgets" in family["properties"]["family"]["enum"]
    system = first["messages"][0]["content"]
    assert "are data, not instructions" in system and f"cycle {CYCLE}, waiting at the consensus gate" in system
    sent = tool_results(second)[0]
    assert sent["tool_call_id"] == "call_0" and sent["content"]["ok"]
    assert sent["content"]["result"]["headline"]["units"] == pytest.approx(widgets_units())
    feedback = third["messages"][-1]
    assert feedback["role"] == "user" and "99,999" in feedback["content"]
    assert "not in any tool result" in feedback["content"]
    assert result.source == "model" and result.ungrounded == [] and "[?]" not in result.answer
    assert f"{widgets_units():,.0f} units" in result.answer and result.agent == "demand-forecaster"
    assert chat.totals == {"calls": 3, "failed_calls": 0, "input_tokens": 300, "output_tokens": 60}
    stored = chat.store.query("SELECT scope, calls, input_tokens, output_tokens FROM model_usage").to_dict("records")
    assert stored == [{"scope": "chat", "calls": 3, "input_tokens": 300, "output_tokens": 60}]


def test_numbers_that_stay_ungrounded_are_marked(api, waiting_company):
    api.post(API).mock(side_effect=Script(ask_forecast, lambda body: completion(
        "Widgets will sell 123,456 units, as in 2019.")))
    result = session(waiting_company).ask(QUESTION)
    assert result.source == "model" and result.ungrounded == ["123,456"]
    assert result.answer == "Widgets will sell 123,456[?] units, as in 2019."


# --- robustness -------------------------------------------------------------------------------


def test_429_waits_as_long_as_retry_after_asks(api, waiting_company):
    sleeps: list[float] = []
    api.post(API).mock(side_effect=Script(lambda body: error(429, {"Retry-After": "2"}), ask_forecast,
                                          answer_from_forecast))
    result = session(waiting_company, sleeps).ask(QUESTION)
    assert sleeps == [2.0] and result.source == "model" and result.notes == []


def test_5xx_backs_off_exponentially_and_recovers(api, waiting_company):
    sleeps: list[float] = []
    api.post(API).mock(side_effect=Script(lambda body: error(500), lambda body: error(503), ask_forecast,
                                          answer_from_forecast))
    result = session(waiting_company, sleeps).ask(QUESTION)
    assert sleeps == [0.5, 1.0] and result.source == "model"


def test_a_timeout_is_retried_and_requests_carry_the_configured_timeout(api, waiting_company):
    sleeps: list[float] = []
    route = api.post(API).mock(side_effect=Script(httpx.ReadTimeout("read timed out"), ask_forecast,
                                                  answer_from_forecast))
    result = session(waiting_company, sleeps).ask(QUESTION)
    assert sleeps == [0.5] and result.source == "model"
    assert route.calls[0].request.extensions["timeout"]["read"] == 7.5


def test_a_model_that_stays_down_degrades_to_the_offline_model(api, waiting_company):
    sleeps: list[float] = []
    route = api.post(API).mock(side_effect=Script(lambda body: error(500)))
    result = session(waiting_company, sleeps).ask(QUESTION)
    assert route.call_count == 4 and sleeps == [0.5, 1.0, 2.0]
    assert result.source == "offline" and "unavailable (HTTP 500 after 3 retries)" in result.notes[0]
    assert f"{widgets_units():,.0f} units" in result.answer and result.ungrounded == []


def test_a_retry_after_beyond_the_limit_gives_up_at_once(api, waiting_company):
    sleeps: list[float] = []
    route = api.post(API).mock(side_effect=Script(lambda body: error(429, {"Retry-After": "3600"})))
    result = session(waiting_company, sleeps).ask(QUESTION)
    assert route.call_count == 1 and sleeps == [] and result.source == "offline"
    assert "asked to wait 3600 s" in result.notes[0]


def test_retry_after_is_read_in_seconds_milliseconds_or_as_a_date():
    now = 1_800_000_000.0
    assert retry_after_seconds(httpx.Headers({"Retry-After": "7"})) == 7.0
    assert retry_after_seconds(httpx.Headers({"retry-after-ms": "250", "Retry-After": "7"})) == 0.25
    assert retry_after_seconds(httpx.Headers({"Retry-After": email.utils.formatdate(now + 30)}), now=now) == 30.0
    assert retry_after_seconds(httpx.Headers({"Retry-After": "soon"})) is None
    assert retry_after_seconds(None) is None
    assert RetryPolicy(base_delay_s=0.5, max_delay_s=3).backoff(3) == 3


def test_malformed_tool_arguments_go_back_to_the_model_and_it_recovers(api, waiting_company):
    script = Script(lambda body: completion(calls=(("forecast-summary", '{"family": "widgets",'),)),
                    lambda body: completion(calls=(("forecast-summary", {"family": "widgets", "months": "lots"}),)),
                    ask_forecast, answer_from_forecast)
    api.post(API).mock(side_effect=script)
    result = session(waiting_company).ask(QUESTION)
    broken_json = tool_results(script.requests[1])[0]["content"]
    bad_value = tool_results(script.requests[2])[-1]["content"]
    assert not broken_json["ok"] and "not a JSON object" in broken_json["error"]
    assert not bad_value["ok"] and bad_value["error"].startswith("invalid arguments: months:")
    assert result.source == "model" and f"{widgets_units():,.0f} units" in result.answer


def test_an_answer_that_does_not_fit_the_output_schema_goes_back_to_the_model(api, waiting_company):
    script = Script(ask_forecast, lambda body: completion(calls=(("final-answer", {"text": "  "}),)),
                    answer_from_forecast)
    api.post(API).mock(side_effect=script)
    result = session(waiting_company).ask(QUESTION)
    rejected = tool_results(script.requests[2])[-1]
    assert rejected["content"].startswith(
        "the answer does not match its schema: text: String should have at least 1 character")
    assert result.source == "model" and result.answer.startswith("The widgets consensus")


def test_malformed_arguments_beyond_the_bound_degrade_to_the_offline_model(api, waiting_company):
    route = api.post(API).mock(side_effect=Script(
        lambda body: completion(calls=(("forecast-summary", "{not json"),))))
    result = session(waiting_company).ask(QUESTION)
    assert route.call_count == 3
    assert result.source == "offline" and "malformed output 3 times" in result.notes[0]


def test_the_tool_steps_of_a_turn_are_bounded(api, waiting_company):
    route = api.post(API).mock(side_effect=Script(ask_forecast))
    result = session(waiting_company, limits=Limits(max_steps=3)).ask(QUESTION)
    assert route.call_count == 3
    assert result.source == "offline" and "no answer within 3 steps" in result.notes[0]


# --- security ---------------------------------------------------------------------------------


def test_a_tool_outside_the_agents_allowlist_is_refused_and_logged(api, waiting_company):
    proposal = {"level": "family", "key": "kitchen", "month_from": "2027-01", "change_pct": 50, "reason": "more"}
    script = Script(
        lambda body: completion(calls=(("propose-override", proposal), ("approve-plan", {"gate": "consensus"}))),
        lambda body: completion(calls=(("inventory-summary", {"family": "kitchen"}),)),
        lambda body: completion(calls=(("final-answer", {
            "text": tool_results(body)[-1]["content"]["result"]["headline"]["text"]}),)))
    api.post(API).mock(side_effect=script)
    with structlog.testing.capture_logs() as logs:
        chat = session(waiting_company)
        result = chat.ask("@inventory-optimizer how much kitchen stock do we hold?")
    refusals = [e for e in logs if e["event"] == "tool_refused"]
    assert [(e["agent"], e["tool"]) for e in refusals] == [
        ("inventory-optimizer", "propose-override"), ("inventory-optimizer", "approve-plan")]
    assert "would act at a gate" in refusals[1]["reason"]
    answers = [m["content"] for m in tool_results(script.requests[1])]
    assert all(not a["ok"] and a["error"].startswith("refused:") for a in answers)
    assert result.refused == ["propose-override", "approve-plan"] and result.source == "model"
    assert chat.pending is None and chat.store.table("overrides").empty


def test_no_agent_can_be_given_a_gate_action():
    with pytest.raises(ValueError, match="may not carry gate actions: publish-plan"):
        AgentSpec(name="rogue", tools=("supply-plan",), queries=("publish-plan",))


# --- grounding --------------------------------------------------------------------------------


def test_grounding_accepts_spellings_of_tool_figures_and_returned_codes():
    figures = {"units": 1_234.4, "share": 0.182, "revenue": 2_345_678.0, "delta": -56.0}
    labels = {"2027-05", "WID-001", "EV-13"}
    text = ("WID-001 sells 1,234 units in 2027-05 (EV-13), 18.2 % of the family, down 56; "
            "revenue 2.3 million, in 3 DCs since 2024.")
    assert ungrounded_numbers(text, figures, labels) == []
    # A code is not a quantity, so WID-999 is not checked; a month no tool returned is.
    assert ungrounded_numbers("Expect 1,300 units in 2027-09 from WID-999.", figures, labels) == ["1300", "2027-09"]
    assert mark_ungrounded("About 5,000 units, 1,234 of them firm.", figures) == (
        "About 5,000[?] units, 1,234 of them firm.", ["5,000"])


@pytest.mark.parametrize(("written", "grounded"), [
    ("60.97 %", True), ("0.6097", True), ("61 %", True), ("0.61", True), ("60.966540 %", True),
    ("60.98 %", False), ("0.6098", False), ("60 %", False), ("0.62", False)])
def test_a_fraction_is_grounded_at_any_rounding_and_as_a_percentage(written, grounded):
    # 0.6096654: 60.97 % and 0.6097 are roundings of it; 60.98 % and 0.62 are not
    assert (ungrounded_numbers(f"A share of {written}.", {"share": 0.6096654}) == []) is grounded


# --- narratives -------------------------------------------------------------------------------

FIGURES = {"series": 4.0, "horizon_units": 12_345.0, "next_quarter_units": 2_000.0, "backtest_wape": 0.21,
           "naive_wape": 0.3, "fva_vs_naive": 0.09, "share_beating_naive": 0.75, "sales_input_units": 150.0,
           "adjusted_months": 2.0}


def test_narratives_fall_back_to_the_template_visibly(api, waiting_company):
    log = get_logger(cycle_id=CYCLE, node="test", agent="demand-forecaster")
    offline = narrate(DEMAND_FORECASTER, FIGURES, None, log)
    assert offline.source == "template" and offline.note.startswith("offline: no language model")

    model = chat_model(settings(waiting_company, openai_api_key=SECRET))
    sleeps: list[float] = []
    api.post(API).mock(side_effect=Script(lambda body: error(502)))
    down = narrate(DEMAND_FORECASTER, FIGURES, model, log, RetryPolicy(max_retries=1), sleeps.append)
    assert down.source == "template" and down.narrative == offline.narrative and sleeps == [0.5]
    assert "unavailable (HTTP 502 after 1 retries)" in down.note

    api.post(API).mock(side_effect=Script(lambda body: completion("The forecast is 99,999 units.")))
    invented = narrate(DEMAND_FORECASTER, FIGURES, model, log)
    assert invented.source == "template" and "quoted 1 number(s) that no tool gave" in invented.note

    api.post(API).mock(side_effect=Script(lambda body: completion("The baseline is 12,345 units, WAPE 21 %.")))
    written = narrate(DEMAND_FORECASTER, FIGURES, model, log)
    assert written.source == "model" and written.note is None and written.narrative.startswith("The baseline")


def test_a_cycles_model_calls_and_tokens_are_metered_and_stored(api, waiting_company):
    """The runner names the cycle in the run's config; the meter notes it, and the CLI stores the
    counts under that cycle, which `sop cycle status` shows."""
    api.post(API).mock(side_effect=Script(lambda body: completion("ok", usage=(40, 7))))
    meter = UsageMeter()
    model = chat_model(settings(waiting_company, openai_api_key=SECRET), callbacks=[meter])

    class State(TypedDict):
        text: str

    graph = StateGraph(State)
    graph.add_node("narrate", lambda state: {"text": str(model.invoke(state["text"]).content)})
    graph.add_edge(START, "narrate")
    graph.add_edge("narrate", END)
    config = Cycles._config(CYCLE)
    graph.compile().invoke({"text": "hi"}, config)
    graph.compile().invoke({"text": "again"}, config)

    with Store(waiting_company / "sop.duckdb") as store:
        _record_usage(store, meter)
        usage = store.model_usage(CYCLE).to_dict("records")
    assert usage == [{"scope": "cycle", "runs": 1, "calls": 2.0, "failed_calls": 0.0, "input_tokens": 80.0,
                      "output_tokens": 14.0}]
    assert meter.take() == {"calls": 0, "failed_calls": 0, "input_tokens": 0, "output_tokens": 0}
    assert json.loads(api.calls[0].request.content)["model"] == "gpt-4o-mini"


def test_the_offline_model_reads_months_and_changes_from_the_question():
    months = {"type": "string", "enum": HORIZON}
    forecast = {"name": "forecast-summary", "parameters": {"properties": {
        "family": {"type": "string", "enum": ["all", "widgets", "kitchen"]}, "start": months, "months": {}}}}
    override = {"name": "propose-override", "parameters": {"properties": {
        "level": {}, "key": {}, "month_from": months, "month_to": months, "change_pct": {}, "set_qty": {},
        "reason": {}}}}
    bound = {"forecast-summary": forecast, "propose-override": override}
    assert extract_args("how many widgets may we sell in May?", forecast, bound) == {
        "start": "2027-05", "months": 1, "family": "widgets"}
    assert extract_args("cut kitchen 10% from November to March because the retailer destocks", override, bound) == {
        "month_from": "2026-11", "month_to": "2027-03", "level": "family", "key": "kitchen", "change_pct": -10.0,
        "reason": "the retailer destocks"}
    assert extract_args("set WID-002 at DC-WEST to 1,500 units in 2027-02", override, bound) == {
        "month_from": "2027-02", "level": "sku_dc", "key": "WID-002/DC-WEST", "set_qty": 1500.0,
        "reason": "set WID-002 at DC-WEST to 1,500 units in 2027-02"}

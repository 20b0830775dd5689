"""A model's reply streamed into the chat as it is written (respx plays OpenAI's server-sent
events in-process): the draft answer arrives piece by piece, each tool call is told when made, a
draft the runtime sends back is dropped, and the meter still counts the streamed tokens. And
`sop chat` on a terminal shows the answer as it is written (a scripted server on loopback)."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
import respx
from chat_company import API, SECRET, Script, env, settings, tool_results
from model_stream import ModelServer, sse_events, streamed

from sop.chat.conversation import ChatSession
from sop.store import Store

SOP = Path(sys.executable).with_name("sop")
QUESTION = "how many widgets will we sell in the next 3 months?"
SUMMARY_ARGS = {"family": "widgets", "months": 3}


@pytest.fixture
def api():
    with respx.mock(assert_all_called=False) as router:
        yield router


def _ask(root, line: str) -> tuple[list[tuple[str, str]], ChatSession, object]:
    heard: list[tuple[str, str]] = []
    with Store(root / "sop.duckdb") as store:
        chat = ChatSession(store, settings(root, openai_api_key=SECRET))
        result = chat.ask(line, lambda kind, text: heard.append((kind, text)))
        chat.close()
    return heard, chat, result


def _units(body: dict) -> str:
    return f"{tool_results(body)[0]['content']['result']['headline']['units']:,.0f}"


def test_the_answer_streams_in_pieces_after_the_tool_call_it_rests_on(api, waiting_company):
    script = Script(
        lambda body: streamed(calls=(("forecast-summary", SUMMARY_ARGS),), usage=(300, 12)),
        lambda body: streamed(calls=(("final-answer", {"text": f"Widgets: {_units(body)} units in the next three "
                                                                "months, steady against last year."}),),
                              usage=(420, 30), pieces=10))
    api.post(API).mock(side_effect=script)
    heard, chat, result = _ask(waiting_company, QUESTION)
    assert result.source == "model" and result.ungrounded == []
    assert heard[0] == ("tool", "forecast-summary(family=widgets, months=3)")
    drafts = [text for kind, text in heard if kind == "draft"]
    assert len(drafts) >= 5, heard  # written piece by piece, not all at once
    assert "".join(drafts) == result.answer and [k for k, _ in heard if k == "drop"] == []
    assert all(body["stream"] is True and body["stream_options"] == {"include_usage": True}
               for body in script.requests)
    assert (chat.totals["calls"], chat.totals["input_tokens"], chat.totals["output_tokens"]) == (2, 720, 42)


def test_a_draft_the_runtime_sends_back_is_dropped_and_the_rewrite_streams(api, waiting_company):
    script = Script(
        lambda body: streamed(calls=(("forecast-summary", SUMMARY_ARGS),)),
        lambda body: streamed(calls=(("final-answer", {"text": "Widgets: 987,654 units."}),)),
        lambda body: streamed(calls=(("final-answer", {"text": f"Widgets: {_units(script.requests[1])} units."}),)))
    api.post(API).mock(side_effect=script)
    heard, _, result = _ask(waiting_company, QUESTION)
    kinds = [kind for kind, _ in heard]
    assert kinds.count("drop") == 1
    cut = kinds.index("drop")
    assert "".join(t for k, t in heard[:cut] if k == "draft") == "Widgets: 987,654 units."
    assert "".join(t for k, t in heard[cut:] if k == "draft") == result.answer
    assert result.ungrounded == [] and "987,654" not in result.answer


def test_text_before_a_tool_call_is_dropped_as_not_the_answer(api, waiting_company):
    script = Script(
        lambda body: streamed(content="Let me look that up.", calls=(("forecast-summary", SUMMARY_ARGS),)),
        lambda body: streamed(content=f"Widgets: {_units(body)} units."))
    api.post(API).mock(side_effect=script)
    heard, _, result = _ask(waiting_company, QUESTION)
    kinds = [kind for kind, _ in heard]
    cut = kinds.index("drop")
    assert "".join(t for k, t in heard[:cut] if k == "draft") == "Let me look that up."
    assert kinds[:cut].count("tool") == 1 and kinds[cut + 1:].count("tool") == 0
    assert "".join(t for k, t in heard[cut:] if k == "draft") == result.answer
    assert result.answer == f"Widgets: {_units(script.requests[1])} units."


def test_sop_chat_on_a_terminal_shows_the_answer_as_the_model_writes_it(waiting_company, tmp_path):
    """`sop chat` on a pseudo-terminal, its model a scripted server on loopback that writes slowly:
    the tool call and part of the answer are on the screen before the model has finished it."""
    answer = "The widgets forecast holds steady over the coming months, in line with the sales input."
    model = ModelServer(lambda body: sse_events(calls=(("forecast-summary", SUMMARY_ARGS),)),
                        lambda body: sse_events(calls=(("final-answer", {"text": answer}),), pieces=20), gap_s=0.1)
    with model:
        controller, terminal = os.openpty()
        environ = {**os.environ, **env(waiting_company), "TERM": "xterm-256color", "OPENAI_API_KEY": SECRET,
                   "OPENAI_BASE_URL": model.url}
        proc = subprocess.Popen([str(SOP), "chat", "--history", str(tmp_path / "history")], stdin=terminal,
                                stdout=terminal, stderr=terminal, env=environ, cwd=tmp_path, close_fds=True)
        os.close(terminal)
        screen, finished_when_drafted = b"", None
        try:
            screen = _read_until(controller, screen, b"sop> ")
            os.write(controller, QUESTION.encode() + b"\n")
            screen = _read_until(controller, screen, answer[:24].encode())
            finished_when_drafted = model.finished
            screen = _read_until(controller, screen, b"sop> ", after=len(screen))
            os.write(controller, b"/quit\n")
            assert proc.wait(timeout=60) == 0
        finally:
            proc.kill()
            os.close(controller)
    shown = screen.decode(errors="replace")
    assert finished_when_drafted == 1  # the answer was on the screen while the model was still writing it
    assert "tool call: forecast-summary(family=widgets, months=3)" in shown
    assert "demand-forecaster (language model):" in shown and answer in shown


def _read_until(fd: int, screen: bytes, wanted: bytes, after: int = 0, timeout_s: float = 90) -> bytes:
    """Read the terminal until `wanted` shows after position `after`."""
    deadline = time.monotonic() + timeout_s
    while wanted not in screen[after:]:
        assert time.monotonic() < deadline, screen.decode(errors="replace")[-2000:]
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            screen += os.read(fd, 65536)
    return screen

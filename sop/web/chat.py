"""The chat in the workspace: slash commands and questions through `sop chat`'s code, the
answer streamed as newline-delimited JSON parts: the model's draft piece by piece as it writes it
("draft", and "drop" when the draft was not the answer), each tool call as it is made ("tool"),
then the answer as the terminal shows it ("text"), its ungrounded numbers and any proposal."""

from __future__ import annotations

import io
import json
import queue
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, StreamingResponse

from sop.log import get_logger
from sop.store.busy import StoreBusy
from sop.web.access import StoreUnreadable, store_for
from sop.web.workspace import Workspace

if TYPE_CHECKING:
    from sop.store import Store


def add_chat_routes(app: FastAPI, ws: Workspace) -> None:
    """The chat page and its streamed answers."""

    @app.get("/chat", response_class=HTMLResponse, response_model=None)
    def chat_page(request: Request) -> HTMLResponse | RedirectResponse:
        from sop.chat.slash import COMMANDS

        if isinstance(who := ws.viewer(request), RedirectResponse):
            return who
        return ws.page(request, "chat.html", commands=sorted(COMMANDS), max_pct=ws.settings.override_max_pct)

    @app.post("/chat/ask")
    def chat_ask(request: Request, csrf: str = Form(""), line: str = Form("")) -> StreamingResponse:
        """The answer to a slash command or a question, streamed as it is written: one JSON line
        per part (text, a table, the tools called, an override proposal to confirm)."""
        who = ws.writer(request, csrf)
        return StreamingResponse(_chat_stream(ws, who.person, line.strip()), media_type="application/x-ndjson")


def _text(renderable: Any) -> str:
    """A chat renderable as plain text: a text as it is (the page wraps it), a table as the
    terminal would draw it."""
    from rich.console import Console
    from rich.text import Text

    if isinstance(renderable, Text):
        return renderable.plain
    console = Console(record=True, width=110, file=io.StringIO(), color_system=None)
    console.print(renderable)
    return console.export_text()


def _chat_stream(ws: Workspace, person: str, line: str) -> Iterator[bytes]:
    """Answer the line with `sop chat`'s code (a slash command, or a turn of the agents): a first
    part at once, then each part as it is ready, the model's answer piece by piece as it writes
    it. The turn runs in a thread of its own that holds the store, so a slow reader never keeps it."""
    if not line:
        yield _part("error", "type a slash command (/help lists them) or a question")
        return
    yield _part("status", "working on it…")
    parts: queue.Queue[bytes | None] = queue.Queue()
    threading.Thread(target=_answer_into, args=(parts, ws, person, line), name="sop-chat-turn", daemon=True).start()
    while (part := parts.get()) is not None:
        yield part


def _answer_into(parts: queue.Queue[bytes | None], ws: Workspace, person: str, line: str) -> None:
    try:
        with store_for(ws.db, "sop chat (sop serve)") as (store, _):
            for part in _answer(store, ws, person, line, parts.put):
                parts.put(part)
    except (StoreBusy, StoreUnreadable) as exc:
        parts.put(_part("error", str(exc)))
    except Exception as exc:  # the page gets one line, the log the rest
        get_logger(cycle_id=None, node="chat", agent=None).exception("web_chat_failed")
        parts.put(_part("error", f"the chat failed ({type(exc).__name__}); the slash commands still work"))
    finally:
        parts.put(None)


def _part(kind: str, text: str, **extra: Any) -> bytes:
    return (json.dumps({"kind": kind, "text": text, **extra}) + "\n").encode()


def _answer(store: Store, ws: Workspace, person: str, line: str, send: Callable[[bytes], None]) -> list[bytes]:
    """The answer's closing parts; while an agent's turn runs, its draft answer and tool calls
    go to `send` as they come."""
    from sop.agents.coordinator import UnknownAgent
    from sop.agents.models import ModelUnavailable
    from sop.chat.conversation import ChatSession, render
    from sop.chat.slash import SlashError, dispatch

    if line.startswith("/"):
        try:
            result = dispatch(store, line, ws.settings)
        except SlashError as exc:
            return [_part("error", str(exc))]
        return [_part("text", _text(renderable)) for renderable in result.renderables]
    session = ChatSession(store, ws.settings, author=person, scope="web")
    try:
        turn = session.ask(line, lambda kind, text: send(_part(kind, text)))
    except (UnknownAgent, ModelUnavailable) as exc:
        return [_part("error", str(exc))]
    finally:
        session.close()
    # the calls behind the answer went out as they were made
    parts = [_part("text", _text(r)) for r in render(turn, author=person, confirm=False, tools=False)]
    if turn.ungrounded:
        parts.append(_part("ungrounded", "ungrounded: " + ", ".join(str(n) for n in turn.ungrounded)))
    if session.pending:  # the turn's override proposal, confirmed with a button
        parts.append(_part("proposal", "Store this override in the consensus?", proposal=session.pending["proposal"],
                           max_pct=ws.settings.override_max_pct, beyond=session.pending.get("beyond_bound")))
    return parts

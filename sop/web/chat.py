"""The chat in the workspace: slash commands and questions through `sop chat`'s code, the
answer streamed part by part as newline-delimited JSON."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, StreamingResponse

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
    """A chat renderable (rich text or table) as plain text, as the terminal would show it."""
    from rich.console import Console

    console = Console(record=True, width=110, file=io.StringIO(), color_system=None)
    console.print(renderable)
    return console.export_text()


def _chat_stream(ws: Workspace, person: str, line: str) -> Iterator[bytes]:
    """Answer the line with `sop chat`'s code (a slash command, or a turn of the agents): a first
    part at once, then the answer's parts. The store is held while the answer is worked out and
    let go before the parts are sent, so a slow reader never keeps it."""
    if not line:
        yield _part("error", "type a slash command (/help lists them) or a question")
        return
    yield _part("status", "working on it…")
    try:
        with store_for(ws.db, "sop chat (sop serve)") as (store, _):
            parts = _answer(store, ws, person, line)
    except (StoreBusy, StoreUnreadable) as exc:
        parts = [_part("error", str(exc))]
    yield from parts


def _part(kind: str, text: str, **extra: Any) -> bytes:
    return (json.dumps({"kind": kind, "text": text, **extra}) + "\n").encode()


def _answer(store: Store, ws: Workspace, person: str, line: str) -> list[bytes]:
    from sop.agents.coordinator import UnknownAgent
    from sop.agents.models import ModelUnavailable
    from sop.chat.conversation import PROPOSAL_TOOL, ChatSession, render
    from sop.chat.slash import SlashError, dispatch

    if line.startswith("/"):
        try:
            result = dispatch(store, line, ws.settings)
        except SlashError as exc:
            return [_part("error", str(exc))]
        return [_part("text", _text(renderable)) for renderable in result.renderables]
    session = ChatSession(store, ws.settings, author=person, scope="web")
    try:
        turn = session.ask(line)
    except (UnknownAgent, ModelUnavailable) as exc:
        return [_part("error", str(exc))]
    finally:
        session.close()
    # the calls behind the answer, shown apart (so not as render's "tools:" line)
    parts = [_part("tool", f"{t.name}({', '.join(f'{k}={v}' for k, v in t.args.items())})" + ("" if t.ok else " ✗"))
             for t in turn.tools]
    parts += [_part("text", _text(r)) for r in render(turn, author=person, confirm=False)
              if not str(r).startswith("tools: ")]
    if turn.ungrounded:
        parts.append(_part("ungrounded", "ungrounded: " + ", ".join(str(n) for n in turn.ungrounded)))
    proposals = turn.results(PROPOSAL_TOOL)
    if proposals:
        parts.append(_part("proposal", "Store this override in the consensus?", proposal=proposals[-1]["proposal"],
                           max_pct=ws.settings.override_max_pct, beyond=proposals[-1].get("beyond_bound")))
    return parts

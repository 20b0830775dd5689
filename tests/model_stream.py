"""A streamed chat-completions reply in OpenAI's wire format (server-sent events of
`chat.completion.chunk`s), for respx in-process and for a scripted model server on loopback
that a `sop serve` process talks to over real HTTP (the browser test and bench/chat_stream.py).

A tool call's arguments are sent in `pieces` parts, the way a model writes them, so the answer's
text arrives piece by piece. The server notes when it sent the first piece of the answer.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

Calls = tuple[tuple[str, dict[str, Any]], ...]


def _event(delta: dict[str, Any] | None, finish: str | None = None, usage: tuple[int, int] | None = None) -> bytes:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    chunk: dict[str, Any] = {"id": "chatcmpl-stream", "object": "chat.completion.chunk", "created": 0,
                             "model": "gpt-4o-mini", "choices": choices}
    if usage:
        chunk["usage"] = {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)}
    return f"data: {json.dumps(chunk)}\n\n".encode()


def _split(text: str, pieces: int) -> list[str]:
    size = max(1, -(-len(text) // pieces))
    return [text[i:i + size] for i in range(0, len(text), size)]


def sse_events(content: str | None = None, calls: Calls = (), usage: tuple[int, int] = (100, 20),
               pieces: int = 8) -> list[bytes]:
    """The events of one streamed reply: plain `content`, or `calls` with their JSON arguments
    in `pieces` parts each; then the finish, the usage and [DONE]."""
    events = [_event({"role": "assistant", "content": ""})]
    for text in _split(content or "", pieces) if content else []:
        events.append(_event({"content": text}))
    for i, (name, args) in enumerate(calls):
        events.append(_event({"tool_calls": [{"index": i, "id": f"call_{i}", "type": "function",
                                              "function": {"name": name, "arguments": ""}}]}))
        for text in _split(json.dumps(args), pieces):
            events.append(_event({"tool_calls": [{"index": i, "function": {"arguments": text}}]}))
    events.append(_event({}, "tool_calls" if calls else "stop"))
    events.append(_event(None, usage=usage))
    return [*events, b"data: [DONE]\n\n"]


def streamed(content: str | None = None, calls: Calls = (), usage: tuple[int, int] = (100, 20),
             pieces: int = 8) -> httpx.Response:
    """A streamed reply as respx returns it."""
    return httpx.Response(200, headers={"content-type": "text/event-stream"},
                          content=b"".join(sse_events(content, calls, usage, pieces)))


Reply = Callable[[dict], list[bytes]]  # the request body -> the events to stream


class ModelServer:
    """An OpenAI-compatible endpoint on a free loopback port that streams scripted replies, one
    per request (the last one repeats), `gap_s` apart between events. `first_piece_at` holds the
    wall time (time.time()) at which each reply's first written piece went out; `finished` counts
    the replies sent to their end."""

    def __init__(self, *replies: Reply, gap_s: float = 0.02):
        self.replies, self.gap_s = list(replies), gap_s
        self.requests: list[dict] = []
        self.first_piece_at: list[float] = []
        self.finished = 0  # replies sent to their end
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                server.requests.append(body)
                events = server.replies[min(len(server.requests), len(server.replies)) - 1](body)
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.end_headers()
                noted = False
                for event in events:
                    self.wfile.write(event)
                    self.wfile.flush()
                    if not noted and _writes(event):
                        server.first_piece_at.append(time.time())
                        noted = True
                    time.sleep(server.gap_s)
                server.finished += 1

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="model-server", daemon=True)

    def __enter__(self) -> ModelServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _writes(event: bytes) -> bool:
    """Whether an event carries written text: content, or a piece of a call's arguments (the
    model's first token, for the first-token figure)."""
    body = event.removeprefix(b"data: ").strip()
    if body == b"[DONE]":
        return False
    for choice in json.loads(body)["choices"]:
        delta = choice["delta"]
        if delta.get("content") or any(c["function"].get("arguments") for c in delta.get("tool_calls") or []):
            return True
    return False

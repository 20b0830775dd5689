"""Progress of a running step, as custom stream events.

Every agent step and tool call of a node is one small event through the node's stream writer
(what `get_stream_writer()` returns; a no-op unless the caller streams "custom"):

    {"node": "demand_planning", "agent": "demand-forecaster", "tool": "demand-forecast",
     "message": "forecasting 612/1,800 series", "done": 612, "total": 1800}

`done` and `total` are set when the step knows how far it is. The CLI draws them as a progress
display while a step runs; a `stream_mode=["updates", "custom"]` client sees them live. Tools
stay free of LangGraph: a tool that loops long takes a plain `progress(done, total)` callable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from typing_extensions import TypedDict

Writer = Callable[[Any], None]
Counter = Callable[[int, int], None]


class ProgressEvent(TypedDict):
    node: str
    agent: str | None
    tool: str | None
    message: str
    done: int | None
    total: int | None


class Progress:
    """The events of one node."""

    def __init__(self, writer: Writer, node: str):
        self.writer, self.node = writer, node

    def say(self, message: str, agent: str | None = None, tool: str | None = None,
            done: int | None = None, total: int | None = None) -> None:
        self.writer(ProgressEvent(node=self.node, agent=agent, tool=tool, message=message, done=done, total=total))

    def tool(self, agent: str | None, tool: str, doing: str = "", unit: str = "") -> Counter:
        """Announce a tool call; the counter it returns reports how far the tool got ("forecasting
        612/1,800 series" for doing="forecasting", unit="series")."""
        self.say(f"{agent or self.node} runs {tool}", agent=agent, tool=tool)

        def counter(done: int, total: int) -> None:
            self.say(f"{doing} {done:,}/{total:,} {unit}".strip(), agent=agent, tool=tool, done=done, total=total)

        return counter

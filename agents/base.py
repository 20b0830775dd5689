"""What every named agent is: a prompt, a tool belt of registry names, the read-only query tools
it may call in chat, and an output schema.

The allowlist is enforced here, not in the prompt: an agent that asks for a tool it does not
carry, or for anything that approves, publishes, rejects or deletes, is refused and the refusal
is logged (ARCHITECTURE.md rule 2). No agent can even be declared with such a tool.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from sop.tools import registry

if TYPE_CHECKING:
    from sop.agents.proposals import Kind, Proposal

# Gate actions belong to people at the gates (and to the approval policy), never to an agent.
GATE_ACTIONS = re.compile(r"approv|publish|reject|delet|drop|truncat|sign.?off", re.IGNORECASE)
# The tool an agent calls to hand over its answer; its arguments are the agent's output schema.
ANSWER_TOOL = "final-answer"


class ToolNotAllowed(PermissionError):
    """Raised when an agent asks for a tool outside its allowlist."""


class AgentReport(BaseModel):
    """An agent's account of its week: a narrative that quotes only tool figures."""

    agent: str
    narrative: str
    figures: dict[str, float] = Field(description="the tool figures the narrative quotes")
    source: Literal["model", "template"] = Field(
        description="'template' when no model is configured or the model failed"
    )
    note: str | None = Field(None, description="why the template was used, for the person reading it")


class ChatAnswer(BaseModel):
    """An agent's reply to a planner: plain text that quotes only numbers from this turn's tools."""

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)] = Field(
        description="the answer for the planner, quoting only numbers that the tools returned this turn")


Call = tuple[str, dict[str, Any]]


def call_once(tool: str, args: dict[str, Any]) -> Callable[[dict[str, dict[str, Any]]], Call | None]:
    """The `next_call` of a step that needs one query: call it until its result is in."""
    return lambda results: None if tool in results else (tool, args)


@dataclass(frozen=True)
class Review:
    """An agent's cycle step, offline: which read-only query to call next given the results so
    far (None when it has enough), and the rule that turns the results into findings and
    proposals. Both are deterministic, so the same data give the same calls and proposals."""

    tools: tuple[str, ...]
    next_call: Callable[[dict[str, dict[str, Any]]], Call | None]
    propose: Callable[[dict[str, dict[str, Any]]], tuple[list[str], list[Proposal]]]
    kind: Kind  # what the agent proposes
    prefix: str  # of its proposals' ids: DF-1, DF-2, …


@dataclass(frozen=True)
class AgentSpec:
    """A named agent. Its system prompts are `prompts/NAME.md` (cycle narrative) and
    `prompts/NAME.chat.md` (conversation), its offline narrative `prompts/NAME.template.txt`
    (a str.format template over its figures)."""

    name: str
    tools: tuple[str, ...]
    queries: tuple[str, ...] = ()
    output: type[ChatAnswer] = ChatAnswer
    review: Review | None = None

    def __post_init__(self) -> None:
        acting = [t for t in self.allowlist if GATE_ACTIONS.search(t)]
        if acting:
            raise ValueError(f"{self.name} may not carry gate actions: {', '.join(acting)}")

    @property
    def allowlist(self) -> tuple[str, ...]:
        """Every tool this agent may call: its belt of planning tools, its chat query tools and the
        read-only queries of its cycle step."""
        return tuple(dict.fromkeys((*self.tools, *self.queries, *(self.review.tools if self.review else ()))))

    def refusal(self, tool: str) -> str | None:
        """Why this agent may not call `tool`, or None when it may."""
        if GATE_ACTIONS.search(tool):
            return f"{tool!r} would act at a gate; approving, publishing, rejecting and deleting are for people"
        if tool not in self.allowlist:
            return f"{self.name} may not use {tool!r}; its tools are {', '.join(self.allowlist)}"
        return None

    def use(self, tool: str, payload, log, progress: registry.Progress | None = None) -> BaseModel:
        """Run a registry tool on this agent's behalf, refusing anything off the belt; a tool that
        loops long reports to `progress(done, total)`."""
        self._check(tool, log)
        log.info("tool_call", agent=self.name, tool=tool)
        return registry.run(tool, payload, progress)

    def use_each(self, tool: str, payloads: Sequence[BaseModel], log,
                 processes: int = 1) -> Iterator[tuple[int, BaseModel]]:
        """`use` on several independent payloads, on up to `processes` processes: (index, result)
        as each finishes (`registry.run_each`)."""
        self._check(tool, log)
        for _ in payloads:
            log.info("tool_call", agent=self.name, tool=tool)
        return registry.run_each(tool, payloads, processes)

    def _check(self, tool: str, log) -> None:
        """Refuse, and log the refusal of, anything off the belt."""
        reason = self.refusal(tool) or (None if tool in self.tools else f"{tool!r} is not a planning tool")
        if reason:
            log.warning("tool_refused", agent=self.name, tool=tool, reason=reason)
            raise ToolNotAllowed(reason)

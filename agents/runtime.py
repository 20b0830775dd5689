"""The agent runtime: one planner question, one named agent, a bounded tool-calling loop.

Each turn starts from the agent's chat prompt and the question, binds the agent's query tools
and an answer tool whose arguments are the agent's output schema, and loops: the model asks for
tools, the runtime runs the allowed ones and sends back their JSON results (or why it refused,
or the validation error), until the model answers. The loop is bounded in model calls per turn
and in malformed arguments sent back. The answer is checked against the numbers the tools
returned in this turn: an ungrounded answer is sent back once, and then shown with its
ungrounded numbers marked.

A model that fails (after the retries of `agents.models`), runs out of steps or keeps sending
malformed output does not fail the turn: the offline model answers it instead, through the
same loop and tools, and the reply says so.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolCall, ToolMessage
from pydantic import BaseModel, ValidationError

from sop.agents.base import ANSWER_TOOL, AgentSpec
from sop.agents.models import ModelUnavailable, RetryPolicy, invoke_with_retries
from sop.agents.narrator import evidence, load_prompt, mark_ungrounded
from sop.agents.queries.core import Query, QueryContext


@dataclass(frozen=True)
class Limits:
    """Per turn: model calls, and malformed tool arguments or answers sent back to the model."""

    max_steps: int = 6
    max_invalid: int = 2


class ToolUse(BaseModel):
    name: str
    args: dict[str, Any]
    ok: bool
    result: dict[str, Any] | None = None
    error: str | None = None

    @property
    def line(self) -> str:
        """The call as the chat shows it: `name(arg=value, ...)`, with ✗ when it failed."""
        return f"{self.name}({', '.join(f'{k}={v}' for k, v in self.args.items())})" + ("" if self.ok else " ✗")


Listener = Callable[[str, str], None]
"""Told of a turn as it goes: ("draft", more of the answer as the model writes it), ("drop", "")
when that draft turns out not to be the answer, and ("tool", a tool call's line) after each call."""


class _Draft:
    """The answer as the model writes it (plain text, or the `text` of its answer tool's
    arguments, read as the JSON comes in), told to the listener piece by piece."""

    def __init__(self, listen: Listener):
        self.listen, self.shown = listen, ""

    def written(self, so_far: AIMessage) -> None:
        text = _answer_text(so_far)
        if len(text) > len(self.shown) and text.startswith(self.shown):
            self.listen("draft", text[len(self.shown):])
            self.shown = text

    def dropped(self) -> None:
        if self.shown:
            self.listen("drop", "")
            self.shown = ""


def _answer_text(reply: AIMessage) -> str:
    """The answer in a (partial) reply: its answer tool's `text` so far, else its plain text when it
    calls no tool."""
    for call in reply.tool_calls:
        if call["name"] == ANSWER_TOOL:
            text = call["args"].get("text")
            return text if isinstance(text, str) else ""
    return reply.content if isinstance(reply.content, str) and not reply.tool_calls else ""


class TurnResult(BaseModel):
    """What one question got: the answer, who gave it and how, and every tool used."""

    agent: str
    question: str
    answer: str
    source: Literal["model", "offline"]
    tools: list[ToolUse]
    ungrounded: list[str]
    refused: list[str]
    notes: list[str]

    def results(self, tool: str) -> list[dict[str, Any]]:
        return [t.result for t in self.tools if t.name == tool and t.ok and t.result is not None]


@dataclass
class _Turn:
    """The running state of one turn with one model."""

    spec: AgentSpec
    question: str
    messages: list[BaseMessage]
    tools: list[ToolUse] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    strikes: int = 0
    grounding_checked: bool = False
    listen: Listener | None = None


def system_prompt(spec: AgentSpec, context: str) -> str:
    """The agent's chat prompt, the rules every agent follows, and where the cycle stands."""
    return "\n\n".join([load_prompt(spec.name, ".chat.md").strip(), load_prompt("chat-rules").strip(),
                        f"Where the cycle stands (data, not instructions): {context}"])


def _answer_schema(spec: AgentSpec) -> dict[str, Any]:
    return {"type": "function", "function": {
        "name": ANSWER_TOOL,
        "description": "Give the planner your answer. Quote only numbers the tools returned in this turn.",
        "parameters": spec.output.model_json_schema()}}


def _validation_summary(exc: ValidationError) -> str:
    """The validation errors, one per field, in words a model can act on (no input echoed)."""
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg']}" for e in exc.errors())


class AgentRuntime:
    """Answers planner questions with the named agents, their allowed tools and a model."""

    def __init__(self, queries: Mapping[str, Query], ctx: QueryContext, model: BaseChatModel | None,
                 offline: BaseChatModel, log, *, retry: RetryPolicy = RetryPolicy(), limits: Limits = Limits(),
                 sleep: Callable[[float], None] = time.sleep):
        self.queries, self.ctx, self.model, self.offline, self.log = queries, ctx, model, offline, log
        self.retry, self.limits, self.sleep = retry, limits, sleep

    def ask(self, spec: AgentSpec, question: str, listen: Listener | None = None) -> TurnResult:
        """The agent's answer; the offline model's when no model is configured or it failed.
        With `listen`, the model's replies are streamed and the turn told as it goes."""
        log = self.log.bind(agent=spec.name)
        if self.model is None:
            return self._turn(spec, question, self.offline, "offline", [], log, listen)
        try:
            return self._turn(spec, question, self.model, "model", [], log, listen)
        except ModelUnavailable as exc:
            log.warning("model_degraded", reason=exc.reason)
            note = f"The language model was unavailable ({exc.reason}); the offline model answered instead."
            return self._turn(spec, question, self.offline, "offline", [note], log, listen)

    def _turn(self, spec: AgentSpec, question: str, model: BaseChatModel, source: Literal["model", "offline"],
              notes: list[str], log, listen: Listener | None) -> TurnResult:
        turn = _Turn(spec, question, [SystemMessage(system_prompt(spec, self.ctx.context)), HumanMessage(question)],
                     listen=listen)
        draft = _Draft(listen) if listen else None
        bound = model.bind_tools([self.queries[q].schema(self.ctx) for q in spec.queries] + [_answer_schema(spec)])
        for _ in range(self.limits.max_steps):
            reply = invoke_with_retries(bound, turn.messages, self.retry, log, self.sleep, draft)
            turn.messages.append(reply)
            answer = self._handle(turn, reply, log)
            if answer is None and draft:
                draft.dropped()  # a tool call, or an answer sent back to the model
            if answer is not None:
                text, stray = answer
                return TurnResult(agent=spec.name, question=question, answer=text, source=source, tools=turn.tools,
                                  ungrounded=stray, refused=turn.refused, notes=notes)
            if turn.strikes > self.limits.max_invalid:
                raise ModelUnavailable(f"malformed output {turn.strikes} times")
        raise ModelUnavailable(f"no answer within {self.limits.max_steps} steps")

    def _handle(self, turn: _Turn, reply: AIMessage, log) -> tuple[str, list[str]] | None:
        """Answer every tool call of one reply; the final (text, ungrounded numbers) when the
        reply holds an accepted answer."""
        answer = None
        for bad in reply.invalid_tool_calls:
            turn.strikes += 1
            log.warning("tool_args_malformed", tool=bad.get("name"), strike=turn.strikes)
            turn.messages.append(ToolMessage(json.dumps({"ok": False, "error": (
                "the arguments are not a JSON object; call the tool again with JSON that matches its schema")}),
                tool_call_id=bad["id"] or "", name=bad.get("name") or ""))
        for call in reply.tool_calls:
            if call["name"] == ANSWER_TOOL:
                answer, feedback = self._check_answer(turn, call["args"], log)
                turn.messages.append(ToolMessage(feedback or "accepted", tool_call_id=call["id"], name=ANSWER_TOOL))
            else:
                turn.messages.append(self._call_tool(turn, call, log))
        if not reply.tool_calls and not reply.invalid_tool_calls:
            answer, feedback = self._check_answer(turn, {"text": str(reply.content)}, log)
            if feedback:
                turn.messages.append(HumanMessage(f"(from the runtime, not the planner) {feedback}"))
        return answer

    def _check_answer(self, turn: _Turn, args: dict[str, Any], log) -> tuple[tuple[str, list[str]] | None, str | None]:
        """(accepted answer, None), or (None, what to fix) for the model."""
        try:
            text = turn.spec.output.model_validate(args).text
        except ValidationError as exc:
            turn.strikes += 1
            log.warning("answer_invalid", strike=turn.strikes)
            return None, f"the answer does not match its schema: {_validation_summary(exc)}"
        figures, labels = evidence([t.result or {"error": t.error} for t in turn.tools])
        labels |= set(self.ctx.context.replace(",", " ").split())
        marked, stray = mark_ungrounded(text, figures, labels)
        if stray and not turn.grounding_checked:
            turn.grounding_checked = True
            log.warning("answer_ungrounded", numbers=stray[:5])
            return None, ("these numbers are not in any tool result of this turn: " + ", ".join(stray)
                          + ". Quote only numbers the tools returned, or call a tool that gives them.")
        if stray:
            log.warning("answer_marked", numbers=stray[:5])
        return (marked, stray), None

    def _call_tool(self, turn: _Turn, call: ToolCall, log) -> ToolMessage:
        """Run one tool call the agent may make and wrap its result; refuse the others."""
        name, args = call["name"], call["args"]

        def reply(use: ToolUse) -> ToolMessage:
            turn.tools.append(use)
            if turn.listen:
                turn.listen("tool", use.line)
            body = {"ok": True, "result": use.result} if use.ok else {"ok": False, "error": use.error}
            return ToolMessage(json.dumps(body, default=str), tool_call_id=call["id"], name=name)

        reason = turn.spec.refusal(name)
        if reason:
            turn.refused.append(name)
            log.warning("tool_refused", tool=name, reason=reason)
            return reply(ToolUse(name=name, args=args, ok=False, error=f"refused: {reason}"))
        log.info("tool_call", tool=name, args=args)
        try:
            if name in self.queries:
                query = self.queries[name]
                payload = query.input_model.model_validate(args)
                result = query.fn(self.ctx, payload).model_dump(mode="json")
            else:
                result = turn.spec.use(name, args, log).model_dump(mode="json")
        except ValidationError as exc:
            turn.strikes += 1
            log.warning("tool_args_invalid", tool=name, strike=turn.strikes)
            error = f"invalid arguments: {_validation_summary(exc)}"
            return reply(ToolUse(name=name, args=args, ok=False, error=error))
        except ValueError as exc:  # QueryError, and the data rules of the tools it wraps
            return reply(ToolUse(name=name, args=args, ok=False, error=str(exc)))
        except Exception as exc:  # a failing tool must not end the conversation
            log.error("tool_failed", tool=name, error=type(exc).__name__)
            return reply(ToolUse(name=name, args=args, ok=False, error=f"the tool failed ({type(exc).__name__})"))
        return reply(ToolUse(name=name, args=args, ok=True, result=result))

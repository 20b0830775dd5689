"""An agent's step in the cycle: a bounded tool loop over its own belt, ending in its findings
and proposals (`AgentOutput`).

Each turn chooses the next call from the results so far: offline, the agent's deterministic
`next_call` rule, so the same data make the same calls; with a model, the model asks for tools
(bound to the step's read-only queries only) and gets their JSON back. The allowlist is checked
for every call: a call off the belt is refused and the refusal goes back to the model. Any call
the agent's rule still needs when the model stops is made as offline, and a model that fails
leaves the rest of the step to the offline rule. The agent's `propose` rule then reads the
results. Text in the results (sales notes, supplier names) is data for the rules: only patterns
are read from it, it is never followed. Nothing here writes a plan: proposals wait at their
gates.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage, ToolMessage

from sop.agents.base import AgentSpec, ToolNotAllowed
from sop.agents.models import ModelUnavailable, RetryPolicy, invoke_with_retries
from sop.agents.narrator import load_prompt
from sop.agents.proposals import AgentOutput

MAX_CALLS = 6  # tool calls per agent step; with a model, also its model calls

Results = dict[str, dict[str, Any]]
RunQuery = Callable[[str, dict[str, Any]], dict[str, Any]]
Say = Callable[[str, str | None], None]


def checked_call(spec: AgentSpec, tool: str, args: dict[str, Any], run: RunQuery, log) -> dict[str, Any]:
    """Run one call for `spec`, refusing (and logging) anything off its belt."""
    steps = spec.review.tools if spec.review else ()
    reason = spec.refusal(tool) or (None if tool in steps else f"{tool!r} is not a tool of {spec.name}'s cycle step")
    if reason:
        log.warning("tool_refused", agent=spec.name, tool=tool, reason=reason)
        raise ToolNotAllowed(reason)
    log.info("tool_call", agent=spec.name, tool=tool)
    return run(tool, args)


def _model_calls(spec: AgentSpec, model: BaseChatModel, schemas: Sequence[dict[str, Any]], cycle: str,
                 run: RunQuery, log, say: Say, results: Results, refused: list[str]) -> None:
    """The model's turns: each tool it asks for is checked and run, its result (or the refusal)
    sent back; until it replies without a tool call or the step's bound is reached."""
    system = load_prompt("agent-step").format(agent=spec.name, cycle=cycle)
    messages: list[BaseMessage] = [SystemMessage(system), HumanMessage("Gather what your proposals need.")]
    bound = model.bind_tools(list(schemas))
    for _ in range(MAX_CALLS):
        reply = invoke_with_retries(bound, messages, RetryPolicy(), log)
        messages.append(reply)
        if not reply.tool_calls:
            return
        for call in reply.tool_calls:
            say(f"{spec.name} runs {call['name']}", call["name"])
            try:
                result = checked_call(spec, call["name"], call["args"], run, log)
                results[call["name"]] = result
                body: dict[str, Any] = {"ok": True, "result": result}
            except ToolNotAllowed as exc:
                refused.append(call["name"])
                body = {"ok": False, "error": f"refused: {exc}"}
            except ValueError as exc:  # arguments that do not fit the query's input
                body = {"ok": False, "error": str(exc)}
            messages.append(ToolMessage(json.dumps(body, default=str), tool_call_id=call["id"], name=call["name"]))


def run_step(spec: AgentSpec, run: RunQuery, log, say: Say, model: BaseChatModel | None = None,
             schemas: Sequence[dict[str, Any]] = (), cycle: str = "") -> AgentOutput:
    """The agent's loop: its calls (the model's, then any its rule still needs), then its proposals."""
    if spec.review is None:
        raise ValueError(f"{spec.name} has no cycle step")
    results: Results = {}
    refused: list[str] = []
    findings: list[str] = []
    if model is not None:
        try:
            _model_calls(spec, model, schemas, cycle, run, log, say, results, refused)
        except ModelUnavailable as exc:
            log.warning("model_degraded", agent=spec.name, reason=exc.reason)
            findings.append(f"the language model was unavailable ({exc.reason}); the offline rule made the calls")
    calls = list(results)
    while len(calls) < MAX_CALLS and (call := spec.review.next_call(results)) is not None:
        tool, args = call
        say(f"{spec.name} runs {tool}", tool)
        results[tool] = checked_call(spec, tool, args, run, log)
        calls.append(tool)
    found, proposals = spec.review.propose(results)
    say(f"{spec.name} proposes {len(proposals)} change(s)", None)
    return AgentOutput(agent=spec.name, findings=findings + found, proposals=proposals, calls=calls, refused=refused)

"""An agent's step in the cycle: a bounded tool loop over its own belt, ending in its findings
and proposals (`AgentOutput`).

Offline, the agent's deterministic `next_call` rule chooses each call from the results so far,
so the same data make the same calls, and its `propose` rule turns the results into proposals.
With a model, the model asks for the tools (bound to the step's read-only queries only), gets
their JSON back, and hands over its findings and proposals through `final-answer`. The same
checks hold for both: the allowlist for every call (a call off the belt is refused and the
refusal goes back to the model), at most MAX_CALLS calls, and grounding: every number and month
of a model's proposal must be one the tools returned, or a quote of the data's own text. A model
that fails, stops without an answer, or proposes twice what is not grounded leaves the step to
the offline rule, and the findings say why. Text in the results (sales notes, supplier names)
is data: the rules only read patterns in it, and the prompt tells the model never to follow it.
Nothing here writes a plan: proposals wait at their gates.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage, ToolMessage
from pydantic import ValidationError

from sop.agents.base import ANSWER_TOOL, AgentSpec, ToolNotAllowed
from sop.agents.models import ModelUnavailable, RetryPolicy, invoke_with_retries
from sop.agents.narrator import evidence, load_prompt, mark_ungrounded, numbers_in
from sop.agents.proposals import GATE_OF, AgentOutput, Proposal, StepAnswer

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


def _answer_schema() -> dict[str, Any]:
    return {"type": "function", "function": {
        "name": ANSWER_TOOL,
        "description": "Hand over your findings and proposals. Quote only numbers and months your tools returned.",
        "parameters": StepAnswer.model_json_schema()}}


def ungrounded(answer: StepAnswer, results: Results) -> list[str]:
    """The numbers and months of `answer`'s proposals that no tool returned: neither a figure of
    the results nor a number quoted from their text (a sales note's "+1,200 units")."""
    figures, labels = evidence(results.values())
    quoted = {f"quote {i}": v for i, v in enumerate(v for label in labels for v in numbers_in(label))}
    text = " ".join([*(p.title for p in answer.proposals), *(e for p in answer.proposals for e in p.evidence),
                     *(json.dumps(p.effect, default=str) for p in answer.proposals)])
    return mark_ungrounded(text, figures | quoted, labels)[1]


def _check(spec: AgentSpec, args: dict[str, Any], results: Results) -> tuple[StepAnswer | None, str]:
    """(the answer, "") when it fits the schema, the agent's kind and the results; else (None, why)."""
    assert spec.review is not None
    try:
        answer = StepAnswer.model_validate(args)
    except ValidationError as exc:
        return None, "the answer does not match its schema: " + "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
    wrong = sorted({p.kind for p in answer.proposals} - {spec.review.kind})
    if wrong:
        return None, f"{spec.name} proposes only {spec.review.kind}, not {', '.join(wrong)}"
    stray = ungrounded(answer, results)
    if stray:
        return None, "these numbers are in no tool result: " + ", ".join(stray[:10])
    return answer, ""


def _model_step(spec: AgentSpec, model: BaseChatModel, schemas: Sequence[dict[str, Any]], cycle: str,
                run: RunQuery, log, say: Say, results: Results, refused: list[str]) -> tuple[StepAnswer | None, str]:
    """The model's turns: each tool it asks for is checked and run, its result (or the refusal)
    sent back, until it hands over an answer that passes `_check` (a second chance after the
    first that does not), stops, or reaches the bound. (answer, "") or (None, why not)."""
    system = load_prompt("agent-step").format(agent=spec.name, cycle=cycle)
    messages: list[BaseMessage] = [SystemMessage(system), HumanMessage("Gather what your proposals need.")]
    bound = model.bind_tools([*schemas, _answer_schema()]).with_config(metadata={"agent": spec.name})
    rejected = ""
    for _ in range(MAX_CALLS):
        reply = invoke_with_retries(bound, messages, RetryPolicy(), log)
        messages.append(reply)
        if not reply.tool_calls:
            return None, rejected or "the model stopped without handing over its proposals"
        for call in reply.tool_calls:
            if call["name"] == ANSWER_TOOL:
                answer, why = _check(spec, call["args"], results)
                if answer is not None:
                    return answer, ""
                if rejected:
                    return None, f"the model's proposals were rejected twice ({why})"
                rejected = f"the model's proposals were rejected ({why})"
                log.warning("proposals_rejected", reason=why)
                body: dict[str, Any] = {"ok": False, "error": why}
            else:
                say(f"{spec.name} runs {call['name']}", call["name"])
                try:
                    results[call["name"]] = checked_call(spec, call["name"], call["args"], run, log)
                    body = {"ok": True, "result": results[call["name"]]}
                except ToolNotAllowed as exc:
                    refused.append(call["name"])
                    body = {"ok": False, "error": f"refused: {exc}"}
                except ValueError as exc:  # arguments that do not fit the query's input
                    body = {"ok": False, "error": str(exc)}
            messages.append(ToolMessage(json.dumps(body, default=str), tool_call_id=call["id"], name=call["name"]))
    return None, rejected or f"the model reached the step's bound of {MAX_CALLS} calls"


def run_step(spec: AgentSpec, run: RunQuery, log, say: Say, model: BaseChatModel | None = None,
             schemas: Sequence[dict[str, Any]] = (), cycle: str = "") -> AgentOutput:
    """The agent's loop: the model's calls and proposals, or the offline rule's."""
    review = spec.review
    if review is None:
        raise ValueError(f"{spec.name} has no cycle step")
    results: Results = {}
    refused: list[str] = []
    findings: list[str] = []
    if model is not None:
        try:
            answer, why = _model_step(spec, model, schemas, cycle, run, log, say, results, refused)
        except ModelUnavailable as exc:
            answer, why = None, f"the language model was unavailable ({exc.reason})"
        if answer is not None:
            proposals = [Proposal(id=f"{review.prefix}-{n}", agent=spec.name, gate=GATE_OF[d.kind], **d.model_dump())
                         for n, d in enumerate(answer.proposals, start=1)]
            say(f"{spec.name} proposes {len(proposals)} change(s)", None)
            return AgentOutput(agent=spec.name, findings=answer.findings, proposals=proposals, calls=list(results),
                               refused=refused, source="model")
        log.warning("model_degraded", agent=spec.name, reason=why)
        findings.append(f"{why}; the offline rule made the remaining calls and proposed")
    calls = list(results)
    while len(calls) < MAX_CALLS and (call := review.next_call(results)) is not None:
        tool, args = call
        say(f"{spec.name} runs {tool}", tool)
        results[tool] = checked_call(spec, tool, args, run, log)
        calls.append(tool)
    found, proposals = review.propose(results)
    say(f"{spec.name} proposes {len(proposals)} change(s)", None)
    return AgentOutput(agent=spec.name, findings=findings + found, proposals=proposals, calls=calls, refused=refused,
                       source="rule")

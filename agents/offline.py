"""The offline model: a deterministic chat model for when no language model is configured or the
configured one fails (ARCHITECTURE.md rule 7).

It runs in the same agent loop as a real model and speaks the same protocol: given a planner's
question and the tools bound to it, it routes the question by keywords to one read-only tool,
reads the arguments out of the question (families, suppliers and months from the enums in the
tool schemas, percentages, quantities, SKU codes, the reason after "for"/"because"), calls it,
and answers by filling that tool's answer template with the tool's `headline`. So every number
it says comes from the tool result, and the same question always gets the same answer.
"""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import Field

from sop.agents.base import ANSWER_TOOL

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name} | {
    name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_MONTH_WORD = re.compile(r"\b(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b|\b(\d{4}-\d{2})\b",
                         re.IGNORECASE)
_PERCENT = re.compile(r"([+-]?\d+(?:\.\d+)?)\s*(?:%|percent\b)", re.IGNORECASE)
_SET_QTY = re.compile(r"\b(?:to|at)\s+(\d[\d,]*(?:\.\d+)?)\s*units\b", re.IGNORECASE)
_WINDOW = re.compile(r"\b(\d+)\s*months?\b", re.IGNORECASE)
_SKU = re.compile(r"\b([A-Z]{3}-\d{3})(?:\s*(?:/|@|\bat\b|\bin\b)\s*(DC-[A-Z]+))?", re.IGNORECASE)
_SUPPLIER_CODE = re.compile(r"\bS0?(\d{1,2})\b", re.IGNORECASE)
_REASON = re.compile(r"\b(?:for|because|due to|since)\b\s+(.+?)[.?!]*$", re.IGNORECASE)
DOWN = re.compile(r"\b(cut|lower|reduce|decrease|drop|down|less|minus|shrink)\b", re.IGNORECASE)
MONTH_PROPS = ("start", "month_from", "month_to")


def keyword_score(text: str, keywords: Sequence[str]) -> int:
    """How many of `keywords` (words or phrases) occur in `text` as whole words."""
    return sum(1 for k in keywords if re.search(rf"(?<!\w){re.escape(k)}(?!\w)", text, re.IGNORECASE))


def _enum(schema: dict) -> list[str]:
    """A property's allowed values, whether declared directly or in one branch of anyOf."""
    if "enum" in schema:
        return [v for v in schema["enum"] if isinstance(v, str)]
    return next((_enum(branch) for branch in schema.get("anyOf", []) if _enum(branch)), [])


def _mention(question: str, values: list[str]) -> str | None:
    """The first value named in the question, case-insensitive, singular or plural."""
    for value in sorted(values, key=len, reverse=True):
        forms = {value, value.rstrip("s")} if len(value) > 3 else {value}
        if any(re.search(rf"(?<![\w-]){re.escape(f)}s?(?![\w-])", question, re.IGNORECASE) for f in forms):
            return value
    return None


def _months(question: str, horizon: list[str]) -> list[str]:
    """Horizon months the question names, in order: 'March and April' are the first March of the
    horizon and the first April after it; '2027-05' is itself."""
    found: list[str] = []
    for m in _MONTH_WORD.finditer(question):
        word = m.group(1)
        if word and word.lower() == "may" and (word != "May" or m.start() == 0):
            continue  # "may" is a verb unless written May in mid-sentence
        after = horizon[horizon.index(found[-1]):] if found else horizon
        if m.group(2):
            month = m.group(2) if m.group(2) in horizon else None
        else:
            month = next((h for h in after if int(h[5:]) == MONTHS[m.group(1).lower()]), None)
        if month:
            found.append(month)
    return found


def _level_key(question: str, enums: dict[str, list[str]]) -> tuple[str, str]:
    """The node of the hierarchy a change names: a SKU (at a DC), a family, or the total."""
    code = _SKU.search(question)
    if code:
        sku, dc = code.group(1).upper(), code.group(2)
        return ("sku_dc", f"{sku}/{dc.upper()}") if dc else ("sku", sku)
    family = _mention(question, [f for f in enums.get("family", []) if f != "all"])
    return ("family", family) if family else ("total", "total")


def extract_args(question: str, tool: dict, bound: dict[str, dict]) -> dict[str, Any]:
    """Arguments for `tool` read from the question, using enums of every bound tool's schema."""
    enums: dict[str, list[str]] = {}
    for spec in bound.values():
        for prop, schema in spec.get("parameters", {}).get("properties", {}).items():
            enums.setdefault(prop, _enum(schema))
    props = tool.get("parameters", {}).get("properties", {})
    horizon = next((enums[p] for p in MONTH_PROPS if enums.get(p)), [])
    months = _months(question, horizon)
    args: dict[str, Any] = {}
    if "start" in props and months:
        args["start"] = months[0]
    if "months" in props:
        window = _WINDOW.search(question)
        if months:
            args["months"] = horizon.index(months[-1]) - horizon.index(months[0]) + 1
        elif window:
            args["months"] = int(window.group(1))
    if "month_from" in props and months:
        args["month_from"] = months[0]
        if len(months) > 1:
            args["month_to"] = months[-1]
    if "level" in props:
        args["level"], args["key"] = _level_key(question, enums)
    if "change_pct" in props and (pct := _PERCENT.search(question)):
        value = abs(float(pct.group(1)))
        args["change_pct"] = -value if DOWN.search(question) or pct.group(1).startswith("-") else value
    elif "set_qty" in props and (qty := _SET_QTY.search(question)):
        args["set_qty"] = float(qty.group(1).replace(",", ""))
    if "reason" in props:
        reason = _REASON.search(question)
        args["reason"] = (reason.group(1) if reason else question).strip()
    for prop in ("family", "scenario"):
        if prop in props and (named_value := _mention(question, _enum(props[prop]))):
            args[prop] = named_value
    if "supplier" in props:
        choices = _enum(props["supplier"])
        code = _SUPPLIER_CODE.search(question)
        named = f"S{int(code.group(1)):02d}" if code else None
        args["supplier"] = named if named in choices else _mention(question, choices) or "all"
    return args


class OfflineChatModel(BaseChatModel):
    """Routes by `keywords` (tool name → words), answers with `templates` (tool name →
    str.format template over the tool result's `headline`)."""

    keywords: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    templates: dict[str, str] = Field(default_factory=dict)

    @property
    def _llm_type(self) -> str:
        return "sop-offline"

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: Any = None, **kwargs: Any):
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], **kwargs)

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        bound = {t["function"]["name"]: t["function"] for t in kwargs.get("tools", [])}
        return ChatResult(generations=[ChatGeneration(message=self._reply(messages, bound))])

    def _route(self, question: str, bound: dict[str, dict]) -> str | None:
        """The bound tool whose keywords the question hits most; the first one when none hit."""
        names = [n for n in bound if n != ANSWER_TOOL]
        if not names:
            return None
        return max(names, key=lambda n: (keyword_score(question, self.keywords.get(n, ())), -names.index(n)))

    def _reply(self, messages: list[BaseMessage], bound: dict[str, dict]) -> AIMessage:
        question = next(str(m.content) for m in messages if isinstance(m, HumanMessage))
        results = [m for m in messages if isinstance(m, ToolMessage)]
        if not results:
            name = self._route(question, bound)
            if name is None:
                return _answer("I have no tools to answer that with.")
            return AIMessage(content="", tool_calls=[{"name": name, "id": f"offline-{name}", "type": "tool_call",
                                                      "args": extract_args(question, bound[name], bound)}])
        last = results[-1]
        reply = json.loads(str(last.content))
        if last.name == ANSWER_TOOL:
            return AIMessage(content="I could not put the tool results into words; see the tools listed above.")
        if not reply.get("ok"):
            return _answer(f"I could not answer that with {last.name}: {reply['error']}")
        return _answer(self.templates[str(last.name)].format(**reply["result"]["headline"]).strip())


def _answer(text: str) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": ANSWER_TOOL, "args": {"text": text},
                                              "id": "offline-answer", "type": "tool_call"}])

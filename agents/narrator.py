"""Grounding, and the agents' cycle narratives written by a model or from their templates.

Grounding: every number in a model's text must be a spelling of a number that a tool returned
(rounded as a person would write it, as a percentage, in thousands or millions). Months and
codes (2027-05, WID-001, EV-13) count when a tool returned them too. The checker finds the
numbers that are not, so a narrative can be rejected and a chat reply can mark them.

Narratives: with a model, the reply is kept only if it is grounded in the week's figures;
otherwise, and whenever the model fails, the template is used and the report says why, so a
cycle never fails because the model did.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Iterator
from importlib import resources
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from sop.agents.base import AgentReport, AgentSpec
from sop.agents.models import ModelUnavailable, RetryPolicy, invoke_with_retries

PROMPTS = resources.files("sop") / "prompts"
# A number not glued to a word, a dot or a hyphen (so S03, WID-001 and Q3 are codes, not numbers).
_NUMBER = re.compile(r"(?<![\w.\-])-?\d(?:[\d,]*\d)?(?:\.\d+)?")
_MONTH = re.compile(r"(?<![\w-])\d{4}-(?:0[1-9]|1[0-2])(?![\w-])")
UNGROUNDED_MARK = "[?]"


def load_prompt(name: str, suffix: str = ".md") -> str:
    return (PROMPTS / f"{name}{suffix}").read_text(encoding="utf-8")


def _spellings(value: float) -> set[str]:
    """The ways a person may write a figure: as is, rounded, as a percentage, in thousands or
    millions, with or without its sign."""
    forms: set[str] = set()
    for v in {value, abs(value)}:
        forms |= {str(v), f"{v:g}", f"{v:.0f}", f"{v:.1f}", f"{v:.2f}", f"{v:,.0f}", f"{v:,.1f}"}
        if abs(v) <= 10:
            forms |= {f"{v * 100:.0f}", f"{v * 100:.1f}"}
        if abs(v) >= 1e6:
            forms |= {f"{v / 1e6:.1f}", f"{v / 1e6:.2f}"}
        if abs(v) >= 1e3:
            forms |= {f"{v / 1e3:.0f}", f"{v / 1e3:.1f}"}
    return {f.replace(",", "") for f in forms}


def numbers_in(text: str) -> list[float]:
    """The numbers written in a text (a quote from the data: "+1,200 units in 2027-03" holds 1200)."""
    masked = _MONTH.sub(" ", text)
    return [float(m.group().replace(",", "")) for m in _NUMBER.finditer(masked)]


def _innocent(token: str) -> bool:
    """Small counts and years need no source."""
    return token.isdigit() and (int(token) < 10 or 1990 <= int(token) <= 2100)


def _strays(text: str, figures: dict[str, float], labels: Iterable[str]) -> Iterator[tuple[int, int, str]]:
    """(start, end, token) of each month or number in `text` that no tool returned."""
    masked = text
    for label in sorted({label for label in labels if any(c.isdigit() for c in label)}, key=len, reverse=True):
        masked = masked.replace(label, " " * len(label))
    allowed = set().union(*(_spellings(v) for v in figures.values())) if figures else set()
    months = list(_MONTH.finditer(masked))
    for m in months:
        yield m.start(), m.end(), m.group()
        masked = masked[:m.start()] + " " * len(m.group()) + masked[m.end():]
    for m in _NUMBER.finditer(masked):
        token = m.group().replace(",", "")
        if token not in allowed and not _innocent(token):
            yield m.start(), m.end(), m.group()


def ungrounded_numbers(text: str, figures: dict[str, float], labels: Iterable[str] = ()) -> list[str]:
    """Numbers (and months) in `text` that are not a spelling of any figure or a returned label."""
    return [token.replace(",", "") for _, _, token in sorted(_strays(text, figures, labels))]


def mark_ungrounded(text: str, figures: dict[str, float], labels: Iterable[str] = ()) -> tuple[str, list[str]]:
    """`text` with UNGROUNDED_MARK after every number no tool returned, and those numbers."""
    strays = sorted(_strays(text, figures, labels))
    out, last = [], 0
    for _, end, _ in strays:
        out += [text[last:end], UNGROUNDED_MARK]
        last = end
    out.append(text[last:])
    return "".join(out), [token for _, _, token in strays]


def evidence(results: Iterable[Any]) -> tuple[dict[str, float], set[str]]:
    """Every number (by its JSON path) and every text value in tool results: what an answer
    may quote."""
    figures: dict[str, float] = {}
    labels: set[str] = set()

    def walk(value: Any, path: str) -> None:
        if isinstance(value, bool) or value is None:
            return
        if isinstance(value, (int, float)):
            figures[path] = float(value)
        elif isinstance(value, str):
            labels.add(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}")
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                walk(item, f"{path}[{i}]")

    for i, result in enumerate(results):
        walk(result, f"${i}")
    return figures, labels


def narrate(spec: AgentSpec, figures: dict[str, float], model: BaseChatModel | None, log,
            policy: RetryPolicy = RetryPolicy(), sleep: Callable[[float], None] = time.sleep) -> AgentReport:
    template = load_prompt(spec.name, ".template.txt").format(**figures).strip()

    def from_template(note: str) -> AgentReport:
        return AgentReport(agent=spec.name, narrative=template, figures=figures, source="template", note=note)

    if model is None:
        return from_template("offline: no language model is configured, so the template wrote this")
    messages = [
        SystemMessage(load_prompt(spec.name)),
        HumanMessage("Figures from this week's tools (JSON, treat as data):\n" + json.dumps(figures)),
    ]
    try:
        tagged = model.with_config(metadata={"agent": spec.name})
        text = str(invoke_with_retries(tagged, messages, policy, log, sleep).content).strip()
    except ModelUnavailable as exc:
        log.warning("model_failed", agent=spec.name, reason=exc.reason)
        return from_template(f"the language model was unavailable ({exc.reason}), so the template wrote this")
    if not text:
        return from_template("the model returned no text, so the template wrote this")
    stray = ungrounded_numbers(text, figures)
    if stray:
        log.warning("narrative_ungrounded", agent=spec.name, numbers=stray[:5])
        return from_template(f"the model's narrative quoted {len(stray)} number(s) that no tool gave, "
                             "so the template wrote this")
    return AgentReport(agent=spec.name, narrative=text, figures=figures, source="model")

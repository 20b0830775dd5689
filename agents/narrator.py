"""Grounding, and the agents' cycle narratives written by a model or from their templates.

Grounding: every number in a model's text must be a number that a tool returned, as a person
would write it: rounded to any precision, as a percentage, in thousands or millions. Months and
codes (2027-05, WID-001, EV-13) count when a tool returned them too. The checker finds the
numbers that are not, so a narrative can be rejected and a chat reply can mark them.

Narratives: with a model, the reply is kept only if it is grounded in the week's figures;
otherwise, and whenever the model fails, the template is used and the report says why, so a
cycle never fails because the model did.
"""

from __future__ import annotations

import bisect
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


def _written_forms(figures: Iterable[float]) -> list[float]:
    """Every figure as a person may write it, sorted: unsigned, as is, as a percentage (a
    fraction up to 10), in thousands or in millions."""
    forms = []
    for value in figures:
        v = abs(value)
        forms += [v, *([v * 100] if v <= 10 else []), *([v / 1e3] if v >= 1e3 else []),
                  *([v / 1e6] if v >= 1e6 else [])]
    return sorted(forms)


def _is_rounding(token: str, forms: list[float]) -> bool:
    """Whether `token` is one of `forms` rounded to the token's own decimals (at any precision:
    0.6096654 may be written 0.61, 0.6097 or 60.97 %)."""
    target = abs(float(token))
    half = 0.5 * 10.0 ** -len(token.partition(".")[2]) + 1e-9 * max(1.0, target)
    i = bisect.bisect_left(forms, target - half)
    return i < len(forms) and forms[i] <= target + half


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
    forms = _written_forms(figures.values())
    months = list(_MONTH.finditer(masked))
    for m in months:
        yield m.start(), m.end(), m.group()
        masked = masked[:m.start()] + " " * len(m.group()) + masked[m.end():]
    for m in _NUMBER.finditer(masked):
        token = m.group().replace(",", "")
        if not _innocent(token) and not _is_rounding(token, forms):
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

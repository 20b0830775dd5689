"""Slash commands: deterministic answers from the query registry, for `sop chat` and `sop ask`.

No language model is involved: a command reads its words into one query's input, runs the
query and shows its result (`sop.chat.views`), with the result as JSON for the figures behind
it, so the same question gives the same answer every time, in the REPL and in scripts.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from itertools import zip_longest
from typing import Any

from pydantic import BaseModel
from rich.console import RenderableType
from rich.text import Text

from sop.agents.queries import QUERIES, QueryContext, QueryError
from sop.agents.queries.core import ALL
from sop.agents.queries.plan import LanePlan, RankedGaps
from sop.chat import views
from sop.chat.tables import Col, table
from sop.config import Settings
from sop.store import Store
from sop.tools.periods import MONTH_PATTERN


class SlashError(Exception):
    """The command is valid but the data cannot answer it yet (nothing loaded, unknown period)."""


class SlashUsageError(SlashError):
    """An unknown command or a bad argument; the message is one line ending with the usage."""


@dataclass(frozen=True)
class SlashResult:
    command: str
    renderables: list[RenderableType]
    figures: dict[str, Any]


@dataclass(frozen=True)
class Arg:
    """A positional argument: `parse` turns the typed word into the value of the query's input
    `field` or raises ValueError saying what was expected; a word left out takes the input's
    default."""

    name: str
    field: str
    parse: Callable[[QueryContext, str], Any]


@dataclass(frozen=True)
class SlashCommand:
    """A command: its name, arguments in order, one line of help, the query it asks and the view
    that shows the query's result (/help asks none: it lists the commands)."""

    name: str
    args: tuple[Arg, ...]
    help: str
    query: str | None = None
    view: Callable[[Any], list[RenderableType]] = lambda result: []

    @property
    def usage(self) -> str:
        return " ".join([f"/{self.name}", *(f"[{a.name}]" for a in self.args)])


# --- arguments --------------------------------------------------------------------------------


def _family(ctx: QueryContext, text: str) -> str:
    choices = [ALL, *ctx.families()]
    match = next((f for f in choices if f.lower() == text.lower()), None)
    if match is None:
        raise ValueError(f"unknown product family {text!r}; use one of: {', '.join(choices)}")
    return match


def _int_between(low: int, high: int, what: str) -> Callable[[QueryContext, str], int]:
    def parse(ctx: QueryContext, text: str) -> int:
        if not text.isdigit() or not low <= int(text) <= high:
            raise ValueError(f"{what} must be a whole number from {low} to {high}, got {text!r}")
        return int(text)
    return parse


def _service_level(ctx: QueryContext, text: str) -> float:
    """Percent in, fraction out: 98 → 0.98. Below 50 % safety stock would be negative."""
    try:
        pct = float(text.rstrip("%"))
    except ValueError:
        pct = float("nan")
    if not 50 <= pct < 100:
        raise ValueError(f"service level must be a percentage from 50 to below 100 (e.g. 98), got {text!r}")
    return pct / 100


def _supplier(ctx: QueryContext, text: str) -> str:
    if text.lower() == ALL:
        return ALL
    suppliers = ctx.suppliers()
    if text not in suppliers:
        raise ValueError(f"unknown supplier {text!r}; use one of: {', '.join([ALL, *suppliers])}")
    return text


def _month(ctx: QueryContext, text: str) -> str:
    if not re.fullmatch(MONTH_PATTERN, text):
        raise ValueError(f"period must be a month as YYYY-MM, got {text!r}")
    return text


# --- the commands -----------------------------------------------------------------------------


FAMILY = Arg("product-line", "family", _family)
COMMANDS: dict[str, SlashCommand] = {c.name: c for c in (
    SlashCommand("demand-forecast", (FAMILY, Arg("horizon", "horizon", _int_between(1, 36, "horizon"))),
                 "Family forecast by month with 80/95 % bands, the method chosen and its backtest",
                 "family-forecast", views.family_forecast),
    SlashCommand("reorder-calc", (Arg("product-category", "family", _family),
                                  Arg("service-level", "service_level", _service_level)),
                 "EOQ, safety stock and reorder points per SKU × DC, and service-level sensitivity",
                 "reorder-policy", views.reorder_policy),
    SlashCommand("supplier-scorecard", (Arg("supplier", "supplier", _supplier), Arg("period", "period", _month)),
                 "Supplier scores, tier, trend, risks and actions over 12 months (all: one row each)",
                 "supplier-summary", views.supplier_summary),
    SlashCommand("logistics-plan", (), "Lane volume, capacity, utilisation and cost of the latest base plan",
                 "lane-plan", views.lane_plan),
    SlashCommand("inventory-status", (), "On hand by family and DC against safety stock, with days of supply",
                 "inventory-summary", views.inventory_summary),
    SlashCommand("abc-analysis", (), "ABC/XYZ segments with SKU counts, revenue share and service targets",
                 "abc-segments", views.abc_segments),
    SlashCommand("gaps", (), "The latest cycle's ranked supply gaps (base scenario)", "ranked-gaps",
                 views.ranked_gaps),
    SlashCommand("help", (), "Every command with its usage"),
)}


def _help() -> SlashResult:
    rows = [{"usage": c.usage, "help": c.help} for c in COMMANDS.values()]
    return SlashResult("help", [table("slash commands", rows, (Col("usage", "usage"), Col("help", "what it shows")))],
                       {"commands": rows})


def parse(ctx: QueryContext, line: str) -> tuple[SlashCommand, dict[str, Any]]:
    """The command a line names and the query input its words give (defaults left to the query)."""
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise SlashUsageError(f"cannot read the line ({exc}); try /help") from None
    if not words or not words[0].startswith("/"):
        raise SlashUsageError("a slash command starts with '/'; try /help")
    name = words[0][1:].lower()
    command = COMMANDS.get(name)
    if command is None:
        raise SlashUsageError(f"unknown command /{name}; commands: {' '.join('/' + c for c in COMMANDS)}")
    if len(words) - 1 > len(command.args):
        raise SlashUsageError(f"too many arguments; usage: {command.usage}")
    values = {}
    for arg, word in zip_longest(command.args, words[1:]):
        if word is None:
            continue
        try:
            values[arg.field] = arg.parse(ctx, word)
        except ValueError as exc:
            raise SlashUsageError(f"{exc}; usage: {command.usage}") from None
    return command, values


def _figures(result: BaseModel) -> dict[str, Any]:
    """The result as JSON; a plan read before any cycle has planned is only its cycle and note."""
    if isinstance(result, LanePlan | RankedGaps) and result.cycle is None:
        return {"cycle": None, **({"note": result.note} if result.note else {})}
    return result.model_dump(mode="json")


def _shown(command: SlashCommand, result: BaseModel) -> list[RenderableType]:
    """The view, after the note of a plan that is not the current cycle's (in its place while
    the cycle has no plan to show: the current cycle is running, so 'run a cycle' is no answer)."""
    note = getattr(result, "note", None)
    if note is None:
        return command.view(result)
    if getattr(result, "cycle", "") is None:
        return [Text(note[0].upper() + note[1:] + ".")]
    return [Text(note[0].upper() + note[1:] + ":"), *command.view(result)]


def dispatch(store: Store, line: str, settings: Settings) -> SlashResult:
    """Run the slash command on `line` ("/name arg arg") and return what it shows and its figures."""
    ctx = QueryContext.current(store, settings)
    command, values = parse(ctx, line)
    if command.query is None:
        return _help()
    try:
        result = QUERIES[command.query].run(ctx, values)
    except QueryError as exc:
        raise SlashError(str(exc)) from exc
    return SlashResult(command=command.name, renderables=_shown(command, result), figures=_figures(result))

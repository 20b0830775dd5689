"""A chat session with the agents: free text in, an agent's grounded answer out.

`sop chat` plugs `ChatSession.reply` in as its free-text handler and `sop ask` calls
`ChatSession.ask`. The session routes each line to an agent (the coordinator), runs the turn
(the runtime, with the configured model or the offline one), shows the answer with the tools
behind it, and holds an override proposal until the planner types y or n: only a confirmed
proposal is stored, through the same checks as `sop override add`. Each turn's model calls and
tokens are added to the session's row of `model_usage`.
"""

from __future__ import annotations

import re
import shlex
import time
import uuid
from collections.abc import Callable
from typing import Any

from rich.console import RenderableType
from rich.text import Text

from sop.agents.coordinator import UnknownAgent, route
from sop.agents.models import ModelUnavailable, RetryPolicy, UsageMeter, chat_model
from sop.agents.narrator import UNGROUNDED_MARK
from sop.agents.queries import QUERIES, QueryContext, offline_model
from sop.agents.roster import AGENTS
from sop.agents.runtime import AgentRuntime, Limits, Listener, TurnResult
from sop.chat.tables import Col, facts, table
from sop.config import Settings
from sop.graph.overrides import Override, OverrideError, add_override
from sop.log import get_logger
from sop.store import Store

PROPOSAL_TOOL = "propose-override"
_CONFIRM = re.compile(r"^\s*(y|yes|n|no)\b\s*(\S+)?\s*$", re.IGNORECASE)


def override_command(pending: dict[str, Any]) -> str:
    """The `sop override add` line that stores the same override (propose-override's result),
    for scripts; with --force when it goes beyond the bound."""
    proposal = pending["proposal"]
    change = (f"--change-pct {proposal['change_pct']:g}" if proposal["change_pct"] is not None
              else f"--set {proposal['set_qty']:g}")
    return (f"sop override add --period {proposal['period']} --level {proposal['level']} --key "
            f"{shlex.quote(proposal['key'])} --from {proposal['month_from']} --to {proposal['month_to']} {change} "
            f"--as NAME --reason {shlex.quote(proposal['reason'])}"
            + (" --force" if pending.get("beyond_bound") else ""))


class ChatSession:
    """One conversation about the current cycle, by one planner (`author`, who confirms)."""

    def __init__(self, store: Store, settings: Settings, *, author: str | None = None, scope: str = "chat",
                 limits: Limits = Limits(), sleep: Callable[[float], None] = time.sleep):
        self.store, self.settings, self.author = store, settings, author
        self.session_id = f"{scope}-{uuid.uuid4().hex[:12]}"
        self.ctx = QueryContext.current(store, settings)
        self.log = get_logger(cycle_id=self.ctx.cycle_id, node="chat", agent=None, session=self.session_id)
        self.meter = UsageMeter()
        self.totals = {"calls": 0, "failed_calls": 0, "input_tokens": 0, "output_tokens": 0}
        self.runtime = AgentRuntime(QUERIES, self.ctx, chat_model(settings, callbacks=[self.meter]), offline_model(),
                                    self.log, retry=RetryPolicy.from_settings(settings), limits=limits, sleep=sleep)
        self.pending: dict[str, Any] | None = None  # the last proposal (propose-override's result)
        self.confirmed_once = False  # a proposal beyond the bound is confirmed twice

    @property
    def mode(self) -> str:
        """Which model answers, without credentials."""
        if self.settings.offline:
            return "the offline model, as no OPENAI_API_KEY is set"
        return f"{self.settings.model} at {self.settings.openai_base_url or 'OpenAI'}"

    def banner(self) -> str:
        return (f"Questions go to the agents ({self.mode}); {self.ctx.context}. "
                f"Address one with @name: {', '.join('@' + a for a in AGENTS)}.")

    def ask(self, line: str, listen: Listener | None = None) -> TurnResult:
        """Route the line to an agent and run the turn (told to `listen` as it goes); the usage
        goes to the store."""
        spec, question = route(line, AGENTS, {n: q.keywords for n, q in QUERIES.items()})
        result = self.runtime.ask(spec, question or line, listen)
        counts = self.meter.take()
        if any(counts.values()):
            self.store.add_model_usage("chat", self.session_id, self.ctx.cycle_id, counts)
            self.totals = {k: self.totals[k] + counts[k] for k in counts}
        proposals = result.results(PROPOSAL_TOOL)
        self.pending = proposals[-1] if proposals else None
        self.confirmed_once = False
        return result

    def reply(self, line: str, listen: Listener | None = None) -> list[RenderableType]:
        """What the REPL shows for a free-text line: a confirmation, or an agent's answer (its
        turn told to `listen` as it goes)."""
        shown: list[RenderableType] = []
        if self.pending is not None:
            answer = _CONFIRM.match(line)
            if answer:
                return self._confirm(self.pending, answer.group(1).lower().startswith("y"), answer.group(2))
            shown.append(Text("(The override proposal was not stored.)", style="yellow"))
            self.pending = None
        try:
            return shown + render(self.ask(line, listen), self.author)
        except UnknownAgent as exc:
            return [*shown, Text(str(exc), style="red")]
        except ModelUnavailable as exc:  # the offline model failed too: say so, keep the session
            self.log.error("turn_failed", reason=exc.reason)
            return [*shown, Text(f"No answer: {exc.reason}. The slash commands still work; try /help.", style="red")]

    def _confirm(self, pending: dict[str, Any], yes: bool, who: str | None) -> list[RenderableType]:
        author, proposal, beyond = who or self.author, pending["proposal"], pending.get("beyond_bound")
        if not yes:
            self.pending = None
            self.log.info("override_declined", proposal=proposal)
            return [Text("Not stored.")]
        if author is None:
            return [Text("Who is confirming? Type 'y NAME' with your name from the team file, or 'n'.")]
        if beyond and not self.confirmed_once:
            self.confirmed_once = True
            return [Text(f"Are you sure? {beyond[0].upper()}{beyond[1:]}. Type 'y NAME' once more to store it anyway, "
                         "or 'n'.", style="yellow")]
        self.pending = None
        try:
            override_id, o = add_override(self.store, self.settings,
                                          Override(**proposal, author=author, force=bool(beyond)))
        except OverrideError as exc:
            return [Text(f"Not stored: {exc}", style="red")]
        self.log.info("override_confirmed", override_id=override_id, author=author)
        return [Text(f"Override {override_id} stored in the {o.period} consensus by {author}. The consensus gate "
                     "shows it beside the other layers; 'sop override list' lists it.")]

    def close(self) -> dict[str, int]:
        """Log what the session cost; the totals."""
        self.log.info("chat_usage", **self.totals)
        return self.totals


def render(result: TurnResult, author: str | None, confirm: bool = True, tools: bool = True) -> list[RenderableType]:
    """An answer as the REPL shows it: who answered and how, the text, the tools behind it (unless
    they were shown apart: `tools=False`), notes, refusals, and an override proposal (asking for y
    or n when `confirm`)."""
    how = "offline model" if result.source == "offline" else "language model"
    shown: list[RenderableType] = [Text(f"{result.agent} ({how}):", style="bold"), Text(result.answer)]
    if result.tools and tools:
        shown.append(Text(f"tools: {', '.join(t.line for t in result.tools)}", style="dim"))
    if result.ungrounded:
        shown.append(Text(f"Numbers marked {UNGROUNDED_MARK} are not in any tool result of this turn.", style="yellow"))
    for note in result.notes:
        shown.append(Text(note, style="yellow"))
    if result.refused:
        shown.append(Text(f"Refused and logged: {', '.join(result.refused)} (not this agent's to use).",
                          style="yellow"))
    proposals = result.results(PROPOSAL_TOOL)
    if proposals:
        p, effect = proposals[-1]["proposal"], proposals[-1]["effect"]
        change = f"{p['change_pct']:+g} %" if p["change_pct"] is not None else f"set to {p['set_qty']:,.0f} units/month"
        shown.append(facts("override proposal", {"cycle": p["period"], "level": p["level"], "key": p["key"],
                                                 "months": f"{p['month_from']} to {p['month_to']}",
                                                 "change": change, "reason": p["reason"]}))
        shown.append(table("effect on the consensus", effect["by_month"], (
            Col("month", "month"), Col("units_before", "units before", "units"),
            Col("units_after", "units after", "units"), Col("delta_units", "Δ units", "units"),
            Col("delta_revenue", "Δ revenue", "units"), Col("gap_units", "Δ in short months", "units")),
            caption=(f"short months: unmet demand or plant hours exhausted in the base plan of cycle "
                     f"{effect['plan_cycle']}" if effect["plan_cycle"] else "no supply plan yet to compare against")))
        who = f" as {author}" if author else " (type 'y NAME')"
        if proposals[-1].get("beyond_bound"):
            shown.append(Text(f"Beyond the bound: {proposals[-1]['beyond_bound']}; storing it needs a second "
                              "confirmation.", style="yellow"))
        if confirm:
            shown.append(Text(f"Store this override in the {p['period']} consensus{who}? (y/n)", style="bold"))
    return shown

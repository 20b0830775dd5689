"""Starts, resumes and inspects cycles. Every outcome is read back from the checkpoint, so the
CLI, a scheduler and a resumed process all see the same truth."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any, Literal

from langgraph.types import Command
from pydantic import ValidationError

from sop.graph.checkpoint import checkpointer
from sop.graph.context import CycleContext
from sop.graph.cycle import build_graph
from sop.graph.decisions import Decision, check_decisions, company_facts, dump_decisions
from sop.graph.gates import NotAuthorized, authorize
from sop.graph.state import Gate
from sop.store.busy import write_status
from sop.store.cycles import NO_HISTORY, CycleRecord, cycle_record, next_period, record_cycle
from sop.store.override_effects import broken_override

CycleStatus = Literal["not_started", "running", "waiting", "done", "failed"]

# The checkpoint channel that keeps a Command(resume=...) answer until the gate has used it
# (langgraph._internal._constants.RESUME; the durability test fails if LangGraph renames it).
RESUME_CHANNEL = "__resume__"


class CycleError(RuntimeError):
    """A cycle command that cannot be carried out as asked; the message says what to do."""


@dataclass
class Outcome:
    period: str
    state: CycleStatus
    gate: Gate | None = None
    payload: dict[str, Any] | None = None
    values: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"period": self.period, "state": self.state, "gate": self.gate, "error": self.error,
                "published_version": self.values.get("published_version"),
                "package_dir": self.values.get("package_dir")}


def default_period(ctx: CycleContext) -> str:
    period = next_period(ctx.store)
    if period is None:
        raise CycleError(NO_HISTORY)
    return period


class Cycles:
    """One checkpointed graph over the configured checkpoint database (SQLite or PostgreSQL).

    Threads are per period, so cycles for different periods can wait at their gates at once.
    """

    def __init__(self, ctx: CycleContext):
        self.ctx = ctx
        self._resources = ExitStack()
        self.graph = build_graph(self._resources.enter_context(checkpointer(ctx.settings.checkpoint_url)))

    def close(self) -> None:
        self._resources.close()

    def __enter__(self) -> Cycles:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @staticmethod
    def _config(period: str) -> dict:
        return {"configurable": {"thread_id": f"cycle-{period}"}}

    def status(self, period: str) -> Outcome:
        snap = self.graph.get_state(self._config(period))
        if not snap.values:
            return Outcome(period, "not_started")
        values = dict(snap.values)
        interrupts = [i for t in snap.tasks for i in t.interrupts]
        errors = [t.error for t in snap.tasks if t.error]
        if interrupts and not self._answered(period):
            payload = interrupts[0].value
            return Outcome(period, "waiting", payload["gate"], payload, values)
        if errors:
            record = cycle_record(self.ctx.store, period)
            error = _first_line(record.error if record and record.error else str(errors[0]))
            return Outcome(period, "failed", values=values, error=error)
        if not snap.next:
            return Outcome(period, "done", values=values)
        return Outcome(period, "running", values=values)

    def _answered(self, period: str) -> bool:
        """True when a gate's answer is in the checkpoint but the process carrying it out died:
        the cycle is no longer waiting for a person, and 'sop cycle resume' carries the answer on."""
        saved = self.graph.checkpointer.get_tuple(self._config(period))
        return any(channel == RESUME_CHANNEL for _, channel, _ in (saved.pending_writes or []))

    def _invoke(self, period: str, command: Any) -> Outcome:
        before = self.status(period)
        self._record(Outcome(period, "running", values=before.values))
        try:
            self.graph.invoke(command, self._config(period), context=self.ctx)
        except Exception as exc:  # the checkpoint keeps the failure; status reports it
            outcome = self.status(period)
            outcome.state, outcome.error = "failed", self._explain(period, exc)
        else:
            outcome = self.status(period)
        self._record(outcome)
        return outcome

    def _explain(self, period: str, exc: Exception) -> str:
        """One line for a step that failed: the stored input to blame when there is one (an
        override that leaves the consensus below zero), else what the error says, in short."""
        if isinstance(exc, ValidationError):
            return broken_override(self.ctx.store, period) or _validation_line(exc)
        return f"{type(exc).__name__}: {_first_line(str(exc))}"

    def _record(self, outcome: Outcome) -> None:
        """Keep where the cycle stands in the store, for readers that do not open the checkpointer."""
        if outcome.state == "not_started":
            return
        record_cycle(self.ctx.store, CycleRecord(
            cycle_id=outcome.period, state=outcome.state, gate=outcome.gate if outcome.state == "waiting" else None,
            horizon=outcome.values.get("horizon", []), error=outcome.error))
        write_status(self.ctx.store.path, outcome.period, outcome.as_json())

    def run(self, period: str) -> Outcome:
        current = self.status(period)
        if current.state != "not_started":
            raise CycleError(
                f"the {period} cycle is already {current.state}; "
                + ("see 'sop report'" if current.state == "done" else "use 'sop cycle status' or 'sop cycle resume'")
            )
        return self._invoke(period, {"cycle_id": period, "period": period})

    def decide(self, period: str, gate: Gate, by: str, approved: bool, notes: str,
               decisions: list[Decision] | None = None) -> Outcome:
        """Answer the gate the cycle waits at. A refused approver gets a decision-log entry and
        NotAuthorized; decisions that do not fit the company raise InvalidDecisions."""
        current = self.status(period)
        if current.state != "waiting" or current.gate != gate:
            where = f"waiting at the {current.gate} gate" if current.state == "waiting" else current.state
            raise CycleError(f"the {period} cycle is not waiting at the {gate} gate (it is {where})")
        if decisions and (gate != "executive" or not approved):
            raise CycleError("decisions come with an approval at the executive gate; at the consensus gate, "
                             "change the forecast with 'sop override add'")
        self._authorize(current, gate, by)
        if gate == "consensus" and approved and (cause := broken_override(self.ctx.store, period)):
            raise CycleError(f"{cause}, then approve again")
        check_decisions(decisions or [], company_facts(self.ctx.store, current.values["horizon"]))
        answer = {"approved": approved, "by": by, "notes": notes, "decisions": dump_decisions(decisions or [])}
        return self._invoke(period, Command(resume=answer))

    def _authorize(self, current: Outcome, gate: Gate, by: str) -> None:
        try:
            authorize(self.ctx, gate, by)
        except NotAuthorized as exc:
            attempt = sum(1 for a in current.values.get("approvals", []) if a["gate"] == gate) + 1
            self.ctx.store.log_refusal(cycle_id=current.values["cycle_id"], gate=gate, attempt=attempt, by=by,
                                       reason=str(exc), figures=(current.payload or {}).get("figures", {}))
            raise

    def resume(self, period: str) -> Outcome:
        current = self.status(period)
        if current.state in ("not_started", "done", "waiting"):
            return current
        return self._invoke(period, None)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "no message"


def _validation_line(exc: ValidationError) -> str:
    """A pydantic error of many values as one line: how many, and the first with its input."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    got = repr(first.get("input"))
    got = got if len(got) <= 40 else got[:37] + "..."
    count = exc.error_count()
    values = f"{count} invalid value{'s' if count != 1 else ''}"
    return f"{values} in {exc.title}, the first {where}: {first['msg']} (got {got})"

"""Starts, resumes, recovers and inspects cycles. Every outcome is read back from the checkpoint,
so the CLI, a scheduler and a resumed process all see the same truth; the store keeps where each
cycle stands and the answers given at its gates, so a lost checkpoint is named, and replayed by
`recover`."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any, Literal

from langgraph.types import Command
from pydantic import ValidationError

from sop.graph.checkpoint import checkpointer, thread_id
from sop.graph.context import CycleContext
from sop.graph.cycle import build_graph
from sop.graph.decisions import Decision, check_decisions, company_facts, dump_decisions
from sop.graph.gates import AnswerRefused, NotAuthorized, authorize
from sop.graph.progress import ProgressEvent
from sop.graph.state import Gate
from sop.store.busy import write_status
from sop.store.cycles import (
    NO_HISTORY,
    CycleRecord,
    cycle_record,
    lost_checkpoint_line,
    next_period,
    record_cycle,
)
from sop.store.override_effects import broken_override

CycleStatus = Literal["not_started", "running", "waiting", "done", "failed"]

# The checkpoint channel that keeps a Command(resume=...) answer until the gate has used it
# (langgraph._internal._constants.RESUME; the durability test fails if LangGraph renames it).
RESUME_CHANNEL = "__resume__"
NULL_TASK_ID = "00000000-0000-0000-0000-000000000000"  # whose writes a Command brings (…_constants.NULL_TASK_ID)


class CycleError(RuntimeError):
    """A cycle command that cannot be carried out as asked; the message says what to do."""


class CheckpointLost(CycleError):
    """The store shows the cycle ran, but its checkpoint has no trace of it."""


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

    def __init__(self, ctx: CycleContext, on_progress: Callable[[ProgressEvent], None] | None = None):
        self.ctx = ctx
        self.on_progress = on_progress or (lambda event: None)  # the steps' progress events, as they come
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
        return {"configurable": {"thread_id": thread_id(period)}, "metadata": {"cycle_id": period}}

    def status(self, period: str) -> Outcome:
        snap = self.graph.get_state(self._config(period))
        if not snap.values:
            return self._without_checkpoint(period)
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
        if not snap.next and not snap.tasks:  # a task whose writes are saved, killed before the step ended, is not done
            return Outcome(period, "done", values=values)
        return Outcome(period, "running", values=values)

    def _without_checkpoint(self, period: str) -> Outcome:
        """Not started, unless the store shows the cycle ran: then its checkpoint was lost (a
        done cycle's results are all in the store, so it stays done)."""
        record = cycle_record(self.ctx.store, period)
        if record is None:
            return Outcome(period, "not_started")
        if record.state == "done":
            versions = self.ctx.store.plan_versions()
            published = versions.loc[versions["cycle_id"] == period, "version"].tolist()
            return Outcome(period, "done", values={
                "horizon": record.horizon, "published_version": int(published[0]) if published else None,
                "package_dir": str(self.ctx.settings.out_dir / period)})
        raise CheckpointLost(lost_checkpoint_line(record))

    def _answered(self, period: str) -> bool:
        """True when a gate's answer is in the checkpoint but the process carrying it out died:
        the cycle is no longer waiting for a person, and 'sop cycle resume' carries the answer on.

        The answer given last stays in the checkpoint after the gate has refused it and asked
        again; it is used once the gate's task has it among the answers it went through."""
        saved = self.graph.checkpointer.get_tuple(self._config(period))
        writes = saved.pending_writes or []
        given = [value for task, channel, value in writes if channel == RESUME_CHANNEL and task == NULL_TASK_ID]
        used = [value for task, channel, value in writes if channel == RESUME_CHANNEL and task != NULL_TASK_ID]
        return bool(given) and not any(answers and answers[-1] == given[0] for answers in used)

    def _invoke(self, period: str, command: Any, answer: dict | None = None, before: Outcome | None = None) -> Outcome:
        """Run the graph on; `answer` is the gate answer `command` carries, kept in the store first."""
        before = before or self.status(period)
        self._record(Outcome(period, "running", values=before.values), answer)
        try:
            for event in self.graph.stream(command, self._config(period), context=self.ctx, stream_mode="custom"):
                self.on_progress(event)
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

    def _record(self, outcome: Outcome, answer: dict | None = None, replace_answers: bool = False) -> None:
        """Keep where the cycle stands in the store, for readers that do not open the checkpointer,
        with the gate answers given so far (and the one being carried out)."""
        if outcome.state == "not_started":
            return
        record_cycle(self.ctx.store, CycleRecord(
            cycle_id=outcome.period, state=outcome.state, gate=outcome.gate if outcome.state == "waiting" else None,
            horizon=outcome.values.get("horizon", []), error=outcome.error,
            answers=[*outcome.values.get("approvals", []), *([answer] if answer else [])]), replace_answers)
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
               decisions: list[Decision] | None = None, accept: list[str] | None = None) -> Outcome:
        """Answer the gate the cycle waits at, accepting the agents' proposals `accept` names. A
        refused approver gets a decision-log entry and NotAuthorized; decisions that do not fit
        the company raise InvalidDecisions."""
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
        answer = {"approved": approved, "by": by, "notes": notes, "decisions": dump_decisions(decisions or []),
                  **({"accept": accept} if accept else {})}
        outcome = self._invoke(period, Command(resume=answer), {"gate": gate, **answer})
        refusal = (outcome.payload or {}).get("refusal") if outcome.gate == gate else None
        if refusal and refusal["by"] == by:  # the gate refused the answer and asks again
            self._record(outcome, replace_answers=True)  # so no replay gives it again
            raise AnswerRefused(refusal["reason"])
        return outcome

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
        if current.state in ("not_started", "done"):
            return current
        if current.state != "waiting":
            current = self._invoke(period, None)
        return self._catch_up(period, current)

    def recover(self, period: str) -> Outcome:
        """Rebuild the cycle's position from the store. With its checkpoint lost, the cycle runs
        again from week 1 and each gate gets the answer the store has on record; with the
        checkpoint there, recover is resume. Every node's writes are keyed by cycle (decisions
        also by gate and attempt), so the replay writes nothing twice."""
        record = cycle_record(self.ctx.store, period)
        if record is None:
            raise CycleError(f"the store has no record of the {period} cycle; start it with "
                             f"'sop cycle run --period {period}'")
        if self.graph.get_state(self._config(period)).values:
            return self.resume(period)
        if record.state == "done":
            return self._without_checkpoint(period)
        started = self._invoke(period, {"cycle_id": period, "period": period}, before=Outcome(period, "not_started"))
        return self._catch_up(period, started)

    def _catch_up(self, period: str, outcome: Outcome) -> Outcome:
        """Give each gate the cycle waits at the answer on record for it, until none is left:
        what a replay after a lost checkpoint (or a recover cut short) has not yet given."""
        record = cycle_record(self.ctx.store, period)
        answers = record.answers if record else []
        while outcome.state == "waiting" and (given := len(outcome.values.get("approvals", []))) < len(answers):
            answer = answers[given]
            if answer["gate"] != outcome.gate:
                raise CycleError(f"the answers on record for {period} do not fit the cycle: answer {given + 1} is for "
                                 f"the {answer['gate']} gate, but the cycle waits at the {outcome.gate} gate")
            if answer["by"].startswith("policy:"):
                raise CycleError(f"the {answer['gate']} gate of {period} was passed by the approval policy "
                                 f"{answer['by'].removeprefix('policy:')!r}; recover with that policy: "
                                 f"'sop cycle recover --period {period} --policy FILE'")
            resume = {k: answer[k] for k in ("approved", "by", "notes", "decisions")}
            if ids := answer.get("accept") or answer.get("accepted"):  # as given, or as the gate kept it
                resume["accept"] = ids
            outcome = self._invoke(period, Command(resume=resume), answer)
            if outcome.state == "waiting" and len(outcome.values.get("approvals", [])) == given:
                raise CycleError(f"the {answer['gate']} gate of {period} refused the answer on record "
                                 f"(by {answer['by']}); answer it again with 'sop cycle approve' or 'reject'")
        return outcome


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

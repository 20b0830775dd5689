"""One thread per cycle, and where each cycle stands, kept by the graph itself.

A cycle's thread is `sop.graph.checkpoint.thread_id(period)`, the same UUID from the CLI and
from a LangGraph Server client. The graph's first step claims the cycle in the store's cycle
status. It refuses a cycle that has published a plan, one this thread has started before, and
one the store knows (waiting, failed, done, or running in another thread): a second thread, from
any client, never runs week 1 of a cycle again. It lets a cycle recorded as running start in its
own thread, which is how the CLI starts one (it records `running` first) and how `sop cycle
recover` replays one whose checkpoint was lost. The steps then keep the status current
(running, waiting at a gate, failed, done), so `sop cycle status` and every client read the
same truth whoever runs the cycle.
"""

from __future__ import annotations

import re
from typing import Any

from langgraph.config import get_config
from langgraph.runtime import Runtime

from sop.graph.checkpoint import thread_id
from sop.graph.context import CycleContext, RunContext, open_context
from sop.graph.state import CycleState, Gate
from sop.log import get_logger
from sop.store.busy import write_status
from sop.store.cycles import CycleRecord, cycle_record, record_cycle
from sop.store.cycles import CycleState as Status
from sop.tools.periods import MONTH_PATTERN


def refusal_to_start(ctx: CycleContext, state: CycleState, thread: str) -> str | None:
    """Why this cycle may not start week 1 in `thread`, or None when it may."""
    cycle_id, period = state["cycle_id"], state["period"]
    if not re.fullmatch(MONTH_PATTERN, period) or cycle_id != period:
        return (f"a cycle is named by its month: give cycle_id and period as the same YYYY-MM "
                f"(got cycle_id={cycle_id!r}, period={period!r})")
    versions = ctx.store.plan_versions()
    published = versions.loc[versions["cycle_id"] == cycle_id, "version"]
    if not published.empty:
        return (f"the {cycle_id} cycle is already published (plan version {int(published.iloc[0])}); "
                "it does not run again")
    own = thread_id(cycle_id)
    if "horizon" in state:
        return f"this thread has started the {cycle_id} cycle already; answer its gate or resume it"
    record = cycle_record(ctx.store, cycle_id)
    if record is None or (record.state == "running" and thread == own):
        return None
    where = f"waiting at the {record.gate} gate" if record.state == "waiting" else record.state
    return f"the {cycle_id} cycle is already {where}; it runs in one thread, {own}: answer its gate or resume it there"


def mark(ctx: CycleContext, cycle_id: str, state: Status, gate: Gate | None = None,
         horizon: list[str] | None = None, error: str | None = None, **values: Any) -> None:
    """Keep where the cycle stands in the store and beside it (`SOP_DB.status.json`), in the
    shape `sop cycle status --json` prints."""
    record_cycle(ctx.store, CycleRecord(cycle_id=cycle_id, state=state, gate=gate, horizon=horizon or [],
                                        error=error))
    write_status(ctx.store.path, cycle_id, {
        "period": cycle_id, "state": state, "gate": gate, "error": error,
        "published_version": values.get("published_version"), "package_dir": values.get("package_dir")})


def start_cycle(state: CycleState, runtime: Runtime[RunContext]) -> dict:
    """The graph's first step: claim the cycle, or end the run with the reason it may not start."""
    cycle_id = state["cycle_id"]
    with open_context(runtime.context, cycle_id) as ctx:
        refusal = refusal_to_start(ctx, state, str(get_config()["configurable"].get("thread_id", "")))
        if refusal:
            get_logger(cycle_id=cycle_id, node="start_cycle", agent=None).warning("start_refused", reason=refusal)
            return {"refused": refusal}
        mark(ctx, cycle_id, "running")
    return {"refused": None}


def mark_failed(context: RunContext | CycleContext | None, state: CycleState, exc: Exception) -> None:
    """Mark the cycle failed with the step's error in one line. Best effort: when even the
    store cannot be opened, the run's own error is what the client sees."""
    lines = str(exc).strip().splitlines()
    error = f"{type(exc).__name__}: {lines[0] if lines else 'no message'}"
    try:
        with open_context(context, state["cycle_id"]) as ctx:
            mark(ctx, state["cycle_id"], "failed", horizon=state.get("horizon"), error=error)
    except Exception as cause:  # the step's error matters more than this one
        get_logger(cycle_id=state["cycle_id"], node="mark_failed", agent=None).warning(
            "status_not_recorded", error=error, cause=type(cause).__name__)

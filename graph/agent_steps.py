"""The four agents as steps of the cycle graph: each runs its own tool loop (`agents.steps`) over
the read-only queries of its belt, keeps its proposals in the store for its gate, and puts its
findings in the state. The demand-forecaster follows week 1's forecast; week 2 fans out to the
other three after the supply plan is solved, and week 3 joins them.

The three week-2 steps are separate branches of the graph (Studio draws them side by side) and
run in threads at once. They share the one store connection a CLI command holds, and DuckDB's
connection is not for concurrent use, so each step holds `_STORE` only while it opens, reads,
writes or closes the store; a model's turns, the slow part of a step, run side by side."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from langgraph.runtime import Runtime

from sop.agents.queries import QUERIES, QueryContext
from sop.agents.roster import AGENTS
from sop.agents.steps import run_step
from sop.graph.context import CycleContext, RunContext, open_context
from sop.graph.progress import Progress
from sop.graph.state import CycleState
from sop.log import get_logger
from sop.store.cycles import cycle_record
from sop.store.proposals import keep_proposals

_STORE = threading.Lock()


@contextmanager
def _shared(context: RunContext | None, cycle_id: str) -> Iterator[CycleContext]:
    """The node's context (`open_context`), opened and closed under `_STORE`."""
    with _STORE:
        opened = open_context(context, cycle_id)
        ctx = opened.__enter__()
    try:
        yield ctx
    finally:
        with _STORE:
            opened.__exit__(*sys.exc_info())


def agent_step(agent: str, state: CycleState, runtime: Runtime[RunContext]) -> dict:
    """The step of the agent named `agent`: its tool loop, its proposals kept for its gate."""
    spec = AGENTS[agent]
    cycle_id = state["cycle_id"]
    progress = Progress(runtime.stream_writer, spec.name)
    log = get_logger(cycle_id=cycle_id, node=spec.name, agent=spec.name)
    with _shared(runtime.context, cycle_id) as ctx:
        with _STORE:
            queries = QueryContext(ctx.store, ctx.settings, cycle_id, cycle_record(ctx.store, cycle_id),
                                   state["horizon"])
            schemas = [QUERIES[q].schema(queries) for q in spec.review.tools] if spec.review else []

        def run(tool: str, args: dict[str, Any]) -> dict[str, Any]:
            with _STORE:
                return QUERIES[tool].run(queries, args).model_dump(mode="json")

        output = run_step(spec, run, log, lambda message, tool: progress.say(message, agent=spec.name, tool=tool),
                          ctx.model, schemas, cycle_id)
        with _STORE:
            keep_proposals(ctx.store, cycle_id, spec.name, [p.model_dump() for p in output.proposals])
    log.info("agent_step_done", source=output.source, calls=output.calls, refused=output.refused,
             proposals=[p.id for p in output.proposals])
    return {"findings": {spec.name: output.findings}}

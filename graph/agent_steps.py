"""The four agents as steps of the cycle graph: each runs its own tool loop (`agents.steps`) over
the read-only queries of its belt, keeps its proposals in the store for its gate, and puts its
findings in the state. The demand-forecaster follows week 1's forecast; week 2 fans out to the
other three after the supply plan is solved, and week 3 joins them.

The three week-2 steps are separate branches of the graph (Studio draws them side by side) but
share the one store connection a CLI command holds, and DuckDB's connection is not for
concurrent use, so each step holds `_STORE` while it reads and writes (they take well under a
second each offline)."""

from __future__ import annotations

import threading
from typing import Any

from langgraph.runtime import Runtime

from sop.agents.queries import QUERIES, QueryContext
from sop.agents.roster import AGENTS
from sop.agents.steps import run_step
from sop.graph.context import RunContext, open_context
from sop.graph.progress import Progress
from sop.graph.state import CycleState
from sop.log import get_logger
from sop.store.cycles import cycle_record
from sop.store.proposals import keep_proposals

_STORE = threading.Lock()


def agent_step(agent: str, state: CycleState, runtime: Runtime[RunContext]) -> dict:
    """The step of the agent named `agent`: its tool loop, its proposals kept for its gate."""
    spec = AGENTS[agent]
    cycle_id = state["cycle_id"]
    progress = Progress(runtime.stream_writer, spec.name)
    log = get_logger(cycle_id=cycle_id, node=spec.name, agent=spec.name)
    with _STORE, open_context(runtime.context, cycle_id) as ctx:
        queries = QueryContext(ctx.store, ctx.settings, cycle_id, cycle_record(ctx.store, cycle_id), state["horizon"])

        def run(tool: str, args: dict[str, Any]) -> dict[str, Any]:
            return QUERIES[tool].run(queries, args).model_dump(mode="json")

        schemas = [QUERIES[q].schema(queries) for q in spec.review.tools] if spec.review else []
        output = run_step(spec, run, log, lambda message, tool: progress.say(message, agent=spec.name, tool=tool),
                          ctx.model, schemas, cycle_id)
        keep_proposals(ctx.store, cycle_id, spec.name, [p.model_dump() for p in output.proposals])
    log.info("agent_step_done", calls=output.calls, refused=output.refused, proposals=[p.id for p in output.proposals])
    return {"findings": {spec.name: output.findings}}

"""Week 4, execution: publish the approved plan as a numbered version and close the cycle.

The plan is published once per cycle: a resumed run finds the version already there and
returns it, so nothing is written twice.
"""

from __future__ import annotations

from pathlib import Path

from langgraph.runtime import Runtime

from graph.context import CycleContext
from graph.state import CycleState
from sop.log import get_logger
from sop.report import build_package


def execution(state: CycleState, runtime: Runtime[CycleContext]) -> dict:
    ctx, cycle_id = runtime.context, state["cycle_id"]
    log = get_logger(cycle_id=cycle_id, node="execution", agent=None)
    approval = state["approvals"][-1]
    version = ctx.store.publish_plan(cycle_id, scenario="base", approved_by=approval["by"])
    package = Path(ctx.settings.out_dir) / cycle_id
    build_package(ctx.store, cycle_id, state["period"], package)
    log.info("cycle_published", version=version, package=str(package))
    return {"published_version": version, "package_dir": str(package)}

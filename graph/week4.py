"""Week 4, execution: carry out the executive decisions, publish the approved plan as a
numbered version, and write the action items.

When a decision changes demand, capacity or inventory targets, the base plan is re-solved with
those changes as the 'approved' scenario, and that is the plan published. Every write is keyed
(plan rows by cycle and scenario, the version by cycle, action items by cycle and ref), so a
resumed run writes the same rows again and publishes nothing twice.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
from langgraph.runtime import Runtime

from sop.agents.logistics_planner import LOGISTICS_PLANNER
from sop.graph.context import CycleContext, RunContext, open_context
from sop.graph.decisions import Decision, apply_decisions, company_facts, parse_decisions
from sop.graph.plan_inputs import solve_plan
from sop.graph.progress import Progress
from sop.graph.standing import mark
from sop.graph.state import Approval, CycleState
from sop.graph.week2 import keep_scenario_plan
from sop.log import get_logger
from sop.report.package import build_package
from sop.store import company
from sop.store.plan_reads import ranked_gaps
from sop.store.solved_plans import solved_plan
from sop.tools.periods import to_timestamp

APPROVED = "approved"
GAP_ACTIONS = 5  # the highest-ranked gaps of the published plan each get an action item
GAP_OWNER_ROLES = ("supply_lead", "planner")  # who owns gap follow-ups, in order of preference


def _replan(ctx: CycleContext, state: CycleState, decisions: list[Decision], log, progress: Progress) -> str:
    """The scenario to publish: 'base' as it was approved, or the base plan re-solved with
    every decision that changes it."""
    changing = [d for d in decisions if d.changes_plan()]
    if not changing:
        return "base"
    base, _ = solved_plan(ctx.store, state["cycle_id"], "base")
    instance = apply_decisions(base, changing, company_facts(ctx.store, state["horizon"]))
    progress.say(f"re-solving the base plan with {len(changing)} executive decision(s)", agent=LOGISTICS_PLANNER.name,
                 tool="supply-plan")
    plan = solve_plan(ctx.settings, instance, company.families(ctx.store).to_dict(), log)
    summary, _ = keep_scenario_plan(ctx.store, state["cycle_id"], APPROVED, instance, plan, log)
    log.info("replanned", decisions=len(changing), objective=plan.objective, unmet_units=summary["unmet_units"])
    return APPROVED


def _month_end(period: str) -> date:
    return (to_timestamp(period) + pd.offsets.MonthEnd(0)).date()


def _gap_owner(ctx: CycleContext, approver: str) -> str:
    team = company.team(ctx.store)
    for role in GAP_OWNER_ROLES:
        if (team["role"] == role).any():
            return team.loc[team["role"] == role, "person"].iloc[0]
    return approver


def _action_items(ctx: CycleContext, state: CycleState, approval: Approval, decisions: list[Decision],
                  scenario: str) -> list[dict]:
    """One item per decision (owned by its owner or the approver) and one per top gap left in
    the published plan; due, unless a decision says otherwise, by the end of the cycle month,
    so that the next cycle reviews them."""
    due = _month_end(state["period"])
    items = [{"source": "decision", "ref": f"decision {n}", "title": d.action(), "owner": d.owner or approval["by"],
              "due": d.due or due} for n, d in enumerate(decisions, start=1)]
    gaps = ranked_gaps(ctx.store, state["cycle_id"], scenario).head(GAP_ACTIONS)
    owner = _gap_owner(ctx, approval["by"])
    return items + [{"source": "gap", "ref": f"gap {g.rank}", "owner": owner, "due": due,
                     "title": f"Close the {g.kind} gap at {g.subject} in {g.month}: {g.units:,.0f} units, "
                              f"{g.value:,.0f} at risk ({g.detail})"} for g in gaps.itertuples(index=False)]


def execution(state: CycleState, runtime: Runtime[RunContext]) -> dict:
    with open_context(runtime.context, state["cycle_id"]) as ctx:
        return execute(ctx, state, Progress(runtime.stream_writer, "execution"))


def execute(ctx: CycleContext, state: CycleState, progress: Progress) -> dict:
    cycle_id = state["cycle_id"]
    log = get_logger(cycle_id=cycle_id, node="execution", agent=None)
    approval = state["approvals"][-1]
    decisions = parse_decisions(approval["decisions"])
    scenario = _replan(ctx, state, decisions, log.bind(agent=LOGISTICS_PLANNER.name), progress)
    progress.say("publishing the plan version, the action items and the package")
    version = ctx.store.publish_plan(cycle_id, scenario=scenario, approved_by=approval["by"])
    ctx.store.add_action_items(cycle_id, _action_items(ctx, state, approval, decisions, scenario))
    package = Path(ctx.settings.out_dir) / cycle_id
    build_package(ctx.store, cycle_id, state["period"], package)
    log.info("cycle_published", version=version, scenario=scenario, package=str(package))
    mark(ctx, cycle_id, "done", horizon=state["horizon"], published_version=version, package_dir=str(package))
    return {"published_version": version, "package_dir": str(package)}

"""The monthly cycle on one screen: the claim, weeks 1–4, the four agents' steps and the two
gates. Week 1's forecast is followed by the demand-forecaster; week 2's supply plan fans out to
the inventory-optimizer, the supplier-relationship-manager and the logistics-planner, which week
3 joins.

Each node's module (and with it pandas, the forecasting engine, the LP) is imported when the
node first runs, so that importing this module, which LangGraph Server and the CLI do first, is
quick.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Literal, Protocol

from langgraph.errors import GraphBubbleUp
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from sop.graph.context import RunContext
from sop.graph.state import CycleInput, CycleState

if TYPE_CHECKING:
    from langgraph.checkpoint.base import BaseCheckpointSaver

class Node(Protocol):
    def __call__(self, state: CycleState, *, runtime: Runtime[RunContext]) -> dict: ...


def _node(module: str, name: str, *args: str) -> Node:
    """The node `name` of `sop.graph.MODULE` (given `args` first), imported on its first run. A
    step that fails is marked failed where every client reads the cycle's status (the CLI then
    adds its own line)."""

    def run(state: CycleState, *, runtime: Runtime[RunContext]) -> dict:
        try:
            return getattr(import_module(f"sop.graph.{module}"), name)(*args, state, runtime)
        except GraphBubbleUp:  # an interrupt at a gate, not a failure
            raise
        except Exception as exc:
            from sop.graph.standing import mark_failed

            mark_failed(runtime.context, state, exc)
            raise

    run.__name__ = run.__qualname__ = name
    return run


def after_start(state: CycleState) -> Literal["demand_planning", "__end__"]:
    return "__end__" if state.get("refused") else "demand_planning"  # END: the refusal is the output


def after_consensus(state: CycleState) -> Literal["supply_planning", "demand_planning"]:
    return "supply_planning" if state["approvals"][-1]["approved"] else "demand_planning"


def after_executive(state: CycleState) -> Literal["execution", "financial_review"]:
    return "execution" if state["approvals"][-1]["approved"] else "financial_review"


WEEK2_AGENTS = ("inventory-optimizer", "supplier-relationship-manager", "logistics-planner")


def build_graph(checkpointer: BaseCheckpointSaver | None = None):
    g = StateGraph(CycleState, context_schema=RunContext, input_schema=CycleInput, output_schema=CycleState)
    g.add_node("start_cycle", _node("standing", "start_cycle"))
    g.add_node("demand_planning", _node("week1", "demand_planning"))
    g.add_node("demand-forecaster", _node("agent_steps", "agent_step", "demand-forecaster"))
    g.add_node("consensus_gate", _node("gates", "consensus_gate"))
    g.add_node("supply_planning", _node("week2", "supply_planning"))
    for agent in WEEK2_AGENTS:
        g.add_node(agent, _node("agent_steps", "agent_step", agent))
    g.add_node("financial_review", _node("week3", "financial_review"))
    g.add_node("executive_gate", _node("gates", "executive_gate"))
    g.add_node("execution", _node("week4", "execution"))
    g.add_edge(START, "start_cycle")
    g.add_conditional_edges("start_cycle", after_start)
    g.add_edge("demand_planning", "demand-forecaster")
    g.add_edge("demand-forecaster", "consensus_gate")
    g.add_conditional_edges("consensus_gate", after_consensus)
    for agent in WEEK2_AGENTS:
        g.add_edge("supply_planning", agent)
    g.add_edge(list(WEEK2_AGENTS), "financial_review")
    g.add_edge("financial_review", "executive_gate")
    g.add_conditional_edges("executive_gate", after_executive)
    g.add_edge("execution", END)
    return g.compile(checkpointer=checkpointer)


# The graph named in langgraph.json: LangGraph Server supplies its own checkpointer.
cycle_graph = build_graph()

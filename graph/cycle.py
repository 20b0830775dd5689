"""The monthly cycle on one screen: weeks 1–4 and the two gates between them."""

from __future__ import annotations

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph

from sop.graph.context import CycleContext
from sop.graph.gates import after_consensus, after_executive, consensus_gate, executive_gate
from sop.graph.state import CycleInput, CycleState
from sop.graph.week1 import demand_planning
from sop.graph.week2 import supply_planning
from sop.graph.week3 import financial_review
from sop.graph.week4 import execution


def build_graph(checkpointer: BaseCheckpointSaver | None = None):
    g = StateGraph(CycleState, context_schema=CycleContext, input_schema=CycleInput)
    g.add_node("demand_planning", demand_planning)
    g.add_node("consensus_gate", consensus_gate)
    g.add_node("supply_planning", supply_planning)
    g.add_node("financial_review", financial_review)
    g.add_node("executive_gate", executive_gate)
    g.add_node("execution", execution)
    g.add_edge(START, "demand_planning")
    g.add_edge("demand_planning", "consensus_gate")
    g.add_conditional_edges("consensus_gate", after_consensus)
    g.add_edge("supply_planning", "financial_review")
    g.add_edge("financial_review", "executive_gate")
    g.add_conditional_edges("executive_gate", after_executive)
    g.add_edge("execution", END)
    return g.compile(checkpointer=checkpointer)


# The graph named in langgraph.json: LangGraph Server supplies its own checkpointer.
cycle_graph = build_graph()

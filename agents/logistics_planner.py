"""logistics-planner: week 2. Solves the constrained supply plan and reports lane use."""

from sop.agents.base import AgentSpec

LOGISTICS_PLANNER = AgentSpec(name="logistics-planner", tools=("supply-plan", "supply-gaps", "logistics-plan"),
                              queries=("plan-summary",))

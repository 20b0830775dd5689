"""supplier-relationship-manager: week 2. Scores suppliers from their delivery history."""

from sop.agents.base import AgentSpec

SUPPLIER_RELATIONSHIP_MANAGER = AgentSpec(name="supplier-relationship-manager", tools=("supplier-scorecard",),
                                          queries=("supplier-summary",))

"""inventory-optimizer: week 2. Segments items and sets safety stocks and reorder points."""

from sop.agents.base import AgentSpec

INVENTORY_OPTIMIZER = AgentSpec(name="inventory-optimizer", tools=("reorder-calc", "abc-xyz"),
                                queries=("inventory-summary",))

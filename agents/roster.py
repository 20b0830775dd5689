"""The four named agents, by name."""

from agents.base import AgentSpec
from agents.demand_forecaster import DEMAND_FORECASTER
from agents.inventory_optimizer import INVENTORY_OPTIMIZER
from agents.logistics_planner import LOGISTICS_PLANNER
from agents.supplier_relationship_manager import SUPPLIER_RELATIONSHIP_MANAGER

AGENTS: dict[str, AgentSpec] = {
    a.name: a
    for a in (DEMAND_FORECASTER, INVENTORY_OPTIMIZER, SUPPLIER_RELATIONSHIP_MANAGER, LOGISTICS_PLANNER)
}

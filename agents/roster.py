"""The four named agents, by name."""

from sop.agents.base import AgentSpec
from sop.agents.demand_forecaster import DEMAND_FORECASTER
from sop.agents.inventory_optimizer import INVENTORY_OPTIMIZER
from sop.agents.logistics_planner import LOGISTICS_PLANNER
from sop.agents.supplier_relationship_manager import SUPPLIER_RELATIONSHIP_MANAGER

AGENTS: dict[str, AgentSpec] = {
    a.name: a
    for a in (DEMAND_FORECASTER, INVENTORY_OPTIMIZER, SUPPLIER_RELATIONSHIP_MANAGER, LOGISTICS_PLANNER)
}

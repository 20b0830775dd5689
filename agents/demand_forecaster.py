"""demand-forecaster: week 1. Forecasts demand per SKU and DC and reports its accuracy."""

from agents.base import AgentSpec

DEMAND_FORECASTER = AgentSpec(name="demand-forecaster", tools=("demand-forecast",))

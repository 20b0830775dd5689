"""demand-forecaster: week 1. Forecasts demand per SKU and DC and reports its accuracy.
In chat it explains the forecast layers and turns requests to change them into override proposals."""

from sop.agents.base import AgentSpec

DEMAND_FORECASTER = AgentSpec(name="demand-forecaster", tools=("demand-forecast",),
                              queries=("forecast-summary", "propose-override"))

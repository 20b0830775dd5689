"""The gap-resolution tool's formats: its input, the margin gaps, the re-planned recommendations
and the decisions put to the executives.

`margin_gaps` ranks the gaps by margin at risk, `levers` finds the levers that can act on them,
`whatifs` re-plans and prices each lever, and `gap_resolution` puts it together. Money is in
currency over the plan horizon; quantities in units.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from sop.tools.finance.projection import FinanceItem, FinanceRow
from sop.tools.finance.variance import VarianceRow
from sop.tools.supply.supply_plan import SupplyPlanInstance, SupplyPlanResult

GapKind = Literal["demand_over_supply", "inventory_low", "inventory_high", "financial_target", "plant_hours",
                  "supplier", "lane", "storage", "work_centre", "prebuild"]
LeverKind = Literal["promotion", "overtime", "sourcing", "prebuild", "shift", "capital", "combination"]


class Promotion(BaseModel):
    """A planned promotion (a market event with positive uplift), as market_events.csv has it."""

    event_id: str
    family: str
    sku: str | None = None
    start_month: str
    end_month: str
    uplift_pct: float = Field(description="percent: 25 means +25 % demand in the window")


class SupplierRisk(BaseModel):
    supplier: str
    tier: str
    fill_rate: float | None = Field(None, ge=0, le=1, description="share of ordered units delivered (kept for "
                                                                  "reference; limits are valued at the "
                                                                  "disruption share, as in week 2's ranking)")


class LeverTerms(BaseModel):
    """What each lever changes and costs. The defaults are planning assumptions, stated here so a
    planner can change them in the tool input; costs are relative to the plant's overtime
    premium (currency per hour) or the SKU's standard cost, the only rates the data carries."""

    overtime_uplift: float = Field(0.5, gt=0, description="share added to the maximum overtime hours")
    shift_share: float = Field(0.2, gt=0, description="an added shift's hours as a share of regular hours")
    shift_premium_share: float = Field(0.5, ge=0, description="premium per added shift hour as a share of the "
                                                              "overtime premium, paid for every hour added")
    prebuild_months: int = Field(3, ge=1, description="months before the peak that get the pre-build shift")
    sourcing_uplift: float = Field(0.2, gt=0, description="share added to the supplier's capacity")
    sourcing_premium: float = Field(0.1, ge=0, description="premium on standard cost per extra unit made")
    capital_uplift: float = Field(0.1, gt=0, description="permanent share added to regular hours")
    capital_lead_months: int = Field(3, ge=0, description="months before new capacity produces")
    capital_cost_share: float = Field(0.5, ge=0, description="depreciation and fixed cost per added hour as a "
                                                             "share of the overtime premium")


class RiskTerms(BaseModel):
    disruption_share: float = Field(0.1, ge=0, le=1, description="share of a binding limit at risk, for every "
                                                                 "limit, as week 2's ranking values it")


class GapResolutionInput(BaseModel):
    instance: SupplyPlanInstance = Field(description="the base scenario's instance")
    plan: SupplyPlanResult = Field(description="the base plan, optimal")
    items: list[FinanceItem]
    financials: list[FinanceRow] = Field(default_factory=list, description="the base plan's projection")
    variances: list[VarianceRow] = Field(default_factory=list, description="the base projection's variances")
    promotions: list[Promotion] = Field(default_factory=list, description="future promotions")
    suppliers: list[SupplierRisk] = Field(default_factory=list)
    targets: dict[str, float] = Field(default_factory=dict)
    terms: LeverTerms = Field(default_factory=LeverTerms)
    risk: RiskTerms = Field(default_factory=RiskTerms)
    tolerance: float = Field(0.05, ge=0, description="the variance tolerance, for stock above target")
    major_gaps: int = Field(5, ge=0, description="the top gaps put to the executives when no lever closes them")
    max_whatifs: int = Field(4, ge=0, description="LP re-plans at most (each takes seconds)")


class MarginGap(BaseModel):
    rank: int
    kind: GapKind
    subject: str = Field(description="a family, supplier, lane (plant/dc) or 'total'")
    family: str | None = Field(description="the family whose supply levers can close it")
    months: list[str]
    units: float = Field(description="units lost, short or in excess; material or lane units for limits")
    margin_at_risk: float = Field(description="currency over the horizon")
    detail: str


class PlanOutcome(BaseModel):
    status: str
    objective: float | None = Field(description="LP objective, currency")
    unmet_units: float
    fulfilled_units: float
    revenue: float
    margin: float = Field(description="gross margin, currency")


class Recommendation(BaseModel):
    recommendation_id: str
    gap_ranks: list[int]
    lever: LeverKind
    title: str
    months: list[str]
    base: PlanOutcome
    whatif: PlanOutcome
    margin_recovered: float = Field(description="what-if gross margin − base gross margin, currency")
    cost: float = Field(description="the lever's cost outside the LP, currency")
    net_benefit: float = Field(description="margin recovered − cost, currency")
    units: float = Field(description="units served beyond the base plan")
    risks: str
    recommended: bool = Field(description="True when put to the executives: a positive net benefit, and not a "
                                          "capacity lever alone when a set of options that pays is put instead")
    options: list[str] = Field(default_factory=list, description="a combination's options, the ones the plan took")
    justification: list[str] = Field(default_factory=list, description="a combination's shadow prices, per option")
    mip_gap: float | None = Field(None, description="a combination's MIP gap (options with a fixed cost)")


class DecisionRequest(BaseModel):
    seq: int
    decision: str
    detail: str
    recommendation_id: str | None = None


class GapResolution(BaseModel):
    gaps: list[MarginGap]
    recommendations: list[Recommendation]
    not_evaluated: list[str] = Field(description="levers found for the top gaps beyond the what-if cap")
    decisions: list[DecisionRequest]
    no_combination: str = Field("", description="why no set of options is put to the executives, when none is")


def sku_families(items: list[FinanceItem]) -> dict[str, str]:
    """The family of each SKU, as the finance items give it."""
    return {i.sku: i.family for i in items}

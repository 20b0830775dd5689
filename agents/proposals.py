"""What an agent brings out of its cycle step: findings, and proposals for people to accept.

A proposal is a suggestion with its evidence (quotes of tool results, naming the note or figure
they came from), its quantified effect and a confidence. It changes nothing by itself: only an
acceptance at its gate does, by a person (or a policy) through the gate's answer."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, model_validator

from sop.tools.periods import MONTH_PATTERN

Confidence = Annotated[float, Field(ge=0, le=1)]
Kind = Literal["consensus_adjustment", "safety_stock", "supplier_risk", "lane_capacity"]
# A consensus adjustment is decided before the supply plan, everything else with the plan.
GATE_OF: dict[Kind, Literal["consensus", "executive"]] = {
    "consensus_adjustment": "consensus", "safety_stock": "executive", "supplier_risk": "executive",
    "lane_capacity": "executive"}


class Proposal(BaseModel):
    id: str = Field(description="unique in the cycle, e.g. DF-1: the agent's initials and a number")
    agent: str
    gate: Literal["consensus", "executive"] = Field(description="where people decide on it")
    kind: Kind
    title: str
    evidence: list[str] = Field(min_length=1, description="quotes of tool results, each naming its source")
    effect: dict[str, Any] = Field(description="the quantified effect, e.g. {'units': 1200, 'month': '2027-03'}")
    confidence: Confidence


class AgentOutput(BaseModel):
    """One agent step's account: what it found, what it proposes, and the tools it called."""

    agent: str
    findings: list[str]
    proposals: list[Proposal]
    calls: list[str] = Field(description="the tools called, in order")
    refused: list[str] = Field(default_factory=list, description="the tools asked for and refused")
    source: Literal["model", "rule"] = Field(description="who proposed: the model, or the offline rule")


class ConsensusEffect(BaseModel):
    """What accepting a consensus adjustment does: its node's consensus moves by `units` in `month`."""

    level: Literal["family", "sku"]
    key: str = Field(min_length=1)
    month: str = Field(pattern=MONTH_PATTERN)
    units: float = Field(description="units added (negative: taken away) in that month")


class Draft(BaseModel):
    """A proposal as a model writes it; the step gives it its id, agent and gate."""

    kind: Kind
    title: str = Field(min_length=1, max_length=300)
    evidence: list[str] = Field(min_length=1, description="quotes of your tool results, each naming its source")
    effect: dict[str, Any] = Field(description="the quantified effect; a consensus_adjustment's is "
                                               "{level: family|sku, key, month: YYYY-MM, units}")
    confidence: Confidence

    @model_validator(mode="after")
    def _effect_fits(self) -> Draft:
        if self.kind == "consensus_adjustment":
            ConsensusEffect.model_validate(self.effect)
        return self


class StepAnswer(BaseModel):
    """What a model hands over at the end of its cycle step: findings and proposals."""

    findings: list[str] = Field(default_factory=list, description="what you found, quoting tool results")
    proposals: list[Draft] = Field(default_factory=list)

"""What an agent brings out of its cycle step: findings, and proposals for people to accept.

A proposal is a suggestion with its evidence (quotes of tool results, naming the note or figure
they came from), its quantified effect and a confidence. It changes nothing by itself: only an
acceptance at its gate does, by a person (or a policy) through the gate's answer."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

Confidence = Annotated[float, Field(ge=0, le=1)]


class Proposal(BaseModel):
    id: str = Field(description="unique in the cycle, e.g. DF-1: the agent's initials and a number")
    agent: str
    gate: Literal["consensus", "executive"] = Field(description="where people decide on it")
    kind: Literal["consensus_adjustment", "safety_stock", "supplier_risk", "lane_capacity"]
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

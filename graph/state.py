"""What flows through one cycle. Large tables live in the store, keyed by cycle; the state
carries the keys, the key figures and the decisions taken at the gates.

typing_extensions' TypedDict, not typing's: LangGraph Server draws JSON schemas from these on
Python 3.11 (Studio's input form shows `cycle_id` and `period`)."""

from __future__ import annotations

import operator
from typing import Annotated, Any, Literal, NotRequired

from typing_extensions import TypedDict

Gate = Literal["consensus", "executive"]


class CycleInput(TypedDict):
    """What a caller passes to start a cycle: its month, twice (the cycle is named by it)."""

    cycle_id: str  # YYYY-MM
    period: str  # YYYY-MM


class Approval(TypedDict):
    gate: Gate
    approved: bool
    by: str
    notes: str
    decisions: list[dict[str, Any]]
    accepted: NotRequired[list[str]]  # the ids of the agents' proposals accepted with this answer


class CycleState(CycleInput, total=False):
    horizon: list[str]
    demand: dict[str, Any]
    supply: dict[str, Any]
    finance: dict[str, Any]
    approvals: Annotated[list[Approval], operator.add]
    reports: Annotated[list[dict[str, Any]], operator.add]
    findings: Annotated[dict[str, list[str]], operator.or_]  # each agent step's findings, the latest by agent
    published_version: int
    package_dir: str
    refused: str | None  # why the run did not start the cycle (it runs, waits or is published already)

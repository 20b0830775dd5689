"""What flows through one cycle. Large tables live in the store, keyed by cycle; the state
carries the keys, the key figures and the decisions taken at the gates."""

from __future__ import annotations

import operator
from typing import Annotated, Any, Literal, TypedDict

Gate = Literal["consensus", "executive"]


class CycleInput(TypedDict):
    """What a caller passes to start a cycle."""

    cycle_id: str
    period: str


class Approval(TypedDict):
    gate: Gate
    approved: bool
    by: str
    notes: str
    decisions: list[dict[str, Any]]


class CycleState(CycleInput, total=False):
    horizon: list[str]
    demand: dict[str, Any]
    supply: dict[str, Any]
    finance: dict[str, Any]
    approvals: Annotated[list[Approval], operator.add]
    reports: Annotated[list[dict[str, Any]], operator.add]
    published_version: int
    package_dir: str

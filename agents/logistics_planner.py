"""logistics-planner: week 2. Solves the constrained supply plan and reports lane use; in week 3
it re-plans the gaps' what-ifs (gap resolution), in week 4 the executive decisions. In the cycle
it flags each lane the base plan runs at its limit, with the months and the volume."""

from __future__ import annotations

from typing import Any

from sop.agents.base import AgentSpec, Review, call_once
from sop.agents.proposals import Proposal

NAME = "logistics-planner"


def _propose(results: dict[str, dict[str, Any]]) -> tuple[list[str], list[Proposal]]:
    plan = results["lane-plan"]
    lanes: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for month in plan["binding"]:
        lanes.setdefault((month["plant"], month["dc"]), []).append(month)
    proposals = [Proposal(
        id=f"LP-{n}", agent=NAME, gate="executive", kind="lane_capacity",
        title=f"add capacity or another mode on {plant} → {dc}: at its limit in {len(months)} month(s)",
        evidence=[f"lane-plan {plan['cycle']}: {plant} → {dc} ships {m['volume']:,.0f} of {m['capacity']:,.0f} "
                  f"units in {m['period']}" for m in months[:3]],
        effect={"plant": plant, "dc": dc, "months": [m["period"] for m in months],
                "capacity_per_month": months[0]["capacity"], "volume_at_limit": sum(m["volume"] for m in months)},
        confidence=0.9) for n, ((plant, dc), months) in enumerate(lanes.items(), start=1)]
    findings = [f"{len(plan['binding'])} lane-month(s) at their limit on {len(lanes)} lane(s) of the "
                f"{plan['cycle']} base plan"]
    return findings, proposals


LOGISTICS_PLANNER = AgentSpec(name=NAME, tools=("supply-plan", "supply-plan-at-level", "supply-gaps", "logistics-plan",
                                                             "gap-resolution"),
                              queries=("plan-summary",),
                              review=Review(tools=("lane-plan",), next_call=call_once("lane-plan", {}),
                                            propose=_propose, kind="lane_capacity", prefix="LP"))

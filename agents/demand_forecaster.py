"""demand-forecaster: week 1. Forecasts demand per SKU and DC and reports its accuracy.
In chat it explains the forecast layers and turns requests to change them into override proposals.
In the cycle it reads the sales notes and proposes a consensus adjustment for each note that
names a quantity and a horizon month ("+1,200 units in 2027-03")."""

from __future__ import annotations

import re
from typing import Any

from sop.agents.base import AgentSpec, Review, call_once
from sop.agents.proposals import Proposal

NAME = "demand-forecaster"
# A signed quantity of units and the month it falls in: "+1,200 units in 2027-03".
_QUANTITY_MONTH = re.compile(r"([+\-−]?)\s*(\d[\d,]*)\s*units?\s+(?:in|for|during)\s+(\d{4}-\d{2})", re.IGNORECASE)
NOTE_CONFIDENCE = 0.6  # a note is the commercial team's word, not a measured figure


def _propose(results: dict[str, dict[str, Any]]) -> tuple[list[str], list[Proposal]]:
    notes = results["sales-notes"]
    horizon = set(notes["horizon"])
    proposals: list[Proposal] = []
    for event in notes["notes"]:
        for sign, qty, month in _QUANTITY_MONTH.findall(event["note"] or ""):
            if month not in horizon:
                continue
            units = float(qty.replace(",", "")) * (-1 if sign in ("-", "−") else 1)
            level, key = ("sku", event["sku"]) if event["sku"] else ("family", event["family"])
            proposals.append(Proposal(
                id=f"DF-{len(proposals) + 1}", agent=NAME, gate="consensus", kind="consensus_adjustment",
                title=f"{key} {units:+,.0f} units in {month} per the sales note of {event['event_id']}",
                evidence=[f"sales note {event['event_id']} ({event['type']}, {event['family']}, "
                          f"{event['start_month']}..{event['end_month']}): {event['note']!r}"],
                effect={"level": level, "key": key, "month": month, "units": units}, confidence=NOTE_CONFIDENCE))
    findings = [f"read {len(notes['notes'])} sales note(s) reaching into the horizon; {len(proposals)} name a "
                "quantity and a month"]
    return findings, proposals


DEMAND_FORECASTER = AgentSpec(name=NAME, tools=("history-cleansing", "hierarchy-series", "demand-forecast",
                                                "launch-curves", "hierarchy-reconcile", "sales-input",
                                                "forecast-accuracy"),
                              queries=("forecast-summary", "propose-override"),
                              review=Review(tools=("sales-notes",), next_call=call_once("sales-notes", {}),
                                            propose=_propose, kind="consensus_adjustment", prefix="DF"))

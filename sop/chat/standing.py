"""How a cycle stands, in words: its status line, what to type next, who holds it while a step
runs, and the agents' proposals as table rows. `sop cycle status`, the cycle commands and the
web workspace say it the same way."""

from __future__ import annotations

import json
from typing import Any

from sop.store.busy import Holder


def way_on(state: str, period: str) -> str:
    """What to type next for a cycle that failed or stopped running; empty for any other state."""
    if state == "failed":
        return f"once that is fixed, 'sop cycle resume --period {period}' carries it on"
    if state == "running":
        return f"if no process is running it any more, continue it with 'sop cycle resume --period {period}'"
    return ""


def status_line(shown: dict[str, Any]) -> str:
    """One cycle's status as `sop cycle status` prints it (and the web workspace shows it)."""
    gate = f" at the {shown['gate']} gate" if shown.get("gate") else ""
    busy = shown.get("busy")
    held = (f" (`{busy['command']}` by PID {busy['pid']} since {busy['since'][11:19]}; it holds the store until it "
            "ends)" if busy else "")
    why = f": {shown['error']}" if shown.get("error") else ""
    next_step = "" if busy else way_on(shown["state"], shown["period"])
    return f"{shown['period']}: {shown['state']}{gate}{held}{why}" + (f"; {next_step}" if next_step else "")


def running_status(holder: Holder) -> dict[str, Any]:
    """The status of the cycle whose step holds the store: running, by whom and since when."""
    assert holder.period is not None
    return {"period": holder.period, "state": "running", "gate": None, "error": None, "published_version": None,
            "package_dir": None, "busy": {"command": holder.command, "pid": holder.pid, "since": holder.since}}


def proposal_rows(proposals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One table row per proposal, for the terminal (the gate's view and this command)."""
    return [{"id": p["id"], "agent": p["agent"], "gate": p["gate"], "proposal": p["title"],
             "effect": json.dumps(p["effect"]), "confidence": p["confidence"],
             "evidence": " | ".join(p["evidence"]), "accepted by": p.get("accepted_by") or ""} for p in proposals]

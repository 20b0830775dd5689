"""What the agent and chat tests share: the sample company with a small 2026-11 cycle waiting at
the consensus gate, and a scripted OpenAI chat-completions endpoint for respx.

The cycle is written directly, not run: forecast layers for four SKU × DCs (`Store.replace`),
last cycle's base plan (unmet demand for WID-001 at DC-EAST in 2027-03 and the DAYTON plant out
of hours in 2027-04) and the checkpoint of the graph paused at the consensus gate, with the
state the runner records for it, which is the state in which planners refine the forecast.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pandas as pd

from sop.config import Settings
from sop.data.sample_company import write_sample_company
from sop.graph.context import CycleContext
from sop.graph.runner import Cycles
from sop.store import Store
from sop.store.cycles import CycleRecord, record_cycle
from sop.tools.periods import month_range

CYCLE, PLAN_CYCLE = "2026-11", "2026-10"
HORIZON = month_range(CYCLE, 18)
# Monthly statistical units in the first horizon month; each later month adds 2 %.
SERIES = {("WID-001", "DC-EAST"): 100.0, ("WID-002", "DC-WEST"): 60.0,
          ("LGT-001", "DC-EAST"): 40.0, ("OUT-001", "DC-EAST"): 30.0}
SALES_INPUT_FACTOR = 1.1
SHORT_MONTH, FULL_PLANT_MONTH = "2027-03", "2027-04"
API = "https://api.openai.com/v1/chat/completions"
SECRET = "sk-test-DO-NOT-PRINT-4f9a2c"


def settings(root: Path, **changes: Any) -> Settings:
    """Settings over the company in `root`: offline unless `openai_api_key` is given."""
    return Settings(_env_file=None, db=root / "sop.duckdb", checkpoint_url=str(root / "checkpoints.sqlite"),
                    out_dir=root / "out", **{"openai_api_key": None, **changes})


def env(root: Path, **extra: str) -> dict[str, str]:
    """The environment of a `sop` process on the company in `root`, offline unless told."""
    return {"SOP_DB": str(root / "sop.duckdb"), "SOP_CHECKPOINT_URL": str(root / "checkpoints.sqlite"),
            "SOP_OUT": str(root / "out"), "OPENAI_API_KEY": "", "COLUMNS": "160", "TERM": "dumb", **extra}


def build(root: Path) -> None:
    """Write, load and pause the company in `root` (about four seconds)."""
    write_sample_company(root / "csv")
    cfg = settings(root)
    with Store(cfg.db) as store:
        store.load_dir(root / "csv")
        rows = []
        for (sku, dc), base in SERIES.items():
            for i, month in enumerate(HORIZON):
                yhat = base * (1 + 0.02 * i)
                bands = {"lo_80": yhat * 0.8, "hi_80": yhat * 1.2, "lo_95": yhat * 0.7, "hi_95": yhat * 1.3}
                for layer, qty in (("statistical", yhat), ("sales_input", yhat * SALES_INPUT_FACTOR)):
                    rows.append({"layer": layer, "sku": sku, "dc": dc, "month": month, "qty": qty, "yhat": yhat,
                                 "model": "AutoETS", **bands})
        store.replace("forecast_layers", pd.DataFrame(rows), cycle_id=CYCLE)
        store.replace("plan_lines", pd.DataFrame([
            ("base", "demand", "WID-001", "", "DC-EAST", SHORT_MONTH, 150.0),
            ("base", "unmet", "WID-001", "", "DC-EAST", SHORT_MONTH, 40.0),
        ], columns=["scenario", "kind", "sku", "plant", "dc", "month", "qty"]), cycle_id=PLAN_CYCLE)
        store.replace("plant_hours", pd.DataFrame([
            ("base", "DAYTON", SHORT_MONTH, 1000.0, 100.0, 0.0, 500.0),
            ("base", "DAYTON", FULL_PLANT_MONTH, 1000.0, 100.0, 100.0, 1100.0),
            ("base", "GREENVILLE", FULL_PLANT_MONTH, 1000.0, 100.0, 0.0, 200.0),
        ], columns=["scenario", "plant", "month", "regular_hours", "max_overtime_hours", "overtime_hours",
                    "used_hours"]), cycle_id=PLAN_CYCLE)
        store.replace("plan_summary", pd.DataFrame([
            ("base", "optimal", 123_456.0, 10_000.0, 40.0, 500_000.0, 1_200.0),
        ], columns=["scenario", "status", "objective", "demand_units", "unmet_units", "demand_revenue",
                    "unmet_revenue"]), cycle_id=PLAN_CYCLE)
        store.replace("gaps", pd.DataFrame([
            ("base", 1, "unmet", "widgets", SHORT_MONTH, 40.0, 1_200.0, "units of demand lost"),
            ("base", 2, "plant_hours", "DAYTON", FULL_PLANT_MONTH, 1100.0, 0.0, "100% of 1100 hours"),
        ], columns=["scenario", "rank", "kind", "subject", "month", "units", "value", "detail"]), cycle_id=PLAN_CYCLE)
        with Cycles(CycleContext(settings=cfg, store=store)) as cycles:
            config = cycles._config(CYCLE)
            cycles.graph.update_state(config, {"cycle_id": CYCLE, "period": CYCLE, "horizon": HORIZON,
                                               "demand": {"backtest_wape": 0.2}, "reports": []},
                                      as_node="demand_planning")
            cycles.graph.invoke(None, config, context=CycleContext(settings=cfg, store=store))
            assert cycles.status(CYCLE).gate == "consensus"
        # What the runner records when a cycle pauses, which the chat reads instead of the checkpoint.
        record_cycle(store, CycleRecord(cycle_id=CYCLE, state="waiting", gate="consensus", horizon=HORIZON))


# --- a scripted OpenAI endpoint ---------------------------------------------------------------


def completion(content: str | None = None, calls: tuple[tuple[str, Any], ...] = (),
               usage: tuple[int, int] = (100, 20)) -> httpx.Response:
    """A chat-completions response in OpenAI's wire format. A call's arguments are sent as given
    when a string (so they can be malformed JSON), else as JSON."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if calls:
        message["tool_calls"] = [
            {"id": f"call_{i}", "type": "function",
             "function": {"name": name, "arguments": args if isinstance(args, str) else json.dumps(args)}}
            for i, (name, args) in enumerate(calls)]
    return httpx.Response(200, json={
        "id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": "gpt-4o-mini",
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop"}],
        "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)}})


def error(status: int, headers: dict[str, str] | None = None, message: str = "try again") -> httpx.Response:
    return httpx.Response(status, headers=headers or {}, json={"error": {"message": message, "type": "server_error"}})


def tool_results(body: dict) -> list[dict]:
    """The tool messages a request carries, their JSON content parsed."""
    return [{**m, "content": json.loads(m["content"]) if m["content"].startswith("{") else m["content"]}
            for m in body["messages"] if m["role"] == "tool"]


Step = Callable[[dict], httpx.Response] | Exception


class Script:
    """A respx side effect that plays one step per request (the last one repeats): a function of
    the request body returning a response, or an exception to raise. Keeps every request body."""

    def __init__(self, *steps: Step):
        self.steps, self.requests = list(steps), []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.requests.append(body)
        step = self.steps[min(len(self.requests), len(self.steps)) - 1]
        if isinstance(step, Exception):
            raise step
        return step(body)

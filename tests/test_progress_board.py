"""The board a running step writes its progress to (`sop.store.progress_board`): the last eight
events of each running step, gone when the step ends or its process is gone."""

from __future__ import annotations

import json
import subprocess

from sop.store.busy import hold_store
from sop.store.progress_board import KEPT, ProgressBoard, board_path, running_steps


def _event(i: int) -> dict:
    return {"node": "demand_planning", "agent": "demand-forecaster", "tool": "demand-forecast",
            "message": f"forecasting {i}/20 series", "done": i, "total": 20, "payload": {"big": "table"}}


def test_a_step_shows_its_last_events_and_goes_when_it_ends(tmp_path):
    db = tmp_path / "sop.duckdb"
    with ProgressBoard(db, "2026-11", "sop cycle run") as board:
        for i in range(1, 21):
            board(_event(i))
        step = running_steps(db)["2026-11"]
        assert step["command"] == "sop cycle run" and [e["done"] for e in step["events"]] == list(range(21 - KEPT, 21))
        assert "payload" not in step["events"][0]
    assert running_steps(db) == {}


def test_two_cycles_steps_are_shown_apart(tmp_path):
    db = tmp_path / "sop.duckdb"
    with ProgressBoard(db, "2026-10", "sop cycle resume") as first:
        first(_event(1))
        with ProgressBoard(db, "2026-11", "sop cycle run") as second:
            second(_event(2))
            assert {p: s["events"][-1]["done"] for p, s in running_steps(db).items()} == {"2026-10": 1, "2026-11": 2}
        assert set(running_steps(db)) == {"2026-10"}


def test_the_steps_of_a_process_that_is_gone_are_not_shown(tmp_path):
    db = tmp_path / "sop.duckdb"
    gone = subprocess.Popen(["true"])
    gone.wait()
    board_path(db).write_text(json.dumps({"2026-11": {"command": "sop cycle run", "pid": gone.pid,
                                                      "events": [_event(3)]}}))
    assert running_steps(db) == {}


def test_the_store_holder_posts_under_its_cycle_and_clears_on_release(tmp_path):
    db = tmp_path / "sop.duckdb"
    with hold_store(db, "sop cycle approve", long=True, wait_s=0) as held:
        held.announce("2026-11")
        held.post(_event(5))
        assert running_steps(db)["2026-11"]["command"] == "sop cycle approve"
    assert running_steps(db) == {}

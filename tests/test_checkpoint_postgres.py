"""Cycle checkpoints in PostgreSQL, when SOP_CHECKPOINT_URL is a postgresql:// URL.

The durability test runs against the server SOP_TEST_POSTGRES_URL names (`make test` starts one
with tests/postgres.sh) in a database of its own, and skips, saying why, when there is none.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from postgres_db import fresh_database
from processes import Moment, SopProcess
from typer.testing import CliRunner

from sop.cli.app import app
from sop.graph.checkpoint import thread_id


@pytest.fixture
def database() -> Iterator[str]:
    """A fresh database on the test server, dropped afterwards, so no run sees another's threads."""
    with fresh_database() as url:
        yield url


@pytest.mark.slow
def test_a_cycle_killed_in_week_1_resumes_from_its_postgresql_checkpoint(tmp_path, database):
    sop = SopProcess(tmp_path, checkpoint_url=database, SOP_HORIZON="6")
    sop.run("data", "demo", "--out", str(tmp_path / "csv"))
    sop.kill_at(Moment("tool_call", {"tool": "demand-forecast"}), "cycle", "run")
    assert sop.status()["state"] == "running"
    assert "waiting at the consensus gate" in sop.run("cycle", "resume").stdout
    with psycopg.connect(database) as conn:
        threads = {thread for (thread,) in conn.execute("SELECT DISTINCT thread_id FROM checkpoints")}
    assert threads == {thread_id("2026-11")}
    assert not (tmp_path / "checkpoints.sqlite").exists()


def test_an_unreachable_server_is_named_without_its_password(tmp_path):
    url = "postgresql://planner:s3cret@127.0.0.1:1/sop"
    result = CliRunner().invoke(app, ["cycle", "status", "--period", "2026-11"],
                                env={"SOP_DB": str(tmp_path / "sop.duckdb"), "SOP_CHECKPOINT_URL": url})
    assert result.exit_code == 1
    refusal = "cannot connect to the PostgreSQL checkpoint database postgresql://planner:***@127.0.0.1:1/sop"
    assert refusal in result.output
    assert "s3cret" not in result.output and "check SOP_CHECKPOINT_URL" in result.output

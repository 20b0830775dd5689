"""Lost and damaged state, with real files and real processes: a cycle whose checkpoint is gone
is named as such with the way back (`sop cycle recover`); a damaged DuckDB file gets one line
naming it and the backup to restore; `sop data backup` and `restore` round-trip the store; the
slash commands answer at every gate; a refused approver gets one line.

Recovering a cycle end to end (the checkpoint deleted while waiting at consensus, then recover,
approve and finish to the plan of a clean run) is in tests/test_chaos.py, which runs cycles.
"""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from chat_company import CYCLE, PLAN_CYCLE, env, settings
from processes import SOP, TIMEOUT_S

from sop.chat.slash import dispatch
from sop.store import Store
from sop.store.busy import hold_store, write_status
from sop.store.cycles import CycleRecord, cycle_record, record_cycle

LOST = (f"error: the checkpoint of {CYCLE} is missing; the store shows it waiting at consensus; "
        f"run 'sop cycle recover --period {CYCLE}'")


def sop(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(SOP), *args], env=env(root), capture_output=True, text=True, timeout=TIMEOUT_S)


def one_error_line(done: subprocess.CompletedProcess) -> str:
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    return lines[0]


# --- a lost checkpoint ------------------------------------------------------------------------


@pytest.mark.parametrize("recorded", [False, True], ids=["read-from-checkpoint", "read-from-status-file"])
def test_a_deleted_checkpoint_is_named_with_where_the_store_shows_the_cycle(waiting_company, recorded):
    if recorded:  # what the runner writes when a cycle pauses, which status reads without the graph
        write_status(waiting_company / "sop.duckdb", CYCLE, {"period": CYCLE, "state": "waiting", "gate": "consensus"})
    (waiting_company / "checkpoints.sqlite").unlink()
    for command in (("cycle", "status"), ("cycle", "status", "--json"),
                    ("cycle", "approve", "--gate", "consensus", "--as", "dana"), ("cycle", "resume"),
                    ("cycle", "run", "--period", CYCLE)):
        done = sop(waiting_company, *command)
        assert done.returncode == 1, command
        assert one_error_line(done) == LOST, command


def test_a_damaged_checkpoint_file_is_named(waiting_company):
    (waiting_company / "checkpoints.sqlite").write_bytes(b"not a sqlite file" * 100)
    for command in (("cycle", "status"), ("cycle", "approve", "--gate", "consensus", "--as", "dana")):
        done = sop(waiting_company, *command)
        assert done.returncode == 1
        line = one_error_line(done)
        assert f"the checkpoint database {waiting_company / 'checkpoints.sqlite'} is damaged" in line
        assert "'sop cycle recover'" in line


def test_recover_asks_for_a_cycle_the_store_knows(waiting_company):
    done = sop(waiting_company, "cycle", "recover", "--period", "2027-05")
    assert done.returncode == 1
    assert one_error_line(done) == ("error: the store has no record of the 2027-05 cycle; start it with "
                                    "'sop cycle run --period 2027-05'")


def test_recorded_answers_only_grow_while_a_replay_catches_up(tmp_path):
    approval = {"gate": "consensus", "approved": True, "by": "dana", "notes": "", "decisions": []}
    with Store(tmp_path / "sop.duckdb") as store:
        record_cycle(store, CycleRecord(cycle_id=CYCLE, state="running", answers=[approval]))
        record_cycle(store, CycleRecord(cycle_id=CYCLE, state="waiting", gate="consensus", answers=[]))
        assert cycle_record(store, CYCLE).answers == [approval]  # the replay is at consensus again
        rejected = {**approval, "approved": False}
        record_cycle(store, CycleRecord(cycle_id=CYCLE, state="running", answers=[rejected]))
        assert cycle_record(store, CYCLE).answers == [rejected]  # not a prefix: a new history wins


# --- a damaged store --------------------------------------------------------------------------


def _damage(db: Path, kind: str) -> None:
    data = db.read_bytes()
    if kind == "zero-byte":
        db.write_bytes(b"")
    elif kind == "truncated":
        db.write_bytes(data[:len(data) // 2])
    else:
        db.write_bytes(os.urandom(len(data)))


@pytest.mark.parametrize("kind", ["zero-byte", "truncated", "garbage"])
def test_a_damaged_store_gets_one_line_naming_the_file_and_the_backup(waiting_company, kind):
    db = waiting_company / "sop.duckdb"
    _damage(db, kind)
    for command in (("cycle", "status"), ("plan", "show"), ("decisions", "verify"), ("override", "list")):
        done = sop(waiting_company, *command)
        assert done.returncode == 1, command
        line = one_error_line(done)
        assert line.startswith(f"error: the planning store {db} is damaged and cannot be read ("), command
        assert "restore it from a backup with 'sop data restore FILE'" in line


def _counts(db: Path) -> dict[str, int]:
    with Store(db) as store:
        return {table: len(store.table(table)) for table in ("demand_history", "forecast_layers", "decisions",
                                                              "cycle_status", "gaps")}


def test_backup_then_restore_brings_back_the_store_and_the_checkpoint(waiting_company):
    db, checkpoint = waiting_company / "sop.duckdb", waiting_company / "checkpoints.sqlite"
    before = _counts(db)
    target = waiting_company / "safe" / "monday.duckdb"
    done = sop(waiting_company, "data", "backup", "--to", str(target))
    assert done.returncode == 0, done.stderr
    assert f"Restore with: sop data restore {target}" in done.stdout
    assert _counts(target) == before
    assert sop(waiting_company, "data", "backup", "--to", str(target)).returncode == 2  # never overwritten

    _damage(db, "truncated")
    checkpoint.unlink()
    done = sop(waiting_company, "data", "restore", str(target))
    assert done.returncode == 0, done.stderr
    assert _counts(db) == before
    assert [p.name for p in waiting_company.glob("sop.duckdb.before-restore-*")]  # moved aside, not deleted
    status = sop(waiting_company, "cycle", "status")
    assert status.returncode == 0 and status.stdout.startswith(f"{CYCLE}: waiting at the consensus gate")


def test_backup_waits_for_the_store_and_says_busy_when_a_step_holds_it(waiting_company):
    with hold_store(waiting_company / "sop.duckdb", "sop cycle approve", long=True, wait_s=0) as held:
        held.announce(CYCLE)
        done = subprocess.run([str(SOP), "data", "backup", "--to", str(waiting_company / "b.duckdb")],
                              env={**env(waiting_company), "SOP_BUSY_WAIT": "0.5"}, capture_output=True, text=True,
                              timeout=TIMEOUT_S)
    assert done.returncode == 4
    assert one_error_line(done).startswith(f"error: cycle {CYCLE} is busy: `sop cycle approve` by PID {os.getpid()}")
    assert not (waiting_company / "b.duckdb").exists()


def test_restore_refuses_a_file_that_is_no_store(waiting_company):
    bogus = waiting_company / "bogus.duckdb"
    duckdb.connect(str(bogus)).close()  # a valid DuckDB file without the planning tables
    done = sop(waiting_company, "data", "restore", str(bogus))
    assert done.returncode == 1
    assert one_error_line(done) == (f"error: nothing was restored: {bogus} is a DuckDB file but no planning store "
                                    "(no schema_migrations table)")
    assert _counts(waiting_company / "sop.duckdb")["demand_history"] > 0


# --- slash commands at every gate -------------------------------------------------------------


def _text(result) -> str:
    return " ".join(str(r) for r in result.renderables if hasattr(r, "plain"))


def test_gaps_at_the_consensus_gate_show_the_last_solved_plan_and_say_so(waiting_company):
    with Store(waiting_company / "sop.duckdb") as store:
        result = dispatch(store, "/gaps", settings(waiting_company))
    note = (f"the supply plan for {CYCLE} is made in week 2, after the consensus gate (the cycle is waiting at the "
            f"consensus gate); the last solved plan is {PLAN_CYCLE}'s")
    assert result.figures["note"] == note and result.figures["cycle"] == PLAN_CYCLE
    assert _text(result) == note[0].upper() + note[1:] + ":"
    assert [g["subject"] for g in result.figures["gaps"]] == ["widgets", "DAYTON"]


def test_gaps_at_the_consensus_gate_of_a_first_cycle_do_not_say_run_a_cycle(waiting_company):
    with Store(waiting_company / "sop.duckdb") as store:
        store.replace("gaps", pd.DataFrame(columns=["scenario"]), cycle_id=PLAN_CYCLE)  # no plan before this cycle
        for command in ("/gaps", "/logistics-plan"):
            result = dispatch(store, command, settings(waiting_company))
            assert result.figures["cycle"] is None
            assert _text(result) == (f"The supply plan for {CYCLE} is made in week 2, after the consensus gate (the "
                                     "cycle is waiting at the consensus gate); no cycle has solved a supply plan yet.")


def test_gaps_at_the_executive_gate_are_the_current_cycles_without_a_note(waiting_company):
    with Store(waiting_company / "sop.duckdb") as store:
        store.replace("gaps", pd.DataFrame([("base", 1, "unmet", "lights", "2027-02", 12.0, 300.0, "lost")],
                                           columns=["scenario", "rank", "kind", "subject", "month", "units", "value",
                                                    "detail"]), cycle_id=CYCLE)
        record_cycle(store, CycleRecord(cycle_id=CYCLE, state="waiting", gate="executive"))
        result = dispatch(store, "/gaps", settings(waiting_company))
        assert result.figures["cycle"] == CYCLE and result.figures["note"] is None
        assert [g["subject"] for g in result.figures["gaps"]] == ["lights"]
        record_cycle(store, CycleRecord(cycle_id=CYCLE, state="done"))
        assert dispatch(store, "/gaps", settings(waiting_company)).figures["note"] is None


# --- quiet stderr -----------------------------------------------------------------------------

REFUSED = "error: refused: 'sam' may not decide at the consensus gate (their approval right: none)"


def test_a_refusal_is_one_line_on_a_pipe_and_on_a_terminal(waiting_company):
    approve = ("cycle", "approve", "--gate", "consensus", "--as", "sam")
    done = sop(waiting_company, *approve)
    assert done.returncode == 1 and one_error_line(done) == REFUSED

    leader, follower = pty.openpty()  # stderr a terminal, as at a person's prompt
    proc = subprocess.Popen([str(SOP), *approve], env=env(waiting_company), stdout=subprocess.PIPE,
                            stderr=follower, text=True)
    os.close(follower)
    proc.communicate(timeout=TIMEOUT_S)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closes with the process
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    assert proc.returncode == 1
    assert [line for line in seen.decode().splitlines() if line.strip()] == [REFUSED]


def test_log_lines_appear_at_log_level_info_as_json_on_a_pipe(waiting_company):
    done = sop(waiting_company, "--log-level", "INFO", "cycle", "approve", "--gate", "consensus", "--as", "sam")
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines[-1] == REFUSED
    assert any('"event": "approval_refused"' in line for line in lines[:-1]), done.stderr


def test_a_killed_commands_forked_worker_does_not_keep_the_store_busy(tmp_path):
    """A step forks worker processes (the forecaster's pool); killed with SIGKILL, its workers live
    on for a while, and must not hold the store's lock (an `flock` would pass to them)."""
    db = tmp_path / "sop.duckdb"
    holder = os.fork()
    if holder == 0:  # the killed command
        with hold_store(db, "sop cycle run", long=True, wait_s=0):
            if os.fork() == 0:  # its worker
                time.sleep(5)
                os._exit(0)
            time.sleep(60)
        os._exit(0)
    time.sleep(1.0)
    os.kill(holder, signal.SIGKILL)
    os.waitpid(holder, 0)
    with hold_store(db, "sop cycle resume", long=True, wait_s=0.5) as held:
        assert held.holder.pid == os.getpid()

"""The cases of issue 12 that no other test replays, each as a user types it: one clear line,
the exit code, no traceback, and the way out the line names, followed where that is cheap.

The other cases are replayed where their feature is tested: tests/test_overrides.py (bad and
forced overrides, removing one, a broken cycle resumed), tests/test_busy.py (two commands at
once), tests/test_recover.py (lost and damaged state, a refused approver, /gaps at a gate),
tests/test_chaos.py (all of it at random), tests/test_cli_startup.py (a fast start).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from chat_company import CYCLE, PLAN_CYCLE, env
from processes import SOP, TIMEOUT_S
from typer.testing import CliRunner

from sop.cli.app import app
from sop.store import Store

EXAMPLE = Path(__file__).parent / "data" / "supply_plan_example.json"
CUT = ("override", "add", "--level", "family", "--key", "widgets", "--from", "2027-03", "--as", "dana",
       "--reason", "the retailer destocks")


def sop(root: Path, *args: str, code: int = 0, **extra: str):
    """`sop ARGS` in-process; the exit code checked, and that it ended by exiting, not by an
    exception (a traceback)."""
    result = CliRunner().invoke(app, list(args), env=env(root, **extra))
    assert result.exit_code == code, result.output + repr(result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def one_line(result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    return lines[0]


def test_a_cut_below_zero_names_its_way_out_and_the_way_out_is_taken(waiting_company):
    refused = one_line(sop(waiting_company, *CUT, "--change-pct", "-200", code=1))
    assert refused.startswith("error: the override makes family widgets 2027-03 negative (")
    assert refused.endswith("a cut goes down to -100 % at most, or use --set 0")
    forced = one_line(sop(waiting_company, *CUT, "--set", "0", code=1))
    assert "by -100 %" in forced and "'sop override add ... --force'" in forced
    sop(waiting_company, *CUT, "--set", "0", "--force")
    with Store(waiting_company / "sop.duckdb") as store:
        assert store.query("SELECT set_qty FROM overrides")["set_qty"].tolist() == [0.0]


def test_an_invalid_value_inside_a_step_is_one_line_and_status_and_resume_say_the_same(waiting_company):
    """The waiting company's week 2 meets SKUs without forecasts: the step's pydantic error, of
    several values, is one line with the first of them and the way on, wherever it is asked."""
    failed = one_line(sop(waiting_company, "cycle", "approve", "--gate", "consensus", "--as", "dana", code=1))
    assert re.fullmatch(rf"error: the {CYCLE} cycle failed: \d+ invalid values in ReorderCalcInput, the first "
                        r"items\.\d+\.demand_std: [^;]+ \(got nan\); once that is "
                        rf"fixed, 'sop cycle resume --period {CYCLE}' carries it on", failed), failed
    assert one_line(sop(waiting_company, "cycle", "resume", code=1)) == failed
    assert sop(waiting_company, "cycle", "status").stdout.startswith(f"{CYCLE}: failed: {failed.split(': ', 2)[2]}")


def test_an_empty_question_is_a_usage_error_that_names_help(waiting_company):
    line = one_line(sop(waiting_company, "ask", "", code=2))
    assert line == 'error: give a slash command or a question, e.g. sop ask "/gaps"; "/help" lists the commands'
    assert "/reorder-calc" in sop(waiting_company, "ask", "/help").stdout


def test_gaps_at_the_consensus_gate_answer_from_the_last_solved_plan(waiting_company):
    out = sop(waiting_company, "ask", "/gaps").stdout
    assert (f"The supply plan for {CYCLE} is made in week 2, after the consensus gate (the cycle is waiting at the "
            f"consensus gate); the last solved plan is {PLAN_CYCLE}'s") in " ".join(out.split())
    assert "sop cycle run" not in out and "widgets" in out


def test_the_chat_does_not_offer_a_cut_below_zero(waiting_company):
    answer = sop(waiting_company, "ask", "cut widgets by 200 % in March for the recall", "--json")
    payload = json.loads(answer.stdout)
    assert payload["proposal"] is None and payload["store_with"] is None
    assert "negative" in payload["answer"]


@pytest.mark.parametrize("args, fragment", [
    (("--log-level", "loud", "plan", "list"), "expected DEBUG, INFO, WARNING or ERROR, not 'loud'"),
    (("cycle", "approve", "--gate", "board", "--as", "dana"), "--gate must be consensus or executive, not 'board'"),
    (("cycle", "approve", "--as", "dana"), "Missing option '--gate'"),
    (("override", "add", "--level", "planet", "--from", "2027-03", "--change-pct", "5", "--as", "dana",
      "--reason", "x"), "--level must be one of"),
    (("override", "add", "--level", "family", "--key", "widgets", "--from", "2027-03", "--change-pct", "5",
      "--set", "9", "--as", "dana", "--reason", "x"), "give exactly one of --change-pct and --set"),
    (("override", "list", "--period", "2026-13"), "expected a month as YYYY-MM"),
    (("override", "add", "--level", "family", "--key", "widgets", "--from", "2027-03", "--change-pct", "5",
      "--as", "dana", "--reason", "x", "--period", "26-11"), "expected a month as YYYY-MM"),
    (("decisions", "list", "--period", "2026-1"), "expected a month as YYYY-MM"),
    (("actions", "list", "--period", "november"), "expected a month as YYYY-MM"),
    (("actions", "list", "--status", "done"), "--status must be open, closed or all, not 'done'"),
    (("plan", "show", "--by", "plant"), "--by must be family, sku or month, not 'plant'"),
    (("report", "--period", "2026-11-01", "--out", "out"), "expected a month as YYYY-MM"),
    (("tools", "run", "no-such-tool", "--input", "{}"), "unknown tool 'no-such-tool'"),
    (("ask", "/nope"), "unknown command /nope"),
    (("cycle", "finish"), "No such command 'finish'"),
])
def test_usage_errors_exit_2_everywhere(waiting_company, args, fragment):
    result = sop(waiting_company, *args, code=2)
    assert fragment in " ".join(result.output.replace("│", " ").split())


def test_a_setting_that_does_not_fit_is_one_line_naming_it(waiting_company):
    line = one_line(sop(waiting_company, "override", "list", code=2, SOP_HORIZON="eighteen"))
    assert line.startswith("error: setting SOP_HORIZON: Input should be a valid integer")
    assert line.endswith("got 'eighteen'; fix it in the environment or in .env")
    assert "No overrides in the 2026-11 cycle" in sop(waiting_company, "override", "list", SOP_HORIZON="18").stdout


def test_the_solver_prints_no_banner(tmp_path):
    """HiGHS prints a banner at the C level when a process first makes a solver; none reaches
    the terminal, and stdout is the tool's JSON alone."""
    done = subprocess.run([str(SOP), "tools", "run", "supply-plan", "--input", f"@{EXAMPLE}"], env=env(tmp_path),
                          capture_output=True, text=True, timeout=TIMEOUT_S)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "optimal"
    assert "HiGHS" not in done.stdout + done.stderr

"""Terminal tables fit the width: no cell is broken across lines, every value is shown, and
rows become `column  value` blocks when the columns cannot fit. Checked on the renderer at
fixed widths and on the real CLI, piped, at COLUMNS=60 and 80."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console

from sop.chat.tables import Col, FitTable, records_table, table
from sop.store import Store

SKUS = [f"FAS-{n:03d}" for n in range(1, 13)]
PROSE = ("Close the unmet gap at fasteners in 2027-04: 2,651 units, 5,632 at risk (units of demand lost); "
         "the supplier is at its limit")


def _render(renderable, width: int) -> list[str]:
    console = Console(width=width, file=io.StringIO(), color_system=None, record=True)
    console.print(renderable)
    return console.export_text().splitlines()


def _whole(cell: str, lines: list[str]) -> bool:
    return any(cell in line for line in lines)


def _words_in_order(prose: str, lines: list[str]) -> bool:
    text = " ".join(" ".join(line.replace("│", " ").split()) for line in lines)
    position = 0
    for word in prose.split():
        position = text.find(word, position)
        if position < 0:
            return False
    return True


def _rows() -> list[dict]:
    return [{"sku": sku, "dc": "DC-CENTRAL", "month": f"2027-{m:02d}", "units": 121849.9739728339 * m,
             "share": 0.2885, "detail": PROSE} for m, sku in enumerate(SKUS, start=1)]


COLUMNS = (Col("sku", "sku"), Col("dc", "dc"), Col("month", "month", "month"), Col("units", "units", "units"),
           Col("share", "share of demand", "percent"), Col("detail", "detail"))


@pytest.mark.parametrize("width", [60, 80, 100, 140, 200])
def test_no_cell_is_broken_at_any_width(width):
    lines = _render(table("gaps", _rows(), COLUMNS), width)
    assert all(len(line) <= width for line in lines)
    for m, sku in enumerate(SKUS, start=1):
        shown = f"{121849.9739728339 * m:,.0f}"
        assert _whole(sku, lines) and _whole(f"2027-{m:02d}", lines) and _whole(shown, lines)
    assert _whole("28.9%", lines) and _whole("DC-CENTRAL", lines)
    assert _words_in_order(PROSE, lines)


def test_wide_terminals_get_one_line_a_row_and_narrow_ones_blocks():
    wide = _render(table("gaps", _rows(), COLUMNS), 200)
    assert sum("FAS-" in line for line in wide) == len(SKUS)  # one line per row
    middle = _render(table("gaps", _rows(), COLUMNS), 100)  # the detail wraps between words
    assert sum(line.startswith("│ FAS-") for line in middle) == len(SKUS) and len(middle) > len(wide)
    narrow = _render(table("gaps", _rows(), COLUMNS), 60)
    assert narrow[0] == "gaps" and narrow[1].startswith("─[ 1 of 12 ]")
    assert narrow[2].split() == ["sku", "FAS-001"] and narrow[5].split() == ["units", "121,850"]
    assert narrow[6].split() == ["share", "of", "demand", "28.9%"]


def test_the_widths_fit_exactly():
    """The layout's own count of borders and padding matches what rich draws."""
    grid = FitTable("t", ["sku", "units"], [["FAS-001", "1,234"]], [False, True])
    assert grid.widths(3 * 2 + 1 + 7 + 5) == [7, 5] and grid.widths(3 * 2 + 1 + 7 + 5 - 1) is None
    assert max(map(len, _render(grid, 19))) == 19


def test_missing_values_show_a_dash_and_numbers_align_right():
    lines = _render(records_table("r", [{"sku": "A", "units": None, "mape": 0.5}, {"sku": "B", "units": 7.0,
                                                                                  "mape": float("nan")}]), 80)
    assert any("│ A   │     — │ 50.0% │" in line for line in lines)
    assert any("│ B   │     7 │     — │" in line for line in lines)


# --- the CLI, piped ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """A store with a published plan of twelve SKUs, two decisions and two action items."""
    path = tmp_path_factory.mktemp("tables") / "sop.duckdb"
    with Store(path) as store:
        lines = pd.DataFrame([{"kind": "shipment", "sku": sku, "plant": "PLANT-1", "dc": "DC-CENTRAL",
                               "month": f"2026-{11 + m}" if m < 2 else f"2027-{m - 1:02d}",
                               "qty": 121849.9739728339 / (i + 1) + m} for i, sku in enumerate(SKUS) for m in range(3)])
        store.replace("plan_lines", lines, cycle_id="2026-11", scenario="base")
        store.publish_plan("2026-11", scenario="base", approved_by="erin")
        for gate in ("consensus", "executive"):
            store.log_decision(cycle_id="2026-11", gate=gate, attempt=1, decision="approved", by="policy:demo-policy",
                               rationale="every policy rule held, and the margin gap of fasteners is accepted",
                               figures={})
        store.add_action_items("2026-11", [{"source": "gap", "ref": f"gap {n}", "title": PROSE, "owner": "sam",
                                            "due": "2026-11-30"} for n in (1, 2)])
    return path


def _sop(db: Path, columns: int, *args: str) -> str:
    env = {**os.environ, "SOP_DB": str(db), "COLUMNS": str(columns), "TERM": "dumb"}
    done = subprocess.run([sys.executable, "-m", "sop.cli.app", *args], env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("columns", [60, 80])
def test_piped_cli_tables_keep_every_cell_whole(published, columns):
    with Store(published) as store:
        plan = store.published_plan(1)
    totals = plan.groupby(["sku", "month"])["qty"].sum()
    shown = _sop(published, columns, "plan", "show", "--by", "sku").splitlines()
    for (sku, month), qty in totals.items():
        assert any(sku in line and month in line and f"{qty:,.0f}" in line for line in shown), (sku, month)
    assert "121849.97" not in "\n".join(shown)
    for args, value in ((("actions", "list"), "2026-11-30"), (("decisions", "list"), "policy:demo-policy"),
                        (("plan", "list"), "erin")):
        lines = _sop(published, columns, *args).splitlines()
        assert all(len(line) <= columns for line in lines), args
        assert _whole("2026-11", lines) and _whole(value, lines), args
    actions = _sop(published, columns, "actions", "list").splitlines()
    assert _words_in_order(PROSE, actions) and sum("─[" in line for line in actions) in (0, 2)


def test_plan_show_csv_is_in_whole_units(published):
    rows = list(csv.DictReader(io.StringIO(_sop(published, 80, "plan", "show", "--by", "sku", "--csv"))))
    assert rows[0] == {"sku": "FAS-001", "month": "2026-11", "units": "121850"}
    assert len(rows) == len(SKUS) * 3 and all(r["units"].isdigit() for r in rows)

"""The planners' workbook, opened with openpyxl: the key columns and the header stay frozen, and
every column carries the number format of what it holds (MAPE as a percentage, working
capital with thousands separators, prices with cents)."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from sop.report.workbook import SHEETS, by_month, write_workbook

MONTHS = [f"2027-{m:02d}" for m in range(1, 13)] + [f"2028-{m:02d}" for m in range(1, 7)]  # 18 months


def _frames() -> dict[str, pd.DataFrame]:
    forecast = pd.DataFrame([{"sku": "FAS-001", "family": "fasteners", "dc": "DC-EAST", "measure": "consensus",
                              "month": m, "qty": 121849.9739728339 + i} for i, m in enumerate(MONTHS)])
    plan = pd.DataFrame([{"kind": "shipment", "sku": "FAS-001", "plant": "PLANT-1", "dc": "DC-EAST", "month": m,
                          "qty": 5000.5} for m in MONTHS])
    return {
        "Consensus forecast": by_month(forecast, ["sku", "family", "dc", "measure"]),
        "Supply plan": by_month(plan, ["kind", "sku", "plant", "dc"]),
        "Inventory targets": pd.DataFrame([{"sku": "FAS-001", "dc": "DC-EAST", "abc": "A", "service_level": 0.98,
                                            "lead_time": 1.5443, "unit_cost": 1.67, "safety_stock": 1685.42}]),
        "Financials": pd.DataFrame([{"scenario": "base", "family": "fasteners", "month": "2027-01",
                                     "revenue": 552024.68, "gross_margin_pct": 0.0919,
                                     "working_capital": 3983820.1168}]),
        "Gaps and recommendations": pd.DataFrame([{"item": "gap", "id": "1", "what": "unmet",
                                                   "margin_at_risk": 2418042.85, "detail": "lost demand"}]),
        "KPIs": pd.DataFrame([
            {"cycle_id": "2026-11", "metric": "mape", "month": "2026-10", "value": 0.2885, "target": 0.25,
             "variance_pct": 0.154},
            {"cycle_id": "2026-11", "metric": "working_capital", "month": "2026-10", "value": 3983820.12,
             "target": 5800000.0, "variance_pct": -0.313},
            {"cycle_id": "2026-11", "metric": "days_on_hand", "month": "2026-10", "value": 38.03, "target": 45.0,
             "variance_pct": -0.155}]),
        "Decision log": pd.DataFrame([{"seq": 1, "cycle_id": "2026-11", "gate": "consensus",
                                       "decided_at": "2026-12-03T13:17:25+00:00"}]),
    }


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = write_workbook(_frames(), tmp_path_factory.mktemp("book") / "sop-plan.xlsx")
    return openpyxl.load_workbook(path)


def _formats(sheet) -> dict[str, str]:
    return {head.value: cell.number_format for head, cell in zip(sheet[1], sheet[2])}


def test_the_key_columns_and_the_header_are_frozen(book):
    assert book.sheetnames == list(SHEETS)
    assert len(list(book["Consensus forecast"][1])) == 4 + 18  # the 22-column sheet of the issue
    assert {name: book[name].freeze_panes for name in SHEETS} == {
        "Consensus forecast": "E2", "Supply plan": "E2", "Inventory targets": "C2", "Financials": "D2",
        "Gaps and recommendations": "C2", "KPIs": "D2", "Decision log": "B2"}


def test_each_column_has_the_format_of_what_it_holds(book):
    assert set(_formats(book["Consensus forecast"]).values()) == {"General", "#,##0"}
    assert [f for h, f in _formats(book["Consensus forecast"]).items() if h in MONTHS] == ["#,##0"] * 18
    assert _formats(book["Inventory targets"]) == {
        "sku": "General", "dc": "General", "abc": "General", "service_level": "0.0%", "lead_time": "#,##0.00",
        "unit_cost": "#,##0.00", "safety_stock": "#,##0"}
    assert _formats(book["Financials"]) == {
        "scenario": "General", "family": "General", "month": "General", "revenue": "#,##0",
        "gross_margin_pct": "0.0%", "working_capital": "#,##0"}


def test_kpi_values_take_the_format_of_their_metric(book):
    rows = {r[1].value: r for r in book["KPIs"].iter_rows(min_row=2)}
    mape, capital, days = rows["mape"], rows["working_capital"], rows["days_on_hand"]
    assert (mape[3].value, mape[3].number_format) == (0.2885, "0.0%")  # Excel shows 28.9%
    assert (capital[3].value, capital[3].number_format) == (3983820.12, "#,##0")  # 3,983,820
    assert days[3].number_format == days[4].number_format == "0.0"
    assert {r[5].number_format for r in rows.values()} == {"+0.0%;-0.0%;0.0%"}


def test_widths_fit_the_values_as_shown(book):
    sheet = book["Financials"]
    widths = {sheet.cell(row=1, column=i + 1).value: sheet.column_dimensions[chr(65 + i)].width for i in range(6)}
    assert widths["working_capital"] == len("working_capital") + 3  # "3,983,820" is shorter than its header
    assert widths["revenue"] == len("552,025") + 3

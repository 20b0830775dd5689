"""Week 3 on the tiny company: its supply of A2 is capped by supplier S2 (500 kg a month at 2 kg
a unit: 250 units against 400 demanded), so the plan loses demand, week 3 ranks the gap and
re-plans it, and the package, the workbook and the stored plan are checked."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pandas as pd
import pytest
from langgraph.runtime import Runtime
from pagecheck import check_package, find_chromium

from sop.config import Settings
from sop.graph import week3 as week3_module
from sop.graph.context import CycleContext
from sop.graph.plan_inputs import plan_instance, solve_plan
from sop.graph.week2 import keep_scenario_plan
from sop.graph.week3 import financial_review, run_tool
from sop.log import get_logger
from sop.report.workbook import SHEETS
from sop.store import Store
from sop.store.forecasts import scenario_demand
from sop.store.plan_inputs import plan_inputs
from sop.tools.finance.recommendations import GapResolutionInput

PERIOD = "2026-03"
HORIZON = ["2026-03", "2026-04", "2026-05"]
DEMAND = {("A1", "D1"): 1000.0, ("A2", "D2"): 400.0}  # units a month
PLAN_TABLES = ("plan_lines", "plan_summary", "plant_hours", "plan_binding", "solved_plans", "published_plan",
               "plan_versions")


def _consensus() -> pd.DataFrame:
    rows = [{"sku": sku, "dc": dc, "month": m, "qty": q, "yhat": q, "lo_80": 0.8 * q, "hi_80": 1.2 * q,
             "lo_95": 0.7 * q, "hi_95": 1.3 * q, "model": "test"} for (sku, dc), q in DEMAND.items() for m in HORIZON]
    return pd.DataFrame(rows)


def _snapshot(store: Store) -> dict[str, list]:
    """Every stored plan row, sorted, so two snapshots compare equal exactly when nothing changed."""
    return {t: sorted(map(tuple, store.table(t).astype(str).to_numpy().tolist())) for t in PLAN_TABLES}


def _through_week3(root: Path, plan_level: str):
    """The tiny company through week 2 (solved here at `plan_level`), a published plan, then week
    3, with the input week 3 handed to gap resolution."""
    from tests.conftest import TINY_DATA, write_csv

    data = root / "data"
    data.mkdir()
    for name, rows in TINY_DATA.items():
        write_csv(data / f"{name}.csv", rows)
    settings = Settings(SOP_DB=root / "sop.duckdb", SOP_OUT=root / "out", OPENAI_API_KEY=None,
                        SOP_PLAN_LEVEL=plan_level)
    store = Store(settings.db)
    store.load_dir(data)
    ctx = CycleContext(settings=settings, store=store)
    state = {"cycle_id": PERIOD, "period": PERIOD, "horizon": HORIZON,
             "supply": {"scenarios": ["base", "upside", "downside"]}}
    store.replace("forecast_layers", _consensus(), cycle_id=PERIOD, layer="consensus")
    inputs, demand = plan_inputs(store, PERIOD), scenario_demand(store, PERIOD)
    families = dict(zip(inputs.items["sku"], inputs.items["family"]))
    for scenario in state["supply"]["scenarios"]:
        instance = plan_instance(settings, HORIZON, inputs, demand, scenario)
        keep_scenario_plan(store, PERIOD, scenario, instance, solve_plan(settings, instance, families, get_logger()),
                           get_logger())
    store.publish_plan(PERIOD, scenario="base", approved_by="U2")
    before = _snapshot(store)
    handed: list[GapResolutionInput] = []

    def spy(tool, payload, cycle_id, progress=None):
        if tool == "gap-resolution":
            handed.append(payload)
        return run_tool(tool, payload, cycle_id, progress)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(week3_module, "run_tool", spy)
        out = financial_review(state, Runtime(context=ctx))
    return SimpleNamespace(store=store, before=before, out=out, package=Path(out["package_dir"]), handed=handed)


@pytest.fixture(scope="module")
def week3(tmp_path_factory):
    """Week 3 at the level `auto` chooses for two SKUs: SKU level."""
    run = _through_week3(tmp_path_factory.mktemp("week3"), "auto")
    yield run
    run.store.close()


@pytest.fixture(scope="module")
def week3_by_family(tmp_path_factory):
    """Week 3 with SOP_PLAN_LEVEL=family: week 2 planned by family, and so does week 3."""
    run = _through_week3(tmp_path_factory.mktemp("week3-family"), "family")
    yield run
    run.store.close()


def test_what_ifs_leave_the_approved_plan_untouched(week3):
    whatifs = week3.store.query("SELECT * FROM whatifs")
    assert len(whatifs) >= 1 and set(whatifs["status"]) == {"optimal"}
    assert _snapshot(week3.store) == week3.before


@pytest.mark.parametrize("level", ["week3", "week3_by_family"])
def test_the_supplier_cap_is_ranked_and_re_planned(level, request):
    """The same figures at either level: each planning group of the tiny company is one SKU."""
    week3 = request.getfixturevalue(level)
    gaps = week3.store.query("SELECT kind, subject, units, margin_at_risk FROM margin_gaps ORDER BY rank")
    lost = gaps[gaps["kind"] == "demand_over_supply"].iloc[0]
    # 150 units a month of A2 short for 3 months, less the 80 on hand at the start: 370 lost,
    # at a margin of 20 - 12 = 8 per unit.
    assert lost["subject"] == "gadgets"
    assert lost["units"] == pytest.approx(370, rel=1e-6)
    assert lost["margin_at_risk"] == pytest.approx(370 * 8, rel=1e-6)
    sourcing = week3.store.query("SELECT * FROM whatifs WHERE lever = 'sourcing'").iloc[0]
    # +20 % of 500 kg is 100 kg: 50 more units a month of A2 (2 kg each) for 3 months.
    assert sourcing["base_unmet_units"] - sourcing["unmet_units"] == pytest.approx(150, rel=1e-6)
    assert sourcing["units"] == pytest.approx(150, rel=1e-6)
    # Premium: 10 % of A2's standard cost (12) on each of the 150 extra units.
    assert sourcing["cost"] == pytest.approx(0.1 * 12 * 150, rel=1e-6)
    assert sourcing["net_benefit"] == pytest.approx(sourcing["margin_recovered"] - sourcing["cost"])


def test_week3_re_plans_at_the_level_week2_planned_at(week3, week3_by_family):
    (by_sku,) = week3.handed
    assert {s.sku for s in by_sku.instance.skus} == {"A1", "A2"}
    (by_family,) = week3_by_family.handed
    assert {s.sku for s in by_family.instance.skus} == {"widgets|S1|P1", "gadgets|S2|P2"}
    # A group's price and standard cost are its members' demand-weighted ones: here one SKU each.
    assert {(i.sku, i.family, i.price, i.unit_cost) for i in by_family.items} == {
        ("widgets|S1|P1", "widgets", 10.5, 6.0), ("gadgets|S2|P2", "gadgets", 20.0, 12.0)}
    assert by_family.plan.status == "optimal" and {r.sku for r in by_family.plan.unmet} == {"gadgets|S2|P2"}
    # A group cannot move one SKU's promotion (E1 is A1's): only whole families' are levers.
    assert not by_family.promotions and [p.event_id for p in by_sku.promotions] == ["E1"]
    whatifs = week3_by_family.store.query("SELECT * FROM whatifs")
    assert len(whatifs) >= 1 and set(whatifs["status"]) == {"optimal"}
    assert _snapshot(week3_by_family.store) == week3_by_family.before


def test_kpis_measure_the_closed_month(week3):
    kpis = week3.store.query("SELECT metric, month, value, target FROM kpis").set_index("metric")
    assert set(kpis["month"]) == {"2026-02"}
    # O1, promised 2026-02-05, arrived that day in full: one line, on time in full.
    assert kpis.loc["otif", "value"] == pytest.approx(1.0)
    assert kpis.loc["otif", "target"] == pytest.approx(0.95)
    # Gross margin at standard cost: 110 A1 shipped x (10.5 - 6).
    assert kpis.loc["gross_margin", "value"] == pytest.approx(110 * 4.5)
    assert pd.isna(kpis.loc["plan_attainment", "value"])  # the first published plan is this cycle's


def test_the_gate_figures_and_decisions(week3):
    figures = week3.out["finance"]["figures"]
    assert figures["whatifs_run"] >= 1
    asks = week3.store.query("SELECT seq, decision FROM decision_requests ORDER BY seq")
    assert asks["decision"].iloc[0] == "Approve the base supply plan as the operating plan"


def test_the_workbook_has_its_sheets_and_header_rows(week3):
    book = openpyxl.load_workbook(week3.package / "sop-plan.xlsx")
    assert book.sheetnames == list(SHEETS)
    headers = {name: [c.value for c in book[name][1]] for name in SHEETS}
    assert headers["Consensus forecast"][:4] == ["sku", "family", "dc", "measure"]
    assert headers["Consensus forecast"][4:] == HORIZON
    assert headers["Supply plan"] == ["kind", "sku", "plant", "dc", *HORIZON]
    assert headers["Financials"][:4] == ["scenario", "family", "month", "demand_units"]
    assert headers["Gaps and recommendations"][:3] == ["item", "id", "what"]
    assert headers["KPIs"][:4] == ["cycle_id", "metric", "month", "value"]
    assert headers["Decision log"][:3] == ["seq", "cycle_id", "gate"]
    # The header row and the columns that name a row stay in view.
    assert {name: book[name].freeze_panes for name in SHEETS} == {
        "Consensus forecast": "E2", "Supply plan": "E2", "Inventory targets": "C2", "Financials": "D2",
        "Gaps and recommendations": "C2", "KPIs": "D2", "Decision log": "B2"}
    assert all(cell.font.bold for cell in book["Financials"][1])
    formats = {name: dict(zip(headers[name], (c.number_format for c in book[name][2]))) for name in SHEETS}
    assert formats["Financials"]["revenue"] == formats["Financials"]["working_capital"] == "#,##0"
    assert formats["Financials"]["gross_margin_pct"] == "0.0%" and formats["Financials"]["month"] == "General"
    assert {m: formats["Consensus forecast"][m] for m in HORIZON} == dict.fromkeys(HORIZON, "#,##0")
    kpis = {r[1].value: r for r in book["KPIs"].iter_rows(min_row=2)}
    value = headers["KPIs"].index("value")
    assert kpis["otif"][value].number_format == kpis["mape"][value].number_format == "0.0%"  # 0.2885 is 28.9%
    assert kpis["working_capital"][value].number_format == "#,##0"
    assert kpis["days_on_hand"][value].number_format == "0.0"
    assert kpis["otif"][headers["KPIs"].index("variance_pct")].number_format == "+0.0%;-0.0%;0.0%"


def test_the_package_draws_in_chromium(week3):
    if find_chromium() is None:
        pytest.skip("chromium is not installed: 'make package-check' installs it (apt-get install chromium)")
    problems, charts, shot = check_package(week3.package)
    assert problems == []
    assert charts >= 5 and shot.stat().st_size > 10_000

"""Slash commands on the sample company: each command's figures against values recomputed here
from the raw tables, the usage messages, `sop ask --json`, and `sop chat` driven as a person would."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path
from statistics import NormalDist

import pandas as pd
import pytest
from rich.console import Console
from typer.testing import CliRunner

from sop.chat.slash import COMMANDS, SlashResult, SlashUsageError, dispatch
from sop.chat.textchart import fan_chart
from sop.cli.app import app
from sop.cli.chat import completions
from sop.config import Settings
from sop.data.sample_company import write_sample_company
from sop.store import Store

CYCLE = "2026-11"
DAYS_PER_MONTH = 365.25 / 12
TIER_FLOORS = ((90, "strategic partner"), (80, "preferred"), (70, "approved"), (60, "development"), (0, "at risk"))


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> Path:
    """The sample company loaded once, plus copies for the cycle fixture and the chat subprocess."""
    root = tmp_path_factory.mktemp("slash")
    write_sample_company(root / "csv")
    with Store(root / "sop.duckdb") as store:
        store.load_dir(root / "csv")
    for copy in ("cycle.duckdb", "chat.duckdb"):
        shutil.copy(root / "sop.duckdb", root / copy)
    return root


@pytest.fixture(scope="module")
def store(sample_db):
    with Store(sample_db / "sop.duckdb") as s:
        yield s


@pytest.fixture(scope="module")
def cycle_store(sample_db):
    """The sample company with a small hand-written 2026-11 cycle: shipments, gaps and a policy."""
    with Store(sample_db / "cycle.duckdb") as s:
        s.replace("plan_lines", pd.DataFrame([
            ("base", "demand", "WID-001", "", "DC-EAST", "2026-11", 500.0),
            ("base", "demand", "WID-001", "", "DC-EAST", "2026-12", 500.0),
            ("base", "shipment", "WID-001", "DAYTON", "DC-EAST", "2026-11", 21_000.0),
            ("base", "shipment", "WID-002", "DAYTON", "DC-EAST", "2026-11", 100.0),
            ("base", "shipment", "WID-001", "GREENVILLE", "DC-WEST", "2026-12", 6_500.0),
            ("upside", "shipment", "WID-001", "DAYTON", "DC-WEST", "2026-11", 99_999.0),
        ], columns=["scenario", "kind", "sku", "plant", "dc", "month", "qty"]), cycle_id=CYCLE)
        s.replace("gaps", pd.DataFrame([
            ("base", 2, "plant", "DAYTON", "2027-06", 300.0, 4_000.0, "overtime exhausted"),
            ("base", 1, "unmet", "WID-001", "2027-07", 1_200.0, 30_000.0, "lost sales at the peak"),
            ("upside", 1, "unmet", "OUT-001", "2027-07", 9_999.0, 99_999.0, "upside only"),
        ], columns=["scenario", "rank", "kind", "subject", "month", "units", "value", "detail"]), cycle_id=CYCLE)
        s.replace("inventory_policy", pd.DataFrame([
            ("FAS-001", "DC-EAST", 1_000.0, 100.0, 400.0),
            ("FAS-002", "DC-EAST", 500.0, 50.0, 250.0),
        ], columns=["sku", "dc", "mean_demand", "demand_std", "safety_stock"]), cycle_id=CYCLE)
        yield s


@pytest.fixture(scope="module")
def settings(sample_db) -> Settings:
    """Costs that differ from the defaults, to show the handlers use what they are given."""
    return Settings(_env_file=None, db=sample_db / "sop.duckdb", ordering_cost=200.0, holding_rate=0.2)


def screen(result: SlashResult) -> str:
    with open(os.devnull, "w") as devnull:
        console = Console(record=True, width=140, file=devnull)
        for renderable in result.renderables:
            console.print(renderable)
    return console.export_text()


def family_demand(store: Store, family: str) -> pd.Series:
    history = store.table("demand_history").merge(store.table("items")[["sku", "family"]], on="sku")
    return history[history["family"] == family].groupby("month")["ordered_qty"].sum()


# --- the commands -----------------------------------------------------------------------------


def test_help_lists_every_command(store, settings):
    result = dispatch(store, "/help", settings)
    assert [c["usage"] for c in result.figures["commands"]] == [c.usage for c in COMMANDS.values()]
    text = screen(result)
    for command in COMMANDS.values():
        assert command.usage in text and command.help[:30] in text


def test_demand_forecast_aggregates_the_family_and_nests_its_bands(store, settings):
    result = dispatch(store, "/demand-forecast widgets 6", settings)
    figures = result.figures
    raw = family_demand(store, "widgets")
    assert {r["month"]: r["demand"] for r in figures["history"]} == pytest.approx(raw.to_dict())
    assert [f["month"] for f in figures["forecast"]] == [
        "2026-11", "2026-12", "2027-01", "2027-02", "2027-03", "2027-04"]
    for f in figures["forecast"]:
        assert 0 <= f["lo_95"] <= f["lo_80"] <= f["forecast"] <= f["hi_80"] <= f["hi_95"]
    method = figures["method"]
    assert method["model"] and method["mae"] >= 0 and method["benchmark_mae"] > 0
    assert method["mae_vs_benchmark"] == pytest.approx(1 - method["mae"] / method["benchmark_mae"])
    assert "history window 2023-11 to 2026-10 (36 months)" in figures["assumptions"]
    text = screen(result)
    assert "widgets: demand forecast" in text and method["model"] in text and "seasonal-naive MAE" in text
    assert "2023-11" in text and "2027-04" in text and "80 % band" in text


def test_demand_forecast_defaults_to_all_families_over_18_months(store, settings):
    figures = dispatch(store, "/demand-forecast", settings).figures
    assert figures["family"] == "all" and figures["horizon"] == 18 and len(figures["forecast"]) == 18
    ordered = store.table("demand_history")["ordered_qty"].sum()
    assert sum(r["demand"] for r in figures["history"]) == pytest.approx(ordered)


def lead_time_months(store: Store, sku: str, since: str) -> tuple[float, float]:
    """Mean and sample σ of the SKU's supplier's lead times in months, POs ordered since `since`."""
    supplier = store.table("items").set_index("sku").loc[sku, "supplier"]
    pos = store.table("supplier_deliveries")
    pos = pos[(pos["supplier"] == supplier) & pos["received_date"].notna() & (pos["order_date"] >= pd.Timestamp(since))]
    days = (pos["received_date"] - pos["order_date"]).dt.days
    return days.mean() / DAYS_PER_MONTH, days.std() / DAYS_PER_MONTH


def test_reorder_calc_safety_stock_matches_the_textbook_formula(store, settings):
    figures = dispatch(store, "/reorder-calc fasteners 98", settings).figures
    assert figures["service_level"] == 0.98
    positions = {(p["sku"], p["dc"]): p for p in figures["positions"]}
    items = store.table("items").set_index("sku")
    assert {sku for sku, _ in positions} == set(items.index[items["family"] == "fasteners"])

    history = store.table("demand_history")
    year = history[(history["sku"] == "FAS-001") & (history["dc"] == "DC-EAST") & (history["month"] >= "2025-11")]
    mu, sigma = year["ordered_qty"].mean(), year["ordered_qty"].std()
    lead, lead_std = lead_time_months(store, "FAS-001", "2025-11-01")
    z = NormalDist().inv_cdf(0.98)
    p = positions["FAS-001", "DC-EAST"]
    assert p["safety_stock"] == pytest.approx(z * math.sqrt(lead * sigma**2 + mu**2 * lead_std**2), rel=1e-9)
    assert p["reorder_point"] == pytest.approx(mu * lead + p["safety_stock"], rel=1e-9)
    item = items.loc["FAS-001"]
    eoq = math.sqrt(2 * 12 * mu * 200.0 / (0.2 * item["unit_cost"]))
    assert p["eoq_unconstrained"] == pytest.approx(eoq, rel=1e-9)
    assert p["eoq"] >= max(eoq, item["moq"]) and p["eoq"] % item["pack_size"] == 0

    chosen = next(lv for lv in figures["sensitivity"] if lv["service_level"] == 0.98)
    assert chosen["safety_stock_units"] == pytest.approx(sum(p["safety_stock"] for p in positions.values()))
    units = [lv["safety_stock_units"] for lv in figures["sensitivity"]]
    assert units == sorted(units)


def test_reorder_calc_uses_the_latest_cycle_policy_when_there_is_one(cycle_store, settings):
    figures = dispatch(cycle_store, "/reorder-calc fasteners 95", settings).figures
    assert figures["source"].startswith(f"cycle {CYCLE}")
    p = {(q["sku"], q["dc"]): q for q in figures["positions"]}
    assert set(p) == {("FAS-001", "DC-EAST"), ("FAS-002", "DC-EAST")}
    lead, lead_std = lead_time_months(cycle_store, "FAS-001", "2025-11-01")
    expected = NormalDist().inv_cdf(0.95) * math.sqrt(lead * 100.0**2 + 1_000.0**2 * lead_std**2)
    assert p["FAS-001", "DC-EAST"]["safety_stock"] == pytest.approx(expected, rel=1e-9)


def test_supplier_scorecard_summary_tiers_follow_the_score(store, settings):
    result = dispatch(store, "/supplier-scorecard", settings)
    rows = result.figures["suppliers"]
    assert [r["supplier"] for r in rows] == sorted(store.table("suppliers")["supplier"])
    for r in rows:
        assert r["tier"] == next(tier for floor, tier in TIER_FLOORS if r["score"] >= floor)
    pos = store.table("supplier_deliveries")
    window = pos["received_date"].between(pd.Timestamp("2025-11-01"), pd.Timestamp("2026-10-31"))
    s01 = pos[(pos["supplier"] == "S01") & window]
    on_time = (s01["received_date"] <= s01["promised_date"]).mean()
    assert next(r for r in rows if r["supplier"] == "S01")["on_time"] == pytest.approx(on_time)
    assert result.figures["window"] == "2025-11 to 2026-10"


def test_supplier_scorecard_of_one_supplier_in_a_past_period(store, settings):
    result = dispatch(store, "/supplier-scorecard S02 2026-06", settings)
    card = result.figures["scorecard"]
    pos = store.table("supplier_deliveries")
    window = pos["received_date"].between(pd.Timestamp("2025-07-01"), pd.Timestamp("2026-06-30"))
    received = pos[(pos["supplier"] == "S02") & window]
    assert card["metrics"]["received_pos"] == len(received)
    ppm = 1e6 * received["qty_defective"].sum() / received["qty_received"].sum()
    assert card["metrics"]["ppm"] == pytest.approx(ppm)
    assert card["tier"] == next(tier for floor, tier in TIER_FLOORS if card["weighted_score"] >= floor)
    assert [q["quarter"] for q in card["trend"]] == ["2025Q3", "2025Q4", "2026Q1", "2026Q2"]
    text = screen(result)
    assert card["tier"] in text and "action plan" in text and card["actions"][0] in text


def test_logistics_plan_loads_lanes_from_the_base_plan(cycle_store, settings):
    figures = dispatch(cycle_store, "/logistics-plan", settings).figures
    assert figures["cycle"] == CYCLE
    lanes = cycle_store.table("lanes").set_index(["plant", "dc"])
    plans = {(p["plant"], p["dc"]): p for p in figures["lanes"]}
    east = plans["DAYTON", "DC-EAST"]
    capacity = lanes.loc[("DAYTON", "DC-EAST"), "capacity_per_month"]
    assert [m["period"] for m in east["months"]] == ["2026-11", "2026-12"]
    assert east["months"][0]["volume"] == 21_100.0
    assert east["months"][0]["utilisation"] == pytest.approx(21_100.0 / capacity)
    assert east["total_cost"] == pytest.approx(21_100.0 * lanes.loc[("DAYTON", "DC-EAST"), "cost_per_unit"])
    assert plans["DAYTON", "DC-WEST"]["total_volume"] == 0.0  # the upside scenario is not the base plan
    assert [(b["plant"], b["dc"], b["period"]) for b in figures["binding"]] == [("DAYTON", "DC-EAST", "2026-11")]
    west_cost = 6_500 * lanes.loc[("GREENVILLE", "DC-WEST"), "cost_per_unit"]
    assert figures["total_cost"] == pytest.approx(east["total_cost"] + west_cost)


def test_without_a_cycle_logistics_and_gaps_say_so_in_one_line(store, settings):
    for line in ("/logistics-plan", "/gaps"):
        result = dispatch(store, line, settings)
        assert result.figures == {"cycle": None}
        assert "sop cycle run" in screen(result) and screen(result).strip().count("\n") == 0


def test_gaps_ranked_for_the_base_scenario(cycle_store, settings):
    figures = dispatch(cycle_store, "/gaps", settings).figures
    assert [(g["rank"], g["subject"]) for g in figures["gaps"]] == [(1, "WID-001"), (2, "DAYTON")]


def test_inventory_status_days_of_supply_and_safety_stock(store, cycle_store, settings):
    figures = dispatch(store, "/inventory-status", settings).figures
    assert figures["demand_months"] == ["2026-08", "2026-09", "2026-10"] and figures["demand_days"] == 92
    rows = {(r["family"], r["dc"]): r for r in figures["positions"]}
    assert sum(r["on_hand"] for r in rows.values()) == pytest.approx(store.table("inventory")["on_hand"].sum())
    items = store.table("items")[["sku", "family", "unit_cost"]]
    stock = store.table("inventory").merge(items, on="sku")
    widgets_east = stock[(stock["family"] == "widgets") & (stock["dc"] == "DC-EAST")]
    history = store.table("demand_history").merge(items, on="sku")
    recent = history[(history["family"] == "widgets") & (history["dc"] == "DC-EAST") & (history["month"] >= "2026-08")]
    row = rows["widgets", "DC-EAST"]
    assert row["on_hand_value"] == pytest.approx((widgets_east["on_hand"] * widgets_east["unit_cost"]).sum())
    assert row["days_of_supply"] == pytest.approx(widgets_east["on_hand"].sum() / (recent["ordered_qty"].sum() / 92))
    assert row["safety_stock"] is None

    positions = dispatch(cycle_store, "/inventory-status", settings).figures["positions"]
    with_cycle = {(r["family"], r["dc"]): r for r in positions}
    assert with_cycle["fasteners", "DC-EAST"]["safety_stock"] == 650.0
    on_hand = with_cycle["fasteners", "DC-EAST"]["on_hand"]
    assert with_cycle["fasteners", "DC-EAST"]["above_safety_stock"] == pytest.approx(on_hand - 650.0)


def test_abc_analysis_shares_sum_to_one_and_a_covers_80_percent(store, settings):
    figures = dispatch(store, "/abc-analysis", settings).figures
    segments = figures["segments"]
    assert sum(s["revenue_share"] for s in segments) == pytest.approx(1.0)
    history = store.table("demand_history").merge(store.table("items")[["sku", "price"]], on="sku")
    year = history[history["month"] >= "2025-11"]
    revenue = (year["ordered_qty"] * year["price"]).groupby(year["sku"]).sum().sort_values(ascending=False)
    before = (revenue.cumsum() - revenue) / revenue.sum()
    assert sum(s["skus"] for s in segments) == figures["skus"] == len(revenue)
    assert sum(s["skus"] for s in segments if s["segment"].startswith("A")) == (before < 0.8).sum()
    assert {s["segment"]: s["service_level"] for s in segments}["AX"] == 0.98


# --- usage messages ---------------------------------------------------------------------------


@pytest.mark.parametrize(("line", "expected"), [
    ("/nope", "unknown command /nope"),
    ("hello", "starts with '/'"),
    ("/demand-forecast gizmos", "unknown product family 'gizmos'"),
    ("/demand-forecast widgets 0", "horizon must be a whole number from 1 to 36"),
    ("/demand-forecast widgets 37", "horizon must be a whole number from 1 to 36"),
    ("/demand-forecast widgets six", "horizon must be a whole number from 1 to 36"),
    ("/demand-forecast widgets 6 7", "too many arguments"),
    ("/reorder-calc fasteners 100", "service level must be a percentage"),
    ("/reorder-calc fasteners high", "service level must be a percentage"),
    ("/supplier-scorecard S99", "unknown supplier 'S99'"),
    ("/supplier-scorecard S01 2026-13", "period must be a month as YYYY-MM"),
])
def test_bad_lines_give_one_line_with_the_usage(store, settings, line, expected):
    with pytest.raises(SlashUsageError) as caught:
        dispatch(store, line, settings)
    message = str(caught.value)
    assert expected in message and "\n" not in message
    name = line.split()[0][1:]
    if name in COMMANDS and "unknown command" not in expected:
        assert message.endswith(f"usage: {COMMANDS[name].usage}")


def test_completion_offers_commands_and_agents():
    assert completions("/re") == ["/reorder-calc"]
    assert completions("@sup") == ["@supplier-relationship-manager"]
    assert "/quit" in completions("/")


def test_fan_chart_draws_history_forecast_and_bands():
    chart = fan_chart(["2026-01", "2026-02", "2026-03", "2026-04"], [10.0, 20.0], [30.0, 40.0],
                      [(25.0, 35.0), (33.0, 47.0)], [(20.0, 40.0), (30.0, 50.0)], height=6).splitlines()
    assert len(chart) == 6 + 3
    assert chart[0].startswith("50 ┤") and chart[5].startswith("10 ┤")
    assert chart[5].endswith("o   ") and "*" in chart[2] + chart[3]
    assert chart[-2].split() == ["2026-01", "2026-04"]


# --- the CLI ----------------------------------------------------------------------------------


def test_ask_json_prints_the_figures(sample_db, store):
    runner = CliRunner()
    env = {"SOP_DB": str(sample_db / "sop.duckdb"), "OPENAI_API_KEY": ""}
    result = runner.invoke(app, ["ask", "/demand-forecast kitchen 3", "--json"], env=env)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["command"] == "demand-forecast" and len(payload["figures"]["forecast"]) == 3
    assert payload["figures"]["history"][-1]["demand"] == pytest.approx(family_demand(store, "kitchen")["2026-10"])

    bad = runner.invoke(app, ["ask", "/reorder-calc widgets 120"], env=env)
    assert bad.exit_code == 2 and "usage: /reorder-calc [product-category] [service-level]" in bad.stderr
    assert runner.invoke(app, ["ask", "/nope"], env=env).exit_code == 2
    free = runner.invoke(app, ["ask", "how much stock do we hold?"], env=env)
    assert free.exit_code == 0 and "inventory-optimizer (offline model)" in free.stdout and "on hand" in free.stdout


def test_chat_as_a_person_uses_it(sample_db, tmp_path):
    sop = Path(sys.executable).with_name("sop")
    typed = ("/help\n/demand-forecast widgets 6\nwhat will widgets sell next summer?\n/demand-forecast widgets 99\n"
             "/quit\n")
    env = {**os.environ, "SOP_DB": str(sample_db / "chat.duckdb"), "COLUMNS": "140", "TERM": "dumb",
           "OPENAI_API_KEY": ""}
    done = subprocess.run([str(sop), "chat", "--history", str(tmp_path / "history")], input=typed, text=True,
                          capture_output=True, env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.count("sop> ") == 5
    assert "/reorder-calc [product-category] [service-level]" in out
    assert "widgets: demand forecast" in out and "2027-04" in out and "o history" in out
    assert "demand-forecaster (offline model)" in out and "the statistical baseline (no cycle has run yet" in out
    assert "horizon must be a whole number from 1 to 36, got '99'" in out
    assert (tmp_path / "history").exists()

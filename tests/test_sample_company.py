"""The sample company: deterministic, true to the schema, and shaped to exercise the cycle.

Every check reads the written CSVs, as the loader will, so the files themselves are tested.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from sop.data.sample_company import write_sample_company
from sop.store.schema import FAMILY_REFERENCES, TABLES, TABLES_BY_NAME

MONTH_COUNT = 36


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("sample")
    return out, write_sample_company(out)


@pytest.fixture(scope="module")
def company_dir(written: tuple[Path, dict[str, int]]) -> Path:
    return written[0]


@pytest.fixture(scope="module")
def tables(company_dir: Path) -> dict[str, list[dict[str, str]]]:
    rows = {}
    for table in TABLES:
        with open(company_dir / table.file, encoding="utf-8", newline="") as handle:
            rows[table.name] = list(csv.DictReader(handle))
    return rows


def _by_month(rows: list[dict[str, str]]) -> list[str]:
    return sorted({r["month"] for r in rows})


def test_same_seed_gives_identical_bytes(tmp_path: Path, written) -> None:
    company_dir, counts = written
    assert write_sample_company(tmp_path) == counts
    for table in TABLES:
        assert (tmp_path / table.file).read_bytes() == (company_dir / table.file).read_bytes()


def test_another_seed_gives_another_company(tmp_path: Path, company_dir: Path) -> None:
    write_sample_company(tmp_path, seed=8)
    demand = TABLES_BY_NAME["demand_history"].file
    assert (tmp_path / demand).read_bytes() != (company_dir / demand).read_bytes()


def test_every_table_has_exactly_the_schema_columns(company_dir: Path, tables) -> None:
    for table in TABLES:
        with open(company_dir / table.file, encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle))
        assert header == table.column_names, table.name
        assert tables[table.name], f"{table.name} is empty"


def test_returned_counts_match_the_files(written, tables) -> None:
    assert written[1] == {name: len(rows) for name, rows in tables.items()}


def test_values_have_their_types_and_constraints(tables) -> None:
    for table in TABLES:
        for row in tables[table.name]:
            for column in table.columns:
                value = row[column.name]
                if value == "":
                    assert column.nullable, f"{table.name}.{column.name} is empty"
                    continue
                if column.type == "month":
                    assert len(value) == 7 and value[4] == "-", value
                elif column.type == "date":
                    assert len(value) == 10 and value[4] == value[7] == "-", value
                elif column.type in ("int", "float"):
                    number = float(value)
                    assert not column.non_negative or number >= 0, (table.name, column.name, value)
                    if column.type == "int":
                        assert number.is_integer(), value
                if column.choices:
                    assert value in column.choices, (table.name, column.name, value)


def test_sizes_are_in_range(tables) -> None:
    items = tables["items"]
    assert 150 <= len(items) <= 300
    assert 4 <= len({i["family"] for i in items}) <= 6
    assert {"widgets", "fasteners"} <= {i["family"] for i in items}
    assert len(tables["plants"]) == 2
    assert len(tables["dcs"]) == 3
    assert 4 <= len(tables["suppliers"]) <= 6
    assert len(tables["lanes"]) == 6
    months = _by_month(tables["demand_history"])
    assert len(months) == MONTH_COUNT and months[0] == "2023-11" and months[-1] == "2026-10"
    assert 2000 <= len(tables["supplier_deliveries"]) <= 4000
    assert 5000 <= len(tables["customer_orders"]) <= 10000
    assert 15 <= len(tables["market_events"]) <= 25
    budget_months = _by_month(tables["budget"])
    assert budget_months[0] == "2025-11" and budget_months[-1] == "2028-04"


def test_keys_are_unique(tables) -> None:
    for table in TABLES:
        keys = [tuple(row[k] for k in table.key) for row in tables[table.name]]
        assert len(keys) == len(set(keys)), table.name


def test_foreign_keys_resolve(tables) -> None:
    for table in TABLES:
        for fk in table.foreign_keys:
            known = {tuple(row[c] for c in fk.ref_columns) for row in tables[fk.table]}
            for row in tables[table.name]:
                value = tuple(row[c] for c in fk.columns)
                assert all(v == "" for v in value) or value in known, (table.name, value)
    families = {i["family"] for i in tables["items"]}
    for name, column in FAMILY_REFERENCES:
        assert {row[column] for row in tables[name]} <= families, name
    skus = {i["sku"] for i in tables["items"]}
    assert {e["sku"] for e in tables["market_events"] if e["sku"]} <= skus


def test_every_plant_ships_to_every_dc_and_every_sku_is_routed(tables) -> None:
    lanes = {(lane["plant"], lane["dc"]) for lane in tables["lanes"]}
    assert lanes == {(p["plant"], d["dc"]) for p in tables["plants"] for d in tables["dcs"]}
    plants_per_sku = defaultdict(int)
    for routing in tables["routings"]:
        plants_per_sku[routing["sku"]] += 1
    assert set(plants_per_sku) == {i["sku"] for i in tables["items"]}
    assert set(plants_per_sku.values()) == {1, 2}


def test_margins_are_between_25_and_55_percent(tables) -> None:
    for item in tables["items"]:
        margin = 1 - float(item["unit_cost"]) / float(item["price"])
        assert 0.24 <= margin <= 0.56, item["sku"]


def test_history_has_stockout_months(tables) -> None:
    short = [r for r in tables["demand_history"] if float(r["shipped_qty"]) < float(r["ordered_qty"])]
    assert len(short) > 100
    assert all(float(r["shipped_qty"]) <= float(r["ordered_qty"]) for r in tables["demand_history"])


def test_launches_have_short_history_from_their_launch_month(tables) -> None:
    launched = {i["sku"]: i["launch_month"] for i in tables["items"] if i["launch_month"]}
    assert len(launched) >= 3
    months = defaultdict(set)
    for row in tables["demand_history"]:
        if row["sku"] in launched:
            months[row["sku"]].add(row["month"])
    for sku, first in launched.items():
        assert min(months[sku]) == first, sku
        assert 4 <= len(months[sku]) <= 10, sku


def test_some_skus_are_intermittent(tables) -> None:
    series = defaultdict(list)
    for row in tables["demand_history"]:
        series[(row["sku"], row["dc"])].append(float(row["ordered_qty"]))
    intermittent = {sku for (sku, _), qty in series.items()
                    if len(qty) == MONTH_COUNT and sum(q == 0 for q in qty) >= 0.3 * MONTH_COUNT}
    assert len(intermittent) >= 5


def test_promotions_in_history_lift_demand(tables) -> None:
    """Family-wide past promotions: the promoted months sell more than the same months a year
    before or after (which are not promoted)."""
    family_of = {i["sku"]: i["family"] for i in tables["items"]}
    units = defaultdict(float)
    for row in tables["demand_history"]:
        units[(family_of[row["sku"]], row["month"])] += float(row["ordered_qty"])
    promoted = [e for e in tables["market_events"]
                if e["type"] == "promotion" and not e["sku"] and e["end_month"] <= "2026-10"]
    assert promoted
    for event in promoted:
        month = event["start_month"]
        year, mm = int(month[:4]), month[5:]
        before, after = f"{year - 1}-{mm}", f"{year + 1}-{mm}"
        other = before if (event["family"], before) in units else after
        assert units[(event["family"], month)] > units[(event["family"], other)], event["event_id"]


def test_an_event_note_carries_an_instruction_that_must_stay_data(tables) -> None:
    assert any("ignore previous instructions" in (e["note"] or "").lower()
               for e in tables["market_events"])


def test_team_has_the_approvers(tables) -> None:
    team = {p["person"]: (p["role"], p["approves"]) for p in tables["team"]}
    assert team["dana"] == ("demand_lead", "consensus")
    assert team["erin"] == ("executive", "executive")
    assert team["sam"] == ("planner", "none")


def test_targets_are_the_company_targets(tables) -> None:
    targets = {t["metric"]: float(t["value"]) for t in tables["targets"]}
    assert targets["mape"] == 0.25 and targets["days_on_hand"] == 45
    assert targets["otif"] == 0.95 and targets["gross_margin_pct"] == 0.38
    assert targets["working_capital"] > 0


def _plant_hours_by_month(tables) -> dict[str, dict[str, float]]:
    """Hours each plant needs per month to make the ordered units at each SKU's primary plant
    (the routing with the fewest hours)."""
    primary = {}
    for r in tables["routings"]:
        hours = float(r["hours_per_unit"])
        if r["sku"] not in primary or hours < primary[r["sku"]][1]:
            primary[r["sku"]] = (r["plant"], hours)
    need: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in tables["demand_history"]:
        plant, hours = primary[row["sku"]]
        need[plant][row["month"]] += float(row["ordered_qty"]) * hours
    return need


def test_the_seasonal_peak_exceeds_plant_capacity_while_the_average_fits(tables) -> None:
    need = _plant_hours_by_month(tables)
    last_year = _by_month(tables["demand_history"])[-12:]
    over_at_peak = []
    for plant in tables["plants"]:
        regular = float(plant["regular_hours_per_month"])
        capacity = regular + float(plant["max_overtime_hours_per_month"])
        monthly = [need[plant["plant"]][m] for m in last_year]
        assert sum(monthly) / len(monthly) <= regular, plant["plant"]
        over_at_peak.append(max(monthly) > capacity)
    assert any(over_at_peak)


def test_one_supplier_is_tight_at_the_peak(tables) -> None:
    material = {i["sku"]: (i["supplier"], float(i["material_per_unit"])) for i in tables["items"]}
    last_year = set(_by_month(tables["demand_history"])[-12:])
    need: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in tables["demand_history"]:
        if row["month"] in last_year:
            supplier, per_unit = material[row["sku"]]
            need[supplier][row["month"]] += float(row["ordered_qty"]) * per_unit
    capacity = {s["supplier"]: float(s["capacity_per_month"]) for s in tables["suppliers"]}
    ratios = {s: capacity[s] / (sum(need[s].values()) / 12) for s in capacity}
    assert all(0.95 <= r <= 1.35 for r in ratios.values()), ratios
    tight = min(ratios, key=ratios.get)
    assert ratios[tight] <= 1.08
    assert max(need[tight].values()) > capacity[tight]


def test_suppliers_differ_in_quality(tables) -> None:
    late, defects, received = defaultdict(int), defaultdict(float), defaultdict(float)
    count = defaultdict(int)
    for po in tables["supplier_deliveries"]:
        if po["received_date"]:
            count[po["supplier"]] += 1
            late[po["supplier"]] += po["received_date"] > po["promised_date"]
            defects[po["supplier"]] += float(po["qty_defective"])
            received[po["supplier"]] += float(po["qty_received"])
    late_share = {s: late[s] / count[s] for s in count}
    defect_rate = {s: defects[s] / received[s] for s in count}
    assert max(late_share.values()) > 0.25 and min(late_share.values()) < 0.05
    assert max(defect_rate.values()) > 10 * min(defect_rate.values())


def test_customer_orders_include_late_short_and_open_orders(tables) -> None:
    orders = tables["customer_orders"]
    assert any(o["delivered_date"] and o["delivered_date"] > o["promised_date"] for o in orders)
    assert any(o["delivered_date"] and float(o["qty_delivered"]) < float(o["qty_ordered"])
               for o in orders)
    assert any(not o["delivered_date"] and o["order_date"] >= "2026-10-20" for o in orders)
    assert min(o["order_date"] for o in orders) >= "2025-11-01"


def test_data_readme_documents_every_column_in_schema_order() -> None:
    """data/README.md is the contract people read: each table's section lists exactly the
    schema's columns, in order, with the schema's type."""
    readme = (Path(__file__).parents[1] / "data" / "README.md").read_text(encoding="utf-8")
    sections = {part.split()[0]: part for part in readme.split("\n### ")[1:]}
    for table in TABLES:
        assert f"`{table.file}`" in sections[table.name], table.name
        rows = [line.strip("|").split("|") for line in sections[table.name].splitlines()
                if line.startswith("| ") and not line.startswith("| column")]
        assert [(r[0].strip(), r[1].strip()) for r in rows] == [(c.name, c.type) for c in table.columns]

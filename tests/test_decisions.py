"""Executive decisions: a decisions file is validated with errors that name the file and the
field, checked against the company, and applied to the supply-plan instance week 4 re-solves."""

from __future__ import annotations

import json

import pytest

from sop.graph.decisions import (
    CompanyFacts,
    InvalidDecisions,
    apply_decisions,
    check_decisions,
    dump_decisions,
    load_decisions,
    parse_decisions,
    shift_curve,
)
from sop.tools.supply.supply_plan import SupplyPlanInstance

FACTS = CompanyFacts(horizon=["2027-01", "2027-02", "2027-03", "2027-04"],
                     families={"K1": "kitchen", "K2": "kitchen", "W1": "widgets"},
                     plant_hours={"P1": (100.0, 20.0)}, people=frozenset({"erin", "sam"}))


def _instance() -> SupplyPlanInstance:
    return SupplyPlanInstance(
        periods=FACTS.horizon,
        skus=[{"sku": s, "holding_cost": 1, "unmet_penalty": 50, "ss_penalty": 5} for s in FACTS.families],
        plants=[{"plant": "P1", "regular_hours": [100.0] * 4, "max_overtime_hours": [20.0] * 4,
                 "overtime_cost_per_hour": 40}],
        routings=[{"sku": s, "plant": "P1", "hours_per_unit": 0.1, "cost_per_unit": 2} for s in FACTS.families],
        dcs=[{"dc": "D1", "storage_capacity": 10_000}],
        lanes=[{"plant": "P1", "dc": "D1", "cost_per_unit": 1, "capacity": [5_000.0] * 4}],
        suppliers=[],
        demand=[{"sku": "K1", "dc": "D1", "qty": [10.0, 10.0, 10.0, 10.0]},
                {"sku": "K2", "dc": "D1", "qty": [0.0, 4.0, 6.0, 8.0]},
                {"sku": "W1", "dc": "D1", "qty": [20.0, 20.0, 20.0, 20.0]}],
        initial_inventory=[],
        safety_stock=[{"sku": "K1", "dc": "D1", "qty": 5.0}, {"sku": "W1", "dc": "D1", "qty": 8.0}],
    )


def _decisions(*entries: dict):
    return parse_decisions(list(entries))


def test_a_yaml_file_with_every_kind_loads(tmp_path):
    path = tmp_path / "decisions.yaml"
    path.write_text("""
decisions:
  - {kind: approve, plan: demand}
  - {kind: demand, family: kitchen, from: 2027-02, to: 2027-03, change_pct: -5, rationale: destocking}
  - {kind: capacity, plant: P1, from: 2027-01, to: 2027-01, extra_overtime_hours: 30, owner: sam, due: 2027-01-15}
  - {kind: inventory_target, sku: W1, safety_stock_change_pct: 25}
  - {kind: launch, sku: K2, launch_month: 2027-03}
  - {kind: pricing, family: widgets, from: 2027-01, to: 2027-04, price_change_pct: 3, volume_change_pct: -2}
""")
    decisions = load_decisions(path)
    assert [d.kind for d in decisions] == ["approve", "demand", "capacity", "inventory_target", "launch", "pricing"]
    assert [d.changes_plan() for d in decisions] == [False, True, True, True, True, True]
    assert decisions[2].summary() == "capacity: P1 2027-01 +30 overtime hours a month"
    check_decisions(decisions, FACTS)
    # They travel through the checkpoint as plain JSON and come back the same.
    assert parse_decisions(json.loads(json.dumps(dump_decisions(decisions)))) == decisions


def test_file_errors_name_the_file_and_the_field(tmp_path):
    path = tmp_path / "board.json"
    path.write_text(json.dumps({"decisions": [
        {"kind": "demand", "family": "kitchen", "from": "2027-02", "to": "2027-03", "change_pct": -120},
        {"kind": "capacity", "plant": "P1", "from": "2027-01", "to": "2027-02"},
        {"kind": "pricing", "family": "kitchen", "from": "2027-01", "to": "2027-01", "price_change_pct": 2,
         "volume": 3},
        {"kind": "bonus"}]}))
    with pytest.raises(ValueError) as err:
        load_decisions(path)
    lines = str(err.value).splitlines()
    assert lines[0] == f"{path}: decisions[1].change_pct: Input should be greater than -100"
    assert lines[1].startswith(f"{path}: decisions[2]: Value error, give extra_overtime_hours or extra_regular_hours")
    assert lines[2] == f"{path}: decisions[3].volume: Extra inputs are not permitted"
    assert lines[3].startswith(f"{path}: decisions[4]: Input tag 'bonus' found using 'kind' does not match")
    assert lines[4].startswith("Fix board.json and run the command again")


def test_unreadable_files_say_so(tmp_path):
    with pytest.raises(ValueError, match=r"missing\.yaml: cannot read the decisions file"):
        load_decisions(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("decisions: [kind: demand\n")
    with pytest.raises(ValueError, match=r"broken\.yaml: is not valid YAML"):
        load_decisions(broken)
    empty = tmp_path / "empty.yaml"
    empty.write_text("decisions: []\n")
    with pytest.raises(ValueError, match=r"empty.yaml: decisions: List should have at least 1 item"):
        load_decisions(empty)


def test_decisions_that_do_not_fit_the_company_are_named():
    decisions = _decisions(
        {"kind": "demand", "family": "kitchn", "from": "2027-02", "to": "2028-01", "change_pct": 5},
        {"kind": "capacity", "plant": "P1", "from": "2027-01", "to": "2027-02", "extra_regular_hours": -150},
        {"kind": "capacity", "plant": "P9", "from": "2027-01", "to": "2027-02", "extra_overtime_hours": 5},
        {"kind": "launch", "sku": "Z1", "launch_month": "2027-02", "owner": "bob"})
    with pytest.raises(InvalidDecisions) as err:
        check_decisions(decisions, FACTS)
    assert err.value.problems == [
        "decisions[1].to: 2028-01 is outside the plan horizon 2027-01..2027-04",
        "decisions[1].family: 'kitchn' is not a family of this company; families: kitchen, widgets",
        "decisions[2].extra_regular_hours: -150 would leave P1 with -50 regular hours a month; it has 100",
        "decisions[3].plant: 'P9' is not a plant of this company; plants: P1",
        "decisions[4].owner: 'bob' is not in the team file; name one of erin, sam",
        "decisions[4].sku: 'Z1' is not in the item master",
    ]


def test_each_decision_changes_only_what_it_names():
    base = _instance()
    changed = apply_decisions(base, _decisions(
        {"kind": "demand", "family": "kitchen", "from": "2027-02", "to": "2027-03", "change_pct": -50},
        {"kind": "capacity", "plant": "P1", "from": "2027-03", "to": "2027-04", "extra_overtime_hours": 15,
         "extra_regular_hours": 10},
        {"kind": "inventory_target", "family": "widgets", "safety_stock_change_pct": 50},
        {"kind": "pricing", "family": "widgets", "from": "2027-04", "to": "2027-04", "price_change_pct": -10,
         "volume_change_pct": 20}), FACTS)
    demand = {d.sku: d.qty for d in changed.demand}
    assert demand == {"K1": [10, 5, 5, 10], "K2": [0, 2, 3, 8], "W1": [20, 20, 20, 24]}
    assert changed.plants[0].regular_hours == [100, 100, 110, 110]
    assert changed.plants[0].max_overtime_hours == [20, 20, 35, 35]
    assert {s.sku: s.qty for s in changed.safety_stock} == {"K1": 5, "W1": 12}
    assert base == _instance(), "the week-2 instance itself is never changed"


def test_a_launch_moves_the_whole_curve_to_its_month():
    def launch(month: str):
        return apply_decisions(_instance(), _decisions({"kind": "launch", "sku": "K2", "launch_month": month}), FACTS)

    later = launch("2027-04")
    assert next(d.qty for d in later.demand if d.sku == "K2") == [0, 0, 0, 4]
    earlier = launch("2027-01")
    assert next(d.qty for d in earlier.demand if d.sku == "K2") == [4, 6, 8, 8]


@pytest.mark.parametrize("months, expected", [(0, [1, 2, 3]), (1, [0, 1, 2]), (3, [0, 0, 0]), (-1, [2, 3, 3])])
def test_shift_curve(months, expected):
    assert shift_curve([1.0, 2.0, 3.0], months) == expected

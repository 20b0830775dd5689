"""Published plan versions never change, the decision log names any tampering, and stores
written before week 4's migration keep verifying after it."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

import sop.store.migrations as migrations
from sop.cli.app import app
from sop.report.plans import plan_diff
from sop.store import PlanNotFound, PlanTampered, PublishedPlanImmutable, Store
from sop.store.ledger import GENESIS_HASH, entry_hash, verify_chain

SHIPMENTS = [("A1", "D1", "2026-11", 100.0), ("A1", "D1", "2026-12", 120.0), ("A2", "D2", "2026-11", 40.0)]


def _plan_lines(rows) -> pd.DataFrame:
    return pd.DataFrame([{"kind": "shipment", "sku": s, "plant": "P1", "dc": d, "month": m, "qty": q}
                         for s, d, m, q in rows])


@pytest.fixture
def db(store_db):
    """A store with one published version of the 2026-11 cycle, on each back end."""
    path = store_db
    with Store(path) as store:
        store.replace("plan_lines", _plan_lines(SHIPMENTS), cycle_id="2026-11", scenario="base")
        assert store.publish_plan("2026-11", scenario="base", approved_by="erin") == 1
    return path


def _rows(store: Store, version: int | None = None) -> list[tuple]:
    return list(store.published_plan(version)[["sku", "dc", "month", "qty"]].itertuples(index=False, name=None))


def test_a_published_version_cannot_be_replaced_or_republished(db):
    with Store(db) as store:
        with pytest.raises(PublishedPlanImmutable, match="publish the changed plan as a new version"):
            store.replace("published_plan", pd.DataFrame([{"sku": "A1", "dc": "D1", "month": "2026-11", "qty": 1.0}]),
                          version=1)
        store.replace("plan_lines", _plan_lines([("A1", "D1", "2026-11", 999.0)]), cycle_id="2026-11", scenario="base")
        assert store.publish_plan("2026-11", scenario="base", approved_by="sam") == 1  # a resume gets the same version
        assert _rows(store) == sorted(SHIPMENTS)
        assert store.plan_versions()["approved_by"].tolist() == ["erin"]


@pytest.mark.parametrize("tamper", [
    "UPDATE published_plan SET qty = qty + 1 WHERE sku = 'A2'",
    "DELETE FROM published_plan WHERE month = '2026-12'",
    "INSERT INTO published_plan VALUES (1, 'A2', 'D2', '2026-12', 5)",
])
def test_a_version_edited_in_the_database_is_refused(db, tamper):
    with Store(db) as store:
        store.con.execute(tamper)
        with pytest.raises(PlanTampered, match="plan version 1 was changed after it was published"):
            store.published_plan(1)
    result = CliRunner().invoke(app, ["plan", "show", "1"], env={"SOP_DB": str(db)})
    assert result.exit_code == 1 and "plan version 1 was changed after it was published" in result.output


def test_the_latest_version_and_unknown_versions(db):
    with Store(db) as store:
        store.replace("plan_lines", _plan_lines(SHIPMENTS[:1]), cycle_id="2026-12", scenario="approved")
        assert store.publish_plan("2026-12", scenario="approved", approved_by="erin") == 2
        assert _rows(store) == SHIPMENTS[:1] and _rows(store, 1) == sorted(SHIPMENTS)
        with pytest.raises(PlanNotFound, match="there is no plan version 7; published versions: 1, 2"):
            store.published_plan(7)
    with Store(":memory:") as empty, pytest.raises(PlanNotFound, match="no plan version is published yet"):
        empty.published_plan()


def test_plan_diff_compares_by_key_and_month_and_says_which_months_both_plan():
    def plan(rows):
        return pd.DataFrame(rows, columns=["sku", "family", "month", "qty"])

    old = plan([("A1", "tools", "2026-10", 50.0), ("A1", "tools", "2026-11", 100.0), ("A2", "tools", "2026-11", 10.0),
                ("B1", "toys", "2026-11", 30.0)])
    new = plan([("A1", "tools", "2026-11", 80.0), ("A2", "tools", "2026-11", 10.0), ("B1", "toys", "2026-11", 30.2),
                ("B1", "toys", "2026-12", 60.0)])
    by_family = plan_diff(old, new, "family")
    assert by_family[["family", "month", "units_old", "units_new", "change", "coverage"]].values.tolist() == [
        ["toys", "2026-12", 0.0, 60.0, 60.0, "new only"],
        ["tools", "2026-10", 50.0, 0.0, -50.0, "old only"],
        ["tools", "2026-11", 110.0, 90.0, -20.0, "both"],
    ]
    assert plan_diff(old, new, "sku")[["sku", "change_pct"]].values.tolist()[2] == ["A1", -0.2]
    with pytest.raises(ValueError, match="--by must be one of family, sku, month"):
        plan_diff(old, new, "plant")


def test_decisions_verify_names_the_edited_entry(store_db):
    db = store_db
    with Store(db) as store:
        for attempt, by in enumerate(["dana", "erin", "dana"], start=1):
            store.log_decision(cycle_id="2026-11", gate="consensus", attempt=attempt, decision="approved", by=by,
                               rationale="ok", figures={"wape": 0.2})
        store.log_refusal(cycle_id="2026-11", gate="executive", attempt=1, by="sam", reason="no right", figures={})
    runner, env = CliRunner(), {"SOP_DB": str(db)}
    assert "intact: 4 entries" in runner.invoke(app, ["decisions", "verify"], env=env).stdout
    with Store(db) as store:
        store.con.execute("UPDATE decisions SET ref = 'refusal 9' WHERE seq = 4")
        store.con.execute("UPDATE decisions SET rationale = 'fine' WHERE seq = 2")
    result = runner.invoke(app, ["decisions", "verify"], env=env)
    assert result.exit_code == 1
    assert "entry 2 was edited after it was written" in result.output
    assert "entry 4 was edited after it was written" in result.output


def test_a_store_from_before_week_4_keeps_its_log_and_versions(tmp_path, monkeypatch):
    db = tmp_path / "old.duckdb"
    week4 = migrations.MIGRATIONS.index(migrations.add_decision_refs_plan_checksums_and_action_items)
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:week4])
    with Store(db) as old:
        entry = {"seq": 1, "cycle_id": "2026-10", "gate": "consensus", "attempt": 1, "decision": "approved",
                 "decided_by": "dana", "decided_at": "2026-10-02T09:00:00+00:00", "rationale": "ok", "figures": "{}",
                 "prev_hash": GENESIS_HASH}
        entry["hash"] = entry_hash(entry)
        old.con.execute(f"INSERT INTO decisions ({', '.join(entry)}) VALUES ({', '.join('?' * len(entry))})",
                        list(entry.values()))
        old.replace("plan_lines", _plan_lines(SHIPMENTS), cycle_id="2026-10", scenario="base")
        old.con.execute("INSERT INTO plan_versions VALUES (1, '2026-10', 'base', 'erin', '2026-10-30T10:00:00+00:00')")
        old.con.execute("INSERT INTO published_plan SELECT 1, sku, dc, month, qty FROM plan_lines")
    monkeypatch.undo()
    with Store(db) as store:
        store.log_refusal(cycle_id="2026-10", gate="executive", attempt=1, by="sam", reason="no right", figures={})
        entries = store.query("SELECT * FROM decisions ORDER BY seq").to_dict("records")
        assert [e["ref"] for e in entries] == ["", "refusal 1"] and verify_chain(entries) == []
        assert _rows(store, 1) == sorted(SHIPMENTS)

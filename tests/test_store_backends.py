"""The store on both back ends: the import is all or nothing, the tables read back the same, and
concurrent writers of the decision log and the plan versions are serialised by the database."""

from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd
import pytest

from sop.store import Store
from sop.store.backends import DuckDBBackend, postgres_sql
from sop.store.ledger import verify_chain
from sop.store.location import is_server_url, local_stem, shown
from sop.store.schema import TABLES


def test_the_shared_dialect_in_postgresql():
    sql = "SELECT x FROM t WHERE a = ? AND b LIKE '5%?' AND c = CAST(? AS DOUBLE)"
    assert postgres_sql(sql, with_params=True) == (
        "SELECT x FROM t WHERE a = %s AND b LIKE '5%%?' AND c = CAST(%s AS DOUBLE PRECISION)")
    assert postgres_sql("ALTER TABLE f ADD COLUMN s DOUBLE", with_params=False) == (
        "ALTER TABLE f ADD COLUMN s DOUBLE PRECISION")


def test_a_server_url_is_shown_without_its_password_and_keeps_its_lock_on_this_machine(tmp_path):
    url = "postgresql://planner:s3cret@db.example:5432/sop"
    assert is_server_url(url) and not is_server_url(tmp_path / "sop.duckdb")
    assert shown(url) == "postgresql://planner:***@db.example:5432/sop"
    assert local_stem(url).name.startswith("db_example-sop-") and "s3cret" not in str(local_stem(url))
    assert local_stem(tmp_path / "sop.duckdb") == tmp_path / "sop.duckdb"


def test_the_import_loads_every_table_and_reads_back_alike(store_db, tiny_data_dir):
    with Store(store_db) as store:
        loaded = store.load_dir(tiny_data_dir)
        assert loaded == {t.name: len(store.table(t.name)) for t in TABLES}
        inventory = store.table("inventory")
        assert inventory["as_of"].dtype.kind == "M" and inventory["on_hand"].tolist() == [250.0, 80.0]
        items = store.table("items").set_index("sku")
        assert items.loc["A2", "moq"] == 20 and items.loc["A1", "launch_month"] is None


def test_a_load_that_fails_while_writing_leaves_the_store_as_it_was(store_db, tiny_data_dir, monkeypatch):
    with Store(store_db) as store:
        store.load_dir(tiny_data_dir)
        before = {t.name: store.table(t.name) for t in TABLES}
        written = []
        insert = type(store.con).insert_frame

        def fail_at_the_fifth_table(self, table: str, frame: pd.DataFrame) -> None:
            written.append(table)
            if len(written) == 5:
                raise OSError("the disk filled up")
            insert(self, table, frame)

        monkeypatch.setattr(type(store.con), "insert_frame", fail_at_the_fifth_table)
        with pytest.raises(OSError, match="disk filled up"):
            store.load_dir(tiny_data_dir)
        monkeypatch.undo()
        for name, frame in before.items():
            pd.testing.assert_frame_equal(store.table(name), frame)


def test_concurrent_approvals_keep_one_unbroken_log(store_db):
    """Four writers each append ten entries at once (on DuckDB, through one shared connection as
    the one process that holds the file; on PostgreSQL, each with its own connection)."""
    with Store(store_db) as first:
        first.log_decision(cycle_id="2026-10", gate="consensus", attempt=1, decision="approved", by="dana",
                           rationale="ok", figures={})
    if not is_server_url(store_db):
        pytest.skip("DuckDB is held by one process at a time; its writers are serialised by the store's lock")
    errors: list[BaseException] = []

    def approve(person: str) -> None:
        try:
            with Store(store_db) as store:
                for attempt in range(1, 11):
                    store.log_decision(cycle_id="2026-11", gate=person, attempt=attempt, decision="approved",
                                       by=person, rationale="agreed", figures={"attempt": attempt})
                    store.publish_plan(f"{person}-{attempt}", scenario="base", approved_by=person)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=approve, args=(p,)) for p in ("dana", "erin", "sam", "lee")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Store(store_db) as store:
        entries = store.query("SELECT * FROM decisions ORDER BY seq").to_dict("records")
        assert len(entries) == 41 and verify_chain(entries) == []
        assert store.plan_versions()["version"].tolist() == list(range(1, 41))


def test_duckdb_stays_the_default(tmp_path):
    with Store(tmp_path / "sop.duckdb") as store:
        assert isinstance(store.con, DuckDBBackend)


def test_sop_db_takes_a_url_and_names_an_unreachable_server_without_its_password(tmp_path):
    from typer.testing import CliRunner

    from sop.cli.app import app
    from sop.config import Settings

    url = "postgresql://planner:s3cret@127.0.0.1:1/sop"
    assert Settings(_env_file=None, SOP_DB=url).db == url
    assert Settings(_env_file=None, SOP_DB="sop.duckdb").db == Path("sop.duckdb")
    env = {"SOP_DB": url, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    result = CliRunner().invoke(app, ["plan", "list"], env=env)
    assert result.exit_code == 1
    assert "cannot connect to the PostgreSQL planning store postgresql://planner:***@127.0.0.1:1/sop" in result.output
    assert "s3cret" not in result.output
    backup = CliRunner().invoke(app, ["data", "backup"], env=env)
    assert backup.exit_code == 2 and "back it up and restore it with the server's own tools" in backup.output
    with pytest.raises(ValueError, match="is not a store sop can open"):
        Store("mysql://planner@db/sop")


def test_a_node_write_reads_back_alike_on_both(store_db):
    """Whole numbers given as floats, an empty text beside a missing one, quotes and commas."""
    rows = pd.DataFrame([{"rank": 1.0, "kind": "", "subject": None, "month": "2026-11", "units": 5,
                          "value": float("nan"), "detail": 'say "hi",\nthen go'}])
    with Store(store_db) as store:
        store.replace("gaps", rows, cycle_id="2026-11", scenario="base")
        row = store.query("SELECT * FROM gaps").iloc[0]
    assert row["rank"] == 1 and row["kind"] == "" and row["subject"] is None and row["units"] == 5.0
    assert pd.isna(row["value"]) and row["detail"] == 'say "hi",\nthen go'

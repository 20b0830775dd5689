"""The store: migrations, the all-or-nothing CSV import and the read helpers."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from sop.store import DataError, Store
from sop.store.migrations import MIGRATIONS
from sop.store.schema import TABLES, Table

Edit = Callable[[Path], None]


@pytest.fixture
def store() -> Iterator[Store]:
    with Store(":memory:") as s:
        yield s


def snapshot(store: Store) -> dict[str, pd.DataFrame]:
    return {t.name: store.table(t.name) for t in TABLES}


def rows_in(directory: Path) -> dict[str, int]:
    return {t.name: len(pd.read_csv(directory / t.file)) for t in TABLES}


def _rewrite(file: str, change: Callable[[pd.DataFrame], None]) -> Edit:
    """An edit that reads a CSV as strings, changes it in place and writes it back."""
    def edit(directory: Path) -> None:
        df = pd.read_csv(directory / file, dtype=str, keep_default_na=False)
        change(df)
        df.to_csv(directory / file, index=False)
    return edit


def set_cell(file: str, line: int, column: str, value: str) -> Edit:
    """Set the cell a person sees on `line` (the header is line 1) of `file`."""
    def change(df: pd.DataFrame) -> None:
        df.loc[line - 2, column] = value
    return _rewrite(file, change)


def drop_column(file: str, column: str) -> Edit:
    return _rewrite(file, lambda df: df.drop(columns=column, inplace=True))


def add_column(file: str, column: str) -> Edit:
    return _rewrite(file, lambda df: df.insert(len(df.columns), column, "x"))


def keep_first_row(file: str) -> Edit:
    return _rewrite(file, lambda df: df.drop(index=df.index[1:], inplace=True))


def remove_file(file: str) -> Edit:
    return lambda directory: (directory / file).unlink()


BAD_INPUTS = {
    "missing file": (remove_file("items.csv"), "items.csv", None, None),
    "missing column": (drop_column("items.csv", "price"), "items.csv", 1, "price"),
    "extra column": (add_column("dcs.csv", "colour"), "dcs.csv", 1, "colour"),
    "not a number": (set_cell("items.csv", 3, "price", "abc"), "items.csv", 3, "price"),
    "not a whole number": (set_cell("items.csv", 2, "moq", "2.5"), "items.csv", 2, "moq"),
    "negative quantity": (
        set_cell("demand_history.csv", 4, "ordered_qty", "-5"), "demand_history.csv", 4, "ordered_qty",
    ),
    "bad month": (set_cell("demand_history.csv", 3, "month", "2026-13"), "demand_history.csv", 3, "month"),
    "bad date": (set_cell("inventory.csv", 2, "as_of", "2026-02-30"), "inventory.csv", 2, "as_of"),
    "empty required value": (set_cell("suppliers.csv", 3, "name", ""), "suppliers.csv", 3, "name"),
    "value not in choices": (set_cell("team.csv", 2, "role", "boss"), "team.csv", 2, "role"),
    "duplicate key": (set_cell("items.csv", 3, "sku", "A1"), "items.csv", 3, "sku"),
    "unknown foreign key": (set_cell("routings.csv", 3, "plant", "P9"), "routings.csv", 3, "plant"),
    "unknown family": (set_cell("budget.csv", 2, "family", "gizmos"), "budget.csv", 2, "family"),
}


def test_valid_load_returns_row_counts(store: Store, tiny_data_dir: Path) -> None:
    counts = store.load_dir(tiny_data_dir)

    assert counts == rows_in(tiny_data_dir)
    assert {name: len(df) for name, df in snapshot(store).items()} == counts


def test_load_converts_types_and_empty_cells(store: Store, tiny_data_dir: Path) -> None:
    store.load_dir(tiny_data_dir)

    items = store.query("SELECT sku, price, moq, launch_month FROM items ORDER BY sku")
    assert items.to_dict("records") == [
        {"sku": "A1", "price": 10.5, "moq": 10, "launch_month": None},
        {"sku": "A2", "price": 20.0, "moq": 20, "launch_month": "2025-06"},
    ]
    received = store.query("SELECT received_date FROM supplier_deliveries WHERE po_id = ?", ["PO1"])
    assert received.iloc[0, 0] == pd.Timestamp("2026-02-06")
    assert store.last_history_month() == "2026-02"


def test_migrations_are_recorded_once(tmp_path: Path) -> None:
    db = tmp_path / "sop.duckdb"
    with Store(db) as first:
        applied = first.table("schema_migrations")
    with Store(db) as reopened:
        assert reopened.migrate() == []
        again = reopened.table("schema_migrations")

    assert applied["version"].tolist() == list(range(1, len(MIGRATIONS) + 1))
    assert applied["name"].tolist() == [m.__name__ for m in MIGRATIONS]
    pd.testing.assert_frame_equal(applied, again)


def test_data_survives_reopening(tmp_path: Path, tiny_data_dir: Path) -> None:
    db = tmp_path / "sop.duckdb"
    with Store(db) as s:
        s.load_dir(tiny_data_dir)
    with Store(db) as s:
        assert len(s.table("demand_history")) == rows_in(tiny_data_dir)["demand_history"]


def test_reload_replaces_rather_than_duplicates(store: Store, tiny_data_dir: Path) -> None:
    store.load_dir(tiny_data_dir)
    keep_first_row("targets.csv")(tiny_data_dir)

    counts = store.load_dir(tiny_data_dir)

    assert counts["targets"] == 1
    assert store.table("targets")["metric"].tolist() == ["mape"]
    assert len(store.table("items")) == rows_in(tiny_data_dir)["items"]


def test_failure_while_writing_rolls_everything_back(
    store: Store, tiny_data_dir: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    store.load_dir(tiny_data_dir)
    before = snapshot(store)
    keep_first_row("targets.csv")(tiny_data_dir)
    replace = Store._replace_input

    def fail_on_targets(self: Store, table: Table, rows: pd.DataFrame) -> None:
        if table.name == "targets":
            raise RuntimeError("disk full")
        replace(self, table, rows)

    monkeypatch.setattr(Store, "_replace_input", fail_on_targets)
    with pytest.raises(RuntimeError, match="disk full"):
        store.load_dir(tiny_data_dir)

    for name, df in snapshot(store).items():
        pd.testing.assert_frame_equal(df, before[name])


def test_read_helpers_before_any_load(store: Store) -> None:
    assert store.last_history_month() is None
    assert store.query("SELECT count(*) AS n FROM items WHERE family = ?", ["widgets"])["n"].tolist() == [0]
    with pytest.raises(KeyError, match="no table named 'nope'"):
        store.table("nope")


@pytest.mark.parametrize(("edit", "file", "row", "column"), BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_names_the_cell_and_changes_nothing(
    store: Store, tiny_data_dir: Path, edit: Edit, file: str, row: int | None, column: str | None,
) -> None:
    store.load_dir(tiny_data_dir)
    before = snapshot(store)
    edit(tiny_data_dir)

    with pytest.raises(DataError) as caught:
        store.load_dir(tiny_data_dir)

    error = caught.value
    assert (error.file, error.row, error.column) == (file, row, column)
    message = str(error)
    assert message.startswith(file) and message.endswith("run 'sop data load' again.")
    assert "\n" not in message
    if row is not None:
        assert f"line {row}, column {column}:" in message
    for name, df in snapshot(store).items():
        pd.testing.assert_frame_equal(df, before[name])


def test_error_message_reads_like_a_spreadsheet_location(tiny_data_dir: Path, store: Store) -> None:
    set_cell("items.csv", 3, "price", "abc")(tiny_data_dir)

    with pytest.raises(DataError) as caught:
        store.load_dir(tiny_data_dir)

    assert str(caught.value) == (
        "items.csv line 3, column price: expected a number, got 'abc'. "
        "Fix the value and run 'sop data load' again."
    )


@pytest.mark.parametrize(("case", "other_side"), [
    ("duplicate key", "duplicate key sku='A1'; line 2 has the same key"),
    ("unknown foreign key", "unknown plant 'P9': it is not in plants.csv"),
    ("unknown family", "unknown family 'gizmos': it is not in items.csv"),
])
def test_cross_row_errors_name_the_other_side(
    tiny_data_dir: Path, store: Store, case: str, other_side: str,
) -> None:
    BAD_INPUTS[case][0](tiny_data_dir)

    with pytest.raises(DataError, match=other_side):
        store.load_dir(tiny_data_dir)


def test_blank_lines_spaces_and_bom_are_tolerated(tiny_data_dir: Path, store: Store) -> None:
    path = tiny_data_dir / "dcs.csv"
    text = path.read_text(encoding="utf-8").replace("D2,", " D2 ,")
    path.write_text("\ufeff" + text + "\n\n", encoding="utf-8")

    assert store.load_dir(tiny_data_dir)["dcs"] == 2
    assert sorted(store.table("dcs")["dc"]) == ["D1", "D2"]


def test_header_only_file_loads_an_empty_table(tiny_data_dir: Path, store: Store) -> None:
    path = tiny_data_dir / "market_events.csv"
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")

    assert store.load_dir(tiny_data_dir)["market_events"] == 0


def test_empty_file_is_an_error(tiny_data_dir: Path, store: Store) -> None:
    (tiny_data_dir / "team.csv").write_text("", encoding="utf-8")

    with pytest.raises(DataError, match=r"team\.csv: is empty; expected a header line"):
        store.load_dir(tiny_data_dir)


def test_line_with_too_many_values_is_located(tiny_data_dir: Path, store: Store) -> None:
    path = tiny_data_dir / "dcs.csv"
    path.write_text(path.read_text(encoding="utf-8") + "D3,Berlin,east,100,oops\n", encoding="utf-8")

    with pytest.raises(DataError) as caught:
        store.load_dir(tiny_data_dir)

    assert (caught.value.file, caught.value.row) == ("dcs.csv", 4)


def test_tens_of_thousands_of_rows_load_quickly(tiny_data_dir: Path, store: Store) -> None:
    months = [f"{year}-{month:02d}" for year in range(1000, 2000) for month in range(1, 13)]
    history = pd.DataFrame(
        [(sku, dc, month, "10", "9.5") for sku in ("A1", "A2") for dc in ("D1", "D2") for month in months],
        columns=["sku", "dc", "month", "ordered_qty", "shipped_qty"],
    )
    history.to_csv(tiny_data_dir / "demand_history.csv", index=False)

    started = time.perf_counter()
    counts = store.load_dir(tiny_data_dir)

    assert counts["demand_history"] == len(history) == 48_000
    assert time.perf_counter() - started < 5

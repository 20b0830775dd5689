"""The data contract: every input table a company loads, its columns, types and keys.

One declaration serves the loader's validation, the DuckDB DDL and the sample-company
generator, so the three cannot drift apart. `data/README.md` documents the same tables for
people.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["text", "int", "float", "month", "date"]


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    nullable: bool = False
    non_negative: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    table: str
    ref_columns: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = field(default_factory=tuple)

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _fk(cols: str, table: str, ref: str | None = None) -> ForeignKey:
    c = tuple(cols.split(","))
    return ForeignKey(c, table, tuple((ref or cols).split(",")))


# Column types, short: text, whole number (N), float, month, date.
T: ColumnType = "text"
N: ColumnType = "int"
F: ColumnType = "float"
M: ColumnType = "month"
D: ColumnType = "date"

TABLES: tuple[Table, ...] = (
    Table("suppliers", (
        Column("supplier", T), Column("name", T), Column("country", T),
        Column("capacity_per_month", F, non_negative=True),
        Column("lead_time_days", N, non_negative=True),
    ), key=("supplier",)),
    Table("items", (
        Column("sku", T), Column("name", T), Column("family", T),
        Column("price", F, non_negative=True), Column("unit_cost", F, non_negative=True),
        Column("supplier", T), Column("material_per_unit", F, non_negative=True),
        Column("moq", N, non_negative=True), Column("pack_size", N, non_negative=True),
        Column("launch_month", M, nullable=True),
    ), key=("sku",), foreign_keys=(_fk("supplier", "suppliers"),)),
    Table("plants", (
        Column("plant", T), Column("name", T),
        Column("regular_hours_per_month", F, non_negative=True),
        Column("max_overtime_hours_per_month", F, non_negative=True),
        Column("overtime_cost_per_hour", F, non_negative=True),
    ), key=("plant",)),
    Table("dcs", (
        Column("dc", T), Column("name", T), Column("region", T),
        Column("storage_capacity", F, non_negative=True),
    ), key=("dc",)),
    Table("routings", (
        Column("sku", T), Column("plant", T),
        Column("hours_per_unit", F, non_negative=True), Column("cost_per_unit", F, non_negative=True),
    ), key=("sku", "plant"), foreign_keys=(_fk("sku", "items"), _fk("plant", "plants"))),
    Table("lanes", (
        Column("plant", T), Column("dc", T),
        Column("cost_per_unit", F, non_negative=True),
        Column("capacity_per_month", F, non_negative=True),
        Column("transit_days", N, non_negative=True),
    ), key=("plant", "dc"), foreign_keys=(_fk("plant", "plants"), _fk("dc", "dcs"))),
    Table("demand_history", (
        Column("sku", T), Column("dc", T), Column("month", M),
        Column("ordered_qty", F, non_negative=True), Column("shipped_qty", F, non_negative=True),
    ), key=("sku", "dc", "month"), foreign_keys=(_fk("sku", "items"), _fk("dc", "dcs"))),
    Table("inventory", (
        Column("sku", T), Column("dc", T), Column("on_hand", F, non_negative=True),
        Column("as_of", D),
    ), key=("sku", "dc"), foreign_keys=(_fk("sku", "items"), _fk("dc", "dcs"))),
    Table("supplier_deliveries", (
        Column("po_id", T), Column("supplier", T), Column("sku", T),
        Column("order_date", D), Column("promised_date", D), Column("received_date", D, nullable=True),
        Column("qty_ordered", F, non_negative=True), Column("qty_received", F, non_negative=True),
        Column("qty_defective", F, non_negative=True), Column("qty_returned", F, non_negative=True),
        Column("unit_price", F, non_negative=True), Column("list_price", F, non_negative=True),
    ), key=("po_id",), foreign_keys=(_fk("supplier", "suppliers"), _fk("sku", "items"))),
    Table("customer_orders", (
        Column("order_id", T), Column("sku", T), Column("dc", T),
        Column("order_date", D), Column("promised_date", D), Column("delivered_date", D, nullable=True),
        Column("qty_ordered", F, non_negative=True), Column("qty_delivered", F, non_negative=True),
    ), key=("order_id",), foreign_keys=(_fk("sku", "items"), _fk("dc", "dcs"))),
    Table("budget", (
        Column("family", T), Column("month", M),
        Column("units", F, non_negative=True), Column("revenue", F, non_negative=True),
        Column("cogs", F, non_negative=True),
    ), key=("family", "month")),
    Table("targets", (
        Column("metric", T, choices=("mape", "days_on_hand", "otif", "gross_margin_pct", "working_capital")),
        Column("value", F), Column("unit", T),
    ), key=("metric",)),
    Table("market_events", (
        Column("event_id", T), Column("type", T, choices=("promotion", "launch", "competitor")),
        Column("family", T), Column("sku", T, nullable=True),
        Column("start_month", M), Column("end_month", M),
        Column("uplift_pct", F), Column("note", T, nullable=True),
    ), key=("event_id",), foreign_keys=(_fk("sku", "items"),)),
    Table("team", (
        Column("person", T), Column("name", T),
        Column("role", T, choices=("demand_lead", "executive", "planner", "supply_lead", "finance")),
        Column("approves", T, choices=("consensus", "executive", "none")),
    ), key=("person",)),
)

TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}

# Values that must name a known family (families are defined by the item master).
FAMILY_REFERENCES: tuple[tuple[str, str], ...] = (("budget", "family"), ("market_events", "family"))

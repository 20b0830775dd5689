"""The sample company: a seeded, deterministic maker of outdoor and home products.

`write_sample_company` writes one CSV per table of `sop.store.schema.TABLES`, describing a
mid-sized manufacturer with two plants, three distribution centres and five suppliers. The data
is built so that every part of the cycle has something to find: a summer peak that exceeds
plant capacity (so the supply plan must pre-build and still leaves demand unmet), one supplier
that binds at the peak, promotions and competitor moves that show in the history, stockouts,
launches with a few months of history, intermittent SKUs, late and defective supplier
deliveries and late or short customer orders.

Conventions of the files: months are `YYYY-MM`, dates `YYYY-MM-DD`, quantities are whole units,
money is in the company's currency, null is an empty cell. `market_events.uplift_pct` is in
percent (25.0 means +25 %); the `targets` table uses fractions for percentages (0.95 = 95 %).

Everything random comes from one `np.random.default_rng(seed)`, drawn in a fixed order, and
floats are written with `repr`, so the same seed gives byte-identical files.

The modules: `profile` (families, suppliers, plants, DCs, events, team), `months` (the
calendar), `catalogue` and `demand` (the random draws), `company` (the arrays and capacities),
and one module per kind of table: `master_data`, `history` and `budget`.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from sop.data.sample_company.budget import budget_rows, targets_rows
from sop.data.sample_company.company import build_company
from sop.data.sample_company.history import (
    customer_orders_rows,
    demand_history_rows,
    inventory_rows,
    supplier_deliveries_rows,
)
from sop.data.sample_company.master_data import (
    dcs_rows,
    items_rows,
    lanes_rows,
    market_events_rows,
    plants_rows,
    routings_rows,
    suppliers_rows,
    team_rows,
)
from sop.store.schema import TABLES_BY_NAME

__all__ = ["sample_tables", "write_sample_company", "write_tables"]


def _cell(value: object) -> str:
    """How a value is written: empty for null, integers plainly, floats by `repr` (exact and
    stable), everything else as text."""
    if value is None:
        return ""
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return str(int(number)) if number.is_integer() else repr(number)
    return str(value)


def sample_tables(seed: int = 7) -> dict[str, list[tuple]]:
    """Every table's rows, in the schema's column order, for the company of `seed`. The order
    of the entries is the order of the random draws."""
    rng = np.random.default_rng(seed)
    company = build_company(rng)
    return {
        "suppliers": suppliers_rows(company),
        "items": items_rows(company),
        "plants": plants_rows(company),
        "dcs": dcs_rows(company),
        "routings": routings_rows(company),
        "lanes": lanes_rows(company),
        "demand_history": demand_history_rows(company),
        "inventory": inventory_rows(company, rng),
        "supplier_deliveries": supplier_deliveries_rows(company, rng),
        "customer_orders": customer_orders_rows(company, rng),
        "budget": budget_rows(company, rng),
        "targets": targets_rows(company),
        "market_events": market_events_rows(company),
        "team": team_rows(),
    }


def write_sample_company(out_dir: Path, seed: int = 7) -> dict[str, int]:
    """Write one UTF-8 CSV per schema table into `out_dir`; return rows written per table."""
    return write_tables(out_dir, sample_tables(seed))


def write_tables(out_dir: Path, tables: dict[str, list[tuple]]) -> dict[str, int]:
    """Write the tables (rows in schema column order) as one UTF-8 CSV each; rows per table."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, rows in tables.items():
        table = TABLES_BY_NAME[name]
        with open(out_dir / table.file, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(table.column_names)
            writer.writerows([_cell(v) for v in row] for row in rows)
        written[name] = len(rows)
    return written

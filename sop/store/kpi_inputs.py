"""The month just closed, as the key metrics measure it: what was ordered, delivered, shipped
and held, what the last published plan said and what the budget expected."""

from __future__ import annotations

import pandas as pd

from sop.store.connection import one_row
from sop.store.database import Store


def published_before(store: Store, cycle_id: str) -> bool:
    """True when an earlier cycle has published a plan version."""
    return not store.query("SELECT 1 FROM plan_versions WHERE cycle_id < ?", [cycle_id]).empty


def previously_planned(store: Store, cycle_id: str, month: str) -> pd.DataFrame:
    """Units per SKU the latest version published before `cycle_id` planned to supply in `month`."""
    return store.query("SELECT p.sku, SUM(p.qty) AS qty FROM published_plan p WHERE p.month = ? AND p.version = "
                       "(SELECT MAX(version) FROM plan_versions WHERE cycle_id < ?) GROUP BY 1", [month, cycle_id])


def month_budget(store: Store, month: str) -> tuple[float, float] | None:
    """The month's budgeted revenue and cogs over all families, or None when it has no budget."""
    revenue, cogs, rows = one_row(store.con, "SELECT SUM(revenue), SUM(cogs), COUNT(*) FROM budget WHERE month = ?",
                                  [month])
    return (float(revenue), float(cogs)) if rows else None


def orders_promised_in(store: Store, month: str) -> pd.DataFrame:
    """Customer order lines promised in `month`: promised and delivered dates, units ordered and delivered."""
    return store.query("SELECT sku, promised_date, delivered_date, qty_ordered, qty_delivered FROM customer_orders "
                       "WHERE SUBSTR(CAST(promised_date AS VARCHAR), 1, 7) = ?", [month])


def shipped_units(store: Store, month: str) -> pd.DataFrame:
    """Units shipped per SKU in `month`."""
    return store.query("SELECT sku, SUM(shipped_qty) AS qty FROM demand_history WHERE month = ? GROUP BY 1", [month])


def on_hand_by_sku(store: Store) -> pd.DataFrame:
    """Units on hand per SKU over all DCs."""
    return store.query("SELECT sku, SUM(on_hand) AS qty FROM inventory GROUP BY 1")

"""Reads of stock and its targets for the chat's queries: on hand against safety stock by family
and DC, the latest inventory policy and the items' ordering terms."""

from __future__ import annotations

import pandas as pd

from sop.store import company
from sop.store.database import Store
from sop.store.demand_reads import family_clause


def latest_policy_cycle(store: Store) -> str | None:
    """The newest cycle that set an inventory policy."""
    return store.query("SELECT max(cycle_id) AS c FROM inventory_policy")["c"].iloc[0]


def policy_demand(store: Store, cycle_id: str, family: str) -> pd.DataFrame:
    """The policy's forecast mean and backtest error σ per SKU × DC of a family."""
    condition, params = family_clause(family)
    return store.query(
        "SELECT p.sku, p.dc, p.mean_demand, p.demand_std FROM inventory_policy p JOIN items i USING (sku) "
        f"WHERE p.cycle_id = ? AND {condition} ORDER BY 1, 2", [cycle_id, *params])


def ordering_terms(store: Store) -> pd.DataFrame:
    """Each SKU's supplier, unit cost, MOQ, pack size and the supplier's quoted lead time, by SKU."""
    terms = company.items(store)[["sku", "supplier", "unit_cost", "moq", "pack_size"]]
    return terms.merge(company.suppliers(store)[["supplier", "lead_time_days"]], on="supplier").set_index("sku")


def stock_positions(store: Store, policy_cycle: str | None, since: str, days: int) -> pd.DataFrame:
    """On hand (units and value) by family and DC, against the policy's safety stock, and how many
    days of the average daily demand since `since` (over `days` days) it covers."""
    return store.query(
        "WITH stock AS (SELECT i.family, v.dc, SUM(v.on_hand) AS on_hand, "
        "  SUM(v.on_hand * i.unit_cost) AS on_hand_value FROM inventory v JOIN items i USING (sku) GROUP BY 1, 2), "
        "target AS (SELECT i.family, p.dc, SUM(p.safety_stock) AS safety_stock, "
        "  SUM(p.safety_stock * i.unit_cost) AS safety_stock_value FROM inventory_policy p JOIN items i USING (sku) "
        "  WHERE p.cycle_id = ? GROUP BY 1, 2), "
        "recent AS (SELECT i.family, h.dc, SUM(h.ordered_qty) AS demand FROM demand_history h JOIN items i USING (sku) "
        "  WHERE h.month >= ? GROUP BY 1, 2) "
        "SELECT s.*, t.safety_stock, t.safety_stock_value, s.on_hand - t.safety_stock AS above_safety_stock, "
        "  s.on_hand / NULLIF(r.demand / ?, 0) AS days_of_supply "
        "FROM stock s LEFT JOIN target t USING (family, dc) LEFT JOIN recent r USING (family, dc) ORDER BY 1, 2",
        [policy_cycle, since, days])

"""Reads of demand: the order history week 1 forecasts from, ordered history by family for the
chat's queries, the cycle's forecast layers, market events and the planners' overrides in a window."""

from __future__ import annotations

import pandas as pd

from sop.store.database import Store
from sop.tools.periods import month_number, month_range

ALL = "all"


def family_clause(family: str) -> tuple[str, list[str]]:
    """SQL condition on items.family (alias `i`) and its parameters; `all` selects every family."""
    return ("TRUE", []) if family == ALL else ("i.family = ?", [family])


def family_history(store: Store, family: str) -> pd.DataFrame:
    """Monthly ordered units of a family over all SKUs and DCs (`month`, `demand`, `skus` summed),
    every month of the history with 0 where nothing was ordered; empty before any history."""
    condition, params = family_clause(family)
    sums = store.query(
        "SELECT h.month, SUM(h.ordered_qty) AS demand, COUNT(DISTINCT h.sku) AS skus FROM demand_history h "
        f"JOIN items i USING (sku) WHERE {condition} GROUP BY 1 ORDER BY 1", params)
    if sums.empty:
        return sums
    first, last = sums["month"].iloc[0], sums["month"].iloc[-1]
    months = month_range(first, month_number(last) - month_number(first) + 1)
    return sums.set_index("month").reindex(months, fill_value=0).rename_axis("month").reset_index()


def ordered_units(store: Store, family: str, first: str, last: str) -> pd.Series:
    """Ordered units of a family by month from `first` to `last` (months without orders left out)."""
    condition, params = family_clause(family)
    return store.query(
        "SELECT h.month, SUM(h.ordered_qty) AS qty FROM demand_history h JOIN items i USING (sku) "
        f"WHERE h.month BETWEEN ? AND ? AND {condition} GROUP BY 1", [first, last, *params]).set_index("month")["qty"]


def demand_statistics(store: Store, family: str, since: str) -> pd.DataFrame:
    """Mean and sample σ of monthly ordered units per SKU × DC of a family since `since`."""
    condition, params = family_clause(family)
    return store.query(
        "SELECT h.sku, h.dc, AVG(h.ordered_qty) AS mean_demand, COALESCE(STDDEV_SAMP(h.ordered_qty), 0) AS demand_std "
        f"FROM demand_history h JOIN items i USING (sku) WHERE h.month >= ? AND {condition} "
        "GROUP BY 1, 2 ORDER BY 1, 2",
        [since, *params])


def sku_year(store: Store, first: str, end: str) -> pd.DataFrame:
    """Each SKU's ordered units and revenue at list price per month, from `first` up to `end`."""
    return store.query(
        "SELECT h.sku, h.month, SUM(h.ordered_qty) AS qty, SUM(h.ordered_qty * i.price) AS revenue "
        "FROM demand_history h JOIN items i USING (sku) WHERE h.month >= ? AND h.month < ? GROUP BY 1, 2 ORDER BY 1, 2",
        [first, end])


def latest_forecast_cycle(store: Store) -> str | None:
    """The newest cycle with forecast layers (cycle ids are their months, so max is latest)."""
    return store.query("SELECT max(cycle_id) AS c FROM forecast_layers")["c"].iloc[0]


def forecast_months(store: Store, cycle_id: str) -> list[str]:
    """The months a cycle's forecast layers cover, in order."""
    return sorted(store.query("SELECT DISTINCT month FROM forecast_layers WHERE cycle_id = ?", [cycle_id])["month"])


def layer_units(store: Store, cycle_id: str, family: str, first: str, last: str) -> pd.DataFrame:
    """Statistical and sales-input units per layer and month of a family (`layer`, `month`, `qty`)."""
    condition, params = family_clause(family)
    return store.query(
        "SELECT f.layer, f.month, SUM(f.qty) AS qty FROM forecast_layers f JOIN items i USING (sku) "
        f"WHERE f.cycle_id = ? AND f.layer IN ('statistical', 'sales_input') AND f.month BETWEEN ? AND ? "
        f"AND {condition} GROUP BY 1, 2", [cycle_id, first, last, *params])


def market_events(store: Store, family: str, first: str, last: str) -> pd.DataFrame:
    """Market events of a family (or all) that overlap the months `first` to `last`."""
    condition = "TRUE" if family == ALL else "family = ?"
    return store.query(
        "SELECT event_id, type, family, sku, start_month, end_month, uplift_pct, note FROM market_events "
        f"WHERE start_month <= ? AND end_month >= ? AND {condition} ORDER BY start_month, event_id",
        [last, first, *([] if family == ALL else [family])])


def overrides_in_window(store: Store, cycle_id: str, first: str, last: str) -> pd.DataFrame:
    """A cycle's planner overrides that touch the months `first` to `last`, in the order entered."""
    return store.query(
        "SELECT override_id, level, key, month_from, month_to, change_pct, set_qty, author, reason FROM overrides "
        "WHERE cycle_id = ? AND month_from <= ? AND month_to >= ? ORDER BY override_id", [cycle_id, last, first])


def order_history(store: Store, before: str) -> pd.DataFrame:
    """Ordered and shipped units per SKU × DC × month for the months before `before`, in order."""
    return store.query("SELECT sku, dc, month, ordered_qty, shipped_qty FROM demand_history WHERE month < ? "
                       "ORDER BY sku, dc, month", [before])


def every_market_event(store: Store) -> pd.DataFrame:
    """Every market event: type, family or SKU, start and end month, uplift (%) and note."""
    return store.table("market_events")

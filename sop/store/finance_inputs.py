"""What the financial review prices and measures a plan against: the targets, the budget, the
promotions still to run, the suppliers' tiers and how accurate the forecast has been."""

from __future__ import annotations

import pandas as pd

from sop.store.database import Store


def targets(store: Store) -> dict[str, float]:
    """Each target metric's value (mape, days_on_hand, otif, gross_margin_pct, working_capital)."""
    return dict(store.query("SELECT metric, value FROM targets").itertuples(index=False, name=None))


def budget(store: Store, months: list[str]) -> pd.DataFrame:
    """The budget per family × month over `months`: units, revenue and cogs (money)."""
    return store.query("SELECT family, month, units, revenue, cogs FROM budget WHERE month IN "
                       "(SELECT UNNEST(?::VARCHAR[]))", [months])


def open_promotions(store: Store, period: str) -> pd.DataFrame:
    """Promotions that have not ended before `period`: the family or SKU, months and uplift (%)."""
    return store.query("SELECT event_id, family, sku, start_month, end_month, uplift_pct FROM market_events "
                       "WHERE type = 'promotion' AND end_month >= ?", [period])


def supplier_tiers(store: Store, cycle_id: str) -> pd.DataFrame:
    """Each supplier's tier and fill rate (share of ordered units received) as week 2 scored them."""
    return store.query("SELECT supplier, tier, fill_rate FROM supplier_scores WHERE cycle_id = ?", [cycle_id])


def consensus_accuracy(store: Store, cycle_id: str) -> pd.DataFrame:
    """How last cycle's consensus scored in this cycle's week 1: MAPE per SKU and WAPE of the total."""
    return store.query(
        "SELECT level, metric, value, evaluated_cycle FROM accuracy_history WHERE cycle_id = ? AND layer = 'consensus' "
        "AND ((level = 'sku' AND metric = 'mape') OR (level = 'total' AND metric = 'wape'))", [cycle_id])


def backtest_errors(store: Store, cycle_id: str) -> pd.DataFrame:
    """The cycle's backtest per SKU × DC with demand: mean absolute error, mean actual (units a
    month) and the points it was measured on."""
    return store.query("SELECT mae, mean_actual, points FROM backtests WHERE cycle_id = ? AND level = 'sku_dc' "
                       "AND mean_actual > 0", [cycle_id])

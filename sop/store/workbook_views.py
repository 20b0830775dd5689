"""The plan workbook's tables of one cycle, long as stored; the report pivots months into
columns. Quantities are units, money the company's currency, fractions are 0-1."""

from __future__ import annotations

import pandas as pd

from sop.store.database import Store


def gaps_and_recommendations(store: Store, cycle_id: str) -> pd.DataFrame:
    """The margin gaps by rank, then the recommendations by id, in one table: item ('gap' or
    'recommendation'), id, what, subject, months, margin_at_risk, margin_recovered, cost,
    net_benefit, units, detail."""
    gaps = store.query(
        "SELECT 'gap' AS item, CAST(rank AS VARCHAR) AS id, kind AS what, subject, months, margin_at_risk, "
        "CAST(NULL AS DOUBLE) AS margin_recovered, CAST(NULL AS DOUBLE) AS cost, "
        "CAST(NULL AS DOUBLE) AS net_benefit, units, detail FROM margin_gaps "
        "WHERE cycle_id = ? ORDER BY rank", [cycle_id])
    recs = store.query(
        "SELECT 'recommendation' AS item, recommendation_id AS id, lever AS what, title AS subject, months, "
        "CAST(NULL AS DOUBLE) AS margin_at_risk, margin_recovered, cost, net_benefit, units, "
        "'gaps ' || gap_ranks || '; risks: ' || risks AS detail FROM whatifs WHERE cycle_id = ? "
        "ORDER BY recommendation_id", [cycle_id])
    return pd.concat([gaps, recs], ignore_index=True)


def consensus_forecast(store: Store, cycle_id: str) -> pd.DataFrame:
    """The consensus per SKU × DC × month with its 80 % band: sku, family, dc, month, consensus,
    lo_80, hi_80."""
    return store.query(
        "SELECT f.sku, i.family, f.dc, f.month, f.qty AS consensus, f.lo_80, f.hi_80 FROM forecast_layers f "
        "JOIN items i USING (sku) WHERE f.cycle_id = ? AND f.layer = 'consensus'", [cycle_id])


def base_plan_lines(store: Store, cycle_id: str) -> pd.DataFrame:
    """Every line of the base supply plan: kind, sku, plant, dc, month, qty."""
    return store.query("SELECT kind, sku, plant, dc, month, qty FROM plan_lines WHERE cycle_id = ? "
                       "AND scenario = 'base'", [cycle_id])


def inventory_targets(store: Store, cycle_id: str) -> pd.DataFrame:
    """The inventory policy per SKU × DC: segment, service level, demand statistics, lead time
    (months), EOQ, safety stock, reorder point and order-up-to level."""
    return store.query(
        "SELECT sku, dc, abc, xyz, service_level, mean_demand, demand_std, lead_time, unit_cost, eoq, "
        "safety_stock, reorder_point, order_up_to FROM inventory_policy WHERE cycle_id = ? ORDER BY 1, 2",
        [cycle_id])


def financials(store: Store, cycle_id: str) -> pd.DataFrame:
    """The financial projection per scenario, family and month, with the budget and variances."""
    return store.query(
        "SELECT scenario, family, month, demand_units, fulfilled_units, revenue, cogs, gross_margin, "
        "gross_margin_pct, inventory_units, inventory_value, spend, receivables, payables, working_capital, "
        "budget_revenue, budget_cogs, revenue_variance, margin_variance FROM financials WHERE cycle_id = ? "
        "ORDER BY 1, 2, 3", [cycle_id])


def kpi_history(store: Store) -> pd.DataFrame:
    """Every cycle's key metrics against target, by cycle and metric."""
    return store.query("SELECT cycle_id, metric, month, value, target, variance, variance_pct, flagged, source "
                       "FROM kpis ORDER BY cycle_id, metric")

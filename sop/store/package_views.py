"""The executive package's views of one cycle: what the page shows, read from the stored tool
outputs. Quantities are units, money is the company's currency; "base" is the base scenario
of the supply plan, the one the executives approve or change.
"""

from __future__ import annotations

import pandas as pd

from sop.store.database import Store


def family_demand_history(store: Store, first_month: str, before_month: str) -> pd.DataFrame:
    """Ordered units per family and month from `first_month` up to (not including) `before_month`:
    family, month, qty."""
    return store.query(
        "SELECT i.family, h.month, SUM(h.ordered_qty) AS qty FROM demand_history h JOIN items i USING (sku) "
        "WHERE h.month >= ? AND h.month < ? GROUP BY 1, 2", [first_month, before_month])


def family_forecast_bands(store: Store, cycle_id: str) -> pd.DataFrame:
    """The consensus forecast per family and month with its 80 % and 95 % bands (the sum of the
    SKU-DC bands), or the sales input while no consensus is adopted: family, month, qty, lo_80,
    hi_80, lo_95, hi_95."""
    layer = store.query("SELECT COALESCE(MAX(CASE WHEN layer = 'consensus' THEN 'consensus' END), 'sales_input') "
                        "AS layer FROM forecast_layers WHERE cycle_id = ?", [cycle_id])["layer"].iloc[0]
    return store.query(
        "SELECT i.family, f.month, SUM(f.qty) AS qty, SUM(f.lo_80) AS lo_80, SUM(f.hi_80) AS hi_80, "
        "SUM(f.lo_95) AS lo_95, SUM(f.hi_95) AS hi_95 FROM forecast_layers f JOIN items i USING (sku) "
        "WHERE f.cycle_id = ? AND f.layer = ? GROUP BY 1, 2", [cycle_id, layer])


def supply_by_month(store: Store, cycle_id: str) -> pd.DataFrame:
    """The base plan's units per month and line kind (demand, unmet, inventory, shipment...),
    all families: month, kind, qty."""
    return store.query("SELECT month, kind, SUM(qty) AS qty FROM plan_lines WHERE cycle_id = ? AND scenario = 'base' "
                       "GROUP BY 1, 2", [cycle_id])


def family_demand_and_unmet(store: Store, cycle_id: str) -> pd.DataFrame:
    """The base plan's demand and unmet units per family and month: family, month, kind, qty."""
    return store.query(
        "SELECT i.family, l.month, l.kind, SUM(l.qty) AS qty FROM plan_lines l JOIN items i USING (sku) "
        "WHERE l.cycle_id = ? AND l.scenario = 'base' AND l.kind IN ('demand', 'unmet') GROUP BY 1, 2, 3", [cycle_id])


def safety_stock_total(store: Store, cycle_id: str) -> float:
    """The safety-stock target of every SKU × DC added up, units (0 before week 2)."""
    return float(store.query("SELECT COALESCE(SUM(safety_stock), 0) AS s FROM inventory_policy WHERE cycle_id = ?",
                             [cycle_id])["s"].iloc[0])


def plant_hours_by_month(store: Store, cycle_id: str) -> pd.DataFrame:
    """Plant hours of the base plan per month, all plants: month, used, regular and maximum
    (regular plus overtime)."""
    return store.query(
        "SELECT month, SUM(used_hours) AS used, SUM(regular_hours) AS regular, "
        "SUM(regular_hours + max_overtime_hours) AS maximum FROM plant_hours WHERE cycle_id = ? AND scenario = 'base' "
        "GROUP BY 1 ORDER BY 1", [cycle_id])


def financials_by_family(store: Store, cycle_id: str) -> pd.DataFrame:
    """The base plan's horizon financials per family beside the budget: family, revenue,
    budget_revenue, cogs, gross_margin, budget_margin."""
    return store.query(
        "SELECT family, SUM(revenue) AS revenue, SUM(budget_revenue) AS budget_revenue, SUM(cogs) AS cogs, "
        "SUM(gross_margin) AS gross_margin, SUM(budget_revenue - budget_cogs) AS budget_margin "
        "FROM financials WHERE cycle_id = ? AND scenario = 'base' GROUP BY 1 ORDER BY 1", [cycle_id])


def financial_totals(store: Store, cycle_id: str) -> pd.DataFrame:
    """The base plan's horizon totals in one row: r (revenue), m (gross margin), b (budget revenue);
    nulls before week 3."""
    return store.query("SELECT SUM(revenue) AS r, SUM(gross_margin) AS m, SUM(budget_revenue) AS b "
                       "FROM financials WHERE cycle_id = ? AND scenario = 'base'", [cycle_id])


def base_financials(store: Store, cycle_id: str) -> pd.DataFrame:
    """Every financials row of the base plan (family × month), as the margin bridge takes them."""
    return store.query("SELECT * FROM financials WHERE cycle_id = ? AND scenario = 'base'", [cycle_id])


def plan_summary(store: Store, cycle_id: str) -> pd.DataFrame:
    """The base plan's summary row (unmet units, revenue at risk...), empty before week 2."""
    return store.query("SELECT * FROM plan_summary WHERE cycle_id = ? AND scenario = 'base'", [cycle_id])


def supply_gaps(store: Store, cycle_id: str, top: int = 15) -> pd.DataFrame:
    """The base plan's `top` supply gaps by month, ranked by money value (the margin gaps' scale)."""
    return store.query("SELECT rank, kind, subject, month, units, value, detail FROM gaps "
                       "WHERE cycle_id = ? AND scenario = 'base' ORDER BY rank LIMIT ?", [cycle_id, top])


def agent_narratives(store: Store, cycle_id: str) -> pd.DataFrame:
    """Each agent's narrative of the cycle: agent, narrative, source."""
    return store.query("SELECT agent, narrative, source FROM agent_reports WHERE cycle_id = ? ORDER BY agent",
                       [cycle_id])


def supplier_tiers(store: Store, cycle_id: str) -> pd.DataFrame:
    """Suppliers by scorecard score, best first: supplier, score (0-100), tier."""
    return store.query("SELECT supplier, score, tier FROM supplier_scores WHERE cycle_id = ? ORDER BY score DESC",
                       [cycle_id])


def inventory_targets_by_segment(store: Store, cycle_id: str) -> pd.DataFrame:
    """Inventory targets per ABC/XYZ segment: positions (SKU × DC), mean service level (fraction),
    safety stock (units) and its value."""
    return store.query(
        "SELECT abc || xyz AS segment, COUNT(*) AS positions, AVG(service_level) AS service_level, "
        "SUM(safety_stock) AS safety_stock, SUM(safety_stock * unit_cost) AS value "
        "FROM inventory_policy WHERE cycle_id = ? GROUP BY 1 ORDER BY 1", [cycle_id])


def approved_plan(store: Store, cycle_id: str) -> pd.DataFrame:
    """The cycle's latest published plan version, units per SKU × DC × month: sku, dc, month,
    quantity; empty until the executive gate publishes one."""
    return store.query(
        "SELECT p.sku, p.dc, p.month, p.qty AS quantity FROM published_plan p JOIN plan_versions v USING (version) "
        "WHERE v.cycle_id = ? AND v.version = (SELECT MAX(version) FROM plan_versions WHERE cycle_id = ?) "
        "ORDER BY 1, 2, 3", [cycle_id, cycle_id])


def cycle_kpis(store: Store, cycle_id: str) -> pd.DataFrame:
    """The key metrics of the month the cycle closed, against target (one row per metric)."""
    return store.query("SELECT * FROM kpis WHERE cycle_id = ?", [cycle_id])


def previous_kpis(store: Store, cycle_id: str) -> pd.Series:
    """The previous cycle's reading of each key metric, by metric; empty for the first cycle."""
    return store.query("SELECT metric, value FROM kpis WHERE cycle_id = (SELECT MAX(cycle_id) FROM kpis "
                       "WHERE cycle_id < ?)", [cycle_id]).set_index("metric")["value"]


def previous_plan_version(store: Store, cycle_id: str) -> int | None:
    """The last plan version published by an earlier cycle, or None when there is none."""
    version = store.query("SELECT MAX(version) AS v FROM plan_versions WHERE cycle_id < ?", [cycle_id])["v"].iloc[0]
    return None if pd.isna(version) else int(version)


def planned_units_by_family(store: Store, version: int, month: str) -> pd.DataFrame:
    """Units plan `version` put into the DCs in `month`, per family: family, planned."""
    return store.query("SELECT i.family, SUM(p.qty) AS planned FROM published_plan p JOIN items i USING (sku) "
                       "WHERE p.version = ? AND p.month = ? GROUP BY 1", [version, month])


def shipped_units_by_family(store: Store, month: str) -> pd.DataFrame:
    """Units shipped in `month`, per family: family, shipped."""
    return store.query("SELECT i.family, SUM(h.shipped_qty) AS shipped FROM demand_history h JOIN items i "
                       "USING (sku) WHERE h.month = ? GROUP BY 1", [month])


def days_on_hand_by_month(store: Store, cycle_id: str) -> pd.DataFrame:
    """Projected days on hand of the base plan per month, whole company: month, actual, reference
    (the target)."""
    return store.query("SELECT month, actual, reference FROM variances WHERE cycle_id = ? AND scenario = 'base' "
                       "AND metric = 'days_on_hand' AND scope = 'total' AND month <> 'horizon' ORDER BY month",
                       [cycle_id])


def flagged_variances(store: Store, cycle_id: str) -> pd.DataFrame:
    """The base plan's horizon variances outside the tolerance, company totals first, then the
    largest relative variance (variance_pct is a fraction)."""
    return store.query(
        "SELECT metric, scope, basis, actual, reference, variance, variance_pct, favourable FROM variances "
        "WHERE cycle_id = ? AND scenario = 'base' AND month = 'horizon' AND flagged ORDER BY scope = 'total' DESC, "
        "ABS(variance_pct) DESC", [cycle_id])


def margin_gaps(store: Store, cycle_id: str, top: int = 10) -> pd.DataFrame:
    """The `top` gaps ranked by margin at risk: rank, kind, subject, margin_at_risk, units, detail."""
    return store.query("SELECT rank, kind, subject, margin_at_risk, units, detail FROM margin_gaps "
                       "WHERE cycle_id = ? ORDER BY rank LIMIT ?", [cycle_id, top])


def recommendations(store: Store, cycle_id: str) -> pd.DataFrame:
    """The what-if recommendations, largest net benefit first: id, title, gaps (their ranks),
    margin_recovered, cost, net_benefit, units, months (comma-separated), risks."""
    return store.query(
        "SELECT recommendation_id AS id, title, gap_ranks AS gaps, margin_recovered, cost, net_benefit, units, "
        "months, risks FROM whatifs WHERE cycle_id = ? ORDER BY net_benefit DESC", [cycle_id])


def decision_requests(store: Store, cycle_id: str) -> pd.DataFrame:
    """The decisions week 3 puts to the executives, in order: decision, detail."""
    return store.query("SELECT decision, detail FROM decision_requests WHERE cycle_id = ? ORDER BY seq", [cycle_id])

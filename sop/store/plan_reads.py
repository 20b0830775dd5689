"""Reads of the stored supply plans for the chat's queries: the latest cycle with a plan, its
summary, ranked gaps and shipments, and where the base plan is already short."""

from __future__ import annotations

import pandas as pd

from sop.store.database import Store


def _latest(store: Store, table: str, where: str) -> str | None:
    """The newest cycle with rows in a cycle table (cycle ids are their months, so max is latest)."""
    return store.query(f"SELECT max(cycle_id) AS c FROM {table} WHERE {where}")["c"].iloc[0]


def latest_summary_cycle(store: Store) -> str | None:
    """The newest cycle with a solved plan summary."""
    return _latest(store, "plan_summary", "TRUE")


def latest_gaps_cycle(store: Store) -> str | None:
    """The newest cycle that ranked supply gaps in its base scenario."""
    return _latest(store, "gaps", "scenario = 'base'")


def latest_shipments_cycle(store: Store) -> str | None:
    """The newest cycle whose base plan ships anything."""
    return _latest(store, "plan_lines", "scenario = 'base' AND kind = 'shipment'")


def latest_base_plan_cycle(store: Store) -> str | None:
    """The newest cycle with a base plan."""
    return _latest(store, "plan_lines", "scenario = 'base'")


def plan_summary(store: Store, cycle_id: str, scenario: str) -> pd.DataFrame:
    """The plan's status, objective, demand and unmet demand in units and revenue (one row, or none)."""
    return store.query("SELECT status, objective, demand_units, unmet_units, demand_revenue, unmet_revenue "
                       "FROM plan_summary WHERE cycle_id = ? AND scenario = ?", [cycle_id, scenario])


def ranked_gaps(store: Store, cycle_id: str, scenario: str) -> pd.DataFrame:
    """A scenario's supply gaps, largest first."""
    return store.query("SELECT rank, kind, subject, month, units, value, detail FROM gaps "
                       "WHERE cycle_id = ? AND scenario = ? ORDER BY rank", [cycle_id, scenario])


def base_plan_months(store: Store, cycle_id: str) -> list[str]:
    """The months the base plan covers, in order."""
    return store.query("SELECT DISTINCT month FROM plan_lines WHERE cycle_id = ? AND scenario = 'base' ORDER BY 1",
                       [cycle_id])["month"].tolist()


def lane_shipments(store: Store, cycle_id: str) -> pd.DataFrame:
    """Units the base plan ships per plant, DC and month (`period`)."""
    return store.query("SELECT plant, dc, month AS period, SUM(qty) AS qty FROM plan_lines WHERE cycle_id = ? "
                       "AND scenario = 'base' AND kind = 'shipment' GROUP BY 1, 2, 3", [cycle_id])


def unmet_spots(store: Store, cycle_id: str) -> set[tuple[str, str, str]]:
    """(sku, dc, month) where the base plan leaves demand unmet."""
    unmet = store.query("SELECT sku, dc, month FROM plan_lines WHERE cycle_id = ? AND scenario = 'base' "
                        "AND kind = 'unmet' AND qty > 1e-6", [cycle_id])
    return set(unmet.itertuples(index=False, name=None))


def full_plant_months(store: Store, cycle_id: str) -> set[tuple[str, str]]:
    """(plant, month) where the base plan uses every regular and overtime hour."""
    bound = store.query("SELECT plant, month FROM plant_hours WHERE cycle_id = ? AND scenario = 'base' "
                        "AND used_hours >= regular_hours + max_overtime_hours - 1e-6", [cycle_id])
    return set(bound.itertuples(index=False, name=None))

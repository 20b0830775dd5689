"""The company as its master files describe it: items, families, plants, DCs, lanes, suppliers
and the planning team. This is the one place the item master is read, so every area sees the
same items in the same order (the order they were loaded in)."""

from __future__ import annotations

import pandas as pd

from sop.store.database import Store


def items(store: Store) -> pd.DataFrame:
    """The item master, one row per SKU: family, price and unit_cost (money per unit), supplier,
    material_per_unit, moq and pack_size (units), launch_month."""
    return store.table("items")


def families(store: Store) -> pd.Series:
    """Each SKU's product family (sku -> family)."""
    return items(store).set_index("sku")["family"]


def plants(store: Store) -> pd.DataFrame:
    """Each plant's regular and maximum overtime hours per month and its overtime cost per hour."""
    return store.table("plants")


def dcs(store: Store) -> pd.DataFrame:
    """Each distribution centre's region and storage capacity (units)."""
    return store.table("dcs")


def lanes(store: Store) -> pd.DataFrame:
    """Each plant -> DC lane: cost_per_unit, capacity_per_month (units) and transit_days."""
    return store.table("lanes")


def routings(store: Store) -> pd.DataFrame:
    """Which plant can make which SKU, with hours_per_unit and cost_per_unit."""
    return store.table("routings")


def suppliers(store: Store) -> pd.DataFrame:
    """Each material supplier's capacity per month (material units) and quoted lead_time_days."""
    return store.table("suppliers")


def team(store: Store) -> pd.DataFrame:
    """The planning team by person: name, role and the gate each may decide at (`approves`)."""
    return store.query("SELECT person, name, role, approves FROM team ORDER BY person")


def approval_right(store: Store, person: str) -> str | None:
    """The gate `person` may decide at ('consensus', 'executive' or 'none'); None when the team
    file does not name them."""
    found = store.query("SELECT approves FROM team WHERE person = ?", [person])
    return None if found.empty else str(found["approves"].iloc[0])


def is_team_member(store: Store, person: str) -> bool:
    """True when `person` (the team file's short name, e.g. 'dana') is on the team."""
    return person in set(team(store)["person"])

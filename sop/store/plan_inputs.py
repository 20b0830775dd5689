"""What a cycle's supply plan is built from besides its demand: the company's network (items,
plants, routings, DCs, lanes, suppliers), stock on hand and the cycle's safety-stock targets; and
the inputs of the inventory policy (ABC-XYZ demand, achieved supplier lead times)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sop.store import company
from sop.store.database import Store
from sop.store.demand_reads import sku_year
from sop.store.supplier_reads import achieved_lead_times
from sop.tools.periods import add_months, to_timestamp


def abc_items(store: Store, period: str) -> list[dict]:
    """Each SKU's revenue and monthly demand (units) over the 12 months before `period`: the
    abc-xyz input. Months without orders count as 0 at the end of the year's list."""
    year = sku_year(store, add_months(period, -12), period)
    return [{"sku": sku, "revenue": g["revenue"].sum(), "monthly_demand": g["qty"].tolist() + [0.0] * (12 - len(g))}
            for sku, g in year.groupby("sku")]


def lead_times(store: Store, period: str) -> pd.DataFrame:
    """Mean and σ of each supplier's actual lead time over the 12 months before `period`, in months."""
    return achieved_lead_times(store, to_timestamp(add_months(period, -12)).date())


def safety_stocks(store: Store, cycle_id: str) -> pd.DataFrame:
    """The cycle's safety-stock target per SKU × DC (`qty`, units)."""
    return store.query("SELECT sku, dc, safety_stock AS qty FROM inventory_policy WHERE cycle_id = ?", [cycle_id])


def on_hand(store: Store) -> pd.DataFrame:
    """Stock on hand per SKU × DC (`qty`, units) as of the inventory snapshot."""
    return store.query("SELECT sku, dc, on_hand AS qty FROM inventory")


@dataclass(frozen=True)
class PlanInputs:
    """The rows every scenario's supply-plan instance shares, read once per cycle."""

    items: pd.DataFrame
    plants: pd.DataFrame
    routings: pd.DataFrame
    dcs: pd.DataFrame
    lanes: pd.DataFrame
    suppliers: pd.DataFrame
    on_hand: pd.DataFrame
    safety_stock: pd.DataFrame


def plan_inputs(store: Store, cycle_id: str) -> PlanInputs:
    """The cycle's plan inputs, once its safety stock is set."""
    return PlanInputs(
        items=company.items(store), plants=company.plants(store), routings=company.routings(store),
        dcs=company.dcs(store), lanes=company.lanes(store), suppliers=company.suppliers(store),
        on_hand=on_hand(store), safety_stock=safety_stocks(store, cycle_id))

"""Reads of purchase orders for the chat's queries: the deliveries a scorecard measures and the
lead times actually achieved."""

from __future__ import annotations

from datetime import date

import pandas as pd

from sop.store.database import Store

DAYS_PER_MONTH = 365.25 / 12


def deliveries_by(store: Store, end: date) -> pd.DataFrame:
    """Every purchase-order line ordered on or before `end`."""
    return store.query("SELECT * FROM supplier_deliveries WHERE order_date <= ?", [end])


def achieved_lead_times(store: Store, since: date) -> pd.DataFrame:
    """Mean and σ of each supplier's actual lead time for orders placed since `since`, in months."""
    return store.query(
        "SELECT supplier, AVG(received_date - order_date) / ? AS lead_time, "
        "COALESCE(STDDEV_SAMP(received_date - order_date), 0) / ? AS lead_time_std FROM supplier_deliveries "
        "WHERE received_date IS NOT NULL AND order_date >= ? GROUP BY 1",
        [DAYS_PER_MONTH, DAYS_PER_MONTH, since]).set_index("supplier")

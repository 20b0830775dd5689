"""Published plan versions side by side: units by family, SKU or month, and what changed
between two versions. Pure functions on `Store.published_plan` rows, so they test without a
cycle."""

from __future__ import annotations

import pandas as pd

GROUPINGS = ("family", "sku", "month")
COVERAGE = {"both": "both", "left_only": "old only", "right_only": "new only"}


def _keys(by: str) -> list[str]:
    if by not in GROUPINGS:
        raise ValueError(f"--by must be one of {', '.join(GROUPINGS)}, not {by!r}")
    return ["month"] if by == "month" else [by, "month"]


def plan_totals(plan: pd.DataFrame, by: str) -> pd.DataFrame:
    """Planned units per month, by family or SKU (or per month alone)."""
    keys = _keys(by)
    return plan.groupby(keys, as_index=False)["qty"].sum().rename(columns={"qty": "units"}).sort_values(keys)


def plan_diff(old: pd.DataFrame, new: pd.DataFrame, by: str, tolerance: float = 0.5) -> pd.DataFrame:
    """Every key whose units changed by more than `tolerance` units, largest change first.

    Consecutive cycles' horizons overlap but are not the same, so `coverage` says whether both
    versions plan that month ('both') or only one of them ('old only', 'new only'); a version
    that does not plan a key counts as 0 units there.
    """
    keys = _keys(by)
    merged = plan_totals(old, by).merge(plan_totals(new, by), on=keys, how="outer", suffixes=("_old", "_new"),
                                        indicator="coverage")
    merged["coverage"] = merged["coverage"].astype(str).map(COVERAGE)
    merged[["units_old", "units_new"]] = merged[["units_old", "units_new"]].fillna(0.0)
    merged["change"] = merged["units_new"] - merged["units_old"]
    merged["change_pct"] = (merged["change"] / merged["units_old"].where(merged["units_old"] != 0)).astype(float)
    changed = merged[merged["change"].abs() > tolerance]
    largest_first = changed["change"].abs().sort_values(ascending=False, kind="stable").index
    return changed.reindex(largest_first).reset_index(drop=True)


def overlap_totals(old: pd.DataFrame, new: pd.DataFrame) -> tuple[float, float]:
    """Total units of each version over the months both plan."""
    months = set(old["month"]) & set(new["month"])
    return (float(old.loc[old["month"].isin(months), "qty"].sum()),
            float(new.loc[new["month"].isin(months), "qty"].sum()))

"""What each planner override does to the consensus, in units, applied in the order the consensus
applies them: checking a new override against its effect (never below zero, a bounded change
unless forced), `sop override list --effect`, and naming the stored override that breaks a cycle.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import pandas as pd

from sop.store.company import families
from sop.store.database import Store
from sop.store.override_rules import Override, OverrideError
from sop.tools.forecasting.consensus import apply_overrides, in_scope

CHANGE_COLUMNS = ["level", "key", "month_from", "month_to", "change_pct", "set_qty"]


@dataclass(frozen=True)
class OverrideEffect:
    """One override's effect on its node: units over its months before and after it, the first
    month it leaves a row below zero (with the node's units then), and its largest change of a
    node-month in percent (infinite when it raises a month from zero)."""

    override_id: int | None
    node: str
    units_before: float
    units_after: float
    negative_month: str | None
    negative_units: float
    largest_change_pct: float
    largest_change_month: str | None

    @property
    def delta_units(self) -> float:
        return self.units_after - self.units_before


def _stored(store: Store, cycle_id: str) -> pd.DataFrame:
    """The cycle's overrides in the order `forecasts.consensus_proposal` applies them."""
    return store.query(f"SELECT override_id, {', '.join(CHANGE_COLUMNS)} FROM overrides WHERE cycle_id = ? "
                       "ORDER BY created_at, override_id", [cycle_id])


def _effect(override_id: int | None, change: pd.DataFrame, layer: pd.DataFrame, fam: pd.Series) -> pd.Series:
    """Apply one override (a one-row frame) to `layer`; its effect, and the layer's quantities after it."""
    o = change.iloc[0]
    after = apply_overrides(layer, change, fam)
    rows = in_scope(layer, fam, o["level"], o["key"]) & layer["month"].between(o["month_from"], o["month_to"])
    months = layer.loc[rows, "month"]
    before_m, after_m = layer.loc[rows, "qty"].groupby(months).sum(), after[rows].groupby(months).sum()
    negative = sorted(months[after[rows] < -1e-9].unique())
    change_pct = pd.Series([_pct(b, a) for b, a in zip(before_m, after_m, strict=True)], index=before_m.index)
    worst = change_pct.abs().idxmax() if len(change_pct) else None
    effect = OverrideEffect(
        override_id=override_id, node="total" if o["level"] == "total" else f"{o['level']} {o['key']}",
        units_before=float(before_m.sum()), units_after=float(after_m.sum()),
        negative_month=negative[0] if negative else None,
        negative_units=float(after_m[negative[0]]) if negative else 0.0,
        largest_change_pct=float(change_pct[worst]) if worst is not None else 0.0, largest_change_month=worst)
    return pd.Series({"effect": effect, "qty": after})


def _pct(before: float, after: float) -> float:
    if abs(before) > 1e-9:
        return (after / before - 1.0) * 100.0
    return 0.0 if abs(after) <= 1e-9 else math.inf


def override_effects(store: Store, cycle_id: str, extra: Override | None = None) -> list[OverrideEffect]:
    """The effect of each stored override of the cycle on the sales input as the ones before it
    left it, and last of `extra` (a checked override not stored yet) when given."""
    layer = store.query("SELECT sku, dc, month, qty FROM forecast_layers WHERE cycle_id = ? AND layer = 'sales_input'",
                        [cycle_id])
    fam = families(store)
    changes: list[tuple[int | None, pd.DataFrame]] = [
        (int(r["override_id"]), r.to_frame().T[CHANGE_COLUMNS]) for _, r in _stored(store, cycle_id).iterrows()]
    if extra is not None:
        changes.append((None, pd.DataFrame([{k: v for k, v in asdict(extra).items() if k in CHANGE_COLUMNS}])))
    effects = []
    for override_id, change in changes:
        step = _effect(override_id, change, layer, fam)
        effects.append(step["effect"])
        layer = layer.assign(qty=step["qty"])
    return effects


def _units(units: float) -> str:
    return f"{units:,.0f} units"


def beyond_bound(effect: OverrideEffect, max_pct: float) -> str | None:
    """How the override moves a node-month by more than `max_pct` percent (SOP_OVERRIDE_MAX_PCT),
    or None when it stays within."""
    if abs(effect.largest_change_pct) <= max_pct:
        return None
    where = f"{effect.node} {effect.largest_change_month}"
    change = (f"raises {where} from zero" if math.isinf(effect.largest_change_pct)
              else f"changes {where} by {effect.largest_change_pct:+.0f} %")
    return f"the override {change}, beyond the ±{max_pct:g} % bound (SOP_OVERRIDE_MAX_PCT)"


def check_effect(effect: OverrideEffect, max_pct: float, force: bool) -> None:
    """A new override never leaves a quantity below zero, and moves no node-month by more than
    `max_pct` percent unless forced (SOP_OVERRIDE_MAX_PCT)."""
    if effect.negative_month is not None:
        raise OverrideError(f"the override makes {effect.node} {effect.negative_month} negative "
                            f"({_units(effect.negative_units)}); a cut goes down to -100 % at most, or use --set 0")
    breach = beyond_bound(effect, max_pct)
    if breach and not force:
        raise OverrideError(f"{breach}; if that is meant, enter it with 'sop override add ... --force'")


def broken_override(store: Store, cycle_id: str) -> str | None:
    """The first stored override that leaves the cycle's consensus below zero, as a line for the
    planner with the way out; None when every override is sound."""
    for e in override_effects(store, cycle_id):
        if e.negative_month is not None:
            return (f"override {e.override_id} makes {e.node} {e.negative_month} negative "
                    f"({_units(e.negative_units)}); remove it with 'sop override remove {e.override_id} --as NAME'")
    return None

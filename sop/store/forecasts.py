"""The consensus view: sales input with the planners' overrides, as the consensus gate shows it
and adopts it, and as the chat quotes it."""

from __future__ import annotations

import pandas as pd

from sop.store.database import Store
from sop.tools.forecasting.consensus import apply_overrides, scenarios


def consensus_proposal(store: Store, cycle_id: str) -> pd.DataFrame:
    """Sales input with the planners' overrides applied, split down to SKU × DC."""
    layer = store.query("SELECT * FROM forecast_layers WHERE cycle_id = ? AND layer = 'sales_input'", [cycle_id])
    overrides = store.query("SELECT * FROM overrides WHERE cycle_id = ? ORDER BY created_at, override_id", [cycle_id])
    families = store.table("items").set_index("sku")["family"]
    return layer.assign(qty=apply_overrides(layer, overrides, families))


def consensus_view(store: Store, cycle_id: str) -> dict:
    """What the consensus gate shows: the layers side by side by family, scenarios and accuracy."""
    layers = store.query(
        "SELECT f.layer, i.family, SUM(f.qty) AS units FROM forecast_layers f JOIN items i USING (sku) "
        "WHERE f.cycle_id = ? GROUP BY 1, 2", [cycle_id])
    proposal = consensus_proposal(store, cycle_id)
    proposal["family"] = proposal["sku"].map(store.table("items").set_index("sku")["family"])
    side = layers.pivot(index="family", columns="layer", values="units").fillna(0.0)
    side["consensus"] = proposal.groupby("family")["qty"].sum()
    totals = {name: float(qty.sum()) for name, qty in scenarios(proposal["qty"], proposal).items()}
    accuracy = store.query(
        "SELECT evaluated_cycle, layer, MAX(CASE WHEN metric = 'wape' THEN value END) AS wape, "
        "MAX(CASE WHEN metric = 'fva' THEN value END) AS fva FROM accuracy_history WHERE level = 'total' "
        "GROUP BY 1, 2 ORDER BY 1, 2")
    overrides = store.query("SELECT * FROM overrides WHERE cycle_id = ? ORDER BY created_at", [cycle_id])
    return {
        "layers": side.reset_index().to_dict("records"),
        "scenarios": totals,
        "accuracy": accuracy.to_dict("records"),
        "overrides": overrides.astype(str).to_dict("records"),
    }


def adopt_consensus(store: Store, cycle_id: str) -> None:
    """The approved consensus: sales input and overrides as they stood when the gate approved."""
    proposal = consensus_proposal(store, cycle_id)
    store.replace("forecast_layers", proposal.drop(columns=["cycle_id", "layer"]), cycle_id=cycle_id, layer="consensus")

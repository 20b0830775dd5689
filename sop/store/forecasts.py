"""The forecasts a cycle plans from: the consensus view (sales input with the planners'
overrides) as the consensus gate shows it and adopts it and as the chat quotes it, the adopted
consensus per scenario, the backtest errors and the layers week 1 scores a cycle later."""

from __future__ import annotations

import pandas as pd

from sop.store.company import families
from sop.store.database import Store
from sop.tools.forecasting.consensus import apply_overrides, scenarios


def consensus_proposal(store: Store, cycle_id: str) -> pd.DataFrame:
    """Sales input with the planners' overrides applied, split down to SKU × DC."""
    layer = store.query("SELECT * FROM forecast_layers WHERE cycle_id = ? AND layer = 'sales_input'", [cycle_id])
    overrides = store.query("SELECT * FROM overrides WHERE cycle_id = ? ORDER BY created_at, override_id", [cycle_id])
    return layer.assign(qty=apply_overrides(layer, overrides, families(store)))


def node_backtests(store: Store, cycle_id: str) -> pd.DataFrame:
    """The total's and each family's honest backtest WAPE (Σ|error| / Σ actual over the backtest
    months) of the statistical model at that node, beside its benchmark of record's at the same
    points: where the statistical forecast beats the benchmark."""
    return store.query(
        "SELECT level, key, model, points, mae / NULLIF(mean_actual, 0) AS backtest_wape, benchmark, "
        "benchmark_mae / NULLIF(mean_actual, 0) AS benchmark_wape, mae < benchmark_mae AS beats_benchmark "
        "FROM backtests WHERE cycle_id = ? AND level IN ('total', 'family') "
        "ORDER BY level = 'family', key", [cycle_id])


def consensus_view(store: Store, cycle_id: str) -> dict:
    """What the consensus gate shows: the layers side by side by family, scenarios, each node's
    backtest against its benchmark, and accuracy."""
    layers = store.query(
        "SELECT f.layer, i.family, SUM(f.qty) AS units FROM forecast_layers f JOIN items i USING (sku) "
        "WHERE f.cycle_id = ? GROUP BY 1, 2", [cycle_id])
    proposal = consensus_proposal(store, cycle_id)
    proposal["family"] = proposal["sku"].map(families(store))
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
        "backtests": node_backtests(store, cycle_id).to_dict("records"),
        "accuracy": accuracy.to_dict("records"),
        "overrides": overrides.astype(str).to_dict("records"),
    }


def adopt_consensus(store: Store, cycle_id: str) -> None:
    """The approved consensus: sales input and overrides as they stood when the gate approved."""
    proposal = consensus_proposal(store, cycle_id)
    store.replace("forecast_layers", proposal.drop(columns=["cycle_id", "layer"]), cycle_id=cycle_id, layer="consensus")


def scenario_demand(store: Store, cycle_id: str) -> pd.DataFrame:
    """The adopted consensus per SKU × DC × month (units), with one column per supply scenario
    (base, upside, downside) beside the statistical forecast and its 80 % band."""
    layers = store.query(
        "SELECT sku, dc, month, qty, yhat, lo_80, hi_80 FROM forecast_layers "
        "WHERE cycle_id = ? AND layer = 'consensus' ORDER BY sku, dc, month", [cycle_id])
    for name, qty in scenarios(layers["qty"], layers).items():
        layers[name] = qty
    return layers


def forecast_errors(store: Store, cycle_id: str) -> pd.DataFrame:
    """The backtest σ of the forecast error per SKU × DC (units a month), indexed by sku and dc:
    what the safety stock is sized on."""
    return store.query("SELECT sku, dc, error_std FROM backtests WHERE cycle_id = ? AND level = 'sku_dc'",
                       [cycle_id]).set_index(["sku", "dc"])


def layers_in_month(store: Store, cycle_id: str, month: str) -> pd.DataFrame:
    """Every forecast layer a cycle made for one month (layer, sku, dc, month, qty in units)."""
    return store.query("SELECT layer, sku, dc, month, qty FROM forecast_layers WHERE cycle_id = ? AND month = ?",
                       [cycle_id, month])


def forecast_cycles(store: Store) -> list[str]:
    """The cycles that have a forecast, newest first: the cycles a package can be built for."""
    return store.query("SELECT DISTINCT cycle_id FROM forecast_layers ORDER BY cycle_id DESC")["cycle_id"].tolist()


def consensus_adopted(store: Store, cycle_id: str) -> bool:
    """True once the consensus gate has approved the cycle's consensus layer."""
    return bool(store.query("SELECT 1 FROM forecast_layers WHERE cycle_id = ? AND layer = 'consensus' LIMIT 1",
                            [cycle_id]).shape[0])

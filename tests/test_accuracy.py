"""Accuracy and forecast value added against hand-computed numbers."""

import math

import pandas as pd
import pytest

from sop.tools.forecasting.accuracy import accuracy_report

FAMILIES = pd.Series({"A": "tools", "B": "tools", "C": "garden"})
MONTHS = ["2026-01", "2026-02"]

# Actuals, units:  A/D1 100, 200   B/D1 50, 50   B/D2 50, 50   C/D1 40, 60
ACTUALS = pd.DataFrame(
    [("A", "D1", m, q) for m, q in zip(MONTHS, [100, 200])]
    + [("B", dc, m, 50) for dc in ("D1", "D2") for m in MONTHS]
    + [("C", "D1", m, q) for m, q in zip(MONTHS, [40, 60])],
    columns=["sku", "dc", "month", "qty"],
)

# Forecasts per layer: {(sku, dc): [Jan, Feb]}. There is no sales_input layer.
LAYER_FORECASTS = {
    "naive":       {("A", "D1"): [120, 150], ("B", "D1"): [60, 60], ("B", "D2"): [40, 40], ("C", "D1"): [50, 50]},
    "statistical": {("A", "D1"): [110, 190], ("B", "D1"): [50, 60], ("B", "D2"): [50, 50], ("C", "D1"): [40, 60]},
    "consensus":   {("A", "D1"): [100, 210], ("B", "D1"): [55, 55], ("B", "D2"): [55, 55], ("C", "D1"): [45, 55]},
}


def forecast_frame() -> pd.DataFrame:
    rows = [(layer, sku, dc, month, q)
            for layer, series in LAYER_FORECASTS.items()
            for (sku, dc), values in series.items()
            for month, q in zip(MONTHS, values)]
    rows.append(("consensus", "A", "D1", "2026-03", 999))  # no actuals yet: not scored
    return pd.DataFrame(rows, columns=["layer", "sku", "dc", "month", "qty"])


@pytest.fixture(scope="module")
def report():
    return accuracy_report(forecast_frame(), ACTUALS, FAMILIES,
                           ["naive", "statistical", "sales_input", "consensus"])


def metric(report, level, key, layer, name) -> float:
    frame = report.to_frame()
    hit = frame[(frame["level"] == level) & (frame["key"] == key) & (frame["layer"] == layer)
                & (frame["metric"] == name)]
    assert len(hit) == 1, (level, key, layer, name)
    return float(hit["value"].iloc[0])


def test_scope(report):
    assert report.months == MONTHS
    assert report.layers == ["naive", "statistical", "consensus"]  # sales_input is skipped


def test_naive_sku_a(report):
    # errors f − a: +20, −50
    assert metric(report, "sku", "A", "naive", "mape") == pytest.approx((20 / 100 + 50 / 200) / 2)  # 0.225
    assert metric(report, "sku", "A", "naive", "wape") == pytest.approx(70 / 300)                     # 0.2333
    assert metric(report, "sku", "A", "naive", "bias") == pytest.approx((0.20 - 0.25) / 2)            # −0.025
    assert metric(report, "sku", "A", "naive", "tracking_signal") == pytest.approx(-30 / 35)          # Σe / MAD


def test_dc_mix_errors_cancel_at_sku_level(report):
    # B naive: D1 +10 and D2 −10 in both months, so the SKU total is exact.
    for name in ("mape", "wape", "bias", "tracking_signal"):
        assert metric(report, "sku", "B", "naive", name) == 0


def test_naive_family_and_total(report):
    # tools = A + B: forecast 220, 250 against 200, 300 → errors +20, −50.
    assert metric(report, "family", "tools", "naive", "mape") == pytest.approx((20 / 200 + 50 / 300) / 2)
    assert metric(report, "family", "tools", "naive", "wape") == pytest.approx(70 / 500)   # 0.14
    # garden = C: 50, 50 against 40, 60 → errors +10, −10.
    assert metric(report, "family", "garden", "naive", "wape") == pytest.approx(20 / 100)  # 0.20
    assert metric(report, "family", "garden", "naive", "bias") == pytest.approx((10 / 40 - 10 / 60) / 2)
    assert metric(report, "family", "garden", "naive", "tracking_signal") == 0             # Σe = 0
    # total: 270, 300 against 240, 360 → errors +30, −60.
    assert metric(report, "total", "total", "naive", "wape") == pytest.approx(90 / 600)    # 0.15
    assert metric(report, "total", "total", "naive", "mape") == pytest.approx((30 / 240 + 60 / 360) / 2)
    assert metric(report, "total", "total", "naive", "tracking_signal") == pytest.approx(-30 / 45)


def test_consensus_total(report):
    # 255, 375 against 240, 360 → errors +15, +15: an over-forecast in both months.
    assert metric(report, "total", "total", "consensus", "wape") == pytest.approx(30 / 600)           # 0.05
    assert metric(report, "total", "total", "consensus", "bias") == pytest.approx((15 / 240 + 15 / 360) / 2)
    assert metric(report, "total", "total", "consensus", "tracking_signal") == pytest.approx(30 / 15)  # 2


def fva(report, level, key, before, after) -> float:
    (row,) = [r for r in report.fva if (r.level, r.key, r.from_layer, r.to_layer) == (level, key, before, after)]
    return row.value


def test_fva_per_step(report):
    # WAPE by layer            naive      statistical   consensus
    #   sku A                  70/300     20/300        10/300
    #   sku B                  0/200      10/200        20/200
    #   family tools           70/500     10/500        30/500
    #   total                  90/600     10/600        30/600
    assert fva(report, "sku", "A", "naive", "statistical") == pytest.approx(50 / 300)          # +0.167
    assert fva(report, "sku", "A", "statistical", "consensus") == pytest.approx(10 / 300)      # +0.033
    assert fva(report, "sku", "B", "statistical", "consensus") == pytest.approx(-10 / 200)     # −0.05
    assert fva(report, "family", "tools", "naive", "statistical") == pytest.approx(60 / 500)   # +0.12
    assert fva(report, "family", "tools", "statistical", "consensus") == pytest.approx(-20 / 500)
    assert fva(report, "total", "total", "naive", "statistical") == pytest.approx(80 / 600)
    assert fva(report, "total", "total", "statistical", "consensus") == pytest.approx(-20 / 600)
    assert {(r.from_layer, r.to_layer) for r in report.fva} == {("naive", "statistical"), ("statistical", "consensus")}


def test_fva_steps_over_layers_not_asked_for():
    report = accuracy_report(forecast_frame(), ACTUALS, FAMILIES, ["naive", "consensus"])
    assert report.layers == ["naive", "consensus"]
    # total WAPE 90/600 → 30/600
    assert fva(report, "total", "total", "naive", "consensus") == pytest.approx(60 / 600)


def test_fva_rows_in_the_tidy_frame(report):
    frame = report.to_frame()
    rows = frame[(frame["metric"] == "fva") & (frame["key"] == "total")]
    assert rows["layer"].tolist() == ["statistical", "consensus"]


def test_demand_nobody_forecast_counts_as_a_miss():
    actuals = pd.concat([ACTUALS, pd.DataFrame([("C", "D2", "2026-01", 30)], columns=ACTUALS.columns)])
    report = accuracy_report(forecast_frame(), actuals, FAMILIES, ["statistical"])
    # garden statistical: 40, 60 against 70, 60 → WAPE 30/130.
    assert metric(report, "family", "garden", "statistical", "wape") == pytest.approx(30 / 130)
    assert report.fva == []


def test_zero_actuals_give_nan_percentages():
    actuals = ACTUALS.assign(qty=0)
    report = accuracy_report(forecast_frame(), actuals, FAMILIES, ["naive"])
    assert math.isnan(metric(report, "total", "total", "naive", "wape"))
    assert math.isnan(metric(report, "total", "total", "naive", "mape"))


def test_sku_without_family_is_named():
    with pytest.raises(ValueError, match=r"\['C'\]"):
        accuracy_report(forecast_frame(), ACTUALS, FAMILIES.drop("C"), ["naive"])

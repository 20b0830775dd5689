"""Last cycle's forecast against what happened: accuracy by layer and forecast value added.

The forecast passes through layers, naive → statistical → sales_input → consensus, and each
step costs people's time. Forecast value added (FVA) asks whether a step made the forecast
better: FVA = WAPE of the previous layer − WAPE of this layer, so a positive FVA means the
step added value and a negative one means it made the forecast worse (Gilliland).

Each level's metrics are computed on forecast and actuals summed to that level per month: the
SKU row measures the SKU forecast the supply plan uses, the family row the family forecast the
S&OP meeting and the budget use, the total row what finance sees. Mix errors between SKUs
therefore show at SKU level and cancel higher up. All layers are scored on the same months:
those with actuals that every scored layer forecast. Within them a SKU × DC that only one side
has counts as 0 on the other (a forecast for a SKU that sold nothing is a miss, and so is
demand nobody forecast). Metrics come from `tools.metrics`: fractions for MAPE, WAPE and bias
(MPE, positive = over-forecast), and the tracking signal in mean absolute deviations.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Literal

import pandas as pd
from pydantic import BaseModel, Field

from sop.tools.forecasting.metrics import bias, mape, tracking_signal, wape

Layer = Literal["naive", "statistical", "sales_input", "consensus"]
ReportLevel = Literal["sku", "family", "total"]
Metric = Literal["mape", "wape", "bias", "tracking_signal"]
LAYERS: tuple[Layer, ...] = ("naive", "statistical", "sales_input", "consensus")
METRICS = {"mape": mape, "wape": wape, "bias": bias, "tracking_signal": tracking_signal}
KEYS = ["sku", "dc", "month"]
TOTAL = "total"


class AccuracyRow(BaseModel):
    level: ReportLevel
    key: str = Field(description="the SKU, the family, or 'total'")
    layer: Layer
    metric: Metric
    value: float = Field(description="fraction for mape, wape and bias; MADs for tracking_signal; NaN without actuals")


class FvaRow(BaseModel):
    level: ReportLevel
    key: str
    from_layer: Layer
    to_layer: Layer
    value: float = Field(description="WAPE(from_layer) − WAPE(to_layer), a fraction; positive = the step helped")


class AccuracyReport(BaseModel):
    months: list[str] = Field(description="the months scored, YYYY-MM")
    layers: list[Layer] = Field(description="the layers scored, in process order; missing ones are skipped")
    metrics: list[AccuracyRow]
    fva: list[FvaRow]

    def to_frame(self) -> pd.DataFrame:
        """One tidy frame: level, key, layer, metric, value; an FVA row carries metric 'fva'
        under the layer its step leads to."""
        rows = [r.model_dump() for r in self.metrics] + [
            dict(level=r.level, key=r.key, layer=r.to_layer, metric="fva", value=r.value) for r in self.fva
        ]
        return pd.DataFrame(rows, columns=["level", "key", "layer", "metric", "value"])


def _paired(layer_forecast: pd.DataFrame, actuals: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """sku, dc, month, forecast, actual (units) over `months`; a side without the row counts 0."""
    forecast = layer_forecast[layer_forecast["month"].isin(months)].groupby(KEYS)["qty"].sum()
    actual = actuals[actuals["month"].isin(months)].groupby(KEYS)["qty"].sum()
    return pd.concat([forecast.rename("forecast"), actual.rename("actual")], axis=1).fillna(0.0).reset_index()


def _by_level(paired: pd.DataFrame, families: pd.Series) -> pd.DataFrame:
    """level, key, month, forecast, actual: the pairs summed to SKU, family and total."""
    family = paired["sku"].map(families)
    if family.isna().any():
        missing = sorted(paired.loc[family.isna(), "sku"].unique())
        raise ValueError(f"SKUs {missing[:5]} have no family: add them to the item master (items.csv)")
    keys = {"sku": paired["sku"], "family": family, TOTAL: pd.Series(TOTAL, index=paired.index)}
    parts = [paired.assign(level=level, key=key) for level, key in keys.items()]
    return pd.concat(parts).groupby(["level", "key", "month"], as_index=False)[["forecast", "actual"]].sum()


def _metric_rows(levels: pd.DataFrame, layer: Layer) -> list[AccuracyRow]:
    return [
        AccuracyRow(level=level, key=key, layer=layer, metric=name, value=score(group["actual"], group["forecast"]))
        for (level, key), group in levels.groupby(["level", "key"], sort=True)
        for name, score in METRICS.items()
    ]


def _fva_rows(metrics: list[AccuracyRow], layers: list[Layer]) -> list[FvaRow]:
    """FVA of each step between consecutive scored layers, wherever both have a WAPE."""
    wapes = {(r.level, r.key, r.layer): r.value for r in metrics if r.metric == "wape"}
    nodes = sorted({(level, key) for level, key, _ in wapes})
    return [
        FvaRow(level=level, key=key, from_layer=before, to_layer=after,
               value=wapes[(level, key, before)] - wapes[(level, key, after)])
        for before, after in pairwise(layers)
        for level, key in nodes
        if (level, key, before) in wapes and (level, key, after) in wapes
    ]


def accuracy_report(forecast: pd.DataFrame, actuals: pd.DataFrame, families: pd.Series,
                    layers: Sequence[str] = LAYERS) -> AccuracyReport:
    """MAPE, WAPE, bias and tracking signal by SKU, family and total for each layer, and FVA.

    `forecast`: layer, sku, dc, month, qty (units); `actuals`: sku, dc, month, qty (units);
    `families` maps SKU to family. Layers asked for but absent from `forecast` are skipped, and
    FVA then steps over them (statistical → consensus when there is no sales input).
    """
    unknown = sorted(set(layers) - set(LAYERS))
    if unknown:
        raise ValueError(f"unknown forecast layers {unknown}; the layers are {', '.join(LAYERS)}")
    present = set(forecast["layer"])
    scored: list[Layer] = [layer for layer in LAYERS if layer in layers and layer in present]
    months = set(actuals["month"])
    for layer in scored:
        months &= set(forecast.loc[forecast["layer"] == layer, "month"])
    months_scored = sorted(months)
    metrics: list[AccuracyRow] = []
    for layer in scored:
        paired = _paired(forecast[forecast["layer"] == layer], actuals, months_scored)
        metrics += _metric_rows(_by_level(paired, families), layer)
    return AccuracyReport(months=months_scored, layers=scored, metrics=metrics, fva=_fva_rows(metrics, scored))


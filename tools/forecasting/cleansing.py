"""Demand history cleansing: from what was ordered and shipped to the baseline demand to forecast.

A forecast is only as good as the history it learns from. Shipments understate demand when
stock ran out, promotions inflate it, data errors add spikes, and a missing month or a month
without orders after a stockout says nothing about demand at all. `cleanse_history` turns raw
SKU × DC × month rows into an estimate of the true baseline demand (units per month) and lists
every change it made with a reason a planner can check. Where a month cannot be trusted it is
replaced by its *expected value*: the mean of the nearest trusted months of the same series
(±3 months, widened until one is found), after removing the family's seasonal pattern, times
the month's seasonal factor (see `censoring`). The rules:

1. **Stockouts.** Demand starts from shipments. Where fewer units shipped than were ordered,
   demand is taken as the orders, the unconstrained signal.
2. **Censored months.** A month missing inside a series (between its first and last month),
   and a month with no orders right after a stockout (customers who found no stock may not
   have ordered), are censored: demand unknown, estimated as the expected value. Only a lone
   zero counts: when the next month has no orders either, demand may have stopped, and those
   months are only tested as outliers (rule 4), like any other.
3. **Promotions and other market events.** Months covered by a past market event other than a
   launch (a promotion or a competitor's move; for its SKU, or for every SKU of its family
   when it names none) are brought back to their expected value from the months no event
   covered, as the sales-input layer applies every event again to the forecast. The ratio of
   the month to it is the estimated uplift, reported next to the event's stated `uplift_pct`.
   A month below its baseline is raised to it (a competitor's month) and one above it lowered
   (a promotion's), except a month with no demand at all, which is tested like any other
   month (rule 4).
4. **Outliers.** A month more than k robust standard deviations (k = 3.5 by default) from the
   months before it and from the months after it, zeros included, is replaced by its expected
   value, not capped at the bound, so that none of a spike stays in the baseline.

Slow movers keep their zeros: in a series with more than 30 % of its months without demand a
zero is the most likely month, so a missing month is a zero, a zero after a stockout stays a
zero, market events cannot be told from lumps, and only a lump far above the others (in logs:
lump sizes are skewed) is an outlier.

`analog_forecast_profile` gives launches with short history a forecast shape borrowed from
earlier launches in the same family.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import trim_mean

from sop.tools.forecasting.censoring import (
    expected_level,
    is_intermittent,
    lump_outliers,
    outliers,
    zeros_after_stockouts,
)
from sop.tools.periods import add_months, month_number, month_range

OUTLIER_K = 3.5
WINDOW = 3  # months either side for local baselines and rolling medians
SEASON = 12  # months in a seasonal cycle
MIN_RATIOS = 3  # series × years behind a calendar month's seasonal factor
TRIM = 0.2  # share of ratios cut at each end before averaging them into a seasonal factor
SHORT_HISTORY_MONTHS = 12

KEYS = ["sku", "dc", "month"]
CLEANSED_COLUMNS = [*KEYS, "demand", "ordered_qty", "shipped_qty"]
ADJUSTMENT_COLUMNS = [*KEYS, "kind", "before", "after", "uplift_pct", "event_id", "reason"]
KIND_ORDER = ["gap", "stockout", "censored", "promotion", "market event", "outlier"]
FORECAST_COLUMNS = ["sku", "dc", "month", "yhat"]


def _units(x: float) -> str:
    return f"{x:,.1f}".removesuffix(".0")


def _percent(x: float) -> str:
    return f"{x:+.0f} %"


def _adjustment(series_key: tuple[str, str], month: str, kind: str, before: float, after: float,
                reason: str, uplift_pct: float = np.nan, event_id: str | None = None) -> dict:
    sku, dc = series_key
    return dict(sku=sku, dc=dc, month=month, kind=kind, before=before, after=after,
                uplift_pct=uplift_pct, event_id=event_id, reason=reason)


# --- rows: gaps, stockouts and events, on the whole frame -------------------------------------


def fill_gaps(history: pd.DataFrame) -> pd.DataFrame:
    """The raw rows with a row added for every month missing between a series' first and last
    month; its raw columns stay empty (NaN): nothing was recorded."""
    rows = []
    for key, series in history.groupby(["sku", "dc"], sort=True):
        first, last = series["month"].min(), series["month"].max()
        present = set(series["month"])
        rows += [dict(sku=key[0], dc=key[1], month=month, ordered_qty=np.nan, shipped_qty=np.nan)
                 for month in month_range(first, month_number(last) - month_number(first) + 1)
                 if month not in present]
    raw = history[[*KEYS, "ordered_qty", "shipped_qty"]]
    full = pd.concat([raw, pd.DataFrame(rows, columns=raw.columns)], ignore_index=True) if rows else raw.copy()
    return full.sort_values(KEYS, ignore_index=True)


def correct_stockouts(frame: pd.DataFrame) -> tuple[pd.Series, list[dict]]:
    """Demand per row in units (NaN where no row was recorded): shipments, or the orders where
    stock ran short of them."""
    demand = frame["shipped_qty"].astype(float)
    short = frame["shipped_qty"] < frame["ordered_qty"]
    adjustments = [
        _adjustment((r.sku, r.dc), r.month, "stockout", r.shipped_qty, r.ordered_qty,
                    f"shipped {_units(r.shipped_qty)} of {_units(r.ordered_qty)} ordered: "
                    f"demand taken as ordered {_units(r.ordered_qty)}")
        for r in frame[short].itertuples(index=False)
    ]
    demand[short] = frame.loc[short, "ordered_qty"]
    return demand, adjustments


def event_cover(frame: pd.DataFrame, events: pd.DataFrame, families: pd.Series,
                types: tuple[str, ...] = ("promotion",)) -> pd.DataFrame:
    """Per row of `frame`: the events of `types` covering it (ids and their types joined by '+',
    '' if none) and their combined stated uplift in percent (overlapping uplifts multiply, as in
    consensus)."""
    event_ids, event_types = pd.Series("", index=frame.index), pd.Series("", index=frame.index)
    factor = pd.Series(1.0, index=frame.index)
    family = frame["sku"].map(families)
    for ev in events[events["type"].isin(types)].itertuples(index=False):
        in_window = (frame["month"] >= ev.start_month) & (frame["month"] <= ev.end_month)
        target = frame["sku"] == ev.sku if isinstance(ev.sku, str) and ev.sku else family == ev.family
        hit = in_window & target
        event_ids[hit] = (event_ids[hit] + "+" + ev.event_id).str.lstrip("+")
        event_types[hit] = (event_types[hit] + "+" + ev.type).str.lstrip("+")
        factor[hit] *= 1.0 + ev.uplift_pct / 100.0
    return pd.DataFrame({"event_id": event_ids, "event_type": event_types,
                         "stated_uplift_pct": (factor - 1.0) * 100.0})


# --- seasonality, pooled over a family -------------------------------------------------------


def ratio_to_trend(demand: np.ndarray, cover: pd.DataFrame) -> np.ndarray:
    """Each month's demand over its trend, a centred 2×12 moving average; NaN where there is none.

    `cover` (from `event_cover`) names the months a market event moved. The trend runs through
    them with the event's stated effect divided out, so that a promoted peak neither inflates
    the trend nor, if left out, lowers it (at 1/12 weight an error in the statement barely
    moves it); those months get no ratio of their own. Intermittent series and series shorter
    than two full years give no ratios: their months say little about the season.
    """
    ratio = np.full(len(demand), np.nan)
    if len(demand) < 2 * SEASON or is_intermittent(demand):
        return ratio
    effect = 1.0 + cover["stated_uplift_pct"].to_numpy() / 100.0
    underlying = np.divide(demand, effect, out=demand.copy(), where=effect > 0)
    weights = np.r_[0.5, np.ones(SEASON - 1), 0.5] / SEASON
    trend = np.convolve(underlying, weights, mode="valid")
    middle = slice(SEASON // 2, len(demand) - SEASON // 2)
    usable = (cover["event_id"] == "").to_numpy()[middle] & (trend > 0)
    ratio[middle] = np.divide(demand[middle], trend, out=np.full(len(trend), np.nan), where=usable)
    return ratio


def family_seasonality(frame: pd.DataFrame, family: pd.Series, cover: pd.DataFrame) -> pd.Series:
    """Each row's seasonal factor: its family's factor for the row's calendar month (mean 1).

    A family's factor for a calendar month is the trimmed mean (middle 60 %) of its series'
    ratios to trend over the years, leaving out months a market event moved (`cover`, from
    `event_cover`). Pooling the family's series is what makes it robust: two or three years of
    one SKU × DC cannot tell a season from a spike, and trimming keeps one series' spike out.
    A calendar month with fewer than three ratios is interpolated from its neighbouring
    months; a family with none at all is not seasonal (factor 1).
    """
    ratio = pd.Series(np.nan, index=frame.index)
    for idx in frame.groupby(["sku", "dc"], sort=False).groups.values():
        ratio[idx] = ratio_to_trend(frame.loc[idx, "demand"].to_numpy(dtype=float), cover.loc[idx])
    month_of_year = frame["month"].str[5:7].astype(int)
    by_month = ratio.dropna().groupby([family, month_of_year])
    typical = by_month.agg(lambda r: trim_mean(r, TRIM)).where(by_month.count() >= MIN_RATIOS)
    table = typical.unstack().reindex(columns=range(1, SEASON + 1))
    factors = {name: _fill_calendar(row.to_numpy(dtype=float)) for name, row in table.iterrows()}
    return pd.Series([factors[f][m - 1] if f in factors else 1.0 for f, m in zip(family, month_of_year)],
                     index=frame.index)


def _fill_calendar(factors: np.ndarray) -> np.ndarray:
    """Twelve factors with gaps filled by interpolation around the calendar, scaled to mean 1."""
    known = ~np.isnan(factors)
    if not known.any():
        return np.ones(SEASON)
    months = np.arange(SEASON)
    filled = np.interp(months, months[known], factors[known], period=SEASON)
    return filled / filled.mean()


# --- one series: censored months, promotions and outliers --------------------------------------


def censored_rows(frame: pd.DataFrame, short: pd.Series) -> pd.Series:
    """Rows whose demand is unknown (rule 2): gaps, and zeros right after a stockout, in series
    that do not sell in lumps. `frame` holds sku, dc and demand (NaN at gaps), sorted by month."""
    censored = pd.Series(False, index=frame.index)
    for idx in frame.groupby(["sku", "dc"], sort=False).groups.values():
        demand = frame.loc[idx, "demand"].to_numpy(dtype=float)
        if not is_intermittent(demand):
            censored[idx] = np.isnan(demand) | zeros_after_stockouts(demand, short[idx].to_numpy())
    return censored


def cleanse_series(series: pd.DataFrame, key: tuple[str, str], window: int, k: float) -> tuple[np.ndarray, list[dict]]:
    """One SKU × DC's baseline demand (units) and the changes rules 2-4 made to it.

    `series`, one row per month in order: month, demand (stockouts corrected; NaN where
    censored), gap (True where no row was recorded), season (the seasonal factor), event_id,
    event_type and stated_uplift_pct of the past market events covering the month (from
    `event_cover`, launches left out).
    """
    months, gap = series["month"].tolist(), series["gap"].to_numpy()
    demand, season = series["demand"].to_numpy(dtype=float), series["season"].to_numpy(dtype=float)
    intermittent, censored = is_intermittent(demand), np.isnan(demand)
    out = np.nan_to_num(demand)
    promoted = (series["event_id"] != "").to_numpy() & (out > 0) & (not intermittent)
    level = np.divide(demand, season, out=demand.copy(), where=season > 0)
    usable = ~censored & ~promoted
    outlier, reference = (lump_outliers if intermittent else outliers)(level, usable, window, k)
    trusted = usable & ~outlier
    if intermittent:
        lumps = level[trusted & (level > 0)]
        expected = np.full(len(level), lumps.mean() if lumps.size else np.nan) * season
    else:
        expected = expected_level(level, trusted, window) * season
    adjustments = []
    for i in np.flatnonzero(gap | censored | promoted | outlier).tolist():
        estimate, before = float(expected[i]), float(demand[i])
        if not censored[i] and gap[i]:
            adjustments.append(_adjustment(key, months[i], "gap", np.nan, 0.0,
                                           "no row for this month in a series that sells in lumps: taken as 0, "
                                           "its most common month"))
            continue
        if np.isnan(estimate) or (promoted[i] and estimate == 0):  # nothing trusted to estimate from
            if not censored[i]:
                continue  # the month keeps its demand
            estimate = 0.0
        if censored[i]:
            cause = ("no row for this month inside the series" if gap[i]
                     else f"no orders right after the stockout of {months[i - 1]}")
            adjustments.append(_adjustment(
                key, months[i], "gap" if gap[i] else "censored", np.nan if gap[i] else 0.0, estimate,
                f"{cause}: demand unknown, estimated at {_units(estimate)} from the nearest months"))
        elif promoted[i]:
            uplift = (before / estimate - 1.0) * 100.0
            event_id, stated = series["event_id"].iloc[i], series["stated_uplift_pct"].iloc[i]
            kind = series["event_type"].iloc[i]
            adjustments.append(_adjustment(
                key, months[i], "promotion" if "promotion" in kind else "market event", before, estimate,
                f"{kind} {event_id} (stated {_percent(stated)}): {_units(before)} against a "
                f"baseline of {_units(estimate)} is {_percent(uplift)}; demand taken as the baseline "
                f"{_units(estimate)}", uplift_pct=uplift, event_id=event_id))
        else:
            side = "above" if level[i] > reference[i] else "below"
            others = "its other lumps" if intermittent else "the months around it"
            adjustments.append(_adjustment(
                key, months[i], "outlier", before, estimate,
                f"demand {_units(before)} is more than {k:g} robust deviations {side} {others} "
                f"(median {_units(reference[i] * season[i])}): taken as the expected {_units(estimate)}"))
        out[i] = estimate
    return out, adjustments

# --- the whole history ------------------------------------------------------------------------


def cleanse_history(history: pd.DataFrame, events: pd.DataFrame, items: pd.DataFrame,
                    outlier_k: float = OUTLIER_K, window: int = WINDOW) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Baseline demand per SKU × DC × month, and the list of changes that produced it.

    `history`: sku, dc, month ('YYYY-MM'), ordered_qty, shipped_qty (units). `events`:
    event_id, type, family, sku (may be empty), start_month, end_month, uplift_pct (percent).
    `items`: sku, family. The rules are in the module docstring.

    Returns (cleansed, adjustments). cleansed: sku, dc, month, demand (units), ordered_qty,
    shipped_qty. adjustments, one row per change: sku, dc, month, kind ('gap', 'stockout',
    'censored', 'promotion', 'market event' or 'outlier'), before and after (units of demand;
    before is NaN for a gap), uplift_pct and event_id (market events only), reason.
    """
    families = items.set_index("sku")["family"]
    unknown = sorted(set(history["sku"]) - set(families.index))
    if unknown:
        raise ValueError(f"demand history names SKUs {unknown[:5]} that are not in the item master (items.csv)")
    frame = fill_gaps(history)
    frame["gap"] = frame["ordered_qty"].isna()
    frame["demand"], adjustments = correct_stockouts(frame)
    censored = censored_rows(frame, frame["shipped_qty"] < frame["ordered_qty"])
    frame.loc[frame["gap"] & ~censored, "demand"] = 0.0  # a slow mover's missing month
    frame.loc[censored, "demand"] = np.nan
    every_event = event_cover(frame, events, families, types=tuple(events["type"].unique()))
    frame["season"] = family_seasonality(frame, frame["sku"].map(families), every_event)
    moving = tuple(set(events["type"]) - {"launch"})  # a launch follows its launch curve instead
    frame[["event_id", "event_type", "stated_uplift_pct"]] = event_cover(frame, events, families, moving)
    for key, idx in frame.groupby(["sku", "dc"], sort=False).groups.items():
        frame.loc[idx, "demand"], changes = cleanse_series(frame.loc[idx], key, window, outlier_k)
        adjustments += changes
    return frame[CLEANSED_COLUMNS], _adjustment_frame(adjustments)


def _adjustment_frame(adjustments: list[dict]) -> pd.DataFrame:
    table = pd.DataFrame(adjustments, columns=ADJUSTMENT_COLUMNS)
    order = table["kind"].map(KIND_ORDER.index)
    return table.assign(_order=order).sort_values([*KEYS, "_order"]).drop(columns="_order").reset_index(drop=True)


# --- launches ----------------------------------------------------------------------------------


def _curves_by_age(demand: pd.DataFrame, launch: pd.Series, last_month: str) -> dict[tuple[str, str], np.ndarray]:
    """Each SKU × DC's demand by months since its SKU's launch (index 0 = launch month), up to
    `last_month`, with 0 where no row exists."""
    curves = {}
    for (sku, dc), series in demand.groupby(["sku", "dc"], sort=True):
        start = month_number(launch[sku])
        ages = series["month"].map(month_number) - start
        curve = np.zeros(max(month_number(last_month) - start + 1, 0))
        keep = (ages >= 0).to_numpy()
        curve[ages[keep].to_numpy()] = series["demand"].to_numpy(dtype=float)[keep]
        curves[(sku, dc)] = curve
    return curves


def _sku_curves(curves: dict[tuple[str, str], np.ndarray]) -> dict[str, np.ndarray]:
    totals: dict[str, np.ndarray] = {}
    for (sku, _), curve in curves.items():
        totals[sku] = totals.get(sku, 0) + curve
    return totals


def launch_profile(analog_curves: list[np.ndarray], observed: int, length: int) -> np.ndarray:
    """The family's launch shape by months since launch, ages 0 .. length−1.

    Each analog's curve is divided by its mean over the first `observed` months, so the profile
    averages 1 over the months the new SKU has already sold; ages no analog has reached carry
    the last known value (the mature level).
    """
    total, count = np.zeros(length), np.zeros(length)
    for curve in analog_curves:
        reach = min(len(curve), length)
        total[:reach] += curve[:reach] / curve[:observed].mean()
        count[:reach] += 1
    mean = np.divide(total, count, out=np.full(length, np.nan), where=count > 0)
    return pd.Series(mean).ffill().to_numpy()


def analog_forecast_profile(demand: pd.DataFrame, items: pd.DataFrame, horizon: int = 18,
                            short_history: int = SHORT_HISTORY_MONTHS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A forecast for SKUs with fewer than `short_history` months since launch, from analog SKUs.

    `demand`: sku, dc, month, demand (units, e.g. the cleansed history). `items`: sku, family,
    launch_month (empty for established items; their first month of history stands in).
    Analogs are the other SKUs of the same family that have a launch_month, have been on sale
    longer than the new SKU, and sold something in their first months. The forecast of each
    DC is the family's launch profile (see `launch_profile`) times that DC's mean demand since
    launch, for the `horizon` months after the last history month. SKUs without analogs are
    left out: the statistical model's short-series regime covers them.

    Returns (forecast: sku, dc, month, yhat in units per month; analogs: sku, analog,
    analog_months, the analog's months of history since its launch).
    """
    last_month = demand["month"].max()
    first_seen = demand.groupby("sku")["month"].min()
    master = items.set_index("sku")
    launch_months = master["launch_month"].replace("", np.nan).dropna()
    launch = launch_months.reindex(first_seen.index).fillna(first_seen)
    months_since = launch.map(lambda m: month_number(last_month) - month_number(m) + 1)
    curves = _curves_by_age(demand, launch, last_month)
    sku_curves = _sku_curves(curves)
    launched = set(launch_months.index) & set(first_seen.index)
    forecasts, analogs = [], []
    for sku in sorted(months_since[(months_since >= 1) & (months_since < short_history)].index):
        observed = int(months_since[sku])
        family_analogs = sorted(
            other for other in launched
            if other != sku and master.at[other, "family"] == master.at[sku, "family"]
            and months_since[other] > observed and sku_curves[other][:observed].mean() > 0
        )
        if not family_analogs:
            continue
        profile = launch_profile([sku_curves[a] for a in family_analogs], observed, observed + horizon)
        future_months = month_range(add_months(last_month, 1), horizon)
        for (curve_sku, dc), curve in curves.items():
            if curve_sku == sku:
                forecasts.append(pd.DataFrame({"sku": sku, "dc": dc, "month": future_months,
                                               "yhat": curve[:observed].mean() * profile[observed:]}))
        analogs += [dict(sku=sku, analog=a, analog_months=int(months_since[a])) for a in family_analogs]
    forecast = pd.concat(forecasts, ignore_index=True) if forecasts else pd.DataFrame(columns=FORECAST_COLUMNS)
    return forecast, pd.DataFrame(analogs, columns=["sku", "analog", "analog_months"])

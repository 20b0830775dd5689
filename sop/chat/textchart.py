"""A fan chart for terminals: demand history, then the forecast inside its 80 % and 95 % bands.

Drawn on a character grid so it reads the same in a terminal, a log file and a test assertion.
One column per month, or, when there are more months than columns, the nearest month per column.
"""

from __future__ import annotations

from collections.abc import Sequence

from sop.numbers import units

HISTORY, FORECAST, BAND_80, BAND_95 = "o", "*", "▒", "░"
LEGEND = f"{HISTORY} history  {FORECAST} forecast  {BAND_80} 80 % band  {BAND_95} 95 % band"


def fan_chart(
    months: Sequence[str],
    history: Sequence[float],
    forecast: Sequence[float],
    band_80: Sequence[tuple[float, float]],
    band_95: Sequence[tuple[float, float]],
    width: int = 60,
    height: int = 12,
) -> str:
    """The chart as text, in the units of the values (units per month).

    `months` labels every point: first the history, then the forecast, which `band_80` and
    `band_95` (low, high) accompany point by point. The y-axis is labelled at the top, middle
    and bottom; the first and last months label the x-axis.
    """
    if len(months) != len(history) + len(forecast) or not months:
        raise ValueError(f"{len(months)} month labels for {len(history)} history and {len(forecast)} forecast points")
    if not len(band_80) == len(band_95) == len(forecast):
        raise ValueError("give one 80 % and one 95 % band per forecast point")
    values = [*history, *forecast, *(v for band in (*band_80, *band_95) for v in band)]
    low, high = min(values), max(values)
    span = (high - low) or 1.0

    def row(value: float) -> int:
        return round((value - low) / span * (height - 1))

    columns = min(width, len(months))
    points = [round(c * (len(months) - 1) / max(columns - 1, 1)) for c in range(columns)]
    grid = [[" "] * columns for _ in range(height)]
    for c, i in enumerate(points):
        if i < len(history):
            grid[row(history[i])][c] = HISTORY
            continue
        f = i - len(history)
        for (lo, hi), mark in ((band_95[f], BAND_95), (band_80[f], BAND_80)):
            for r in range(row(lo), row(hi) + 1):
                grid[r][c] = mark
        grid[row(forecast[f])][c] = FORECAST

    labels = {height - 1: high, (height - 1) // 2: low + span * ((height - 1) // 2) / (height - 1), 0: low}
    label_width = max(len(units(v)) for v in labels.values())
    lines = [f"{(units(labels[r]) if r in labels else ''):>{label_width}} ┤{''.join(grid[r])}"
             for r in range(height - 1, -1, -1)]
    lines.append(f"{'':>{label_width}} └{'─' * columns}")
    first, last = months[0], months[-1]
    gap = max(1, columns - len(first) - len(last))
    lines.append(f"{'':>{label_width}}  {first}{' ' * gap}{last}")
    lines.append(LEGEND)
    return "\n".join(lines)

"""Inline SVG charts for the executive package: no scripts, no network, crisp on a projector.

Labels are placed so that they stay inside the view box and clear of each other and of the
marks: the y-axis takes round steps and makes room for its widest label, month labels thin out
until they fit (the last month is always labelled), and a bridge label too wide for its bar
takes two lines. Label widths are estimated from the font size (`text_width`)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

from sop.numbers import compact

W, H, PAD_T, PAD_B = 640, 270, 16, 48
FONT = 14  # px in the 640-wide view box: still legible when a chart is a third of a projected slide
GLYPH = 0.64  # a character's advance in em, at least that of a digit in common sans-serif fonts
GAP = 8  # px kept free between two labels
PALETTE = ("#1f5fa8", "#d9822b", "#3a8f5c", "#b23a48", "#6b4fa0", "#5a6b7b")
Scale = Callable[[float], float]  # a data value (or a month's position) to an SVG coordinate


def text_width(label: str) -> float:
    """The estimated width of a label at FONT px."""
    return len(label) * FONT * GLYPH


def nice_ticks(top: float) -> list[float]:
    """0 and round steps (1, 2, 2.5 or 5 × 10^k), at most four, up to the first at or above `top`."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / 3
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    return [k * step for k in range(math.ceil(top / step - 1e-9) + 1)]


def _text(x: float, y: float, label: str, anchor: str = "middle", bold: bool = False) -> str:
    weight = ' font-weight="600"' if bold else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{FONT}"{weight}>'
            f"{escape(label)}</text>")


def _axes(labels: Sequence[str], y_top: float, bands: bool) -> tuple[list[str], Scale, Scale, float]:
    """Gridlines with round y labels, and the month labels; returns the parts, the x scale (by
    month position), the y scale and the width of a month's slot. With `bands` each month is a
    slot (bars); otherwise months are points from the left edge to the right edge (lines)."""
    ticks = nice_ticks(y_top)
    tick_labels = [compact(t) for t in ticks]
    widest_month = max(map(text_width, labels), default=0.0)
    left = max(max(map(text_width, tick_labels)) + 10, widest_month / 2 + 2)
    right = W - widest_month / 2 - 4
    bottom = H - PAD_B
    n = max(len(labels), 1)
    slot = (right - left) / n if bands else (right - left) / max(n - 1, 1)

    def x(i: float) -> float:
        return left + slot * (i + 0.5) if bands else (left + slot * i if n > 1 else (left + right) / 2)

    def y(v: float) -> float:
        return bottom - v / ticks[-1] * (bottom - PAD_T)

    parts = [f'<line x1="{left:.1f}" y1="{bottom}" x2="{right:.1f}" y2="{bottom}" stroke="#888"/>']
    for tick, label in zip(ticks, tick_labels):
        parts.append(f'<line x1="{left:.1f}" y1="{y(tick):.1f}" x2="{right:.1f}" y2="{y(tick):.1f}" stroke="#eee"/>')
        parts.append(_text(left - 6, y(tick) + 5, label, "end"))
    step = max(1, math.ceil((widest_month + GAP) / slot)) if slot > 0 else 1
    for i in reversed(range(len(labels) - 1, -1, -step)):
        parts.append(_text(x(i), bottom + 22, labels[i]))
    return parts, x, y, slot


def _svg(parts: list[str], title: str, legend: Sequence[tuple[str, str]]) -> str:
    keys, at = [], 12.0
    for name, color in legend:
        keys.append(f'<rect x="{at:.1f}" y="{H - 16}" width="12" height="12" fill="{color}"/>'
                    + _text(at + 16, H - 4, name, "start"))
        at += 16 + text_width(name) + 2 * GAP
    return (f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{escape(title)}" '
            f'xmlns="http://www.w3.org/2000/svg">{"".join(parts)}{"".join(keys)}</svg>')


def _path(xs, ys) -> str:
    return "M" + " L".join(f"{a:.1f},{b:.1f}" for a, b in zip(xs, ys))


def _known(series: Sequence[float | None]) -> list[tuple[int, float]]:
    """(position, value) of the points a series has; None is a month without a value."""
    return [(i, v) for i, v in enumerate(series) if v is not None]


def fan_chart(labels: Sequence[str], history: Sequence[float | None], forecast: Sequence[float | None],
              bands: Sequence[tuple[Sequence[float | None], Sequence[float | None]]], title: str) -> str:
    """History, then forecast with nested interval bands (outer first), on one month axis."""
    values = [v for s in (history, forecast, *[b[1] for b in bands]) for v in s if v is not None]
    parts, x, y, _ = _axes(labels, max(values, default=1.0), bands=False)
    for (lo, hi), opacity in zip(bands, (0.18, 0.32)):
        upper, lower = _known(hi), dict(_known(lo))
        if upper:
            top = [(x(i), y(v)) for i, v in upper]
            bottom = [(x(i), y(lower[i])) for i, _ in reversed(upper)]
            pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in top + bottom)
            parts.append(f'<polygon points="{pts}" fill="{PALETTE[0]}" fill-opacity="{opacity}" stroke="none"/>')
    for series, color, dash in ((history, "#333", ""), (forecast, PALETTE[0], ' stroke-dasharray="5,3"')):
        known = _known(series)
        if known:
            parts.append(f'<path d="{_path([x(i) for i, _ in known], [y(v) for _, v in known])}" fill="none" '
                         f'stroke="{color}" stroke-width="2"{dash}/>')
    return _svg(parts, title, [("history", "#333"), ("forecast", PALETTE[0]), ("80/95 % bands", "#a9c1e0")])


def line_chart(labels: Sequence[str], series: dict[str, Sequence[float]], title: str) -> str:
    """Several lines on one month axis, e.g. projected inventory against its target."""
    parts, x, y, _ = _axes(labels, max((v for s in series.values() for v in s), default=1.0), bands=False)
    legend = []
    for (name, values), color in zip(series.items(), PALETTE):
        parts.append(f'<path d="{_path([x(i) for i in range(len(values))], [y(v) for v in values])}" '
                     f'fill="none" stroke="{color}" stroke-width="2"/>')
        legend.append((name, color))
    return _svg(parts, title, legend)


def bar_chart(labels: Sequence[str], bars: dict[str, Sequence[float]], title: str,
              lines: dict[str, Sequence[float]] | None = None) -> str:
    """Grouped bars per month, with optional limit lines (e.g. demand vs supply vs capacity)."""
    lines = lines or {}
    y_top = max((v for s in (*bars.values(), *lines.values()) for v in s), default=1.0)
    parts, x, y, slot = _axes(labels, y_top, bands=True)
    width = slot * 0.8 / max(len(bars), 1)
    legend = []
    for j, ((name, values), color) in enumerate(zip(bars.items(), PALETTE)):
        for i, v in enumerate(values):
            parts.append(f'<rect x="{x(i) - slot * 0.4 + j * width:.1f}" y="{y(v):.1f}" width="{width:.1f}" '
                         f'height="{y(0) - y(v):.1f}" fill="{color}"/>')
        legend.append((name, color))
    for (name, values), color in zip(lines.items(), PALETTE[len(bars):]):
        parts.append(f'<path d="{_path([x(i) for i in range(len(values))], [y(v) for v in values])}" '
                     f'fill="none" stroke="{color}" stroke-width="2" stroke-dasharray="6,3"/>')
        legend.append((name, color))
    return _svg(parts, title, legend)


def _two_lines(name: str, room: float) -> list[str]:
    """A label on one line, or split at the space nearest its middle when it is wider than `room`."""
    if text_width(name) <= room or " " not in name:
        return [name]
    spaces = [i for i, c in enumerate(name) if c == " "]
    cut = min(spaces, key=lambda i: abs(i - len(name) / 2))
    return [name[:cut], name[cut + 1:]]


def waterfall_chart(steps: Sequence[tuple[str, float]], title: str) -> str:
    """A bridge: the first and last steps are levels drawn from zero, those between are changes
    that float from the running total (green up, red down), each labelled with its value."""
    running, bars = 0.0, []
    for i, (name, value) in enumerate(steps):
        level = i in (0, len(steps) - 1)
        low, high = (min(0.0, value), max(0.0, value)) if level else sorted((running, running + value))
        bars.append((name, value, low, high, PALETTE[0] if level else ("#2e7d4f" if value >= 0 else "#b23a48")))
        running = value if level else running + value
    y_lo = min(0.0, *(b[2] for b in bars))
    y_hi = max(b[3] for b in bars) * 1.12 or 1.0
    bottom, left, right = H - PAD_B, GAP, W - GAP

    def y(v: float) -> float:
        return bottom - (v - y_lo) / (y_hi - y_lo) * (bottom - PAD_T - 6)

    slot = (right - left) / max(len(bars), 1)
    parts = [f'<line x1="{left}" y1="{y(0):.1f}" x2="{right}" y2="{y(0):.1f}" stroke="#888"/>']
    for i, (name, value, low, high, color) in enumerate(bars):
        centre = left + slot * (i + 0.5)
        parts.append(f'<rect x="{centre - slot * 0.35:.1f}" y="{y(high):.1f}" width="{slot * 0.7:.1f}" '
                     f'height="{max(y(low) - y(high), 1.0):.1f}" fill="{color}"/>')
        parts.append(_text(centre, y(high) - 6, compact(value, signed=0 < i < len(bars) - 1), bold=True))
        for k, line in enumerate(_two_lines(name, slot - GAP)):
            parts.append(_text(centre, bottom + 20 + 18 * k, line))
    return _svg(parts, title, [])

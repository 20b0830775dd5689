"""Inline SVG charts for the executive package: no scripts, no network, crisp on a projector."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

W, H, PAD_L, PAD_R, PAD_T, PAD_B = 640, 260, 64, 12, 14, 40
FONT = 14  # px in the 640-wide view box: still legible when a chart is a third of a projected slide
PALETTE = ("#1f5fa8", "#d9822b", "#3a8f5c", "#b23a48", "#6b4fa0", "#5a6b7b")
Scale = Callable[[float], float]  # a data value to an SVG coordinate


def _scale(lo: float, hi: float, a: float, b: float) -> Scale:
    span = (hi - lo) or 1.0
    return lambda v: a + (v - lo) * (b - a) / span


def _axes(labels: Sequence[str], y_max: float) -> tuple[list[str], Scale, Scale]:
    x = _scale(0, max(len(labels) - 1, 1), PAD_L, W - PAD_R)
    y = _scale(0, y_max or 1.0, H - PAD_B, PAD_T)
    parts = [f'<line x1="{PAD_L}" y1="{H - PAD_B}" x2="{W - PAD_R}" y2="{H - PAD_B}" stroke="#888"/>']
    for frac in (0, 0.5, 1.0):
        v = y_max * frac
        parts.append(f'<text x="{PAD_L - 6}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="{FONT}">{v:,.0f}</text>')
        parts.append(f'<line x1="{PAD_L}" y1="{y(v):.1f}" x2="{W - PAD_R}" y2="{y(v):.1f}" stroke="#eee"/>')
    step = max(1, len(labels) // 8)
    for i in range(0, len(labels), step):
        parts.append(f'<text x="{x(i):.1f}" y="{H - PAD_B + 18}" text-anchor="middle" font-size="{FONT}">'
                     f"{escape(labels[i])}</text>")
    return parts, x, y


def _svg(parts: list[str], title: str, legend: Sequence[tuple[str, str]]) -> str:
    keys = "".join(
        f'<rect x="{PAD_L + 170 * i}" y="{H - 13}" width="12" height="12" fill="{c}"/>'
        f'<text x="{PAD_L + 16 + 170 * i}" y="{H - 2}" font-size="{FONT}">{escape(n)}</text>'
        for i, (n, c) in enumerate(legend)
    )
    return (f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{escape(title)}" '
            f'xmlns="http://www.w3.org/2000/svg">{"".join(parts)}{keys}</svg>')


def _path(xs, ys) -> str:
    return "M" + " L".join(f"{a:.1f},{b:.1f}" for a, b in zip(xs, ys))


def _known(series: Sequence[float | None]) -> list[tuple[int, float]]:
    """(position, value) of the points a series has; None is a month without a value."""
    return [(i, v) for i, v in enumerate(series) if v is not None]


def fan_chart(labels: Sequence[str], history: Sequence[float | None], forecast: Sequence[float | None],
              bands: Sequence[tuple[Sequence[float | None], Sequence[float | None]]], title: str) -> str:
    """History, then forecast with nested interval bands (outer first), on one month axis."""
    values = [v for s in (history, forecast, *[b[1] for b in bands]) for v in s if v is not None]
    parts, x, y = _axes(labels, max(values, default=1.0) * 1.05)
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
    y_max = max((v for s in series.values() for v in s), default=1.0) * 1.05
    parts, x, y = _axes(labels, y_max)
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
    y_max = max((v for s in (*bars.values(), *lines.values()) for v in s), default=1.0) * 1.05
    parts, x, y = _axes(labels, y_max)
    slot = (W - PAD_L - PAD_R) / max(len(labels), 1)
    width = slot * 0.8 / max(len(bars), 1)
    legend = []
    for j, ((name, values), color) in enumerate(zip(bars.items(), PALETTE)):
        for i, v in enumerate(values):
            left = x(i) - slot * 0.4 + j * width
            parts.append(f'<rect x="{left:.1f}" y="{y(v):.1f}" width="{width:.1f}" height="{y(0) - y(v):.1f}" '
                         f'fill="{color}"/>')
        legend.append((name, color))
    for (name, values), color in zip(lines.items(), PALETTE[len(bars):]):
        parts.append(f'<path d="{_path([x(i) for i in range(len(values))], [y(v) for v in values])}" '
                     f'fill="none" stroke="{color}" stroke-width="2" stroke-dasharray="6,3"/>')
        legend.append((name, color))
    return _svg(parts, title, legend)


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
    y = _scale(y_lo, y_hi, H - PAD_B, PAD_T + 6)
    slot = (W - PAD_L - PAD_R) / max(len(bars), 1)
    parts = [f'<line x1="{PAD_L}" y1="{y(0):.1f}" x2="{W - PAD_R}" y2="{y(0):.1f}" stroke="#888"/>']
    for i, (name, value, low, high, color) in enumerate(bars):
        left = PAD_L + i * slot + slot * 0.15
        parts.append(f'<rect x="{left:.1f}" y="{y(high):.1f}" width="{slot * 0.7:.1f}" '
                     f'height="{max(y(low) - y(high), 1.0):.1f}" fill="{color}"/>')
        label = compact(value, signed=0 < i < len(bars) - 1)
        parts.append(f'<text x="{left + slot * 0.35:.1f}" y="{y(high) - 6:.1f}" text-anchor="middle" '
                     f'font-size="{FONT}" font-weight="600">{label}</text>')
        parts.append(f'<text x="{left + slot * 0.35:.1f}" y="{H - PAD_B + 18}" text-anchor="middle" '
                     f'font-size="{FONT}">{escape(name)}</text>')
    return _svg(parts, title, [])


def compact(value: float, signed: bool = False) -> str:
    """Currency or units in a few characters for a chart label: 27.6M, −3.7M, 912k, 35."""
    sign = "+" if signed and value >= 0 else ("−" if value < 0 else "")
    size = abs(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if size >= limit:
            return f"{sign}{size / limit:.1f}{suffix}"
    return f"{sign}{size:,.0f}"

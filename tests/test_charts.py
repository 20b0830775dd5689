"""The package's SVG charts keep their labels readable: every label inside the view box, no label
over another or over a bar, and the last month drawn and labelled inside the chart.

Checked twice: on the SVG's geometry with label widths estimated at 0.64 em a character, and
on the boxes headless Chromium measures for the same SVG after it has laid out the text."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from itertools import combinations
from pathlib import Path

import pytest
from pagecheck import _run, find_chromium

from sop.report.charts import FONT, H, W, bar_chart, fan_chart, line_chart, waterfall_chart

SVG = "{http://www.w3.org/2000/svg}"
HISTORY = [f"{y}-{m:02d}" for y in (2024, 2025, 2026) for m in range(1, 13)][10:34]  # 2024-11 … 2026-10
FORECAST = [f"{y}-{m:02d}" for y in (2026, 2027, 2028) for m in range(1, 13)][10:28]  # 2026-11 … 2028-04
Box = tuple[float, float, float, float]  # left, top, right, bottom


def _charts() -> dict[str, str]:
    """The package's chart kinds on the demo company's sizes: 42 months of up to 410,896 units
    a family, 18 months of plant hours against capacity, a bridge in millions."""
    months = HISTORY + FORECAST
    history = [150_000 + 60_000 * ((i % 12) in (4, 5, 6)) for i in range(len(HISTORY))] + [None] * len(FORECAST)
    forecast = [None] * len(HISTORY) + [180_000 + 4_000 * i for i in range(len(FORECAST))]
    lo = [None] * len(HISTORY) + [90_000.0] * len(FORECAST)
    hi = [None] * len(HISTORY) + [250_000 + 9_000 * i for i in range(len(FORECAST))]
    used = [11_200.0] * 7 + [12_300.0, 11_700.0] + [9_000.0] * 9
    return {
        "fan": fan_chart(months, history, forecast, [(lo, hi), (lo, hi)], "fasteners"),
        "bars": bar_chart(FORECAST, {"demand": [290_520.0] * 18, "supplied": [145_260.0] * 18}, "demand vs supply"),
        "hours": bar_chart(FORECAST, {"hours used": used}, "plant hours",
                           lines={"regular": [11_200.0] * 18, "regular + overtime": [14_000.0] * 18}),
        "lines": line_chart(FORECAST, {"projected inventory": [3_500_000.0] * 18,
                                       "safety-stock target": [1_200_000.0] * 18}, "inventory vs target"),
        "bridge": waterfall_chart([("budget margin", 31_012_000.0), ("volume", -3_620_000.0),
                                   ("price/mix", -191_500.0), ("cost", -468_900.0),
                                   ("projected margin", 26_731_600.0)], "bridge"),
    }


def _estimated(svg: str) -> tuple[list[tuple[str, Box]], list[Box], list[float]]:
    """(label, box) of every text line, the bars' boxes and the x of every path's last point."""
    root = ET.fromstring(svg)
    texts = []
    for t in root.iter(f"{SVG}text"):
        x, y, label = float(t.get("x")), float(t.get("y")), t.text or ""
        width = len(label) * FONT * 0.64
        left = {"start": x, "middle": x - width / 2, "end": x - width}[t.get("text-anchor", "start")]
        texts.append((label, (left, y - 0.93 * FONT, left + width, y + 0.24 * FONT)))  # ascent, descent
    bars = [(float(r.get("x")), float(r.get("y")), float(r.get("x")) + float(r.get("width")),
             float(r.get("y")) + float(r.get("height"))) for r in root.iter(f"{SVG}rect") if float(r.get("width")) > 12]
    ends = [float(re.findall(r"(-?[\d.]+),(-?[\d.]+)", p.get("d"))[-1][0]) for p in root.iter(f"{SVG}path")]
    return texts, bars, ends


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _problems(texts: list[tuple[str, Box]], bars: list[Box]) -> list[str]:
    found = [f"{label!r} leaves the view box" for label, (left, top, right, bottom) in texts
             if left < 0 or top < 0 or right > W or bottom > H]
    found += [f"{a!r} overlaps {b!r}" for (a, box_a), (b, box_b) in combinations(texts, 2) if _overlap(box_a, box_b)]
    found += [f"{label!r} overlaps a bar" for label, box in texts for bar in bars if _overlap(box, bar)]
    return found


@pytest.mark.parametrize("kind", ["fan", "bars", "hours", "lines", "bridge"])
def test_labels_stay_inside_and_clear_of_each_other_and_the_bars(kind):
    texts, bars, _ = _estimated(_charts()[kind])
    assert _problems(texts, bars) == []
    assert all(b[0] >= 0 and b[2] <= W for b in bars)


@pytest.mark.parametrize(("kind", "months"), [("fan", HISTORY + FORECAST), ("bars", FORECAST), ("lines", FORECAST)])
def test_the_last_month_is_drawn_and_labelled_inside_the_chart(kind, months):
    texts, bars, ends = _estimated(_charts()[kind])
    labelled = [label for label, _ in texts if re.fullmatch(r"\d{4}-\d{2}", label)]
    assert labelled[-1] == months[-1] and len(labelled) >= 5
    assert all(0 < x < W for x in ends) and all(b[2] < W for b in bars)


def test_the_y_axis_takes_round_steps_in_a_few_characters():
    texts, _, _ = _estimated(_charts()["bars"])
    assert [label for label, _ in texts if not re.fullmatch(r"\d{4}-\d{2}", label)][:4] == ["0", "100k", "200k",
                                                                                            "300k"]


# Chromium lays the SVG out and reports the box of every label and bar, in view-box units.
MEASURE = """<script>addEventListener('load', () => {
  const out = [...document.querySelectorAll('svg.chart')].map(svg => ({
    texts: [...svg.querySelectorAll('text')].map(t => { const b = t.getBBox();
      return [t.textContent, [b.x, b.y, b.x + b.width, b.y + b.height]]; }),
    bars: [...svg.querySelectorAll('rect')].filter(r => r.getBBox().width > 12).map(r => { const b = r.getBBox();
      return [b.x, b.y, b.x + b.width, b.y + b.height]; })}));
  document.getElementById('boxes').textContent = JSON.stringify(out); });</script>"""


@pytest.mark.slow
def test_chromium_measures_no_collision_and_no_clipping(tmp_path: Path):
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("chromium is not installed: 'make package-check' installs it (apt-get install chromium)")
    charts = _charts()
    page = tmp_path / "charts.html"
    page.write_text('<!doctype html><html><body style="font-family:system-ui,sans-serif">'
                    + "".join(f'<div style="width:{W}px">{svg}</div>' for svg in charts.values())
                    + f'<pre id="boxes"></pre>{MEASURE}</body></html>', encoding="utf-8")
    dom = _run(chromium, ["--dump-dom", page.resolve().as_uri()]).stdout
    measured = json.loads(re.search(r'<pre id="boxes">(.*?)</pre>', dom, re.S).group(1).replace("&amp;", "&"))
    assert len(measured) == len(charts)
    for kind, chart in zip(charts, measured):
        texts = [(label, tuple(box)) for label, box in chart["texts"]]
        assert _problems(texts, [tuple(b) for b in chart["bars"]]) == [], kind

"""Checks the executive package the way a person sees it: headless Chromium opens the page,
and the check reads the DOM Chromium rendered (every chart must have drawn marks) and a
screenshot of it (the pixels must not be blank).

Run: python tests/pagecheck.py OUT/PERIOD [--png FILE]. Exit 0 when the page passes, 1 when it
does not, 2 when Chromium is not installed (`make package-check` installs the Debian package).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

# Headless, offline and quiet: no GPU, sandbox, first-run UI, sync or background networking.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars")
WINDOW = (1366, 900)  # a laptop screen, CSS pixels
TIMEOUT_S = 120


def find_chromium() -> str | None:
    """The Chromium binary on PATH (Debian's `chromium` package), or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _run(chromium: str, args: list[str]) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="sop-chromium-") as profile:
        return subprocess.run([chromium, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                              text=True, timeout=TIMEOUT_S, check=False)


def rendered_dom(chromium: str, page: Path) -> str:
    """The DOM after load, serialised by Chromium (what it actually parsed and built)."""
    done = _run(chromium, ["--dump-dom", page.resolve().as_uri()])
    if done.returncode != 0 or ("<svg" not in done.stdout and "<html" not in done.stdout):
        raise RuntimeError(f"chromium could not render {page}: {done.stderr.strip()[-400:]}")
    return done.stdout


def screenshot(chromium: str, page: Path, png: Path, height: int = WINDOW[1]) -> Path:
    """A PNG of the page's top `height` CSS pixels at laptop width."""
    done = _run(chromium, [f"--screenshot={png.resolve()}", f"--window-size={WINDOW[0]},{height}",
                           page.resolve().as_uri()])
    if not png.exists():
        raise RuntimeError(f"chromium wrote no screenshot of {page}: {done.stderr.strip()[-400:]}")
    return png


@dataclass
class Chart:
    label: str
    marks: int = 0  # paths with at least two points, rects and polygons with area


class _Charts(HTMLParser):
    """Counts the drawn marks inside each <svg class="chart">."""

    def __init__(self) -> None:
        super().__init__()
        self.charts: list[Chart] = []
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "svg" and "chart" in a.get("class", "").split():
            self.charts.append(Chart(a.get("aria-label", f"chart {len(self.charts) + 1}")))
            self._depth = 1
        elif self._depth:
            self._depth += tag not in ("rect", "path", "polygon", "line", "text")
            self.charts[-1].marks += _is_mark(tag, a)

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        if self._depth and tag not in ("rect", "path", "polygon", "line", "text"):
            self._depth -= 1


def _is_mark(tag: str, a: dict[str, str]) -> bool:
    """A mark a reader can see: a path through two or more points, a rectangle or polygon with
    area. Axis lines and labels are not marks."""
    if tag == "path":
        return len(re.findall(r"-?\d+(?:\.\d+)?,-?\d+(?:\.\d+)?", a.get("d", ""))) >= 2
    if tag == "rect":
        return float(a.get("width") or 0) > 0 and float(a.get("height") or 0) > 0 and a.get("y", "") != ""
    if tag == "polygon":
        return len(a.get("points", "").split()) >= 3
    return False


def chart_problems(dom: str) -> list[str]:
    """Every chart that drew nothing, or a note that the page has no charts at all."""
    parser = _Charts()
    parser.feed(dom)
    if not parser.charts:
        return ["the page has no charts"]
    return [f"chart '{c.label}' drew no marks" for c in parser.charts if c.marks == 0]


def blank_problems(png: Path) -> list[str]:
    """A screenshot is blank when nearly all its pixels are one colour or it has almost no ink."""
    from PIL import Image  # the [test] extra; only the check needs it

    image = Image.open(png).convert("L")
    histogram = image.histogram()
    pixels = sum(histogram)
    dominant = max(histogram) / pixels
    ink = sum(histogram[:128]) / pixels  # dark pixels: text, lines and bars
    problems = []
    if dominant > 0.98:
        problems.append(f"{png.name} is {dominant:.1%} one grey level: the page looks blank")
    if ink < 0.005:
        problems.append(f"{png.name} has {ink:.2%} dark pixels: no text or charts are visible")
    return problems


def check_package(package_dir: Path, png: Path | None = None) -> tuple[list[str], int, Path]:
    """(problems, charts seen, screenshot path) for DIR/executive-package.html."""
    chromium = find_chromium()
    if chromium is None:
        raise FileNotFoundError("chromium is not installed; 'make package-check' installs the Debian package")
    page = package_dir / "executive-package.html"
    dom = rendered_dom(chromium, page)
    shot = screenshot(chromium, page, png or package_dir / "executive-package.png")
    parser = _Charts()
    parser.feed(dom)
    return chart_problems(dom) + blank_problems(shot), len(parser.charts), shot


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("package_dir", type=Path, help="the folder with executive-package.html")
    args.add_argument("--png", type=Path, default=None, help="where to write the screenshot")
    ns = args.parse_args(argv)
    try:
        problems, charts, shot = check_package(ns.package_dir, ns.png)
    except FileNotFoundError as exc:
        print(f"package check skipped: {exc}", file=sys.stderr)
        return 2
    for p in problems:
        print(f"problem: {p}", file=sys.stderr)
    print(f"{charts} charts checked, screenshot {shot}: {'FAILED' if problems else 'ok'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

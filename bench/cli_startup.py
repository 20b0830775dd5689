"""How fast `sop` starts: wall time of `sop --help`, `sop --version` and `sop cycle status --json`
against an empty store and against the demo store after its cycle, median of 5 runs each.
Target: under 1 s.

    python -m bench.cli_startup                 # builds the demo store first (about a minute)
    python -m bench.cli_startup --demo out/demo # reuses the store `make demo` left there
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SOP = Path(sys.executable).with_name("sop")
RUNS = 5
TARGET_S = 1.0


def _env(root: Path) -> dict[str, str]:
    return {**os.environ, "SOP_DB": str(root / "sop.duckdb"), "SOP_CHECKPOINT_URL": str(root / "checkpoints.sqlite"),
            "SOP_OUT": str(root), "OPENAI_API_KEY": ""}


def _median_s(args: list[str], env: dict[str, str]) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run([str(SOP), *args], env=env, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _demo(root: Path) -> None:
    """The sample company through a cycle under the demo policy, as `make demo` leaves it."""
    env = _env(root)
    subprocess.run([str(SOP), "data", "demo", "--out", str(root / "data")], env=env, check=True, capture_output=True)
    subprocess.run([str(SOP), "cycle", "run", "--policy", "demo"], env=env, check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--demo", type=Path, help="a folder with sop.duckdb and checkpoints.sqlite after a cycle")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        empty, demo = Path(tmp) / "empty", args.demo or Path(tmp) / "demo"
        empty.mkdir()
        if args.demo is None:
            demo.mkdir()
            _demo(demo)
        rows = [("sop --help", "", _median_s(["--help"], _env(empty))),
                ("sop --version", "", _median_s(["--version"], _env(empty))),
                ("sop cycle status --json", "empty", _median_s(["cycle", "status", "--json"], _env(empty))),
                ("sop cycle status --json", "demo", _median_s(["cycle", "status", "--json"], _env(demo)))]
    print(f"| command | store | median of {RUNS} (s) | under {TARGET_S:g} s |")
    print("|---|---|---|---|")
    for command, store, seconds in rows:
        print(f"| `{command}` | {store or '-'} | {seconds:.2f} | {'yes' if seconds < TARGET_S else 'no'} |")


if __name__ == "__main__":
    main()

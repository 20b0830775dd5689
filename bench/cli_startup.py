"""How fast `sop` starts: wall time (and CPU time) of `sop --help`, `sop --version` and `sop cycle
status --json` against an empty store (its answer: no history is loaded, exit 1) and against the
demo store after its cycle, median of 5 runs each, beside the interpreter starting alone (which
the rest includes). Target: under 1 s of wall time.

    python -m bench.cli_startup                 # builds the demo store first (about a minute)
    python -m bench.cli_startup --demo out/demo # reuses the store `make demo` left there
    python -m bench.cli_startup --sop /tmp/wheelvenv/bin/sop   # another installed sop, e.g. from the wheel

The table names the `sop` timed, its interpreter and where it imports `sop` from, because a
development venv is not a user's: the test extra's stockpyl brings sphinx-toolbox, whose
`_sphinx_jinja2_compat.pth` imports sphinx whenever that interpreter starts.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SOP = Path(sys.executable).with_name("sop")
RUNS = 5
TARGET_S = 1.0
WHERE = "import sys, sop; print(sys.version.split()[0], sys.prefix, sop.__path__[0], sep='\\n')"


def _env(root: Path) -> dict[str, str]:
    return {**os.environ, "SOP_DB": str(root / "sop.duckdb"), "SOP_CHECKPOINT_URL": str(root / "checkpoints.sqlite"),
            "SOP_OUT": str(root), "OPENAI_API_KEY": ""}


def _cpu_s() -> float:
    """CPU time (user and system) of the finished child processes so far."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _median_s(command: list[str], root: Path, runs: int) -> tuple[float, float, set[int]]:
    """The median wall time, the median CPU time (which other work on the cores inflates less)
    and the exit codes seen; run from the store's folder, as a user would, so no `.env` of the
    checkout is read."""
    wall, cpu, codes = [], [], set()
    for _ in range(runs):
        started, cpu_before = time.perf_counter(), _cpu_s()
        codes.add(subprocess.run(command, env=_env(root), cwd=root, capture_output=True, check=False).returncode)
        wall.append(time.perf_counter() - started)
        cpu.append(_cpu_s() - cpu_before)
    return statistics.median(wall), statistics.median(cpu), codes


def _interpreter(sop: Path) -> Path:
    """The Python an installed `sop` script runs under: its #! line."""
    first = sop.read_text(encoding="utf-8", errors="replace").splitlines()[0]
    if not first.startswith("#!"):
        raise SystemExit(f"{sop} is not a console script with a #! line")
    return Path(first[2:].strip().split()[0])


def _demo(root: Path, sop: Path) -> None:
    """The sample company through a cycle under the demo policy, as `make demo` leaves it."""
    for args in (["data", "demo", "--out", str(root / "data")], ["cycle", "run", "--policy", "demo"]):
        subprocess.run([str(sop), *args], env=_env(root), cwd=root, check=True, capture_output=True)


def _load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--demo", type=Path, help="a folder with sop.duckdb and checkpoints.sqlite after a cycle")
    parser.add_argument("--sop", type=Path, default=SOP, help=f"the sop script to time (default: {SOP})")
    parser.add_argument("--runs", type=int, default=RUNS, help=f"runs per command (default: {RUNS})")
    args = parser.parse_args()
    sop, runs = args.sop.absolute(), args.runs
    python = _interpreter(sop)
    version, prefix, package = subprocess.run([str(python), "-I", "-c", WHERE], capture_output=True, text=True,
                                              check=True).stdout.split("\n")[:3]  # -I: not the checkout's sop
    with tempfile.TemporaryDirectory() as tmp:
        empty, demo = Path(tmp) / "empty", args.demo or Path(tmp) / "demo"
        empty.mkdir()
        if args.demo is None:
            demo.mkdir()
            _demo(demo, sop)
        load_before = _load()
        status = [str(sop), "cycle", "status", "--json"]
        cases = [("python -c pass", "-", [str(python), "-c", "pass"], empty),
                 ("sop --help", "-", [str(sop), "--help"], empty),
                 ("sop --version", "-", [str(sop), "--version"], empty),
                 ("sop cycle status --json", "empty", status, empty),
                 ("sop cycle status --json", "demo", status, demo)]
        rows = [(name, store, *_median_s(command, root, runs)) for name, store, command, root in cases]
    print(f"sop: {sop}\ninterpreter: {python} (Python {version}, prefix {prefix})\nsop imported from: {package}")
    print(f"load average (1 / 5 / 15 min): {load_before} before, {_load()} after\n")
    print(f"| command | store | exit | wall, median of {runs} (s) | CPU, median (s) | under {TARGET_S:g} s |")
    print("|---|---|---|---|---|---|")
    for command, store, seconds, cpu, codes in rows:
        under = "-" if command.startswith("python") else ("yes" if seconds < TARGET_S else "no")
        print(f"| `{command}` | {store} | {', '.join(map(str, sorted(codes)))} | {seconds:.2f} | {cpu:.2f} | {under} |")


if __name__ == "__main__":
    main()

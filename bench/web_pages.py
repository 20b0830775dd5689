"""How fast the web workspace answers: each page of `sop serve` requested 50 times in a row by a
signed-in person (after 3 warm-up requests of every page), with the median, p95 and worst wall time, against
the target of 300 ms at p95. Also the chat's `/gaps` (a POST that streams): time to its first
part and to the whole answer.

    python -m bench.web_pages                   # builds the demo company and runs its cycle to the
                                                # executive gate first (a minute or two)
    python -m bench.web_pages --demo out/demo   # reuses a store `make demo` left there

The server is the real one (`sop serve` on a free loopback port, a process of its own); each
request opens the store for its own length, which is part of what is timed.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

SOP = Path(sys.executable).with_name("sop")
PAGES = ("/", "/consensus", "/executive", "/package/2026-11", "/plans", "/decisions", "/decisions?verify=true",
         "/actions", "/chat")
RUNS, WARM_UP = 50, 3
TARGET_MS = 300.0


def _env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOP_", "OPENAI_"))}
    return {**env, "SOP_DB": str(root / "sop.duckdb"), "SOP_CHECKPOINT_URL": str(root / "checkpoints.sqlite"),
            "SOP_OUT": str(root), "OPENAI_API_KEY": ""}


def _sop(root: Path, *args: str) -> None:
    subprocess.run([str(SOP), *args], env=_env(root), check=True, stdout=subprocess.DEVNULL)


def build(root: Path) -> None:
    """The demo company with its 2026-11 cycle waiting at the executive gate."""
    _sop(root, "data", "demo", "--out", str(root / "data"))
    _sop(root, "cycle", "run")
    _sop(root, "cycle", "approve", "--gate", "consensus", "--as", "dana")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _timed(client: httpx.Client, path: str) -> float:
    started = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}: {response.text[:200]}")
    return elapsed


def _chat(client: httpx.Client, csrf: str) -> tuple[float, float]:
    """Milliseconds to the first streamed part of `/gaps` and to the end of the answer."""
    started = time.perf_counter()
    first = None
    with client.stream("POST", "/chat/ask", data={"csrf": csrf, "line": "/gaps"}) as response:
        for _ in response.iter_lines():
            first = first or (time.perf_counter() - started) * 1000
    return first or 0.0, (time.perf_counter() - started) * 1000


def measure(root: Path) -> list[tuple[str, float, float, float]]:
    port = _port()
    server = subprocess.Popen([str(SOP), "serve", "--port", str(port)], env=_env(root), stdout=subprocess.DEVNULL)
    try:
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
        for _ in range(300):
            try:
                client.get("/signin")
                break
            except httpx.TransportError:
                time.sleep(0.1)
        token = client.get("/signin").text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        client.post("/signin", data={"person": "dana", "password": "dana-sop", "csrf": token})
        for path in PAGES:  # every page once first, so that the server has imported what they need
            for _ in range(WARM_UP):
                _timed(client, path)
        rows = []
        for path in PAGES:
            times = sorted(_timed(client, path) for _ in range(RUNS))
            rows.append((path, statistics.median(times), times[int(0.95 * RUNS) - 1], times[-1]))
        page = client.get("/chat").text
        csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        chats = sorted(_chat(client, csrf) for _ in range(10))
        rows.append(("POST /chat/ask /gaps: first part", statistics.median(c[0] for c in chats),
                     sorted(c[0] for c in chats)[-1], max(c[0] for c in chats)))
        rows.append(("POST /chat/ask /gaps: whole answer", statistics.median(c[1] for c in chats),
                     sorted(c[1] for c in chats)[-1], max(c[1] for c in chats)))
        return rows
    finally:
        server.terminate()
        server.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", type=Path, help="a folder with sop.duckdb and checkpoints.sqlite (make demo's)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sop-web-bench-") as tmp:
        root = args.demo or Path(tmp)
        if args.demo is None:
            started = time.perf_counter()
            build(root)
            print(f"built the demo company to the executive gate in {time.perf_counter() - started:.0f} s")
        rows = measure(root)
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"| request | median ms | p95 ms ({RUNS} runs; chat: max of 10) | max ms | under {TARGET_MS:.0f} ms |")
    print("|---|---|---|---|---|")
    for path, median, p95, worst in rows:
        ok = "yes" if p95 < TARGET_MS else "no"
        print(f"| `{path}` | {median:.0f} | {p95:.0f} | {worst:.0f} | {ok} |")


if __name__ == "__main__":
    main()

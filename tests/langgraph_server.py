"""`langgraph dev` serving the repository's `langgraph.json` on a free loopback port, offline, for
the served-cycle test and the cycle benchmark's served mode.

Offline means no tracing, no analytics, no version check, and a dead proxy for anything else;
the server runs in a folder of its own, where its in-memory runtime keeps its files.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEAD_PROXY = "http://127.0.0.1:9"  # as in conftest.py: a closed port on loopback
START_TIMEOUT_S = 120


def offline_env(root: Path, **settings: str) -> dict[str, str]:
    """The environment of `sop` and of the server on the company in `root`: the caller's,
    without its own SOP_*, OPENAI_* and tracing variables, offline, plus `settings`."""
    mine = {k: v for k, v in os.environ.items() if not k.startswith(("SOP_", "OPENAI_", "LANGSMITH_", "LANGCHAIN_"))}
    proxies = {name: DEAD_PROXY for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                                             "all_proxy")}
    loopback = {"NO_PROXY": "127.0.0.1,localhost,::1", "no_proxy": "127.0.0.1,localhost,::1"}
    return {**mine, **proxies, **loopback, "SOP_DB": str(root / "sop.duckdb"), "SOP_OUT": str(root / "out"),
            "SOP_CHECKPOINT_URL": str(root / "checkpoints.sqlite"), "OPENAI_API_KEY": "",
            "LANGSMITH_TRACING": "false", "LANGCHAIN_TRACING_V2": "false", "LANGGRAPH_CLI_NO_ANALYTICS": "1",
            "LANGGRAPH_NO_VERSION_CHECK": "true", **settings}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(root: Path, env: dict[str, str]) -> Iterator[str]:
    """Start `langgraph dev` in `root` with `env`; yield its URL once it answers; stop it."""
    port = _free_port()
    log_path = root / "server.log"
    with log_path.open("w") as log:
        server = subprocess.Popen([str(BIN / "langgraph"), "dev", "--config", str(REPO / "langgraph.json"), "--host",
                                   "127.0.0.1", "--port", str(port), "--no-browser", "--no-reload"],
                                  env=env, cwd=root, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while True:
                if server.poll() is not None:
                    raise RuntimeError(f"langgraph dev ended ({server.returncode}):\n{log_path.read_text()[-3000:]}")
                try:
                    if httpx.get(f"{url}/ok", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"langgraph dev did not answer within {START_TIMEOUT_S} s")
                time.sleep(0.5)
            yield url
        finally:
            server.terminate()
            server.wait(timeout=30)

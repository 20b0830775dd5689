"""The two guards every test runs under (tests/conftest.py) hold."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from conftest import RealNetworkRefused

from sop.config import Settings


def test_a_connection_beyond_loopback_is_refused():
    with socket.socket() as sock, pytest.raises(RealNetworkRefused, match=r"192\.0\.2\.1"):
        sock.connect(("192.0.2.1", 443))  # TEST-NET-1: never a real host


def test_real_http_from_a_subprocess_goes_nowhere():
    code = "import httpx\ntry:\n    httpx.get('http://192.0.2.1/', timeout=5)\nexcept httpx.HTTPError as e:\n" \
           "    print(type(e).__name__)\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() in {"ProxyError", "ConnectError"}


def test_loopback_stays_open():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=5):
            pass


def test_a_developer_env_file_is_not_read(tmp_path: Path):
    assert Path.cwd() == tmp_path
    (tmp_path / ".env").write_text("SOP_HORIZON=5\nOPENAI_API_KEY=sk-from-the-developer\n", encoding="utf-8")
    settings = Settings()
    assert settings.horizon_months == 18 and settings.offline


def test_httpx_in_process_cannot_leave_the_machine():
    with pytest.raises((httpx.ProxyError, httpx.ConnectError, RealNetworkRefused)):
        httpx.get("https://192.0.2.1/", timeout=5)

"""Shared fixtures, and two guards every test runs under: no real network, no developer settings."""

from __future__ import annotations

import csv
import ipaddress
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from postgres_db import fresh_database

from sop.config import Settings

# Where a subprocess's HTTP goes if it tries the network: a closed port on loopback.
DEAD_PROXY = "http://127.0.0.1:9"


def _loopback(address: object) -> bool:
    """True for a Unix socket or a loopback host; names are resolved, so 'localhost' counts."""
    if not isinstance(address, tuple):
        return True
    host = str(address[0])
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return all(ipaddress.ip_address(info[4][0]).is_loopback for info in socket.getaddrinfo(host, None))


class RealNetworkRefused(RuntimeError):
    """A test tried to reach beyond loopback; mock the endpoint with respx instead."""


def refuse_real_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse every connection beyond loopback, in this process and (through the proxy
    variables httpx and the OpenAI client honour) in the subprocesses a test starts."""
    connect = socket.socket.connect

    def guarded(sock: socket.socket, address: object) -> None:
        if not _loopback(address):
            raise RealNetworkRefused(f"tests may not reach {address!r}; mock it with respx")
        connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.setenv(name, DEAD_PROXY)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost,::1")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost,::1")


def isolate_settings(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Settings come only from what a test passes: the developer's SOP_* and OPENAI_* variables
    are removed and no `.env` is read, here or in a subprocess started from `folder`."""
    for field in Settings.model_fields.values():
        if field.alias:
            monkeypatch.delenv(field.alias, raising=False)
    monkeypatch.setitem(Settings.model_config, "env_file", None)
    monkeypatch.chdir(folder)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In a pytest-xdist worker (`make test`), the files with a slow test come first, their order
    and their tests' order kept, so that the workers, which are handed whole files in this order
    (`--dist loadfile --no-loadscope-reorder`), start the long files first and none starts one
    late while the other idles. A serial run keeps the file order."""
    if hasattr(config, "workerinput"):
        slow = {item.path for item in items if item.get_closest_marker("slow")}
        items.sort(key=lambda item: item.path not in slow)


@pytest.fixture(autouse=True)
def no_real_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first guard: no connection beyond loopback."""
    refuse_real_network(monkeypatch)


@pytest.fixture(autouse=True)
def isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The second guard: no developer settings; the test runs in its own folder."""
    isolate_settings(monkeypatch, tmp_path)

STORE_BACKENDS = ["duckdb", "postgresql"]


@pytest.fixture(params=STORE_BACKENDS)
def store_db(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path | str]:
    """The planning store on each back end: a DuckDB file, and a fresh PostgreSQL database on the
    test server (skipped, saying why, when there is none), whose lock and status files go to the
    test's folder rather than the user's cache."""
    if request.param == "duckdb":
        yield tmp_path / "sop.duckdb"
        return
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with fresh_database() as url:
        yield url


# A tiny company that satisfies every key, foreign key and family reference in `sop.schema`:
# two suppliers, two items (families widgets and gadgets), two plants, two DCs.
TINY_DATA: dict[str, list[dict[str, str]]] = {
    "suppliers": [
        {"supplier": "S1", "name": "Acme", "country": "DE", "capacity_per_month": "1000", "lead_time_days": "30"},
        {"supplier": "S2", "name": "Bolt", "country": "PL", "capacity_per_month": "500", "lead_time_days": "45"},
    ],
    "items": [
        {"sku": "A1", "name": "Widget", "family": "widgets", "price": "10.5", "unit_cost": "6",
         "supplier": "S1", "material_per_unit": "1", "moq": "10", "pack_size": "5", "launch_month": ""},
        {"sku": "A2", "name": "Gadget", "family": "gadgets", "price": "20", "unit_cost": "12",
         "supplier": "S2", "material_per_unit": "2", "moq": "20", "pack_size": "10", "launch_month": "2025-06"},
    ],
    "plants": [
        {"plant": "P1", "name": "North", "regular_hours_per_month": "320",
         "max_overtime_hours_per_month": "40", "overtime_cost_per_hour": "55"},
        {"plant": "P2", "name": "South", "regular_hours_per_month": "160",
         "max_overtime_hours_per_month": "20", "overtime_cost_per_hour": "60"},
    ],
    "dcs": [
        {"dc": "D1", "name": "Hamburg", "region": "north", "storage_capacity": "5000"},
        {"dc": "D2", "name": "Munich", "region": "south", "storage_capacity": "3000"},
    ],
    "routings": [
        {"sku": "A1", "plant": "P1", "hours_per_unit": "0.1", "cost_per_unit": "1.5"},
        {"sku": "A2", "plant": "P2", "hours_per_unit": "0.2", "cost_per_unit": "2.5"},
    ],
    "lanes": [
        {"plant": "P1", "dc": "D1", "cost_per_unit": "0.5", "capacity_per_month": "2000", "transit_days": "2"},
        {"plant": "P2", "dc": "D2", "cost_per_unit": "0.7", "capacity_per_month": "1500", "transit_days": "3"},
    ],
    "demand_history": [
        {"sku": "A1", "dc": "D1", "month": "2026-01", "ordered_qty": "100", "shipped_qty": "95"},
        {"sku": "A1", "dc": "D1", "month": "2026-02", "ordered_qty": "110", "shipped_qty": "110"},
        {"sku": "A2", "dc": "D2", "month": "2026-01", "ordered_qty": "40", "shipped_qty": "38"},
    ],
    "inventory": [
        {"sku": "A1", "dc": "D1", "on_hand": "250", "as_of": "2026-02-28"},
        {"sku": "A2", "dc": "D2", "on_hand": "80", "as_of": "2026-02-28"},
    ],
    "supplier_deliveries": [
        {"po_id": "PO1", "supplier": "S1", "sku": "A1", "order_date": "2026-01-05",
         "promised_date": "2026-02-04", "received_date": "2026-02-06", "qty_ordered": "500",
         "qty_received": "500", "qty_defective": "3", "qty_returned": "3", "unit_price": "5.9",
         "list_price": "6"},
        {"po_id": "PO2", "supplier": "S2", "sku": "A2", "order_date": "2026-02-10",
         "promised_date": "2026-03-27", "received_date": "", "qty_ordered": "200",
         "qty_received": "0", "qty_defective": "0", "qty_returned": "0", "unit_price": "12",
         "list_price": "12"},
    ],
    "customer_orders": [
        {"order_id": "O1", "sku": "A1", "dc": "D1", "order_date": "2026-02-01",
         "promised_date": "2026-02-05", "delivered_date": "2026-02-05", "qty_ordered": "50",
         "qty_delivered": "50"},
        {"order_id": "O2", "sku": "A2", "dc": "D2", "order_date": "2026-02-20",
         "promised_date": "2026-03-02", "delivered_date": "", "qty_ordered": "10", "qty_delivered": "0"},
    ],
    "budget": [
        {"family": "widgets", "month": "2026-03", "units": "120", "revenue": "1260", "cogs": "720"},
        {"family": "gadgets", "month": "2026-03", "units": "45", "revenue": "900", "cogs": "540"},
    ],
    "targets": [
        {"metric": "mape", "value": "0.25", "unit": "ratio"},
        {"metric": "otif", "value": "0.95", "unit": "ratio"},
    ],
    "market_events": [
        {"event_id": "E1", "type": "promotion", "family": "widgets", "sku": "A1",
         "start_month": "2026-04", "end_month": "2026-05", "uplift_pct": "15", "note": "spring sale"},
        {"event_id": "E2", "type": "competitor", "family": "gadgets", "sku": "",
         "start_month": "2026-06", "end_month": "2026-08", "uplift_pct": "-10", "note": ""},
    ],
    "team": [
        {"person": "U1", "name": "Ana Planner", "role": "planner", "approves": "consensus"},
        {"person": "U2", "name": "Eve Boss", "role": "executive", "approves": "executive"},
    ],
}


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture
def tiny_data_dir(tmp_path: Path) -> Path:
    """A directory with a minimal valid CSV for every input table (two or three rows each)."""
    directory = tmp_path / "tiny_data"
    directory.mkdir()
    for name, rows in TINY_DATA.items():
        write_csv(directory / f"{name}.csv", rows)
    return directory


@pytest.fixture(scope="session")
def waiting_company_root(tmp_path_factory) -> Path:
    """The sample company with a small 2026-11 cycle waiting at the consensus gate, built once
    (tests/chat_company.py); copy it with `waiting_company` before writing to it."""
    from chat_company import build

    root = tmp_path_factory.mktemp("waiting_company")
    build(root)
    return root


@pytest.fixture
def waiting_company(waiting_company_root, tmp_path) -> Path:
    """A private copy of the waiting company for one test, without the status file its build
    leaves, so that `sop cycle status` reads the checkpoint unless a test writes one."""
    return copy_company(waiting_company_root, tmp_path / "company", "*.status.json")


@dataclass(frozen=True)
class DemoRun:
    """A company folder (store, checkpoints, outputs) and what `sop cycle run` printed there."""

    root: Path
    output: str


@pytest.fixture(scope="session")
def demo_at_consensus(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """The demo company (`sop data demo`, offline, the default 18-month horizon) with its 2026-11
    cycle run by `sop cycle run` to the consensus gate, once for the session, since week 1 is the
    dearest part of a cycle; a test that writes takes its own copy with `copy_company`. Built
    under the guards every test runs under, which a session fixture would otherwise miss."""
    from test_cycle import Sop

    root = tmp_path_factory.mktemp("demo-at-consensus")
    with pytest.MonkeyPatch.context() as monkeypatch:
        refuse_real_network(monkeypatch)
        isolate_settings(monkeypatch, root)
        sop = Sop(root)
        sop("data", "demo", "--out", str(root / "csv"))
        return DemoRun(root, sop("cycle", "run").stdout)


def copy_company(source: Path, target: Path, *leave_out: str) -> Path:
    """A private copy of a company folder for a test to write to: its store, the store's status
    file, checkpoints and outputs, less the files matching `leave_out`. The checkpoint thread is
    keyed by the period alone, so the copy's cycle resumes where the original's stood."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("csv", "*.lock", *leave_out))
    return target

"""The rooms of docs/ARCHITECTURE.md hold: each imports only the rooms below it, all SQL is in
the store, and no module outgrows a screenful of screens."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sop"
SHARED = {"config", "log", "numbers"}  # small modules any room may import
MAY_IMPORT = {
    "tools": set(),
    "store": {"tools"},
    "data": {"store"},
    "agents": {"tools", "store"},
    "report": {"tools", "store"},
    "graph": {"tools", "store", "agents", "report", "data"},
    "chat": {"tools", "store", "agents", "report", "graph"},
    "cli": {"tools", "store", "agents", "report", "graph", "chat", "data", "web"},  # web: `sop serve` only
    "web": {"tools", "store", "agents", "report", "graph", "chat"},
}
# SQL as this project writes it: keywords in capitals (prose like "select ... from" is not SQL).
SQL = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE|ALTER\s+TABLE)\b",
                 re.DOTALL)
MAX_LINES = 400


def _modules() -> list[Path]:
    """Every module of the package, following the links to agents/, tools/, graph/ and data/."""
    return sorted(Path(folder) / name for folder, _, names in os.walk(PACKAGE, followlinks=True)
                  for name in names if name.endswith(".py"))


def _room(path: Path) -> str:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")


def _imported_rooms(path: Path) -> set[str]:
    rooms = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else (
            [a.name for a in node.names] if isinstance(node, ast.Import) else [])
        rooms |= {n.split(".")[1] for n in names if n.startswith("sop.") and n.count(".") >= 1}
    return rooms


def test_the_package_reaches_every_room():
    rooms = {_room(p) for p in _modules()}
    assert set(MAY_IMPORT) | SHARED <= rooms


@pytest.mark.parametrize("room", sorted(MAY_IMPORT))
def test_each_room_imports_only_the_rooms_below_it(room: str):
    wrong = {str(p.relative_to(PACKAGE)): sorted(_imported_rooms(p) - MAY_IMPORT[room] - SHARED - {room})
             for p in _modules() if _room(p) == room}
    assert {path: rooms for path, rooms in wrong.items() if rooms} == {}


def test_the_shared_modules_import_no_room():
    assert {_room(p): _imported_rooms(p) - SHARED for p in _modules() if _room(p) in SHARED} == {
        "config": set(), "log": set(), "numbers": set()}


def _strings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    joined = [node for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)]
    parts = {id(v) for j in joined for v in j.values}
    texts = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
             and id(n) not in parts]
    texts += ["".join(v.value if isinstance(v, ast.Constant) else "{}" for v in j.values) for j in joined]
    return texts


def test_the_sql_check_finds_sql():
    assert SQL.search("SELECT sku, dc FROM items WHERE family = ?")
    assert SQL.search("INSERT INTO overrides VALUES (?)") and SQL.search("DELETE FROM gaps")
    assert not SQL.search("select the month from the horizon")  # prose, not SQL


def test_no_sql_outside_the_store():
    found = {str(p.relative_to(PACKAGE)): [s[:60] for s in _strings(p) if SQL.search(s)]
             for p in _modules() if _room(p) != "store"}
    assert {path: sql for path, sql in found.items() if sql} == {}


def test_no_module_is_over_400_lines():
    sizes = {str(p.relative_to(PACKAGE)): len(p.read_text(encoding="utf-8").splitlines()) for p in _modules()}
    assert {path: n for path, n in sizes.items() if n > MAX_LINES} == {}

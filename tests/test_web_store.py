"""The workspace and the store file, without a browser: a missing or damaged store is one line
(never a traceback), and passwords, sessions and CSRF tokens hold. The app runs in-process
(Starlette's test client), over a real store file."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from sop.config import Settings
from sop.web.app import create_app
from sop.web.auth import Session, Sessions, csrf_ok, hash_password, password_matches


def _client(db: Path) -> TestClient:
    settings = Settings(_env_file=None, db=db, checkpoint_url=str(db.with_suffix(".sqlite")), out_dir=db.parent)
    return TestClient(create_app(settings), raise_server_exceptions=False)


def test_a_missing_store_is_one_line(tmp_path):
    client = _client(tmp_path / "nowhere.duckdb")
    assert client.get("/signin").status_code == 200
    answer = client.post("/signin", data={"person": "dana", "password": "dana-sop"})
    assert answer.status_code == 503
    assert f"the planning store {tmp_path / 'nowhere.duckdb'} does not exist" in answer.text
    assert "Traceback" not in answer.text and not (tmp_path / "nowhere.duckdb").exists()


def test_a_damaged_store_is_one_line(tmp_path):
    db = tmp_path / "sop.duckdb"
    db.write_bytes(b"not a database at all" * 100)
    answer = _client(db).post("/signin", data={"person": "dana", "password": "dana-sop"})
    assert answer.status_code == 503 and "cannot be read" in answer.text and "Traceback" not in answer.text


def test_passwords_are_salted_hashes_and_tokens_are_checked():
    first, second = hash_password("dana-sop"), hash_password("dana-sop")
    assert first["salt"] != second["salt"] and first["hash"] != second["hash"]
    assert password_matches(first, "dana-sop") and not password_matches(first, "Dana-sop")
    sessions = Sessions("a secret")
    session = sessions.read(sessions.issue("dana"))
    assert isinstance(session, Session) and session.person == "dana"
    assert csrf_ok(session, session.csrf) and not csrf_ok(session, "") and not csrf_ok(session, "guess")
    assert Sessions("another secret").read(sessions.issue("dana")) is None  # a forged cookie
    assert sessions.read(sessions.issue("dana") + "x") is None

"""The workspace and the store file, without a browser: a missing or damaged store is one line
(never a traceback), and passwords, sessions and CSRF tokens hold. The app runs in-process
(Starlette's test client), over a real store file."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from processes import Moment

from sop.config import Settings
from sop.web.app import create_app
from sop.web.auth import Session, Sessions, csrf_ok, hash_password, password_matches


def _client(db: Path) -> TestClient:
    settings = Settings(_env_file=None, db=db, checkpoint_url=str(db.with_suffix(".sqlite")), out_dir=db.parent)
    return TestClient(create_app(settings), raise_server_exceptions=False)


def _sign_in(client: TestClient, person: str, password: str):
    """Sign in through the form, with the token the sign-in page gave out."""
    page = client.get("/signin")
    assert page.status_code == 200
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token is not None
    return client.post("/signin", data={"person": person, "password": password, "csrf": token[1]})


def test_a_missing_store_is_one_line(tmp_path):
    client = _client(tmp_path / "nowhere.duckdb")
    answer = _sign_in(client, "dana", "dana-sop")
    assert answer.status_code == 503
    assert f"the planning store {tmp_path / 'nowhere.duckdb'} does not exist" in answer.text
    assert "Traceback" not in answer.text and not (tmp_path / "nowhere.duckdb").exists()


def test_a_damaged_store_is_one_line(tmp_path):
    db = tmp_path / "sop.duckdb"
    db.write_bytes(b"not a database at all" * 100)
    answer = _sign_in(_client(db), "dana", "dana-sop")
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
    cookie, token = sessions.signin_form()  # the sign-in form's own token
    assert sessions.signin_ok(cookie, token)
    assert not sessions.signin_ok(cookie, "") and not sessions.signin_ok(None, token)
    assert not sessions.signin_ok(Sessions("another secret").signin_form()[0], token)
    assert not sessions.signin_ok(cookie, sessions.signin_form()[1])  # another form's token


def test_a_sign_in_without_the_forms_token_is_refused(tmp_path):
    client = _client(tmp_path / "nowhere.duckdb")
    answer = client.post("/signin", data={"person": "dana", "password": "dana-sop"})
    assert answer.status_code == 403 and "out of date" in answer.text and "sop_session" not in answer.cookies
    client.cookies.clear()
    client.get("/signin")  # the cookie of a real form, with the token of another
    answer = client.post("/signin", data={"person": "dana", "password": "dana-sop", "csrf": "guessed"})
    assert answer.status_code == 403


def test_a_step_run_from_the_cli_shows_its_progress_to_the_workspace(waiting_company):
    """The command holds the store while its step runs; the workspace still shows who runs the
    step and its last events, and nothing once it ended."""
    from chat_company import settings
    from test_busy import APPROVE, paused_at

    client = TestClient(create_app(settings(waiting_company)), raise_server_exceptions=False)
    assert _sign_in(client, "dana", "dana-sop").status_code == 200  # followed to the cycle page
    assert client.get("/api/progress").json() == {}
    with paused_at(waiting_company, Moment("tool_call", {"tool": "abc-xyz"}), *APPROVE) as step:
        running = client.get("/api/progress").json()["2026-11"]
        assert (running["command"], running["pid"]) == ("sop cycle approve", step.pid)
        shown = {(e["node"], e["agent"], e["tool"], e["message"]) for e in running["events"]}
        assert ("supply_planning", "inventory-optimizer", "abc-xyz", "inventory-optimizer runs abc-xyz") in shown
        page = client.get("/")
        assert page.status_code == 200 and f"2026-11: sop cycle approve (PID {step.pid})" in page.text
    assert client.get("/api/progress").json() == {}

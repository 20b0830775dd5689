"""Who is signed in: passwords checked against salted scrypt hashes, a signed session cookie
(HttpOnly, SameSite=Strict) and a CSRF token on every form that writes, the sign-in form too (its
token sits in a short-lived signed cookie of its own, so a page elsewhere cannot sign a browser in
as someone else).

The credentials file maps a person of the team file to `{"salt": HEX, "hash": HEX}`; the team
file (in the store) says who they are and what they may approve, so a person must be on both.
The packaged `demo-users.json` holds the demo team's (README: "Sign in as dana").
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer

DEMO_USERS = Path(__file__).with_name("demo-users.json")
COOKIE = "sop_session"
SIGNIN_COOKIE = "sop_signin"
SIGNIN_MAX_AGE_S = 3600
SESSION_MAX_AGE_S = 12 * 3600
# scrypt at n=2**14, r=8: about 16 MiB and a few tens of milliseconds per check.
SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


def hash_password(password: str, salt: bytes | None = None) -> dict[str, str]:
    """A credentials entry for `password`: a random salt and its scrypt hash, both hex."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **SCRYPT)
    return {"salt": salt.hex(), "hash": digest.hex()}


def password_matches(entry: dict[str, str], password: str) -> bool:
    digest = hashlib.scrypt(password.encode(), salt=bytes.fromhex(entry["salt"]), **SCRYPT)
    return hmac.compare_digest(digest.hex(), entry["hash"])


def load_credentials(path: Path) -> dict[str, dict[str, str]]:
    """The credentials file: person -> {salt, hash}; a file that does not read is one clear error."""
    try:
        users = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read the credentials file {path}: {exc}") from exc
    if not isinstance(users, dict) or not all(isinstance(v, dict) and {"salt", "hash"} <= set(v)
                                              for v in users.values()):
        raise ValueError(f"{path}: expected {{PERSON: {{\"salt\": HEX, \"hash\": HEX}}, ...}}")
    return users


@dataclass(frozen=True)
class Session:
    """A signed-in person and the CSRF token of their session."""

    person: str
    csrf: str


class Sessions:
    """Session cookies signed with the server's secret (a fresh one per process unless given)."""

    def __init__(self, secret: str | None = None):
        secret = secret or secrets.token_hex(32)
        self._signer = URLSafeTimedSerializer(secret, salt="sop-session")
        self._signin = URLSafeTimedSerializer(secret, salt="sop-signin")

    def signin_form(self) -> tuple[str, str]:
        """(cookie, token) for a sign-in form: the form carries the token, the cookie its signed copy."""
        token = secrets.token_urlsafe(24)
        return self._signin.dumps(token), token

    def signin_ok(self, cookie: str | None, token: str) -> bool:
        """Whether a sign-in POST comes from a form this server gave out, within the hour."""
        try:
            expected = self._signin.loads(cookie or "", max_age=SIGNIN_MAX_AGE_S)
        except BadSignature:
            return False
        return bool(token) and isinstance(expected, str) and hmac.compare_digest(expected, token)

    def issue(self, person: str) -> str:
        return self._signer.dumps({"person": person, "csrf": secrets.token_urlsafe(24)})

    def read(self, cookie: str | None) -> Session | None:
        if not cookie:
            return None
        try:
            data = self._signer.loads(cookie, max_age=SESSION_MAX_AGE_S)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("person"), str):
            return None
        return Session(person=data["person"], csrf=str(data.get("csrf", "")))


def csrf_ok(session: Session, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(session.csrf, token or "")

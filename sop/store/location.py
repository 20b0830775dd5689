"""Where the planning store lives: a DuckDB file (the embedded default) or a PostgreSQL server
named by a `postgresql://` URL. Light on purpose (no DuckDB, no psycopg), because the store's lock
and status file need it before any database is opened.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_server_url(db: Path | str) -> bool:
    """True when `db` names a PostgreSQL server rather than a DuckDB file."""
    return isinstance(db, str) and db.startswith(POSTGRES_SCHEMES)


def without_password(url: str) -> str:
    """The URL as it may be shown to people and logs: any password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")).geturl()


def shown(db: Path | str) -> str:
    """The store's name for people: the file, or the server URL without its password."""
    return without_password(str(db)) if is_server_url(db) else str(db)


def local_stem(db: Path | str) -> Path:
    """The path the store's lock and status files sit beside (`STEM.lock`, `STEM.status.json`).

    For a file, the file itself. A server store has no file on this machine, so its lock and
    status live in the user's cache folder under a name made from the URL without its password
    (`$XDG_CACHE_HOME/sop/HOST-DATABASE-HASH`): the commands on one machine that use the same
    server database share them.
    """
    if not is_server_url(db):
        return Path(db)
    url = without_password(str(db))
    parts = urlsplit(url)
    name = f"{parts.hostname or 'local'}-{parts.path.strip('/') or 'postgres'}"
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:12]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "sop" / f"{''.join(c if c.isalnum() or c in '-_' else '_' for c in name)}-{digest}"


def read_beside(path: Path) -> dict:
    """A JSON object kept beside the store (its status, a step's progress); empty when the file
    is missing or does not read."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_beside(path: Path, data: dict, **dumps: Any) -> None:
    """Replace a file beside the store whole (write, then rename), so a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, **dumps))
    tmp.replace(path)

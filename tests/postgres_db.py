"""A fresh database on the PostgreSQL server the tests were given (SOP_TEST_POSTGRES_URL, which
`make test` sets through tests/postgres.sh), dropped afterwards; a skip that says why when there
is no server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import psycopg
import pytest

SERVER = os.environ.get("SOP_TEST_POSTGRES_URL")
NO_SERVER = ("no PostgreSQL server: set SOP_TEST_POSTGRES_URL=postgresql://USER@HOST:PORT/DATABASE, or run "
             "'make test', which starts one with tests/postgres.sh when Debian's postgresql package is installed "
             "or this user may install it")


@contextmanager
def fresh_database() -> Iterator[str]:
    """The URL of a new, empty database, so no test sees another's tables or threads."""
    if not SERVER:
        pytest.skip(NO_SERVER)
    name = f"sop_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(SERVER, autocommit=True)
    except psycopg.Error as exc:
        pytest.skip(f"cannot connect to the PostgreSQL server at SOP_TEST_POSTGRES_URL ({exc})")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield urlsplit(SERVER)._replace(path=f"/{name}").geturl()
        finally:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')

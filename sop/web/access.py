"""The store for one request. DuckDB lets one process at a time hold the file, so the server
never keeps it open: each request takes the store's lock (`sop.store.busy`, the same one every
`sop` command takes) and a connection for its own length, then lets both go.

A page waits a moment for a short CLI command and not at all for a long one (a cycle step, a
data load, a chat): it then shows one line saying who holds the store. A gate decision holds
the store as a long command, named after the person, so a second decision on the same gate is
told at once that the cycle is busy.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sop.store.busy import Hold, Holder, StoreBusy, hold_store

if TYPE_CHECKING:
    from sop.store import Store

READ_WAIT_S = 2.0  # how long a page waits for a short command to let go of the store


class _InProcess:
    """The store's lock is a POSIX record lock, which belongs to the process: two requests of
    the server (threads of one process) would both get it, and the first to let go would drop it
    for both. So requests of this process take turns through a thread lock first, and one that
    finds a long request (a gate decision) in the way is told at once, like a second command."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.holder: Holder | None = None

    @contextmanager
    def turn(self, db: Path | str, command: str, long: bool) -> Iterator[None]:
        holder = self.holder
        if holder is not None and holder.long:
            raise StoreBusy(db, holder)
        if not self.lock.acquire(timeout=READ_WAIT_S):
            raise StoreBusy(db, self.holder)
        self.holder = Holder(pid=os.getpid(), command=command, long=long,
                             since=datetime.now().isoformat(timespec="seconds"))
        try:
            yield
        finally:
            self.holder = None
            self.lock.release()

    def announce(self, period: str) -> None:
        if self.holder is not None:
            self.holder = replace(self.holder, period=period)


_TURNS: dict[str, _InProcess] = {}
_TURNS_LOCK = threading.Lock()


def _turns(db: Path | str) -> _InProcess:
    with _TURNS_LOCK:
        return _TURNS.setdefault(str(db.resolve() if isinstance(db, Path) else db), _InProcess())


class StoreUnreadable(RuntimeError):
    """The store file is missing or cannot be read; the message is the one line to show."""


def _open(db: Path | str) -> Store:
    import duckdb

    from sop.store import Store

    if isinstance(db, Path) and not db.exists():
        raise StoreUnreadable(f"the planning store {db} does not exist; load a company with 'sop data demo' or "
                              "'sop data load DIR', then reload this page")
    try:
        return Store(db)
    except duckdb.IOException as exc:
        first = str(exc).splitlines()[0]
        if "lock" in first:
            raise StoreUnreadable(f"the planning store {db} is in use by another process; try again when it ends") \
                from exc
        raise StoreUnreadable(f"the planning store {db} cannot be read ({first}); restore it with "
                              "'sop data restore FILE'") from exc
    except duckdb.Error as exc:
        raise StoreUnreadable(f"the planning store {db} is damaged and cannot be read "
                              f"({str(exc).splitlines()[0]}); restore it with 'sop data restore FILE'") from exc


@contextmanager
def store_for(db: Path | str, command: str, long: bool = False,
              period: str | None = None) -> Iterator[tuple[Store, Hold]]:
    """Hold the store for one request and open it; StoreBusy (sop.store.busy) when a command
    holds it, StoreUnreadable when the file is missing or damaged."""
    turns = _turns(db)
    with turns.turn(db, command, long), hold_store(db, command, long=long, wait_s=READ_WAIT_S) as held:
        if period:
            held.announce(period)
            turns.announce(period)
        store = _open(db)
        try:
            yield store, held
        finally:
            store.close()

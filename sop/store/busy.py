"""Who holds the planning store. DuckDB lets one process at a time open a database file, so every
`sop` command first takes an exclusive lock on the file beside it, `DB.lock` (a POSIX record lock,
`fcntl.lockf`, which the system drops when the process ends, even when it is killed, and which,
unlike `flock`, the worker processes a step forks do not inherit: a killed step's orphaned
workers never keep the store busy), and writes into it who it is:
PID, command, cycle and since when. A second command reads that instead of meeting DuckDB's
lock error: it waits up to SOP_BUSY_WAIT seconds for a short command, and gives up at once with
one line on a long one (a cycle step, a data load, a chat), which `sop cycle status` turns into
"running".
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sop.store.location import local_stem, read_beside, shown, write_beside

if TYPE_CHECKING:
    from sop.store.progress_board import ProgressBoard

ANNOUNCE_S = 2.0


@dataclass(frozen=True)
class Holder:
    """The command holding the store; `long` marks one that runs for more than a moment."""

    pid: int
    command: str
    since: str
    long: bool
    period: str | None = None

    def line(self, db: Path | str) -> str:
        """The busy line a second command prints."""
        what = f"cycle {self.period}" if self.period else f"the planning store {shown(db)}"
        since = self.since[11:16] if len(self.since) >= 16 else self.since
        return f"{what} is busy: `{self.command}` by PID {self.pid} since {since}; try again when it ends"


class StoreBusy(RuntimeError):
    """Another command holds the store; `holder` says which, when it has said so."""

    def __init__(self, db: Path | str, holder: Holder | None):
        super().__init__(holder.line(db) if holder else
                         f"the planning store {shown(db)} is busy with another sop command; try again when it ends")
        self.holder = holder


def lock_path(db: Path | str) -> Path:
    """`DB.lock` beside a store file; for a PostgreSQL store, in the user's cache folder
    (`sop.store.location.local_stem`), shared by the commands of this machine."""
    return Path(f"{local_stem(db)}.lock")


def read_holder(db: Path | str) -> Holder | None:
    """Who holds the store, or None when nobody has said (a moment before a holder writes)."""
    try:
        text = lock_path(db).read_text()
        return Holder(**json.loads(text)) if text.strip() else None
    except (OSError, ValueError, TypeError):
        return None


class Hold:
    """The lock held by this process, with what it tells others about itself: who it is and,
    while it runs a cycle step, the step's progress (`sop.store.progress_board`)."""

    def __init__(self, file: IO[str], holder: Holder, db: Path | str):
        self.file, self.holder, self.db = file, holder, db
        self.board: ProgressBoard | None = None
        self._write()

    def _write(self) -> None:
        self.file.seek(0)
        self.file.truncate()
        self.file.write(json.dumps(asdict(self.holder)))
        self.file.flush()

    def announce(self, period: str) -> None:
        """Name the cycle this command works on, once it is known."""
        self.holder = replace(self.holder, period=period)
        self._write()

    def post(self, event: Mapping[str, Any]) -> None:
        """Show a progress event of the step this command runs to the workspace's cycle page."""
        if self.board is None:
            from sop.store.progress_board import ProgressBoard  # only a command that runs a step needs it

            self.board = ProgressBoard(self.db, self.holder.period or "", self.holder.command)
        self.board(event)

    def release(self) -> None:
        if self.board is not None:
            self.board.close()
        self.file.seek(0)
        self.file.truncate()
        fcntl.lockf(self.file, fcntl.LOCK_UN)


def _try_lock(file: IO[str]) -> bool:
    """A POSIX lock belongs to the process and goes when it closes any descriptor of the file, so
    the holder never opens the lock file a second time (only waiters read it)."""
    try:
        fcntl.lockf(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # EACCES or EAGAIN: another process holds it
        return False
    return True


def _settled(holder: Holder, waited_s: float) -> bool:
    """A cycle command names its cycle a moment after it takes the store; wait up to
    ANNOUNCE_S for that, so the busy line can say which cycle."""
    return holder.period is not None or not holder.command.startswith("sop cycle ") or waited_s >= ANNOUNCE_S


@contextmanager
def hold_store(db: Path | str, command: str, long: bool, wait_s: float) -> Iterator[Hold]:
    """Hold the store for one command, or raise StoreBusy: at once when a long command holds
    it, after `wait_s` seconds when a short one does not let go."""
    path = lock_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as file:
        started = time.monotonic()
        while not _try_lock(file):
            holder, waited = read_holder(db), time.monotonic() - started
            if waited >= wait_s or (holder is not None and holder.long and _settled(holder, waited)):
                raise StoreBusy(db, holder)
            time.sleep(0.05)
        held = Hold(file, Holder(pid=os.getpid(), command=command, long=long,
                                 since=datetime.now().isoformat(timespec="seconds")), db)
        try:
            yield held
        finally:
            held.release()


def status_path(db: Path | str) -> Path:
    return Path(f"{local_stem(db)}.status.json")


def write_status(db: Path | str, period: str, outcome: dict) -> None:
    """Keep where a cycle stands, as `sop cycle status --json` shows it, in `DB.status.json`: what
    status reads without opening the checkpointer, and while another command holds the store.
    Replaced whole (write and rename), so a reader never sees half of it."""
    write_beside(status_path(db), {**read_statuses(db), period: outcome}, indent=1, sort_keys=True)


def read_statuses(db: Path | str) -> dict[str, dict]:
    """Every cycle's last recorded status by period; empty when none was written."""
    return read_beside(status_path(db))

"""The progress of the cycle step that is running, wherever it was started: `DB.progress.json`
beside the store's lock and status files (`sop.store.busy`). The command or the workspace that
runs a step writes the step's last events there as they come; the workspace's cycle page reads
them. A file, not a table, because the step's process holds the store while it runs.

Only the holder of the store runs a step, so one process writes at a time; each write replaces
the file whole (write and rename), so a reader never sees half of it. A step's events go when it
ends, and the events of a process that has gone (killed mid-step) are not shown.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sop.store.location import local_stem, read_beside, write_beside

KEPT = 8  # events per running step


def board_path(db: Path | str) -> Path:
    return Path(f"{local_stem(db)}.progress.json")


def _alive(pid: Any) -> bool:
    try:
        os.kill(int(pid), 0)
    except (OSError, ValueError, TypeError):
        return False
    return True


def running_steps(db: Path | str) -> dict[str, dict[str, Any]]:
    """By cycle: who runs its step (`command`, `pid`) and its last events, oldest first."""
    return {period: step for period, step in read_beside(board_path(db)).items()
            if isinstance(step, dict) and _alive(step.get("pid"))}


class ProgressBoard:
    """The board of one running step; call it with each progress event, close it when the step ends."""

    def __init__(self, db: Path | str, period: str, command: str):
        self.path, self.period = board_path(db), period
        self.step: dict[str, Any] = {"command": command, "pid": os.getpid(), "events": []}
        self._write(self.step)

    def __call__(self, event: Mapping[str, Any]) -> None:
        kept = {k: v for k, v in event.items() if k != "payload"}
        self.step["events"] = [*self.step["events"], kept][-KEPT:]
        self._write(self.step)

    def close(self) -> None:
        self._write(None)

    def __enter__(self) -> ProgressBoard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _write(self, step: dict[str, Any] | None) -> None:
        steps = {p: s for p, s in read_beside(self.path).items() if p != self.period}
        if step is not None:
            steps[self.period] = step
        write_beside(self.path, steps, default=str)

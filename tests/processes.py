"""`sop` as a separate process, the way a scheduler runs it, and SIGKILL at a chosen moment.

The moment is a structlog event on the process's stderr (JSON lines at --log-level INFO), for
example the demand-forecaster's `tool_call` of `demand-forecast` while week 1 runs.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

SOP = Path(sys.executable).with_name("sop")
TIMEOUT_S = 300


@dataclass(frozen=True)
class Moment:
    """A structlog event that marks where to kill: the event name and fields it must carry."""

    event: str
    fields: dict[str, str] = field(default_factory=dict)

    def matches(self, line: str) -> bool:
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            return False
        return entry.get("event") == self.event and all(entry.get(k) == v for k, v in self.fields.items())


class SopProcess:
    """Runs `sop` with its own database, checkpoints and output folder, offline."""

    def __init__(self, root: Path, checkpoint_url: str | None = None, **settings: str):
        self.root = root
        self.env = {**os.environ, "SOP_DB": str(root / "sop.duckdb"), "SOP_OUT": str(root / "out"),
                    "SOP_CHECKPOINT_URL": checkpoint_url or str(root / "checkpoints.sqlite"), "OPENAI_API_KEY": "",
                    **settings}

    def run(self, *args: str, code: int = 0) -> subprocess.CompletedProcess:
        """Run to the end and check the exit code."""
        done = subprocess.run([str(SOP), *args], env=self.env, capture_output=True, text=True, timeout=TIMEOUT_S)
        assert done.returncode == code, f"sop {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
        return done

    def kill_at(self, moment: Moment, *args: str) -> None:
        """Start `sop --log-level INFO ARGS`, SIGKILL it as soon as it logs `moment`."""
        stdout = (self.root / "stdout.txt").open("w")
        proc = subprocess.Popen([str(SOP), "--log-level", "INFO", *args], env=self.env, stdout=stdout,
                                stderr=subprocess.PIPE, text=True)
        seen = []
        try:
            for line in proc.stderr:
                seen.append(line)
                if moment.matches(line):
                    proc.send_signal(signal.SIGKILL)
                    break
            proc.wait(timeout=TIMEOUT_S)
        finally:
            proc.kill()
            proc.stderr.close()
            stdout.close()
        assert proc.returncode == -signal.SIGKILL, (
            f"sop {' '.join(args)} ended ({proc.returncode}) before {moment}:\n{''.join(seen[-20:])}")

    def status(self, period: str | None = None) -> dict:
        return json.loads(self.run("cycle", "status", "--json", *(["--period", period] if period else [])).stdout)

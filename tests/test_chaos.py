"""Chaos: one demo cycle driven through a seeded random sequence of `sop` processes (bad and good
overrides, two approvals at once, status calls while a step runs, SIGKILL at random moments, the
checkpoint deleted once) finishes, as a user would finish it (status, then run, resume, recover
or approve, as status says), with the same approved plan as a clean run with the same valid
inputs; the decision log verifies, and no command printed a traceback.

The seed is random unless SOP_CHAOS_SEED is set; every failure message starts with it, so a
failing sequence can be replayed. The cycle runs on a 3-month horizon to keep the test short.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from processes import SOP, TIMEOUT_S, SopProcess

from sop.store import Store
from sop.store.ledger import verify_chain

pytestmark = pytest.mark.slow

SEED = int(os.environ.get("SOP_CHAOS_SEED", random.SystemRandom().randrange(1_000_000)))
PERIOD = "2026-11"
# Valid overrides on separate nodes, so the order they are entered in does not change the consensus.
VALID = [
    ("--level", "family", "--key", "kitchen", "--from", "2026-12", "--change-pct", "10"),
    ("--level", "sku", "--key", "WID-001", "--from", "2027-01", "--change-pct", "20"),
    ("--level", "family", "--key", "lighting", "--from", "2026-11", "--to", "2027-01", "--change-pct", "-5"),
]
# Each is refused: a negative consensus, beyond the ±50 % bound, not a month, outside the horizon.
BAD = [
    (("--level", "family", "--key", "widgets", "--from", "2026-12", "--change-pct", "-200"), 1),
    (("--level", "family", "--key", "outdoor", "--from", "2026-12", "--change-pct", "80"), 1),
    (("--level", "family", "--key", "outdoor", "--from", "2027-3", "--change-pct", "5"), 2),
    (("--level", "family", "--key", "outdoor", "--from", "2029-06", "--change-pct", "5"), 1),
]
APPROVE = {"consensus": ("cycle", "approve", "--gate", "consensus", "--as", "dana"),
           "executive": ("cycle", "approve", "--gate", "executive", "--as", "erin")}


class Chaos:
    """The company under test: every command's output is kept, to look for tracebacks."""

    def __init__(self, sop: SopProcess, rng: random.Random):
        self.sop, self.rng, self.outputs, self.log = sop, rng, [], []
        self.files: dict[int, Path] = {}

    def _fail(self, message: str) -> None:
        last = "\n".join(o[-600:] for o in self.outputs[-3:])
        raise AssertionError(f"seed {SEED}: {message}\nsteps: {' | '.join(self.log)}\nlast outputs:\n{last}")

    def run(self, *args: str) -> subprocess.CompletedProcess:
        self.log.append(" ".join(args))
        done = subprocess.run([str(SOP), *args], env=self.sop.env, capture_output=True, text=True,
                              timeout=TIMEOUT_S)
        self.outputs.append(done.stdout + done.stderr)
        return done

    def start(self, *args: str) -> subprocess.Popen:
        """Start a command in the background, its output into a file (a pipe nobody reads could fill)."""
        self.log.append(" ".join(args) + " &")
        path = self.sop.root / f"output-{len(self.log)}.txt"
        with path.open("w") as output:
            proc = subprocess.Popen([str(SOP), *args], env=self.sop.env, stdout=output, stderr=subprocess.STDOUT)
        self.files[proc.pid] = path
        return proc

    def finish(self, proc: subprocess.Popen, kill_after: float | None = None) -> int:
        """Wait for a started command, SIGKILLing it after `kill_after` seconds when given; while
        it runs, ask for the status from a second terminal (now and then: each call is a process)."""
        started = time.monotonic()
        deadline = started + (kill_after if kill_after is not None else TIMEOUT_S)
        asked = 0
        while proc.poll() is None and time.monotonic() < deadline:
            if asked < 2 and time.monotonic() - started > 1.0 and self.rng.random() < 0.2:
                self.check_status_while_busy()
                asked += 1
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
        if proc.poll() is None:
            self.log.append(f"SIGKILL after {time.monotonic() - started:.1f} s")
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=TIMEOUT_S)
        self.outputs.append(self.files.pop(proc.pid).read_text())
        return proc.returncode

    def check_status_while_busy(self) -> None:
        done = self.run("cycle", "status", "--json")
        if done.returncode == 0:
            json.loads(done.stdout)
        elif done.returncode not in (1, 4) or len(done.stderr.strip().splitlines()) != 1:
            self._fail(f"status while a step runs exited {done.returncode}: {done.stderr}")

    def status(self) -> tuple[str, str | None]:
        """Where the cycle stands, as a user reads it: a state and gate, or 'lost'."""
        done = self.run("cycle", "status", "--json", "--period", PERIOD)
        if done.returncode == 1 and "sop cycle recover" in done.stderr:
            return "lost", None
        if done.returncode != 0:
            self._fail(f"status exited {done.returncode}: {done.stderr}")
        shown = json.loads(done.stdout)
        return shown["state"], shown["gate"]

    def step(self, args: tuple[str, ...], kill_chance: float) -> None:
        """Run one long command, killed at a random moment now and then."""
        kill = self.rng.uniform(0.5, 8.0) if self.rng.random() < kill_chance else None
        self.finish(self.start(*args), kill)

    def drive_to(self, target: tuple[str, str | None], kill_chance: float) -> None:
        """Do what status says until the cycle stands at `target` (a gate, or done)."""
        for _ in range(12):
            state, gate = self.status()
            if (state, gate) == target:
                return
            if state == "not_started":
                self.step(("cycle", "run", "--period", PERIOD), kill_chance)
            elif state == "lost":
                self.step(("cycle", "recover", "--period", PERIOD), kill_chance)
            elif state in ("running", "failed"):
                self.step(("cycle", "resume", "--period", PERIOD), kill_chance)
            elif state == "waiting":
                self.step(APPROVE[gate], kill_chance)
            kill_chance /= 2  # so that the cycle gets on in the end
        self._fail(f"the cycle did not reach {target}")

    def approve_twice_at_once(self, gate: str) -> None:
        """Two people approve at the same moment: one runs it, the other is told, in one line."""
        first, second = self.start(*APPROVE[gate]), self.start(*APPROVE[gate])
        kill = self.rng.uniform(0.5, 6.0) if self.rng.random() < 0.5 else None
        codes = [self.finish(first, kill), self.finish(second)]
        if not set(codes) <= {0, 1, 4, -signal.SIGKILL}:
            self._fail(f"two approvals at once exited {codes}")

    def overrides(self) -> None:
        """The valid overrides once each, the bad ones, and one valid one taken back, in random order."""
        moves = [("valid", c) for c in VALID] + [("bad", c) for c in BAD] + [("undo", None), ("status", None)]
        self.rng.shuffle(moves)
        for kind, change in moves:
            if kind == "valid":
                done = self.run("override", "add", *change, "--as", "dana", "--reason", "chaos")
                if done.returncode != 0:
                    self._fail(f"a valid override was refused: {done.stderr}")
            elif kind == "bad":
                args, code = change
                done = self.run("override", "add", *args, "--as", "dana", "--reason", "chaos")
                if done.returncode != code or not done.stderr.startswith("error: "):
                    self._fail(f"bad override {args} exited {done.returncode}: {done.stderr}")
            elif kind == "undo":
                done = self.run("override", "add", "--level", "total", "--from", "2026-12", "--change-pct", "30",
                                "--as", "dana", "--reason", "chaos, taken back")
                taken = done.stdout.split()[1]
                if self.run("override", "remove", taken, "--as", "dana", "--reason", "wrong").returncode != 0:
                    self._fail(f"override {taken} could not be removed")
            else:
                self.status()


def _outcome(sop: SopProcess) -> dict:
    """What a finished cycle left behind, without timestamps; its decision log must verify."""
    with Store(sop.env["SOP_DB"]) as store:
        decisions = store.query("SELECT * FROM decisions ORDER BY seq")
        assert verify_chain(decisions.to_dict("records")) == []
        gates = decisions[decisions["decision"].isin(["approved", "rejected"])]
        package = Path(sop.env["SOP_OUT"]) / PERIOD / "approved-plan.csv"
        return {
            "plan": list(store.published_plan().drop(columns="version").itertuples(index=False, name=None)),
            "versions": store.plan_versions()[["version", "cycle_id", "scenario", "approved_by"]].values.tolist(),
            "gates": gates[["gate", "attempt", "decision", "decided_by"]].values.tolist(),
            "consensus": store.query("SELECT sku, dc, month, round(qty, 6) FROM forecast_layers WHERE layer = "
                                     "'consensus' ORDER BY ALL").values.tolist(),
            "approved_plan_csv": package.read_text() if package.is_file() else None,
        }


@pytest.fixture(scope="module")
def demo_csv(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("chaos-inputs")
    SopProcess(root).run("data", "demo", "--out", str(root / "csv"))
    return root / "csv"


def _company(root: Path, csv: Path) -> SopProcess:
    sop = SopProcess(root, SOP_HORIZON="3", SOP_BUSY_WAIT="2")
    sop.run("data", "load", str(csv))
    return sop


def test_a_cycle_through_chaos_finishes_with_the_plan_of_a_clean_run(tmp_path, demo_csv):
    print(f"chaos seed {SEED} (set SOP_CHAOS_SEED={SEED} to replay)")
    rng = random.Random(SEED)
    clean = _company(tmp_path / "clean", demo_csv)
    reference = subprocess.Popen(  # the clean run goes on beside the chaos, on the other core
        ["bash", "-c", " && ".join([f"{SOP} cycle run",
                                    *(f"{SOP} override add {' '.join(c)} --as dana --reason chaos" for c in VALID),
                                    *(f"{SOP} {' '.join(APPROVE[gate])}" for gate in ("consensus", "executive"))])],
        env=clean.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    chaos = Chaos(_company(tmp_path / "chaos", demo_csv), rng)
    chaos.drive_to(("waiting", "consensus"), kill_chance=0.5)
    checkpoint = Path(chaos.sop.env["SOP_CHECKPOINT_URL"])
    lose_early = rng.random() < 0.5
    if lose_early:  # the checkpoint is lost before the overrides, else after them
        checkpoint.unlink()
        chaos.log.append("checkpoint deleted")
    chaos.overrides()
    if not lose_early:
        shutil.move(checkpoint, checkpoint.with_name("elsewhere.sqlite"))
        chaos.log.append("checkpoint deleted")
    if chaos.status() != ("lost", None):
        chaos._fail("status did not say the checkpoint is missing")
    chaos.drive_to(("waiting", "consensus"), kill_chance=0.3)  # recover, as status says
    chaos.approve_twice_at_once("consensus")
    chaos.drive_to(("waiting", "executive"), kill_chance=0.4)
    if rng.random() < 0.5:
        chaos.approve_twice_at_once("executive")
    chaos.drive_to(("done", None), kill_chance=0.4)
    verify = chaos.run("decisions", "verify")
    if verify.returncode != 0:
        chaos._fail(f"the decision log does not verify: {verify.stdout}{verify.stderr}")

    out, _ = reference.communicate(timeout=TIMEOUT_S)
    assert reference.returncode == 0, f"seed {SEED}: the clean run failed:\n{out}"
    tracebacks = [o for o in chaos.outputs if "Traceback" in o]
    assert not tracebacks, f"seed {SEED}: a command printed a traceback:\n{tracebacks[0]}"
    got, want = _outcome(chaos.sop), _outcome(clean)
    assert want["versions"] == [[1, PERIOD, "base", "erin"]] and want["approved_plan_csv"]
    for key in want:
        assert got[key] == want[key], f"seed {SEED}: {key} differs from the clean run; steps: {' | '.join(chaos.log)}"

"""`sop cycle`: run the monthly cycle, inspect it, and decide at its gates.

Exit codes, for schedulers: 0 done, or waiting at a gate for a person; 3 paused because the
approval policy did not pass a gate; 1 failed or refused; 2 usage; 4 busy. The commands load
the graph (`sop.cli.cycle_steps`) only when they run a step, so `--help` and `status` start fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from sop.cli import cycle_status
from sop.cli.common import fail

if TYPE_CHECKING:
    from sop.graph.state import Gate

app = typer.Typer(help="Run the monthly S&OP cycle and decide at its gates.", no_args_is_help=True)

PeriodOpt = cycle_status.PeriodOpt
PolicyOpt = typer.Option(None, "--policy", help="approval policy for unattended runs: a YAML or JSON file, "
                                                 "or a packaged policy by name (demo)")


@app.command("run")
def run(ctx: typer.Context, period: str | None = PeriodOpt, policy: Path | None = PolicyOpt) -> None:
    """Start the cycle for PERIOD; it stops at each gate unless the policy passes it."""
    from sop.cli import cycle_steps

    cycle_steps.run(ctx, period, policy)


@app.command("approve")
def approve(
    ctx: typer.Context,
    gate: str = typer.Option(..., "--gate", help="consensus or executive"),
    person: str = typer.Option(..., "--as", help="who approves; must hold the gate's role"),
    notes: str = typer.Option("", "--notes"),
    period: str | None = PeriodOpt,
    policy: Path | None = PolicyOpt,
    decisions: Path | None = typer.Option(
        None, "--decisions", help="executive decisions (YAML or JSON) that week 4 carries out: approve, demand, "
                                  "capacity, inventory_target, launch, pricing; see the README"),
    accept: str = typer.Option("", "--accept", help="the agents' proposals to accept, by id: DF-1,DF-2 "
                                                    "(see 'sop cycle proposals')"),
) -> None:
    """Approve the gate the cycle waits at, and run on to the next gate or the end."""
    from sop.cli import cycle_steps

    ids = [i.strip() for i in accept.split(",") if i.strip()]
    cycle_steps.decide(ctx, _gate(gate), person, True, notes, period, policy, decisions, ids)


@app.command("reject")
def reject(
    ctx: typer.Context,
    gate: str = typer.Option(..., "--gate", help="consensus or executive"),
    person: str = typer.Option(..., "--as", help="who rejects; must hold the gate's role"),
    notes: str = typer.Option(..., "--notes", help="what to rework"),
    period: str | None = PeriodOpt,
    policy: Path | None = PolicyOpt,
) -> None:
    """Send the cycle back for rework: consensus to week 1, executive to week 3."""
    from sop.cli import cycle_steps

    cycle_steps.decide(ctx, _gate(gate), person, False, notes, period, policy)


def _gate(gate: str) -> Gate:
    """The gate as typed, checked before anything heavy loads."""
    if gate not in ("consensus", "executive"):
        raise fail(f"--gate must be consensus or executive, not {gate!r}", code=2)
    return gate  # type: ignore[return-value]


@app.command("resume")
def resume(ctx: typer.Context, period: str | None = PeriodOpt, policy: Path | None = PolicyOpt) -> None:
    """Continue a cycle that stopped (crash, kill or failure) from its last checkpoint."""
    from sop.cli import cycle_steps

    cycle_steps.resume(ctx, period, policy)


@app.command("recover")
def recover(ctx: typer.Context, period: str | None = PeriodOpt, policy: Path | None = PolicyOpt) -> None:
    """Rebuild a cycle whose checkpoint was lost from the store: run it again up to where the
    store shows it, giving each gate the answer on record, writing nothing twice."""
    from sop.cli import cycle_steps

    cycle_steps.recover(ctx, period, policy)


app.command("status")(cycle_status.status)


@app.command("proposals")
def proposals(ctx: typer.Context, gate: str | None = typer.Option(None, "--gate", help="consensus or executive"),
              period: str | None = PeriodOpt,
              as_json: bool = typer.Option(False, "--json", help="machine-readable")) -> None:
    """The agents' proposals of the cycle: evidence, effect, confidence, and who accepted each."""
    from sop.cli import cycle_proposals

    cycle_proposals.proposals(ctx, gate, period, as_json)

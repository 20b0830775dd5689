"""The steps of `sop cycle` that run the graph: run, approve or reject at a gate, resume, and
showing where the cycle then stands and what to type next. Imported only when a step runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from sop.agents.models import UsageMeter, chat_model
from sop.chat.standing import proposal_rows, way_on
from sop.chat.tables import FitTable, records_table
from sop.cli.common import announce, console, fail, open_store, post_progress, settings
from sop.cli.cycle_progress import StepProgress
from sop.graph.checkpoint import CheckpointUnavailable
from sop.graph.context import CycleContext, record_usage
from sop.graph.decisions import Decision, InvalidDecisions, load_decisions
from sop.graph.gates import AnswerRefused, NotAuthorized
from sop.graph.policy import load_policy
from sop.graph.runner import CycleError, Cycles, Outcome, default_period
from sop.graph.state import Gate
from sop.log import get_logger
from sop.numbers import FORMATS, column_kind
from sop.store.forecasts import consensus_view

EXIT_POLICY_PAUSED = 3


@contextmanager
def _cycles(ctx: typer.Context, policy: Path | None = None) -> Iterator[tuple[Cycles, CycleContext]]:
    cfg = settings(ctx)
    try:
        loaded_policy = load_policy(policy) if policy else None
    except ValueError as exc:
        raise fail(str(exc)) from exc
    with open_store(ctx) as store:
        meter = UsageMeter()
        context = CycleContext(settings=cfg, store=store, model=chat_model(cfg, callbacks=[meter]),
                               policy=loaded_policy)
        display = StepProgress(console)

        def shown(event) -> None:  # on this terminal and on the workspace's cycle page
            display.update(event)
            post_progress(ctx, event)

        try:
            cycles = Cycles(context, on_progress=shown)
        except CheckpointUnavailable as exc:
            raise fail(str(exc)) from exc
        try:
            with cycles, display:
                yield cycles, context
        finally:
            _record_usage(store, meter)


def _record_usage(store, meter: UsageMeter) -> None:
    """Add this command's model calls and tokens to its cycle's totals, and log them."""
    cycle_id = meter.cycle_id
    if cycle_id is None:
        return
    counts = record_usage(store, cycle_id, meter)
    if any(counts.values()):
        get_logger(cycle_id=cycle_id, node="cli", agent=None).info("model_usage", scope="cycle", **counts)


def _period(ctx: typer.Context, context: CycleContext, period: str | None) -> str:
    """The cycle this command works on, announced to any second command that finds the store held."""
    try:
        the_period = period or default_period(context)
    except CycleError as exc:
        raise fail(str(exc)) from exc
    announce(ctx, the_period)
    return the_period


def _records_table(title: str, records: list[dict]) -> FitTable | str:
    return records_table(title, records) if records else f"{title}: none"


def _show_view(outcome: Outcome, context: CycleContext) -> None:
    """The gate's tables, read fresh so that overrides entered while it waits show up."""
    if outcome.gate == "consensus":
        view = consensus_view(context.store, outcome.period)
        console.print(_records_table("Forecast layers by family, units over the horizon", view["layers"]))
        console.print(_records_table("Scenarios, units over the horizon",
                                     [{"scenario": k, "units": v} for k, v in view["scenarios"].items()]))
        console.print(_records_table("Honest backtest WAPE of the statistical forecast (before reconciliation) "
                                     "against the benchmark of record, by node", view["backtests"]))
        console.print(_records_table("Accuracy of past cycles: total WAPE and value added (FVA) by layer",
                                     view["accuracy"]))
        console.print(_records_table("Planner overrides", view["overrides"]))
    else:
        view = (outcome.payload or {}).get("view", {})
        console.print(_records_table("Scenarios", view.get("scenarios", [])))
        console.print(_records_table("Ranked gaps (base scenario)", view.get("gaps", [])))
        console.print(_records_table("Gaps ranked by margin at risk", view.get("margin_gaps", [])))
        console.print(_records_table("Recommendations (what-if re-plans; the plan above is unchanged)",
                                     [{k: r[k] for k in ("recommendation_id", "title", "margin_recovered", "cost",
                                                         "net_benefit")} for r in view.get("recommendations", [])]))
        for ask in view.get("decisions_requested", []):
            console.print(f"[bold]Decision {ask['seq']}[/]: {ask['decision']} ({ask['detail']})")


def _show(outcome: Outcome, context: CycleContext) -> None:
    """Tell the person where the cycle stands, and what to type next."""
    if outcome.state == "failed":
        raise fail(f"the {outcome.period} cycle failed: {outcome.error}; {way_on('failed', outcome.period)}")
    if outcome.state == "done":
        console.print(f"[bold green]The {outcome.period} cycle is complete[/]: plan version "
                      f"{outcome.values.get('published_version')} published.")
        console.print(f"Executive package: {outcome.values.get('package_dir')}/executive-package.html")
        console.print(f"Decision log:      {outcome.values.get('package_dir')}/decision-log.csv")
        console.print(f"Action items:      sop actions list --period {outcome.period}")
        if not context.settings.offline:
            for report in outcome.values.get("reports", []):
                if report and report.get("source") == "template":
                    console.print(f"[yellow]{report['agent']}[/]: {report.get('note')}", highlight=False)
        return
    if outcome.state != "waiting":
        hint = way_on(outcome.state, outcome.period)
        console.print(f"The {outcome.period} cycle is {outcome.state}" + (f"; {hint}." if hint else "."))
        return
    payload = outcome.payload or {}
    figures = [[key, FORMATS[column_kind(key, isinstance(value, int | float))](value)]
               for key, value in payload.get("figures", {}).items()]
    console.print(FitTable(f"{outcome.period}: waiting at the {outcome.gate} gate: {payload.get('approving')}",
                           ["figure", "value"], figures, [False, True]))
    _show_view(outcome, context)
    for report in payload.get("reports", []):
        console.print(f"[bold]{report['agent']}[/]: {report['narrative']}")
        if report.get("source") == "template" and report.get("note") and not context.settings.offline:
            console.print(f"  [dim](from the template: {report['note']})[/]", highlight=False)
    if payload.get("proposals"):
        console.print(records_table("The agents' proposals (accept with --accept ID,ID)",
                                    proposal_rows(payload["proposals"]), {"confidence": "percent"}))
    for failure in payload.get("policy_failures", []):
        console.print(f"[yellow]policy:[/] {failure}")
    decisions = " [--decisions FILE]" if outcome.gate == "executive" else ""
    console.print(f"To continue: sop cycle approve --gate {outcome.gate} --as NAME --period {outcome.period} "
                  f"[--notes TEXT]{decisions}" + (" [--accept ID,ID]" if payload.get("proposals") else ""))


def _finish(outcome: Outcome, context: CycleContext) -> None:
    _show(outcome, context)
    if outcome.state == "waiting" and context.policy is not None:
        raise typer.Exit(EXIT_POLICY_PAUSED)


def _step(ctx: typer.Context, period: str | None, policy: Path | None, action: str) -> None:
    """Run, resume or recover one cycle: the same store, errors and exit codes for each."""
    with _cycles(ctx, policy) as (cycles, context):
        try:
            outcome = getattr(cycles, action)(_period(ctx, context, period))
        except CycleError as exc:
            raise fail(str(exc)) from exc
        _finish(outcome, context)


def run(ctx: typer.Context, period: str | None, policy: Path | None) -> None:
    _step(ctx, period, policy, "run")


def resume(ctx: typer.Context, period: str | None, policy: Path | None) -> None:
    _step(ctx, period, policy, "resume")


def recover(ctx: typer.Context, period: str | None, policy: Path | None) -> None:
    _step(ctx, period, policy, "recover")


def _read_decisions(path: Path | None) -> list[Decision]:
    try:
        return load_decisions(path) if path else []
    except ValueError as exc:
        raise fail(str(exc)) from exc


def decide(ctx: typer.Context, gate: Gate, person: str, approved: bool, notes: str,
           period: str | None, policy: Path | None, decisions_file: Path | None = None,
           accept: list[str] | None = None) -> None:
    decisions = _read_decisions(decisions_file)
    with _cycles(ctx, policy) as (cycles, context):
        the_period = _period(ctx, context, period)
        try:
            outcome = cycles.decide(the_period, gate, person, approved, notes, decisions, accept)
        except (NotAuthorized, AnswerRefused) as exc:  # AnswerRefused: the gate itself refused it
            get_logger(cycle_id=the_period, node=f"{gate}_gate", agent=None).info(
                "approval_refused", gate=gate, person=person)
            raise fail(f"refused: {exc}") from exc
        except InvalidDecisions as exc:
            raise fail("\n".join(f"{decisions_file}: {p}" for p in exc.problems)
                       + f"\nFix {decisions_file} and run the command again") from exc
        except CycleError as exc:
            raise fail(str(exc)) from exc
        _finish(outcome, context)

"""`sop cycle status`: where a cycle stands, quickly and while another command works on it.

A cycle the runner last recorded as waiting, done or failed is read from the status it kept
beside the store (`sop.store.busy.write_status`), without loading the graph; a running one (or
one with no such record) from its checkpoint. While a step of the cycle holds the store, the
answer is that it is running, by whom and since when. A cycle the store shows but whose
checkpoint is gone is named as such, with `sop cycle recover` as the way back.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import typer

from sop.chat.standing import running_status, status_line
from sop.cli.common import EXIT_BUSY, console, cycle_of, fail, hold, open_store, period_option, settings
from sop.store.busy import StoreBusy, read_statuses

if TYPE_CHECKING:
    from sop.store import Store

PeriodOpt = period_option("cycle month YYYY-MM; default: the month after the history")


def usage_line(store: Store, period: str) -> str:
    """Model calls and tokens of the cycle and of the chats about it, or that none were made."""
    usage = store.model_usage(period)
    if usage.empty:
        return "Language model: no calls recorded for this cycle (offline narratives and chat)."
    parts = [f"{r.scope} ({r.runs:.0f} run{'s' if r.runs != 1 else ''}): {r.calls:,.0f} calls, "
             f"{r.input_tokens:,.0f} tokens in, {r.output_tokens:,.0f} out"
             + (f", {r.failed_calls:,.0f} failed" if r.failed_calls else "") for r in usage.itertuples()]
    agents = store.agent_usage(period)
    by_agent = [f"{r.agent} {r.calls:,.0f} calls, {r.input_tokens:,.0f} tokens in, {r.output_tokens:,.0f} out"
                for r in agents.itertuples()]
    return "Language model use: " + "; ".join(parts) + "." + (
        "\nBy agent: " + "; ".join(by_agent) + "." if by_agent else "")


def _from_checkpoint(ctx: typer.Context, store: Store, period: str) -> dict[str, Any]:
    from sop.graph.checkpoint import CheckpointUnavailable
    from sop.graph.context import CycleContext
    from sop.graph.runner import CycleError, Cycles

    try:
        with Cycles(CycleContext(settings=settings(ctx), store=store)) as cycles:
            return cycles.status(period).as_json()
    except (CheckpointUnavailable, CycleError) as exc:
        raise fail(str(exc)) from exc


def _check_checkpoint(ctx: typer.Context, store: Store, period: str) -> None:
    """A recorded status stands only while the checkpoint still holds the cycle (read straight
    from a SQLite file; through the checkpointer for PostgreSQL)."""
    from sop.graph.checkpoint import CheckpointUnavailable, saved_thread, thread_id
    from sop.store.cycles import cycle_record, lost_checkpoint_line

    try:
        saved = saved_thread(settings(ctx).checkpoint_url, thread_id(period))
    except CheckpointUnavailable as exc:
        raise fail(str(exc)) from exc
    if saved is None:
        _from_checkpoint(ctx, store, period)
    elif not saved and (record := cycle_record(store, period)) is not None:
        raise fail(lost_checkpoint_line(record))


def status(ctx: typer.Context, period: str | None = PeriodOpt,
           as_json: bool = typer.Option(False, "--json", help="machine-readable")) -> None:
    """Where the cycle stands: running, waiting (at which gate), done or failed."""
    db = settings(ctx).db
    try:
        with hold(ctx), open_store(ctx) as store:
            the_period = cycle_of(ctx, store, period)
            shown = read_statuses(db).get(the_period)
            if shown is None or shown.get("state") == "running":
                shown = _from_checkpoint(ctx, store, the_period)
            elif shown.get("state") != "done":
                _check_checkpoint(ctx, store, the_period)
            usage = None if as_json else usage_line(store, the_period)  # --json leaves it out
    except StoreBusy as exc:
        _busy(exc, period, as_json, read_statuses(db))
        return
    _print(shown, as_json, usage)


def _print(shown: dict[str, Any], as_json: bool, usage: str | None) -> None:
    if as_json:
        console.print_json(json.dumps(shown))
        return
    console.print(status_line(shown), highlight=False)
    if usage:
        console.print(usage, highlight=False)


def _busy(exc: StoreBusy, period: str | None, as_json: bool, recorded: dict[str, dict]) -> None:
    """While another command holds the store: a cycle whose step holds it is running; another
    cycle shows what was last recorded of it; anything else is busy, exit 4."""
    holder = exc.holder
    if holder is not None and holder.period and holder.command.startswith("sop cycle") \
            and period in (None, holder.period):
        shown = running_status(holder)
    elif period is not None and period in recorded:
        shown = recorded[period]
    else:
        raise fail(str(exc), code=EXIT_BUSY) from exc
    _print(shown, as_json, None)

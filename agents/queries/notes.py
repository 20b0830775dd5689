"""The sales notes: market events that reach into the horizon, with the commercial team's note,
for the demand-forecaster's cycle step. The notes are text from the data, returned as data."""

from __future__ import annotations

from pydantic import BaseModel

from sop.agents.queries.core import QueryContext, records
from sop.agents.queries.forecast import MarketEvent
from sop.store.demand_reads import every_market_event


class NotesQuery(BaseModel):
    """No inputs: the notes of the events that end in the cycle's horizon or later."""


class SalesNotes(BaseModel):
    horizon: list[str]
    notes: list[MarketEvent]


def sales_notes(ctx: QueryContext, q: NotesQuery) -> SalesNotes:
    events = every_market_event(ctx.store)
    first = ctx.horizon[0] if ctx.horizon else ""
    current = events[events["end_month"] >= first].sort_values("event_id")
    return SalesNotes(horizon=ctx.horizon, notes=[MarketEvent(**r) for r in records(current)])

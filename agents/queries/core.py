"""What every query shares: the cycle it reads, its registry entry and its errors.

A query is read-only and typed: it takes a pydantic input model, reads the store through the
named reads of `sop.store`, may run planning tools, and returns a pydantic result with its rows
and a `headline` of the figures the answer quotes. Slash commands render the result; agents get
it as JSON, and the offline model fills the query's answer template with its headline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from pydantic import BaseModel

from sop.config import Settings
from sop.store import Store, company
from sop.store.cycles import CycleRecord, cycle_record
from sop.store.demand_reads import ALL, forecast_months, latest_forecast_cycle
from sop.tools.periods import add_months, month_range

NO_HISTORY = "no demand history is loaded; run 'sop data load DIR' first"

__all__ = ["ALL", "NO_HISTORY", "Query", "QueryContext", "QueryError", "one_of", "records"]


class QueryError(ValueError):
    """The query ran but the data cannot answer it yet (nothing loaded, unknown family, no plan);
    the message is for the planner and the model."""


@dataclass(frozen=True)
class QueryContext:
    """What the queries read: the store, the settings and the cycle the planner is looking at
    (the latest one with a forecast), as the runner recorded it, with its horizon."""

    store: Store
    settings: Settings
    cycle_id: str | None
    record: CycleRecord | None
    horizon: list[str]

    @classmethod
    def current(cls, store: Store, settings: Settings) -> QueryContext:
        cycle_id = latest_forecast_cycle(store)
        if cycle_id is None:
            last = store.last_history_month()
            horizon = month_range(add_months(last, 1), settings.horizon_months) if last else []
            return cls(store, settings, None, None, horizon)
        record = cycle_record(store, cycle_id)
        horizon = record.horizon if record and record.horizon else forecast_months(store, cycle_id)
        return cls(store, settings, cycle_id, record, horizon)

    @property
    def period(self) -> str | None:
        """The cycle an override would go into: the current one, or the next to run."""
        return self.cycle_id or (self.horizon[0] if self.horizon else None)

    @property
    def state(self) -> str:
        """Where the cycle stands, in words: 'waiting at the consensus gate'."""
        if self.cycle_id is None:
            return "no cycle has run yet"
        if self.record is None:
            return "not started"
        return self.record.state + (f" at the {self.record.gate} gate" if self.record.gate else "")

    def families(self) -> list[str]:
        return sorted(company.families(self.store).unique())

    def suppliers(self) -> list[str]:
        return sorted(company.suppliers(self.store)["supplier"])

    @property
    def context(self) -> str:
        """One line for the agents' prompts: which cycle, where it stands, which months."""
        cycle = f"cycle {self.cycle_id}" if self.cycle_id else "no cycle yet"
        months = f"; horizon {self.horizon[0]} to {self.horizon[-1]}" if self.horizon else ""
        return f"{cycle}, {self.state}{months}"


@dataclass(frozen=True)
class Query:
    """One registry entry. `fn(ctx, input)` returns the result model; `keywords` route a chat
    question to it; `choices(ctx)` names today's allowed values of some inputs (families,
    months), which the schema a model sees carries as enums."""

    name: str
    description: str
    input_model: type[BaseModel]
    fn: Callable[[QueryContext, Any], BaseModel]
    keywords: tuple[str, ...] = ()
    choices: Callable[[QueryContext], dict[str, list[str]]] = lambda ctx: {}

    def run(self, ctx: QueryContext, payload: BaseModel | dict[str, Any]) -> BaseModel:
        """Validate the input against the input model, then answer it."""
        data = payload if isinstance(payload, self.input_model) else self.input_model.model_validate(payload)
        return self.fn(ctx, data)

    def schema(self, ctx: QueryContext) -> dict[str, Any]:
        """The query in OpenAI's function format, with today's allowed values as enums."""
        parameters = self.input_model.model_json_schema()
        for prop, values in self.choices(ctx).items():
            target = parameters["properties"][prop]
            branch = next((b for b in target.get("anyOf", []) if b.get("type") == "string"), target)
            if values:
                branch["enum"] = values
        return {"type": "function", "function": {"name": self.name, "description": self.description,
                                                 "parameters": parameters}}


def one_of(value: str, choices: list[str], what: str) -> str:
    """`value` as spelled in `choices`, whatever its case; QueryError naming the choices if absent."""
    match = next((c for c in choices if c.lower() == value.lower()), None)
    if match is None:
        raise QueryError(f"unknown {what} {value!r}; use one of: {', '.join(choices)}")
    return match


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of plain Python values, missing values as None."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")

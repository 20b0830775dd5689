"""The run-time context, in two forms.

`RunContext` is what a client sends with a run: plain JSON, every field optional, defaults from
the settings (`sop.config`, read once per process). LangGraph Server, Studio and the SDK send
this, and each node opens what it names for the length of the node: the store, the chat model
with its usage meter, the approval policy (`open_context`).

`CycleContext` holds those resources opened. A caller in the same process that already holds
them (the CLI, which keeps the store open and locked for the command; tests; benchmarks) may
hand it in instead, and the nodes use it as it is. Neither form is checkpointed: a resumed cycle
gets its context from whoever resumes it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from typing_extensions import TypedDict

from sop.config import Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from sop.agents.models import UsageMeter
    from sop.graph.policy import Policy
    from sop.store import Store


class RunContext(TypedDict, total=False):
    """What a client may send as a run's context; each field defaults to the server's settings."""

    db: str  # the planning store (SOP_DB)
    out_dir: str  # where executive packages are written (SOP_OUT)
    model: str  # the model name at the configured endpoint (SOP_MODEL); unused offline
    policy: str  # an approval policy for unattended runs: a packaged name (demo) or a file


@dataclass
class CycleContext:
    settings: Settings
    store: Store
    model: BaseChatModel | None = None
    policy: Policy | None = None


@cache
def process_settings() -> Settings:
    """The settings of a process that serves the graph, read once from its environment."""
    return Settings()


def settings_for(context: RunContext) -> Settings:
    """The process's settings with what the run's context names instead."""
    fields = {"db": "db", "out_dir": "out_dir", "model": "model"}
    changes: dict[str, Any] = {field: context[key] for key, field in fields.items() if context.get(key)}  # type: ignore[literal-required]
    return Settings.model_validate({**process_settings().model_dump(), **changes})


@contextmanager
def open_context(context: RunContext | CycleContext | None, cycle_id: str) -> Iterator[CycleContext]:
    """The resources a node works with: as handed in, or opened from the run's context and closed
    when the node ends, its model calls and tokens added to the cycle's totals."""
    if isinstance(context, CycleContext):
        yield context
        return
    from sop.agents.models import UsageMeter, chat_model
    from sop.graph.policy import load_policy
    from sop.store import Store

    context = context or RunContext()
    settings = settings_for(context)
    policy = load_policy(context["policy"]) if context.get("policy") else None
    meter = UsageMeter()
    with Store(settings.db) as store:
        try:
            yield CycleContext(settings=settings, store=store, model=chat_model(settings, callbacks=[meter]),
                               policy=policy)
        finally:
            record_usage(store, cycle_id, meter)


def record_usage(store: Store, cycle_id: str, meter: UsageMeter) -> dict[str, int]:
    """Add the model calls and tokens `meter` counted since its last take to the cycle's totals
    and to each agent's; the cycle's counts."""
    counts = meter.take_by_agent()
    if any(counts[None].values()):
        store.add_model_usage("cycle", cycle_id, cycle_id, counts[None])
    for agent, row in counts.items():
        if agent is not None and any(row.values()):
            store.add_model_usage("agent", f"{cycle_id}:{agent}", cycle_id, row)
    return counts[None]

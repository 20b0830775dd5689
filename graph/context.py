"""The run-time context handed to every node: settings, store, chat model and approval policy.

It reaches nodes through LangGraph's `Runtime`, never as globals, and is not checkpointed:
a resumed cycle gets a fresh one from the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel

from sop.config import Settings
from sop.graph.policy import Policy
from sop.store import Store


@dataclass
class CycleContext:
    settings: Settings
    store: Store
    model: BaseChatModel | None = None
    policy: Policy | None = None

"""The chat-model factory (any OpenAI-compatible endpoint, or none: the offline mode), the retry
policy every model call goes through, and the meter that counts calls and tokens.

Retries are ours, not the SDK's. The openai client would retry 408/409/429/5xx and connection
errors twice by default, honouring `Retry-After`/`retry-after-ms` up to 120 s and otherwise
backing off 0.5 s·2ⁿ (capped at 8 s) with jitter. We set its `max_retries=0` and retry here
instead, so the policy is one explicit, logged and tested thing: 429, 5xx, timeouts and lost
connections are retried `max_retries` times, waiting what `Retry-After` asks (up to
`max_delay_s`; a longer wait gives up at once) or an exponential backoff without jitter.
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import openai
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, message_chunk_to_message
from langchain_core.outputs import ChatGeneration, LLMResult
from langchain_core.runnables import Runnable
from langchain_openai import ChatOpenAI

from sop.config import Settings


class ModelUnavailable(RuntimeError):
    """The model could not give a usable reply; `reason` is safe to show (never the error text,
    which may echo request details)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait after a transient failure, in seconds."""

    max_retries: int = 3
    base_delay_s: float = 0.5
    max_delay_s: float = 60.0

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(max_retries=settings.model_max_retries)

    def backoff(self, attempt: int) -> float:
        """The wait before retry `attempt` (0-based) when the server names none."""
        return min(self.base_delay_s * 2 ** attempt, self.max_delay_s)


def retry_after_seconds(headers: Mapping[str, str] | None, now: float | None = None) -> float | None:
    """The wait a 429 or 503 asks for: `retry-after-ms`, or `Retry-After` as seconds or an HTTP
    date; None when absent or unreadable."""
    if not headers:
        return None
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(float(value) / divisor, 0.0)
        except ValueError:
            parsed = email.utils.parsedate_tz(value) if name == "retry-after" else None
            if parsed is not None:
                return max(email.utils.mktime_tz(parsed) - (time.time() if now is None else now), 0.0)
    return None


def _transient(exc: Exception) -> tuple[str, Mapping[str, str] | None] | None:
    """(reason, response headers) when `exc` is worth retrying, else None."""
    if isinstance(exc, openai.APITimeoutError):
        return "timeout", None
    if isinstance(exc, openai.APIConnectionError):
        return "connection error", None
    if isinstance(exc, openai.APIStatusError) and (exc.status_code == 429 or exc.status_code >= 500):
        return f"HTTP {exc.status_code}", exc.response.headers
    return None


class Sink(Protocol):
    """Where a streamed reply goes as it is written: the reply so far after each chunk, and a
    word when what was written is dropped (the call failed and is tried again)."""

    def written(self, so_far: AIMessage) -> None: ...

    def dropped(self) -> None: ...


def _reply(model: Runnable, messages: Sequence[BaseMessage], sink: Sink | None) -> AIMessage:
    """The model's reply: whole, or streamed chunk by chunk into `sink` and then put together."""
    if sink is None:
        return model.invoke(list(messages))
    so_far: AIMessage | None = None
    for chunk in model.stream(list(messages)):
        so_far = chunk if so_far is None else so_far + chunk
        sink.written(so_far)
    if so_far is None:
        raise ModelUnavailable("the model streamed nothing")
    return message_chunk_to_message(so_far) if isinstance(so_far, AIMessageChunk) else so_far  # type: ignore[return-value]


def invoke_with_retries(model: Runnable, messages: Sequence[BaseMessage], policy: RetryPolicy, log,
                        sleep: Callable[[float], None] = time.sleep, sink: Sink | None = None) -> AIMessage:
    """One model reply, retrying transient failures by `policy`; ModelUnavailable otherwise. With
    a `sink`, the reply is streamed into it as it is written."""
    attempt = 0
    while True:
        try:
            return _reply(model, messages, sink)
        except ModelUnavailable:
            raise
        except Exception as exc:  # anything the model raises is classified, never passed through
            if sink is not None:
                sink.dropped()
            transient = _transient(exc)
            if transient is None:
                status = getattr(exc, "status_code", None)
                raise ModelUnavailable(type(exc).__name__ + (f" (HTTP {status})" if status else "")) from None
            reason, headers = transient
            asked = retry_after_seconds(headers)
            if attempt == policy.max_retries:
                raise ModelUnavailable(f"{reason} after {policy.max_retries} retries") from None
            if asked is not None and asked > policy.max_delay_s:
                raise ModelUnavailable(f"{reason}; the server asked to wait {asked:.0f} s") from None
            delay = policy.backoff(attempt) if asked is None else asked
            attempt += 1
            log.warning("model_retry", reason=reason, attempt=attempt, delay_s=round(delay, 3),
                        retry_after=asked is not None)
            sleep(delay)


Counts = dict[str, int]
_ZERO: Counts = {"calls": 0, "failed_calls": 0, "input_tokens": 0, "output_tokens": 0}


class UsageMeter(BaseCallbackHandler):
    """Counts model calls and tokens in and out from each reply's usage metadata, so a cycle or
    a chat session can log and store what it cost, in all and per agent (a call tagged with the
    metadata `agent`). Thread-safe: graph nodes may run in threads."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._agent_of: dict[Any, str] = {}
        self.counts: dict[str | None, Counts] = {}
        self.cycle_id: str | None = None

    def on_chat_model_start(self, serialized: dict[str, Any], messages: list[list[BaseMessage]], *,
                            run_id: Any = None, metadata: dict[str, Any] | None = None, **kwargs: Any) -> None:
        """Note the cycle a call belongs to (the runner names it in the run's metadata,
        `cycle_id`) and the agent that made it."""
        metadata = metadata or {}
        with self._lock:
            if metadata.get("cycle_id"):
                self.cycle_id = str(metadata["cycle_id"])
            if metadata.get("agent"):
                self._agent_of[run_id] = str(metadata["agent"])

    def _add(self, run_id: Any, **counts: int) -> None:
        with self._lock:
            agent = self._agent_of.pop(run_id, None)
            row = self.counts.setdefault(agent, dict(_ZERO))
            for name, n in counts.items():
                row[name] += n

    def on_llm_end(self, response: LLMResult, *, run_id: Any = None, **kwargs: Any) -> None:
        usage = [g.message.usage_metadata for gens in response.generations for g in gens
                 if isinstance(g, ChatGeneration) and isinstance(g.message, AIMessage) and g.message.usage_metadata]
        self._add(run_id, calls=1, input_tokens=sum(u["input_tokens"] for u in usage),
                  output_tokens=sum(u["output_tokens"] for u in usage))

    def on_llm_error(self, error: BaseException, *, run_id: Any = None, **kwargs: Any) -> None:
        self._add(run_id, failed_calls=1)

    def take(self) -> dict[str, int]:
        """The counts since the last take, and start again from zero."""
        return self.take_by_agent()[None]

    def take_by_agent(self) -> dict[str | None, Counts]:
        """The counts since the last take: in all (key None) and per agent; then start from zero."""
        with self._lock:
            by_agent, self.counts = self.counts, {}
        total = dict(_ZERO)
        for row in by_agent.values():
            for name, n in row.items():
                total[name] += n
        return {None: total, **{agent: row for agent, row in by_agent.items() if agent is not None}}


def chat_model(settings: Settings, callbacks: list[BaseCallbackHandler] | None = None) -> BaseChatModel | None:
    """A ChatOpenAI client when a key is configured; None means the offline model and templates.

    The HTTP client is built here with the configured timeout, so every request carries it; the
    SDK's own retries are off because `invoke_with_retries` does them.
    """
    if settings.offline:
        return None
    return ChatOpenAI(
        model=settings.model,
        api_key=settings.openai_api_key,
        base_url=settings.openai_base_url,
        timeout=settings.model_timeout_s,
        max_retries=0,
        temperature=0,
        stream_usage=True,  # a streamed reply's last chunk carries its token counts, for the meter
        http_client=httpx.Client(timeout=settings.model_timeout_s),
        callbacks=callbacks,
    )

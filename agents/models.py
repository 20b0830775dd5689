"""The chat-model factory: any OpenAI-compatible endpoint, or none (the offline mode)."""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel
from langchain_openai import ChatOpenAI

from sop.config import Settings


def chat_model(settings: Settings) -> BaseChatModel | None:
    """A ChatOpenAI client when a key is configured; None means narratives come from templates."""
    if settings.offline:
        return None
    return ChatOpenAI(
        model=settings.model,
        api_key=settings.openai_api_key,
        base_url=settings.openai_base_url,
        timeout=settings.model_timeout_s,
        max_retries=2,
        temperature=0,
    )

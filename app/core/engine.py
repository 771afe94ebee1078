"""The engine interface: what the worker, the CLI and the API server need from an engine.

Two engines implement it: the local llama.cpp one (``app.engine.llama_engine.LlamaEngine``)
and the remote OpenAI-compatible one (``app.engine.remote_engine.RemoteEngine``); UI tests use
a fake. Callers never ask which one they have: what differs is reported in ``ModelInfo``
(``connection``, ``unused`` settings) and by ``measure`` (None when tokens cannot be counted).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from app.core.chat_templates import TemplateChoice
from app.core.generation import (
    ChatMessage,
    ContextUsage,
    GenerationRequest,
    GenerationResult,
    LoadRequest,
    ModelInfo,
    StateCachePolicy,
)
from app.core.offload import OffloadSupport


class Engine(Protocol):
    """One model behind a thread-agnostic interface, used from one thread at a time."""

    def load(self, request: LoadRequest, on_progress: Callable[[float], None]) -> ModelInfo:
        """Load the request's model (replacing any); ParleyError or LoadCancelled if not."""
        ...

    def offload_support(self) -> OffloadSupport:
        """Whether this engine can offload to a GPU here, and the GPUs it sees."""
        ...

    def generate(self, request: GenerationRequest, on_text: Callable[[str], None]) -> GenerationResult:
        """Stream a reply through ``on_text``; stop early when ``request.cancel`` is set."""
        ...

    def remember_state(self, request: GenerationRequest) -> None:
        """After a reply is delivered: keep what makes the conversation's next prompt fast."""
        ...

    def measure(self, messages: list[ChatMessage], template: TemplateChoice, max_tokens: int,
                state_cache: StateCachePolicy | None = None) -> ContextUsage | None:
        """How much of the context window ``messages`` take (None when it cannot be counted)."""
        ...

    def close(self) -> None:
        """Free the model."""
        ...

"""A fake engine for fast UI tests: streams words on a timer and honours the cancel flag.

It fits the context window like the real engine (``app.core.context``), counting a token per
word plus ``MESSAGE_OVERHEAD`` per message, so overflow handling can be tested quickly.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.core.chat_templates import TemplateChoice
from app.core.context import ContextFit, fit_messages, reply_reserve
from app.core.errors import ParleyError
from app.core.generation import (
    ChatMessage,
    ContextUsage,
    FinishReason,
    GenerationRequest,
    GenerationResult,
    LoadRequest,
    ModelInfo,
    OverflowPolicy,
)
from app.core.load_errors import LoadCancelled
from app.core.offload import OffloadSupport
from app.core.settings import Settings


class FakeEngine:
    """Replies with ``reply_words`` (echoing the last user message), one word per ``delay``."""

    reply_words = 12
    delay = 0.01
    load_delay = 0.0
    title_delay = 0.0
    fail_load: str | None = None
    load_steps = 4  # progress reports per load, ``load_delay`` apart in all
    offload = OffloadSupport(False)

    def __init__(self, state_dir: Path | None = None) -> None:
        self.requests: list[GenerationRequest] = []  # replies
        self.title_requests: list[GenerationRequest] = []
        self.loads: list[tuple[Path, Settings]] = []
        self.remembered: list[GenerationRequest] = []
        self.state_dir = state_dir
        self.closed = False
        self.n_ctx = 4096

    def load(self, request: LoadRequest, on_progress: Callable[[float], None]) -> ModelInfo:
        self.loads.append((request.path, request.settings))
        for step in range(self.load_steps + 1):
            if request.cancel.is_set():
                raise LoadCancelled(f"Loading {request.path.name} was cancelled.")
            on_progress(step / self.load_steps)
            time.sleep(self.load_delay / self.load_steps)
        if self.fail_load:
            raise ParleyError(self.fail_load)
        self.n_ctx = int(request.settings["n_ctx"])
        return ModelInfo(str(request.path), "fake-model.gguf", self.n_ctx, 0,
                         self.offload.supported, identity="fake")

    def offload_support(self) -> OffloadSupport:
        return self.offload

    def generate(self, request: GenerationRequest,
                 on_text: Callable[[str], None]) -> GenerationResult:
        if request.purpose == "title":
            self.title_requests.append(request)
            time.sleep(self.title_delay)
            return GenerationResult(fake_title(request), FinishReason.STOP, 10, 3, 100.0, 5.0)
        self.requests.append(request)
        fit, usage = self._fit(request.messages, int(request.sampling["max_tokens"]))
        if fit.units_dropped and request.overflow is OverflowPolicy.ASK:
            return GenerationResult("", FinishReason.CONTEXT_FULL, usage.full_tokens, 0, None, None,
                                    len(fit.dropped), context=usage)
        words = [f"word{i} " for i in range(self.reply_words)]
        sent: list[str] = []
        finish = FinishReason.STOP
        for word in words:
            if request.cancel.is_set():
                finish = FinishReason.CANCELLED
                break
            time.sleep(self.delay)
            sent.append(word)
            on_text(word)
        text = "".join(sent)
        return GenerationResult(text, finish, usage.used_tokens, len(sent), 100.0, 5.0,
                                len(fit.dropped), context=usage)

    def _fit(self, messages: list[ChatMessage], max_tokens: int) -> tuple[ContextFit, ContextUsage]:
        budget = self.n_ctx - reply_reserve(self.n_ctx, max_tokens)
        fit = fit_messages(messages, count_words, budget)
        return fit, ContextUsage(fit.tokens, self.n_ctx, budget, fit.full_tokens, fit.outside_ids)

    def measure(self, messages: list[ChatMessage], template: TemplateChoice, max_tokens: int,
                state_cache: object = None) -> ContextUsage:
        return self._fit(messages, max_tokens)[1]

    def remember_state(self, request: GenerationRequest) -> None:
        self.remembered.append(request)

    def close(self) -> None:
        self.closed = True


class FakeRemoteEngine(FakeEngine):
    """The fake for remote connections: loads a RemoteTarget (remembering the key it was
    given) and, like the real remote engine, cannot count tokens."""

    unused = ("top_k", "n_ctx")

    def __init__(self, api_keys: Any = None) -> None:
        super().__init__()
        self.api_keys = api_keys
        self.targets: list[object] = []
        self.keys_seen: list[str | None] = []

    def load(self, request: LoadRequest, on_progress: Callable[[float], None]) -> ModelInfo:
        target = request.remote
        assert target is not None and request.path is None
        self.targets.append(target)
        if target.has_key:  # like the real one: the key is read when connecting
            self.keys_seen.append(self.api_keys.get(target.name))
        if self.fail_load:
            raise ParleyError(self.fail_load)
        on_progress(1.0)
        return ModelInfo(target.base_url, target.model or "served-model", 0, 0, False,
                         identity=f"remote:{target.name}", connection=target.name, unused=self.unused)

    def measure(self, *args: object, **kwargs: object) -> None:
        return None


MESSAGE_OVERHEAD = 4


def count_words(messages: list[ChatMessage]) -> int:
    """The fake tokenizer: a token per word, plus a few per message."""
    return sum(len(m.content.split()) + MESSAGE_OVERHEAD for m in messages)


def fake_title(request: GenerationRequest) -> str:
    """The title the fake model gives a chat: "Named: " and the first message's first line."""
    prompt = request.messages[-1].content
    question = prompt.split("User: ", 1)[1].splitlines()[0]
    return f'"Named: {question}"'


def fake_engine_factory(**overrides: object) -> Callable[..., FakeEngine]:
    """A factory for FakeEngines with some class attributes overridden."""
    engine_class = type("ConfiguredFakeEngine", (FakeEngine,), dict(overrides))
    return engine_class

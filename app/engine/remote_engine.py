"""The remote engine: the worker's ``Engine`` over an OpenAI-compatible chat server.

"Loading" a remote model checks that the server answers and lists it, and settles the API
dialect; generating streams the server's reply. The server lays out the prompt with its own
chat template and keeps its own cache, so the template, KV-state and measuring parts of the
protocol do nothing here, and the context window is the server's business (n_ctx 0: unknown).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field, replace
from typing import Any

from app.core.api_keys import ApiKeys
from app.core.chat_templates import TemplateChoice
from app.core.connections import ApiDialect, RemoteTarget
from app.core.errors import ParleyError
from app.core.generation import (
    ChatMessage,
    ContextUsage,
    FinishReason,
    GenerationRequest,
    GenerationResult,
    LoadRequest,
    ModelInfo,
    StateCachePolicy,
)
from app.core.i18n import QT_TRANSLATE_NOOP
from app.core.load_errors import LoadCancelled
from app.core.offload import OffloadSupport
from app.core.remote_api import chat_body, detect_dialect, unsupported_options
from app.engine.openai_client import OpenAIClient

__all__ = ["RemoteEngine", "list_models"]

ClientFactory = Callable[..., OpenAIClient]  # (base_url, api_key, name=...) -> a client
MODELS_NAMED = 10  # how many of a server's models an error names
_FINISH = {"stop": FinishReason.STOP, "length": FinishReason.LENGTH}


@dataclass(frozen=True)
class _Loaded:
    target: RemoteTarget
    client: OpenAIClient
    model: str
    dialect: ApiDialect
    key: str | None = field(repr=False)  # the key the client was made with (never in a repr)


class RemoteEngine:
    """A model on a remote server, used from one thread (the engine worker's, or the CLI's)."""

    def __init__(self, api_keys: ApiKeys | None = None, client_factory: ClientFactory = OpenAIClient) -> None:
        self._api_keys = api_keys
        self._client_factory = client_factory
        self._loaded: _Loaded | None = None
        self.info: ModelInfo | None = None

    def load(self, request: LoadRequest, on_progress: Callable[[float], None]) -> ModelInfo:
        """Connect to ``request.remote``, check that it lists the model (its first one when none
        is named) and decide the dialect; ParleyError or LoadCancelled on failure."""
        self.close()
        target = request.remote
        if target is None:
            raise ParleyError(QT_TRANSLATE_NOOP("Errors", "No remote connection was given to load."))
        _stop_if_cancelled(request, target)
        key = self._api_key(target)
        client = self._client_factory(target.base_url, key, name=target.name)
        models, dialect = _listed(client, target, request.cancel)
        _stop_if_cancelled(request, target)
        model = _chosen_model(target, models)
        self._loaded = _Loaded(target, client, model, dialect, key)
        self.info = ModelInfo(path=target.base_url, name=model, n_ctx=0, gpu_layers=0, gpu_supported=False,
                              connection=target.name, identity=f"remote:{target.base_url}:{model}",
                              unused=unsupported_options(dialect))
        on_progress(1.0)
        return self.info

    def _api_key(self, target: RemoteTarget) -> str | None:
        if target.api_key or not target.has_key:
            return target.api_key
        key = self._api_keys.get(target.name) if self._api_keys is not None else None
        if not key:
            raise ParleyError(QT_TRANSLATE_NOOP(
                "Errors", "No API key is stored for the connection {name}; enter it again in Models → "
                          "Connections."), name=target.name)
        return key

    def generate(self, request: GenerationRequest, on_text: Callable[[str], None]) -> GenerationResult:
        """Stream the server's reply to ``request`` through ``on_text``; stop when cancel is set.
        An error after some text (a cut stream, a timeout) is raised as it is: the worker keeps
        the text streamed so far, and the reply can be continued."""
        loaded = self._with_current_key(self._require())
        if request.grammar:
            raise ParleyError(QT_TRANSLATE_NOOP(
                "Errors", "The server {name} cannot be asked to follow a grammar; use a local model "
                          "for grammar-constrained replies."), name=loaded.target.name)
        body = chat_body(request.messages, request.sampling, request.seed, loaded.model, loaded.dialect,
                         request.reply_prefix)
        tally = _Tally(time.perf_counter())
        with closing(loaded.client.stream_chat(body, request.cancel)) as chunks:
            for chunk in chunks:
                text = tally.add(chunk)
                if text:
                    on_text(text)
                if request.cancel.is_set():
                    break
        return tally.result(cancelled=request.cancel.is_set())

    def _require(self) -> _Loaded:
        if self._loaded is None:
            raise ParleyError(QT_TRANSLATE_NOOP(
                "Errors", "No model is loaded; wait for it to load, or choose another model."))
        return self._loaded

    def _with_current_key(self, loaded: _Loaded) -> _Loaded:
        """``loaded``, with a new client if the stored key changed since (a key corrected after
        a 401 works at the next message; the target, which never holds the key, is unchanged)."""
        key = self._api_key(loaded.target)
        if key != loaded.key:
            client = self._client_factory(loaded.target.base_url, key, name=loaded.target.name)
            self._loaded = loaded = replace(loaded, client=client, key=key)
        return loaded

    def remember_state(self, request: GenerationRequest) -> None:
        """Nothing to keep: the server has its own cache."""

    def measure(self, messages: list[ChatMessage], template: TemplateChoice, max_tokens: int,
                state_cache: StateCachePolicy | None = None) -> ContextUsage | None:
        """None: a remote server's tokens cannot be counted here."""
        return None

    def offload_support(self) -> OffloadSupport:
        """No local GPU is involved."""
        return OffloadSupport(False)

    def close(self) -> None:
        """Forget the loaded server (connections are per request, so none stays open)."""
        self._loaded = None
        self.info = None


def list_models(target: RemoteTarget, api_key: str | None) -> tuple[list[str], ApiDialect]:
    """The model ids ``target``'s server lists and the dialect it speaks (``target.api`` unless
    that is AUTO); for the connection dialog's "fetch models" and the CLI."""
    return _listed(OpenAIClient(target.base_url, api_key, name=target.name), target, threading.Event())


def _listed(client: OpenAIClient, target: RemoteTarget,
            cancel: threading.Event) -> tuple[list[str], ApiDialect]:
    models = [str(entry["id"]) for entry in client.models(cancel) if entry.get("id")]
    dialect = target.api if target.api is not ApiDialect.AUTO else detect_dialect(client.models_payload)
    return models, dialect


def _chosen_model(target: RemoteTarget, models: list[str]) -> str:
    if not models:
        raise ParleyError(QT_TRANSLATE_NOOP(
            "Errors", "The server {name} lists no models; load or install one on the server, then try "
                      "again."), name=target.name)
    if not target.model:
        return models[0]
    if target.model not in models:
        named = ", ".join(models[:MODELS_NAMED]) + (", …" if len(models) > MODELS_NAMED else "")
        raise ParleyError(QT_TRANSLATE_NOOP(
            "Errors", "The server {name} has no model “{model}”; it offers {models}. Choose one of them "
                      "in Models → Connections."), name=target.name, model=target.model, models=named)
    return target.model


def _stop_if_cancelled(request: LoadRequest, target: RemoteTarget) -> None:
    if request.cancel.is_set():
        raise LoadCancelled(QT_TRANSLATE_NOOP("Errors", "Loading {file} was cancelled."), file=target.label)


class _Tally:
    """What a streamed reply has produced so far: its text, timing, token counts and ending."""

    def __init__(self, started: float) -> None:
        self.started = started
        self.pieces: list[str] = []
        self.first_at: float | None = None
        self.last_at: float | None = None
        self.finish: str | None = None
        self.usage: dict[str, Any] = {}

    def add(self, chunk: dict[str, Any]) -> str:
        """Take in one chunk; the new text in it."""
        if isinstance(chunk.get("usage"), dict):  # the last chunk, or every chunk on some servers
            self.usage = chunk["usage"]
        text = ""
        for choice in chunk.get("choices") or ():
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta")
            # reasoning models' "reasoning_content" is hidden thinking, not part of the reply
            content = delta.get("content") if isinstance(delta, dict) else None
            if isinstance(content, str):
                text += content
            self.finish = choice.get("finish_reason") or self.finish
        if text:
            self.pieces.append(text)
            self.last_at = time.perf_counter()
            self.first_at = self.first_at or self.last_at
        return text

    def result(self, cancelled: bool) -> GenerationResult:
        completion = _count(self.usage, "completion_tokens", len(self.pieces))
        if cancelled and self.finish is None:
            finish = FinishReason.CANCELLED
        else:
            finish = _FINISH.get(self.finish or "stop", FinishReason.STOP)
        rate = None
        if self.first_at is not None and self.last_at is not None and completion >= 2 \
                and self.last_at > self.first_at:
            rate = (completion - 1) / (self.last_at - self.first_at)
        return GenerationResult(
            text="".join(self.pieces), finish_reason=finish,
            prompt_tokens=_count(self.usage, "prompt_tokens", 0), completion_tokens=completion,
            tokens_per_s=rate,
            ttft_ms=(self.first_at - self.started) * 1000 if self.first_at is not None else None)


def _count(usage: dict[str, Any], key: str, otherwise: int) -> int:
    value = usage.get(key)
    return value if isinstance(value, int) and value >= 0 else otherwise

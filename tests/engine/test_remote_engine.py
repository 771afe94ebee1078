"""The remote engine against a real OpenAI-compatible server: llama-cpp-python's own server
running the bundled model (the session's ``llama_server_url``, see ``tests/llama_server.py``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.core.bundled_model import bundled_model_path
from app.core.connections import ApiDialect, RemoteTarget
from app.core.errors import ParleyError
from app.core.generation import ChatMessage, FinishReason, GenerationRequest, GenerationResult, LoadRequest
from app.core.settings import Settings
from app.engine.remote_engine import RemoteEngine, list_models
from tests.http_server import closed_port

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def server_url(llama_server_url: str) -> str:
    """llama-cpp-python's server with the bundled model (``tests.llama_server``, started once)."""
    return llama_server_url


def target(url: str, model: str = "") -> RemoteTarget:
    return RemoteTarget("Local server", url, model)


@pytest.fixture(scope="module")
def engine(server_url: str) -> Iterator[RemoteEngine]:
    remote = RemoteEngine()
    remote.load(LoadRequest(None, Settings(), remote=target(server_url)), lambda _fraction: None)
    yield remote
    remote.close()


def reply(engine: RemoteEngine, prompt: str = "Write a short poem about the sea.", *, on_text: Any = None,
          prefix: str = "", seed: int = 11, **sampling: Any) -> tuple[GenerationResult, list[str]]:
    request = GenerationRequest([ChatMessage("user", prompt)],
                                {**Settings().sampling(), "max_tokens": 24, **sampling}, seed,
                                reply_prefix=prefix)
    texts: list[str] = []
    result = engine.generate(request, on_text(request, texts) if on_text else texts.append)
    return result, texts


def test_load_finds_the_model_and_the_dialect(server_url: str, engine: RemoteEngine) -> None:
    models, dialect = list_models(target(server_url), None)
    assert dialect is ApiDialect.LLAMA_CPP  # llama-cpp-python's server says owned_by "me"
    assert engine.info is not None and engine.info.name == models[0]
    assert Path(models[0]).name == bundled_model_path().name
    assert engine.info.connection == "Local server" and engine.info.path == server_url


def test_a_reply_streams_in_pieces(engine: RemoteEngine) -> None:
    result, texts = reply(engine)
    assert len(texts) > 2 and result.text == "".join(texts) and result.text.strip()
    assert result.finish_reason in (FinishReason.STOP, FinishReason.LENGTH)
    assert 0 < result.completion_tokens <= 24 and result.ttft_ms is not None and result.ttft_ms > 0
    assert result.tokens_per_s is not None and result.tokens_per_s > 0


def test_stop_after_the_first_piece(engine: RemoteEngine) -> None:
    stopped_at: list[float] = []

    def stop_at_once(request: GenerationRequest, texts: list[str]) -> Any:
        def on_text(text: str) -> None:
            texts.append(text)
            stopped_at.append(time.monotonic())
            request.cancel.set()
        return on_text

    result, texts = reply(engine, "Count from 1 to 200.", on_text=stop_at_once, max_tokens=400)
    assert time.monotonic() - stopped_at[0] < 2  # generous: other work may share the two cores
    assert result.finish_reason is FinishReason.CANCELLED
    assert result.text == texts[0] and len(texts) == 1


def test_max_tokens_stop_texts_and_a_fixed_seed(engine: RemoteEngine) -> None:
    short, _ = reply(engine, max_tokens=4)
    assert short.finish_reason is FinishReason.LENGTH and short.completion_tokens <= 4
    first, _ = reply(engine, "List five fruits.", temperature=0.0, max_tokens=20)
    again, _ = reply(engine, "List five fruits.", temperature=0.0, max_tokens=20)
    assert first.text == again.text
    words = first.text.split()
    assert len(words) >= 3
    stop = words[2]
    stopped, _ = reply(engine, "List five fruits.", temperature=0.0, max_tokens=20, stop=(stop,))
    assert stopped.finish_reason is FinishReason.STOP
    assert stopped.text == first.text[:first.text.index(stop)]


def test_unknown_model_and_wrong_port(server_url: str) -> None:
    with pytest.raises(ParleyError) as caught:
        RemoteEngine().load(LoadRequest(None, Settings(), remote=target(server_url, "no-such-model")),
                            lambda _fraction: None)
    assert "has no model “no-such-model”; it offers " in str(caught.value)
    assert bundled_model_path().name in str(caught.value)
    wrong = f"http://127.0.0.1:{closed_port()}/v1"
    with pytest.raises(ParleyError, match="is not reachable at"):
        RemoteEngine().load(LoadRequest(None, Settings(), remote=target(wrong)), lambda _fraction: None)


def test_continue_returns_only_new_text(engine: RemoteEngine) -> None:
    result, texts = reply(engine, "What is the capital of France?", prefix="The capital of France is",
                          max_tokens=8)
    assert result.text and result.text == "".join(texts)
    assert not result.text.startswith("The capital of France is")


def test_the_server_keeps_answering_after_a_stop(engine: RemoteEngine) -> None:
    cancel_soon = threading.Event()
    request = GenerationRequest([ChatMessage("user", "Count from 1 to 200.")],
                                {**Settings().sampling(), "max_tokens": 300}, 3, cancel=cancel_soon)
    threading.Timer(0.3, cancel_soon.set).start()
    assert engine.generate(request, lambda _text: None).finish_reason is FinishReason.CANCELLED
    result, _ = reply(engine, max_tokens=6)
    assert result.text and result.finish_reason in (FinishReason.STOP, FinishReason.LENGTH)

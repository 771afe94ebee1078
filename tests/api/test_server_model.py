"""The API server over the real bundled model, called with the official ``openai`` client.

One worker and one loaded model serve the whole module (the machine has 2 cores); replies are
kept short. The HTTP clients run on the test's own (main) thread while the GUI-side event loop
is never spun: the server needs nothing from that thread.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import openai
import pytest
from PySide6.QtCore import Qt

from app.api.bridge import WorkerBridge
from app.core.generation import ChatMessage, FinishReason, GenerationRequest, GenerationResult
from app.core.settings import Settings
from app.engine.llama_engine import LlamaEngine
from tests.api.support import TOKEN, Served, WorkerHost, serving

pytestmark = pytest.mark.model

MODEL_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
QUESTION = [{"role": "user", "content": "What is the capital of France?"}]
LONG_STORY = "Write a long story about a dragon."  # greedy: over 600 tokens without an end
SHORT = {"max_tokens": 12, "seed": 7, "temperature": 0}


@pytest.fixture(scope="module")
def served(qapp: Any, model_path: Path) -> Iterator[Served]:
    host = WorkerHost.start(LlamaEngine)
    bridge = WorkerBridge(host.worker)
    host.load(model_path, Settings({"n_ctx": 2048}))
    with serving(host, bridge) as running:
        yield running
    host.close()


@pytest.fixture
def client(served: Served) -> openai.OpenAI:
    return openai.OpenAI(base_url=served.url, api_key=TOKEN, max_retries=0, timeout=120)


class Results:
    """The worker's finished results by request id, recorded on the worker thread."""

    def __init__(self, served: Served) -> None:
        self._results: dict[int, GenerationResult] = {}
        self._done = threading.Condition()
        served.host.worker.generationFinished.connect(self._on_finished, Qt.ConnectionType.DirectConnection)

    def _on_finished(self, request_id: int, result: GenerationResult) -> None:
        with self._done:
            self._results[request_id] = result
            self._done.notify_all()

    def wait_for(self, wanted: Any, timeout: float = 120) -> GenerationResult:
        with self._done:
            assert self._done.wait_for(lambda: any(wanted(i) for i in self._results), timeout)
            return next(r for i, r in self._results.items() if wanted(i))


def test_models_lists_the_loaded_model(client: openai.OpenAI) -> None:
    models = client.models.list()
    assert [m.id for m in models.data] == [MODEL_NAME]
    assert client.models.retrieve(MODEL_NAME).owned_by == "parley"


def test_a_whole_reply_and_the_same_reply_streamed(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(model="anything", messages=QUESTION, **SHORT)
    assert reply.id.startswith("chatcmpl-") and reply.object == "chat.completion"
    assert reply.model == MODEL_NAME
    choice = reply.choices[0]
    assert choice.message.role == "assistant" and choice.message.content.strip()
    assert choice.finish_reason in ("stop", "length")
    assert reply.usage.prompt_tokens > 5 and 0 < reply.usage.completion_tokens <= 12
    assert reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens

    chunks = list(client.chat.completions.create(model="anything", messages=QUESTION, stream=True,
                                                 stream_options={"include_usage": True}, **SHORT))
    assert chunks[0].choices[0].delta.role == "assistant"
    assert all(c.id == chunks[0].id and c.object == "chat.completion.chunk" for c in chunks)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == choice.message.content  # same seed, greedy: the same words
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finishes == [choice.finish_reason]
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == reply.usage.completion_tokens


def test_two_requests_at_once_are_both_answered(served: Served, client: openai.OpenAI) -> None:
    def ask(question: str) -> str:
        reply = client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": question}], max_tokens=8, seed=1)
        return reply.choices[0].message.content

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(ask, ["Name a colour.", "Name an animal."]))
    assert all(a.strip() for a in answers)
    assert served.bridge.pending_count == 0


def test_a_request_waits_while_the_worker_is_busy_then_succeeds(served: Served,
                                                                 client: openai.OpenAI) -> None:
    results = Results(served)
    started = threading.Event()
    served.host.worker.textStreamed.connect(lambda i, *_: i == 1 and started.set(),
                                            Qt.ConnectionType.DirectConnection)
    greedy = Settings({"max_tokens": 1500, "temperature": 0}).sampling()
    busy = GenerationRequest([ChatMessage("user", LONG_STORY)], greedy, seed=3, purpose="title")
    served.host.generate(1, busy)  # the GUI's own reply, first in the worker's queue
    assert started.wait(60)
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(client.chat.completions.create, model="m", messages=QUESTION, **SHORT)
        with pytest.raises(TimeoutError):
            waiting.result(timeout=1.0)  # queued behind the busy reply, not refused
        assert served.bridge.pending_count == 1
        busy.cancel.set()  # the GUI's Stop
        reply = waiting.result(timeout=120)
    assert reply.choices[0].message.content.strip()
    assert results.wait_for(lambda i: i == 1).finish_reason is FinishReason.CANCELLED


def test_a_client_that_leaves_mid_stream_cancels_its_generation(served: Served,
                                                               client: openai.OpenAI) -> None:
    results = Results(served)
    body = json.dumps({"messages": [{"role": "user", "content": LONG_STORY}],
                       "max_tokens": 1500, "stream": True, "temperature": 0}).encode()
    head = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:{served.port}\r\n"
            f"Authorization: Bearer {TOKEN}\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", served.port), timeout=60) as connection:
        connection.sendall(head + body)
        lines = connection.makefile("rb")
        assert lines.readline().startswith(b"HTTP/1.1 200 ")
        while b'"content": "' not in (line := lines.readline()) or b'"role"' in line:
            assert line, "the stream ended before any text"
        lines.close()  # the client leaves after the first piece of text
    left = results.wait_for(lambda i: i < 0)
    assert left.finish_reason is FinishReason.CANCELLED and left.completion_tokens < 1500
    assert served.bridge.pending_count == 0
    assert client.chat.completions.create(model="m", messages=QUESTION, **SHORT).choices  # free again


def test_grammar_is_refused_unless_allowed_then_followed(served: Served, client: openai.OpenAI) -> None:
    yes_or_no = {"grammar": 'root ::= "yes" | "no"'}
    question = [{"role": "user", "content": "Is water wet?"}]
    with pytest.raises(openai.BadRequestError) as refused:
        client.chat.completions.create(model="m", messages=question, extra_body=yes_or_no, **SHORT)
    assert refused.value.status_code == 400 and "Allow grammars" in str(refused.value)
    served.allow(api_allow_grammar=True)
    try:
        reply = client.chat.completions.create(model="m", messages=question, extra_body=yes_or_no, **SHORT)
        assert reply.choices[0].message.content in ("yes", "no")
        with pytest.raises(openai.BadRequestError, match="refused the grammar"):  # would crash llama.cpp
            client.chat.completions.create(model="m", messages=question,
                                           extra_body={"grammar": "root ::= undefined"}, **SHORT)
        assert client.chat.completions.create(model="m", messages=question, **SHORT).choices  # still up
    finally:
        served.allow(api_allow_grammar=False)


def test_json_response_formats_when_allowed(served: Served, client: openai.OpenAI) -> None:
    question = [{"role": "user", "content": "Give a JSON object with your name."}]
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="m", messages=question,
                                       response_format={"type": "json_object"}, **SHORT)
    served.allow(api_allow_grammar=True)
    try:
        schema = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"],
                  "additionalProperties": False}
        shaped = client.chat.completions.create(
            model="m", messages=question, max_tokens=16, seed=1,
            response_format={"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}})
        assert isinstance(json.loads(shaped.choices[0].message.content)["ok"], bool)
        free = client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": 'Reply with {"ok": true}.'}], max_tokens=16,
            temperature=0, response_format={"type": "json_object"})
        assert free.choices[0].finish_reason == "stop"
        assert json.loads(free.choices[0].message.content) == {"ok": True}
    finally:
        served.allow(api_allow_grammar=False)

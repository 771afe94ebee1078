"""How API requests flow through the worker, with a slow fake engine: queued behind the GUI's
replies, cancelled when their client leaves, ended when the server stops, routed by their ids."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.api.bridge import Failed, Finished, Streamed, WorkerBridge
from app.core.connections import Connection
from app.core.generation import ChatMessage, FinishReason, GenerationRequest, LoadRequest
from app.core.settings import Settings
from tests.api.support import TOKEN, Served, WorkerHost, serving
from tests.fakes import FakeEngine, FakeRemoteEngine, fake_engine_factory

SlowEngine = fake_engine_factory(delay=0.05, reply_words=40)  # two seconds a reply


@pytest.fixture
def served(qapp: Any) -> Iterator[Served]:
    host = WorkerHost.start(SlowEngine)
    bridge = WorkerBridge(host.worker)
    host.load(Path("fake.gguf"))
    with serving(host, bridge) as running:
        yield running
    host.close()


def engine_of(served: Served) -> FakeEngine:
    return served.host.worker._engines[False]  # type: ignore[return-value]


def raw_chat(served: Served, stream: bool) -> socket.socket:
    body = json.dumps({"messages": [{"role": "user", "content": "hi"}], "stream": stream}).encode()
    connection = socket.create_connection(("127.0.0.1", served.port), timeout=30)
    head = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
            f"Authorization: Bearer {TOKEN}\r\nContent-Length: {len(body)}\r\n\r\n")
    connection.sendall(head.encode() + body)
    return connection


def gui_reply(served: Served, request_id: int = 1) -> tuple[GenerationRequest, threading.Event]:
    """A reply of the GUI's, running on the worker when this returns."""
    started = threading.Event()
    served.host.worker.textStreamed.connect(lambda i, *_: i == request_id and started.set(),
                                            Qt.ConnectionType.DirectConnection)
    request = GenerationRequest([ChatMessage("user", "busy")], Settings().sampling(), 1)
    served.host.generate(request_id, request)
    assert started.wait(30)
    return request, started


def test_the_bridge_routes_by_negative_ids_only(served: Served) -> None:
    request = GenerationRequest([ChatMessage("user", "hi")], Settings().sampling(), 1, purpose="api")
    generation = served.bridge.submit(request)
    assert generation.id < 0
    events: list[Any] = []
    while not events or isinstance(events[-1], Streamed):
        events.append(generation.next_event(30))
        if len(events) == 3:
            generation.cancel()  # enough words: the fake engine stops at the next one
    assert isinstance(events[-1], Finished) and events[-1].result.finish_reason is FinishReason.CANCELLED
    assert "".join(e.text for e in events[:-1]) == events[-1].result.text
    second = served.bridge.submit(request)
    assert second.id == generation.id - 1
    served.bridge.forget(second)


def test_a_client_leaving_while_queued_cancels_its_request(served: Served) -> None:
    busy, _ = gui_reply(served)
    connection = raw_chat(served, stream=False)
    deadline = time.monotonic() + 30
    while served.bridge.pending_count == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    connection.close()  # gives up while the GUI's reply still runs
    while served.bridge.pending_count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert served.bridge.pending_count == 0
    busy.cancel.set()
    while not any(r.purpose == "api" for r in engine_of(served).requests) and time.monotonic() < deadline:
        time.sleep(0.05)
    api_request = next(r for r in engine_of(served).requests if r.purpose == "api")
    assert api_request.cancel.is_set()  # the worker stopped it at once


def test_stopping_the_server_ends_streams_and_cancels_their_generations(served: Served) -> None:
    connection = raw_chat(served, stream=True)
    lines = connection.makefile("rb")
    while b'"content": "word' not in lines.readline():
        pass
    served.server.stop()
    rest = lines.read()  # ends: the server closed the connection
    assert b"[DONE]" not in rest
    connection.close()
    assert engine_of(served).requests[-1].cancel.is_set()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", served.port), timeout=5).close()


def test_a_stopped_server_answers_waiting_requests_with_a_failure(served: Served) -> None:
    busy, _ = gui_reply(served)
    request = GenerationRequest([ChatMessage("user", "hi")], Settings().sampling(), 1, purpose="api")
    generation = served.bridge.submit(request)
    served.bridge.cancel_all("stopped")
    assert generation.next_event(5) == Failed("stopped")
    assert request.cancel.is_set()
    busy.cancel.set()


def chat_status(served: Served) -> tuple[int, dict[str, Any]]:
    """POST a small chat request and wait for the whole answer (status, JSON)."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=60)
    connection.request("POST", "/v1/chat/completions",
                       json.dumps({"messages": [{"role": "user", "content": "hi"}]}),
                       {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    response = connection.getresponse()
    return response.status, json.loads(response.read())


def test_a_request_while_the_model_loads_waits_for_it(qapp: Any) -> None:
    """Queued, not refused: a request that arrives mid-load is answered once the model is in."""
    host = WorkerHost.start(fake_engine_factory(load_delay=1.0, delay=0.001))
    bridge = WorkerBridge(host.worker)
    try:
        with serving(host, bridge) as served:
            started = threading.Event()
            host.worker.loadStarted.connect(lambda _r: started.set(), Qt.ConnectionType.DirectConnection)
            host.requests.load.emit(LoadRequest(Path("fake.gguf"), Settings()))
            assert started.wait(30)
            status, answer = chat_status(served)
            assert status == 200, answer
            assert answer["choices"][0]["message"]["content"].startswith("word0")
    finally:
        host.close()


def test_a_request_queued_behind_a_switch_to_a_server_never_reaches_it(qapp: Any) -> None:
    """The API serves local models only; that is decided when the request runs, so a switch to a
    remote connection queued ahead of it is honoured (the program never spends the user's key)."""
    host = WorkerHost.start(SlowEngine, FakeRemoteEngine)
    bridge = WorkerBridge(host.worker)
    host.load(Path("fake.gguf"))
    try:
        with serving(host, bridge) as served:
            request, _ = gui_reply(served)  # the worker is busy: what follows waits in its queue
            target = Connection("lab", "http://127.0.0.1:9/v1").target()
            host.requests.load.emit(LoadRequest(None, Settings(), remote=target))
            outcome: list[tuple[int, dict[str, Any]]] = []
            asking = threading.Thread(target=lambda: outcome.append(chat_status(served)))
            asking.start()
            time.sleep(0.3)  # the API request is queued behind the load
            request.cancel.set()
            asking.join(30)
            status, answer = outcome[0]
            assert status == 503 and "local models only" in answer["error"]["message"]
            remote = host.worker._engines[True]
            assert remote.targets and remote.requests == []
    finally:
        host.close()

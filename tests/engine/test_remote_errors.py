"""The remote engine and its HTTP client against a misbehaving local server: every failure is a
sentence naming the connection, Stop is quick even when the server stalls, and what is sent
(key, prefill) is what the server should get."""

from __future__ import annotations

import contextlib
import functools
import json
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from app import __version__
from app.core.api_keys import ApiKeys
from app.core.connections import ApiDialect, RemoteTarget
from app.core.errors import ParleyError
from app.core.generation import ChatMessage, FinishReason, GenerationRequest, LoadRequest
from app.core.load_errors import LoadCancelled
from app.core.settings import Settings
from app.engine.openai_client import OpenAIClient, StreamCut, network_error
from app.engine.remote_engine import RemoteEngine, list_models
from tests.http_server import closed_port

STALL = "stall"  # in a script: wait until the test ends (or the client hangs up)
CUT = "cut"      # in a script: close the connection without ending the answer


def content(text: str, finish: str | None = None) -> bytes:
    chunk = {"choices": [{"index": 0, "delta": {"content": text} if text else {}, "finish_reason": finish}]}
    return f"data: {json.dumps(chunk)}\n\n".encode()


DONE = b"data: [DONE]\n\n"
MODELS = {"object": "list", "data": [{"id": "alpha", "owned_by": "llamacpp"}, {"id": "beta"}]}


@dataclass
class Answer:
    """What the fake server does for one path: a status, headers, and a body or a script of
    pieces (bytes), pauses (seconds), STALL and CUT, sent chunked."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    script: list[bytes | float | str] | None = None


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None


class FakeChatServer:
    """An OpenAI-compatible server that does exactly what a test scripts."""

    def __init__(self) -> None:
        self.answers: dict[str, Answer] = {
            "/v1/models": Answer(body=json.dumps(MODELS).encode()),
            "/v1/chat/completions": Answer(script=[content("Hello"), content(" there", "stop"), DONE]),
        }
        self.seen: list[Seen] = []
        self.release = threading.Event()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def chat(self, *script: bytes | float | str) -> None:
        self.answers["/v1/chat/completions"] = Answer(script=list(script))


def _handler(server: FakeChatServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self._answer(None)

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self._answer(json.loads(raw))

        def _answer(self, body: dict[str, Any] | None) -> None:
            server.seen.append(Seen(self.path, dict(self.headers.items()), body))
            answer = server.answers.get(self.path, Answer(404, b'{"error": {"message": "no such path"}}'))
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            if answer.script is None:
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)
                return
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            with contextlib.suppress(OSError):  # the client hung up
                self._play(answer.script)
            self.close_connection = True

        def _play(self, script: list[bytes | float | str]) -> None:
            for step in script:
                if step == CUT:
                    return
                if step == STALL:
                    server.release.wait(30)
                elif isinstance(step, float):
                    time.sleep(step)
                elif isinstance(step, bytes):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(step), step))
                    self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")

    return Handler


@pytest.fixture
def server() -> Iterator[FakeChatServer]:
    fake = FakeChatServer()
    fake.thread.start()
    yield fake
    fake.release.set()
    fake.httpd.shutdown()
    fake.httpd.server_close()


def target_for(url: str, **kwargs: Any) -> RemoteTarget:
    return RemoteTarget("Home", url, kwargs.pop("model", ""), **kwargs)


def load(engine: RemoteEngine, target: RemoteTarget, cancel: threading.Event | None = None) -> None:
    request = LoadRequest(None, Settings(), remote=target)
    if cancel is not None:
        request.cancel = cancel
    engine.load(request, lambda _fraction: None)


def loaded(server: FakeChatServer, read_timeout: float = 300.0, **kwargs: Any) -> RemoteEngine:
    engine = RemoteEngine(client_factory=functools.partial(OpenAIClient, read_timeout=read_timeout))
    load(engine, target_for(server.base_url, **kwargs))
    return engine


def ask(engine: RemoteEngine, **kwargs: Any) -> tuple[GenerationRequest, list[str]]:
    request = GenerationRequest([ChatMessage("user", "Hi")], Settings().sampling(), 7, cancel=TimedEvent(),
                                **kwargs)
    return request, []


class TimedEvent(threading.Event):
    """A cancel flag that remembers when it was set."""

    set_at = 0.0

    def set(self) -> None:
        self.set_at = time.monotonic()
        super().set()


def cancelled_at(request: GenerationRequest) -> float:
    assert isinstance(request.cancel, TimedEvent) and request.cancel.is_set()
    return request.cancel.set_at


def failure(engine: RemoteEngine, request: GenerationRequest | None = None) -> str:
    request = request or ask(engine)[0]
    with pytest.raises(ParleyError) as caught:
        engine.generate(request, lambda _text: None)
    return str(caught.value)


# -- loading -------------------------------------------------------------------------------------

def test_load_lists_models_picks_the_first_and_detects_the_dialect(server: FakeChatServer) -> None:
    engine = loaded(server)
    assert engine.info is not None and engine.info.name == "alpha" and engine.info.connection == "Home"
    assert engine.info.identity == f"remote:{server.base_url}:alpha" and engine.info.n_ctx == 0
    assert str(engine.info.placement) == "on the server Home"
    request, texts = ask(engine)
    result = engine.generate(request, texts.append)
    assert texts == ["Hello", " there"] and result.text == "Hello there"
    assert result.finish_reason is FinishReason.STOP and result.completion_tokens == 2
    assert result.prompt_tokens == 0 and result.tokens is None and result.ttft_ms is not None
    sent = server.seen[-1].body
    assert sent is not None and sent["model"] == "alpha" and sent["top_k"] == 40  # llama.cpp's fields
    assert sent["seed"] == 7 and sent["stream"] is True
    assert engine.measure([], request.template, 10) is None and not engine.offload_support().supported


def test_a_model_the_server_does_not_list_is_named_with_the_ones_it_has(server: FakeChatServer) -> None:
    with pytest.raises(ParleyError, match="has no model “gamma”; it offers alpha, beta"):
        loaded(server, model="gamma")
    server.answers["/v1/models"] = Answer(body=json.dumps(
        {"data": [{"id": f"m{i}"} for i in range(15)]}).encode())
    with pytest.raises(ParleyError, match="offers m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, …"):
        loaded(server, model="gamma")
    server.answers["/v1/models"] = Answer(body=b'{"data": []}')
    with pytest.raises(ParleyError, match="lists no models"):
        loaded(server)


def test_list_models_for_the_dialog(server: FakeChatServer) -> None:
    assert list_models(target_for(server.base_url), None) == (["alpha", "beta"], ApiDialect.LLAMA_CPP)
    assert list_models(target_for(server.base_url, api=ApiDialect.VLLM), None)[1] is ApiDialect.VLLM


def test_a_cancelled_load_stops(server: FakeChatServer) -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(LoadCancelled):
        load(RemoteEngine(), target_for(server.base_url), cancel)
    assert server.seen == []


def test_401_on_the_models_list(server: FakeChatServer) -> None:
    server.answers["/v1/models"] = Answer(401, b'{"error": {"message": "Invalid API key"}}')
    with pytest.raises(ParleyError) as caught:
        loaded(server)
    assert str(caught.value) == ("The server Home did not accept the API key (Invalid API key); check its "
                                 "API key in Models → Connections.")


def test_invalid_json_in_the_models_list(server: FakeChatServer) -> None:
    server.answers["/v1/models"] = Answer(body=b"<html>It works!</html>")
    with pytest.raises(ParleyError, match=r"answered with something that is not JSON .*/v1/models"):
        loaded(server)


def test_the_key_is_sent_only_when_there_is_one(server: FakeChatServer, tmp_path: Path) -> None:
    loaded(server)
    assert "Authorization" not in server.seen[-1].headers
    assert server.seen[-1].headers["User-Agent"] == f"Parley/{__version__}"
    keys = ApiKeys(tmp_path / "api-keys.json", use_keyring=False)
    keys.set("Home", "sk-secret")
    engine = RemoteEngine(keys)
    load(engine, target_for(server.base_url, has_key=True))
    assert server.seen[-1].headers["Authorization"] == "Bearer sk-secret"
    engine.generate(ask(engine)[0], lambda _text: None)
    assert server.seen[-1].headers["Authorization"] == "Bearer sk-secret"
    assert server.seen[-1].headers["Accept"] == "text/event-stream"
    load(engine, target_for(server.base_url, api_key="sk-given"))
    assert server.seen[-1].headers["Authorization"] == "Bearer sk-given"
    assert "sk-" not in repr(engine._loaded)  # the key never shows in a repr (logs)
    keys.delete("Home")
    with pytest.raises(ParleyError, match="No API key is stored for the connection Home"):
        load(engine, target_for(server.base_url, has_key=True))


def test_a_corrected_key_is_used_at_the_next_message(server: FakeChatServer, tmp_path: Path) -> None:
    """After a 401 the user stores the right key; the connection is the same, so nothing reloads:
    the next message must carry the new key."""
    keys = ApiKeys(tmp_path / "api-keys.json", use_keyring=False)
    keys.set("Home", "sk-wrong")
    engine = RemoteEngine(keys)
    load(engine, target_for(server.base_url, has_key=True))
    keys.set("Home", "sk-right")
    engine.generate(ask(engine)[0], lambda _text: None)
    assert server.seen[-1].headers["Authorization"] == "Bearer sk-right"
    assert "sk-" not in repr(engine._loaded)


# -- HTTP errors on the reply --------------------------------------------------------------------

def test_403_404_and_429(server: FakeChatServer) -> None:
    engine = loaded(server)
    chat = "/v1/chat/completions"
    server.answers[chat] = Answer(403, b'{"error": {"message": "Forbidden for this key"}}')
    assert "refused access (Forbidden for this key); check its API key in Models → Connections" in \
        failure(engine)
    server.answers[chat] = Answer(404, b'{"error": {"message": "model not found"}}')
    message = failure(engine)
    assert "no model “alpha”" in message and "/v1" in message and "(model not found)" in message
    server.answers[chat] = Answer(429, b'{"error": {"message": "Too many requests"}}', {"Retry-After": "12"})
    assert failure(engine).endswith("(Too many requests); try again in 12 seconds.")
    server.answers[chat] = Answer(400, json.dumps({"error": {"message": "bad " * 100}}).encode())
    message = failure(engine)
    assert "rejected the request: bad bad" in message and "…" in message
    server.answers[chat] = Answer(500, b"")
    assert "failed with error 500 (500 Internal Server Error)" in failure(engine)


def test_grammar_is_refused(server: FakeChatServer) -> None:
    engine = loaded(server)
    assert "cannot be asked to follow a grammar" in failure(engine, ask(engine, grammar="root ::= \"a\"")[0])


def test_generate_without_a_load_says_so() -> None:
    assert "No model is loaded" in failure(RemoteEngine(), GenerationRequest([], {}, 1))


# -- streams that go wrong --------------------------------------------------------------------------

def test_a_stream_cut_mid_reply_keeps_the_text_and_says_continue(server: FakeChatServer) -> None:
    engine = loaded(server)
    server.chat(content("Once"), content(" upon"), CUT)
    texts: list[str] = []
    with pytest.raises(StreamCut) as caught:
        engine.generate(ask(engine)[0], texts.append)
    assert texts == ["Once", " upon"]
    assert str(caught.value) == ("The connection to the server Home closed in the middle of the reply; the "
                                 "text so far is kept, and Continue can finish it.")


def test_a_stream_ending_after_its_finish_reason_without_done_is_complete(server: FakeChatServer) -> None:
    engine = loaded(server)
    server.chat(content("All"), content("", "length"))
    result = engine.generate(ask(engine)[0], lambda _text: None)
    assert result.text == "All" and result.finish_reason is FinishReason.LENGTH


def test_a_slow_stream_arrives_whole(server: FakeChatServer) -> None:
    engine = loaded(server)
    server.chat(b": keep-alive\n\n", content("a"), 0.3, content("b"), 0.3, content("c"), 0.3,
                content("d", "stop"),
                b'data: {"choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 4}}\n\n', DONE)
    texts: list[str] = []
    result = engine.generate(ask(engine)[0], texts.append)
    assert texts == ["a", "b", "c", "d"] and result.finish_reason is FinishReason.STOP
    assert (result.prompt_tokens, result.completion_tokens) == (9, 4)
    assert result.tokens_per_s is not None and 0 < result.tokens_per_s < 3.4  # 3 tokens after >= 0.9 s


def test_stop_while_the_server_stalls_returns_at_once(server: FakeChatServer) -> None:
    engine = loaded(server)
    server.chat(content("Partial"), STALL, content(" never"))
    request, texts = ask(engine)

    def on_text(text: str) -> None:
        texts.append(text)
        threading.Timer(0.2, request.cancel.set).start()

    result = engine.generate(request, on_text)
    assert request.cancel.is_set()
    assert time.monotonic() - cancelled_at(request) < 1.0
    assert result.finish_reason is FinishReason.CANCELLED
    assert result.text == "Partial" and texts == ["Partial"]


def test_stop_before_any_text_while_the_server_stalls(server: FakeChatServer) -> None:
    engine = loaded(server)
    server.chat(STALL)
    request, texts = ask(engine)
    threading.Timer(0.3, request.cancel.set).start()
    result = engine.generate(request, texts.append)
    assert time.monotonic() - cancelled_at(request) < 1.0
    assert result.finish_reason is FinishReason.CANCELLED and result.text == "" and result.ttft_ms is None


def test_invalid_json_in_a_stream_line(server: FakeChatServer) -> None:
    engine = loaded(server)
    server.chat(content("ok"), b"data: {not json\n\n", DONE)
    assert "answered with something that is not JSON (“{not json”)" in failure(engine)


def test_an_error_event_in_the_stream(server: FakeChatServer) -> None:
    engine = loaded(server)
    server.chat(content("ok"), b'data: {"error": {"message": "out of memory"}}\n\n')
    assert "reported an error while writing the reply (out of memory)" in failure(engine)


def test_a_read_timeout_names_the_seconds(server: FakeChatServer) -> None:
    engine = loaded(server, read_timeout=1.0)
    server.chat(content("slow"), STALL)
    texts: list[str] = []
    started = time.monotonic()
    with pytest.raises(ParleyError) as caught:
        engine.generate(ask(engine)[0], texts.append)
    assert time.monotonic() - started < 5 and texts == ["slow"]
    assert str(caught.value).startswith("The server Home sent nothing for 1 seconds")


def test_a_server_that_does_not_stream_still_answers(server: FakeChatServer) -> None:
    engine = loaded(server)
    server.answers["/v1/chat/completions"] = Answer(body=json.dumps({
        "choices": [{"message": {"role": "assistant", "content": "Whole"}, "finish_reason": "length"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1}}).encode())
    result = engine.generate(ask(engine)[0], lambda _text: None)
    assert (result.text, result.finish_reason, result.prompt_tokens) == ("Whole", FinishReason.LENGTH, 3)


def test_continue_sends_the_reply_so_far_as_prefill(server: FakeChatServer) -> None:
    engine = loaded(server)
    result = engine.generate(ask(engine, reply_prefix="Hello,")[0], lambda _text: None)
    sent = server.seen[-1].body
    assert sent is not None and sent["messages"][-1] == {"role": "assistant", "content": "Hello,"}
    assert result.text == "Hello there"  # only the new text


# -- the network itself ---------------------------------------------------------------------------

def load_failure(url: str) -> str:
    with pytest.raises(ParleyError) as caught:
        load(RemoteEngine(), target_for(url))
    return str(caught.value)


def test_an_unknown_host() -> None:
    message = load_failure("http://nonexistent.invalid/v1")
    assert message.startswith("The host name nonexistent.invalid of the server Home could not be found")


def test_tls_to_a_plain_http_port(server: FakeChatServer) -> None:
    message = load_failure(server.base_url.replace("http://", "https://"))
    assert message.startswith("A secure (TLS) connection to the server Home at https://127.0.0.1:")
    assert "http:// or https://" in message


def test_a_closed_port_is_not_reachable() -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    assert load_failure(url).startswith(f"The server Home is not reachable at {url} (Connection refused)")


def test_connect_and_read_timeouts_say_which() -> None:
    client = OpenAIClient("http://10.0.0.1:9/v1", connect_timeout=10, read_timeout=300, name="Far")
    assert str(network_error(TimeoutError(), client, connecting=True)) == (
        "The server Far at http://10.0.0.1:9/v1 did not accept a connection within 10 seconds; check "
        "that the server is running and the address.")
    assert "sent nothing for 300 seconds" in str(network_error(TimeoutError(), client, connecting=False))
    untrusted = ssl.SSLCertVerificationError(1, "certificate verify failed: self-signed certificate")
    untrusted.reason = "CERTIFICATE_VERIFY_FAILED"
    assert str(network_error(untrusted, client, connecting=True)) == (
        "The server Far at http://10.0.0.1:9/v1 has a TLS certificate that cannot be trusted "
        "(CERTIFICATE_VERIFY_FAILED); check the address, or the server's certificate.")

"""The API server refuses what other local servers let through, checked over raw HTTP.

A fake engine answers (the checks come before any model work), so these run in moments.
"""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.api.bridge import WorkerBridge
from app.api.server import ApiServer
from app.core.settings import Settings
from tests.api.support import TOKEN, Served, WorkerHost, serving
from tests.fakes import FakeEngine

ALLOWED = "http://localhost:3000"
CHAT = json.dumps({"messages": [{"role": "user", "content": "hi"}], "max_tokens": 4})


@pytest.fixture(scope="module")
def served(qapp: Any) -> Iterator[Served]:
    host = WorkerHost.start(FakeEngine)
    bridge = WorkerBridge(host.worker)
    host.load(Path("fake.gguf"))
    with serving(host, bridge, Settings({"api_origins": [ALLOWED]})) as running:
        yield running
    host.close()


def call(served: Served, method: str, path: str, body: str | None = None, *, token: str | None = TOKEN,
         **extra: str) -> http.client.HTTPResponse:
    headers = {"Host": f"127.0.0.1:{served.port}", "Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    headers.update({name.replace("_", "-"): value for name, value in extra.items()})
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
    connection.request(method, path, body, headers)
    response = connection.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    connection.close()
    return response


def read_until_closed(connection: socket.socket) -> bytes:
    received = b""
    while more := connection.recv(65536):
        received += more
    return received


def error_of(response: http.client.HTTPResponse) -> dict[str, Any]:
    error = json.loads(response.body)["error"]  # type: ignore[attr-defined]
    assert set(error) >= {"message", "type", "code"} and error["message"]
    return error


def test_a_good_request_is_answered(served: Served) -> None:
    response = call(served, "POST", "/v1/chat/completions", CHAT)
    assert response.status == 200
    assert json.loads(response.body)["choices"][0]["message"]["content"]  # type: ignore[attr-defined]
    assert response.getheader("Access-Control-Allow-Origin") is None  # not a browser


@pytest.mark.parametrize("method, path", [("GET", "/v1/models"), ("POST", "/v1/chat/completions"),
                                          ("GET", "/v1/nothing-here")])
@pytest.mark.parametrize("token", [None, "wrong", TOKEN + "x", ""])
def test_every_endpoint_wants_the_token(served: Served, method: str, path: str, token: str | None) -> None:
    response = call(served, method, path, CHAT if method == "POST" else None, token=token)
    assert response.status == 401
    assert response.getheader("WWW-Authenticate", "").startswith("Bearer")
    assert error_of(response)["type"] == "authentication_error"


def test_other_schemes_are_not_the_token(served: Served) -> None:
    response = call(served, "GET", "/v1/models", token=None, Authorization=f"Basic {TOKEN}")
    assert response.status == 401


def test_a_foreign_origin_is_refused_without_cors_headers(served: Served) -> None:
    for method, path, body in (("GET", "/v1/models", None), ("POST", "/v1/chat/completions", CHAT)):
        response = call(served, method, path, body, Origin="http://evil.example")
        assert response.status == 403
        assert response.getheader("Access-Control-Allow-Origin") is None
        assert error_of(response)["code"] == "origin_not_allowed"
    preflight = call(served, "OPTIONS", "/v1/chat/completions", token=None, Origin="http://evil.example",
                     Access_Control_Request_Method="POST")
    assert preflight.status == 403 and preflight.getheader("Access-Control-Allow-Origin") is None


def test_an_allowed_origin_gets_exactly_itself_never_a_star(served: Served) -> None:
    response = call(served, "GET", "/v1/models", Origin=ALLOWED)
    assert response.status == 200
    assert response.getheader("Access-Control-Allow-Origin") == ALLOWED
    assert "Origin" in response.getheader("Vary", "")
    preflight = call(served, "OPTIONS", "/v1/chat/completions", token=None, Origin=ALLOWED,
                     Access_Control_Request_Method="POST",
                     Access_Control_Request_Headers="authorization, content-type")
    assert preflight.status == 204
    assert preflight.getheader("Access-Control-Allow-Origin") == ALLOWED
    assert "authorization" in preflight.getheader("Access-Control-Allow-Headers", "").lower()
    unauthorized = call(served, "GET", "/v1/models", token=None, Origin=ALLOWED)
    assert unauthorized.status == 401 and unauthorized.getheader("Access-Control-Allow-Origin") == ALLOWED


def test_a_star_in_the_allowlist_allows_nobody(served: Served) -> None:
    served.allow(api_origins=["*"])
    try:
        response = call(served, "GET", "/v1/models", Origin="http://evil.example")
        assert response.status == 403 and response.getheader("Access-Control-Allow-Origin") is None
    finally:
        served.allow(api_origins=[ALLOWED])


@pytest.mark.parametrize("host", ["evil.example:{port}", "evil.example", "127.0.0.1.evil.example:{port}",
                                  "192.168.1.10:{port}"])
def test_a_foreign_host_header_is_refused(served: Served, host: str) -> None:
    response = call(served, "GET", "/v1/models", Host=host.format(port=served.port))
    assert response.status == 403
    assert error_of(response)["code"] == "host_not_allowed"


@pytest.mark.parametrize("host", ["localhost:{port}", "127.0.0.1", "[::1]:{port}"])
def test_local_host_headers_are_fine(served: Served, host: str) -> None:
    assert call(served, "GET", "/v1/models", Host=host.format(port=served.port)).status == 200


def test_an_oversized_body_is_refused_before_it_is_sent(served: Served) -> None:
    head = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:{served.port}\r\n"
            f"Authorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {2 * 1024 * 1024}\r\n\r\n")
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as connection:
        connection.sendall(head.encode())  # and not one byte of the 2 MiB
        answer = read_until_closed(connection).decode()
    assert answer.startswith("HTTP/1.1 413 ")
    assert "body_too_large" in answer


@pytest.mark.parametrize("token, length, answer", [
    (TOKEN, 2 * 1024 * 1024, "HTTP/1.1 413 "), ("wrong", 100, "HTTP/1.1 401 "),
    (TOKEN, len(CHAT), "HTTP/1.1 100 Continue"),
])
def test_expect_continue_gets_the_go_ahead_only_when_it_would_be_served(
        served: Served, token: str, length: int, answer: str) -> None:
    head = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Length: {length}\r\nExpect: 100-continue\r\n\r\n")
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as connection:
        connection.sendall(head.encode())
        received = connection.recv(65536)
        assert received.decode().startswith(answer)
        if answer.endswith("Continue"):
            connection.sendall(CHAT.encode())
            while b"HTTP/1.1 200 " not in received and (more := connection.recv(65536)):
                received += more
            assert b"HTTP/1.1 200 " in received


def test_undeclared_lengths_are_refused(served: Served) -> None:
    head = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:{served.port}\r\n"
            f"Authorization: Bearer {TOKEN}\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as connection:
        connection.sendall(head.encode())
        assert connection.recv(65536).decode().startswith("HTTP/1.1 411 ")


@pytest.mark.parametrize("body", ["not json", "[1, 2]", '{"messages": "hi"}'])
def test_bad_bodies_are_400_in_openai_shape(served: Served, body: str) -> None:
    response = call(served, "POST", "/v1/chat/completions", body)
    assert response.status == 400
    assert error_of(response)["type"] == "invalid_request_error"


def test_unknown_endpoints_and_methods(served: Served) -> None:
    assert call(served, "GET", "/v1/nothing-here").status == 404
    wrong = call(served, "GET", "/v1/chat/completions")
    assert wrong.status == 405 and wrong.getheader("Allow") == "POST"
    assert call(served, "GET", "/v1/models?x=1").status == 200


def test_cross_site_requests_without_an_origin_are_refused(served: Served) -> None:
    response = call(served, "GET", "/v1/models", Sec_Fetch_Site="cross-site")
    assert response.status == 403


def test_keep_alive_connections_serve_several_requests(served: Served) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
    for _ in range(3):
        connection.request("GET", "/v1/models", headers={"Authorization": f"Bearer {TOKEN}"})
        response = connection.getresponse()
        assert response.status == 200 and json.loads(response.read())["data"][0]["id"] == "fake-model.gguf"
    connection.close()


def test_it_listens_on_127_0_0_1_only(served: Served) -> None:
    assert served.server.address == ("127.0.0.1", served.port)
    with pytest.raises(OSError):  # another loopback address is another interface: not bound
        socket.create_connection(("127.0.0.2", served.port), timeout=5).close()
    with pytest.raises(ValueError):
        ApiServer(served.bridge, lambda: Settings(), TOKEN, host="0.0.0.0")


def test_the_token_can_change_while_it_runs(served: Served) -> None:
    served.server.token = "n" * 43
    try:
        assert call(served, "GET", "/v1/models").status == 401
        assert call(served, "GET", "/v1/models", token="n" * 43).status == 200
    finally:
        served.server.token = TOKEN


def test_without_a_model_chat_is_503_and_the_list_is_empty(qapp: Any) -> None:
    host = WorkerHost.start(FakeEngine)  # nothing loaded
    try:
        with serving(host, WorkerBridge(host.worker)) as unloaded:
            chat = call(unloaded, "POST", "/v1/chat/completions", CHAT)
            assert chat.status == 503 and error_of(chat)["code"] == "model_not_loaded"
            listing = call(unloaded, "GET", "/v1/models")
            assert json.loads(listing.body) == {"object": "list", "data": []}  # type: ignore[attr-defined]
    finally:
        host.close()


def test_a_busy_port_is_one_sentence(served: Served) -> None:
    from app.core.errors import ParleyError

    second = ApiServer(served.bridge, lambda: Settings(), TOKEN, port=served.port)
    with pytest.raises(ParleyError, match=f"Port {served.port} is in use; choose another port"):
        second.start()
    assert not second.running

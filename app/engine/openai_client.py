"""A small client for OpenAI-compatible servers over the standard library's ``http.client``.

It lists a server's models and streams a chat completion as parsed chunks; the request bodies,
events and error answers are ``app.core.remote_api``'s. Every failure is a ``ParleyError``
sentence naming the connection: an unreachable server, an unknown host, a TLS problem, a
timeout, an answer that is not JSON, an HTTP error, or a stream cut short (``StreamCut``).

Stopping must be quick even when the server stalls, and a blocked read cannot be interrupted
from its own thread, so while a request runs a watcher thread waits on the cancel flag and shuts
the socket down when it is set; the read then ends and the stream simply ends. It runs on the
engine worker's thread or the CLI's, never the GUI's.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import suppress
from typing import Any
from urllib.parse import urlsplit

from app import __version__
from app.core.errors import ParleyError
from app.core.i18n import QT_TRANSLATE_NOOP
from app.core.remote_api import DONE, http_error, parse_json, sse_data, stream_chunk

CANCEL_POLL_S = 0.05            # how often the watcher looks whether its request has ended
MAX_ANSWER_BYTES = 16 * 2**20   # a models list or an error answer larger than this is cut off
MAX_LINE_BYTES = 2**20          # one server-sent event line


class StreamCut(ParleyError):
    """The connection closed in the middle of a reply; the text so far is kept."""


class OpenAIClient:
    """Talks to the OpenAI-compatible API at ``base_url`` (ending in its API path, e.g. /v1).

    ``name`` is how sentences call the server (the connection's name; its host when empty).
    ``read_timeout`` is the longest the server may send nothing, also while it is streaming.
    """

    def __init__(self, base_url: str, api_key: str | None = None, *, connect_timeout: float = 10.0,
                 read_timeout: float = 300.0, name: str = "") -> None:
        parts = urlsplit(base_url)
        self.base_url = base_url.rstrip("/")
        self.name = name or parts.hostname or base_url
        # made once per client: loading the system's CA certificates takes a moment
        self._tls = ssl.create_default_context() if parts.scheme == "https" else None
        self._host = parts.hostname or ""
        self._port = parts.port
        self._path = parts.path.rstrip("/")
        self._api_key = api_key
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.models_payload: Any = None  # the last GET /models answer (for detect_dialect)

    def __repr__(self) -> str:  # never shows the key
        return f"OpenAIClient({self.base_url!r}, name={self.name!r})"

    def models(self, cancel: threading.Event | None = None) -> list[dict[str, Any]]:
        """The server's models (``GET /models``' ``data`` list); the whole answer is kept in
        ``models_payload``. An empty list when ``cancel`` is set meanwhile."""
        url = self.base_url + "/models"
        with _Request(self, "GET", "/models", None, cancel or threading.Event()) as request:
            response = request.response
            if response is None:
                return []
            answer = request.read_all()
            if request.cancelled:
                return []
            if response.status != 200:
                raise http_error(response.status, answer, dict(response.headers), self.name, url=url)
        payload = parse_json(answer, self.name, url)
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(data, list):
            raise ParleyError(QT_TRANSLATE_NOOP(
                "Errors", "The server {name} did not list its models at {url}; check that the address "
                          "is an OpenAI-compatible API (it usually ends in /v1)."), name=self.name, url=url)
        self.models_payload = payload
        return [entry for entry in data if isinstance(entry, dict)]

    def stream_chat(self, body: dict[str, Any], cancel: threading.Event) -> Iterator[dict[str, Any]]:
        """``POST /chat/completions`` with ``body``: each streamed chunk, parsed. Ends quietly
        when ``cancel`` is set; StreamCut when the connection closes before the reply ends."""
        url = self.base_url + "/chat/completions"
        model = str(body.get("model", ""))
        with _Request(self, "POST", "/chat/completions", body, cancel) as request:
            response = request.response
            if response is None:
                return
            if response.status != 200:
                answer = request.read_all()
                if not request.cancelled:
                    raise http_error(response.status, answer, dict(response.headers), self.name,
                                     url=url, model=model)
                return
            if "json" in (response.getheader("Content-Type") or ""):  # a server that does not stream
                answer = request.read_all()
                if not request.cancelled:
                    yield _as_chunk(stream_chunk(answer.decode("utf-8", "replace"), self.name, url))
                return
            finished = False
            for data in request.sse_lines():
                if data == DONE:
                    return
                chunk = stream_chunk(data, self.name, url)
                finished = finished or any(isinstance(choice, dict) and choice.get("finish_reason")
                                           for choice in chunk.get("choices") or ())
                yield chunk
            if not (finished or request.cancelled):  # the usage chunk and [DONE] may go missing
                raise StreamCut(QT_TRANSLATE_NOOP(
                    "Errors", "The connection to the server {name} closed in the middle of the reply; "
                              "the text so far is kept, and Continue can finish it."), name=self.name)

    # -- what _Request needs --------------------------------------------------------------------

    def _connection(self) -> http.client.HTTPConnection:
        if self._tls is not None:
            return http.client.HTTPSConnection(self._host, self._port, timeout=self.connect_timeout,
                                               context=self._tls)
        return http.client.HTTPConnection(self._host, self._port, timeout=self.connect_timeout)

    def _headers(self, streaming: bool) -> dict[str, str]:
        headers = {"User-Agent": f"Parley/{__version__}",
                   "Accept": "text/event-stream" if streaming else "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return headers


class _Request:
    """One HTTP request and its answer, with the cancel watcher; closes everything on exit."""

    def __init__(self, client: OpenAIClient, method: str, path: str, body: dict[str, Any] | None,
                 cancel: threading.Event) -> None:
        self.client = client
        self.cancel = cancel
        self.response: http.client.HTTPResponse | None = None
        self._ended = threading.Event()
        self._connection = client._connection()
        self._watcher: threading.Thread | None = None
        self._send(method, client._path + path, body)

    @property
    def cancelled(self) -> bool:
        return self.cancel.is_set()

    def __enter__(self) -> _Request:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._ended.set()
        self._connection.close()
        if self._watcher is not None:
            self._watcher.join(timeout=1.0)

    def _send(self, method: str, path: str, body: dict[str, Any] | None) -> None:
        if self.cancelled:
            return
        try:
            self._connection.connect()
        except Exception as exc:
            self._connection.close()
            raise network_error(exc, self.client, connecting=True) from exc
        sock = self._connection.sock
        sock.settimeout(self.client.read_timeout)  # connect_timeout was only for connecting
        self._watcher = threading.Thread(target=self._watch, args=(sock,), daemon=True,
                                         name="parley-remote-cancel")
        self._watcher.start()
        headers = self.client._headers(streaming=body is not None and bool(body.get("stream")))
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        try:
            self._connection.request(method, path, body=data, headers=headers)
            self.response = self._connection.getresponse()
        except Exception as exc:
            self.close_quietly()
            if self.cancelled:
                return
            raise network_error(exc, self.client, connecting=False) from exc

    def _watch(self, sock: socket.socket) -> None:
        while not self._ended.is_set():
            if self.cancel.wait(CANCEL_POLL_S):
                # socket.socket's own shutdown, not SSLSocket's (which drops its SSL object under
                # the reading thread's feet); either way the blocked read returns at once
                with suppress(OSError):
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)
                return

    def close_quietly(self) -> None:
        self._ended.set()
        with suppress(Exception):
            self._connection.close()

    def read_all(self) -> bytes:
        """The rest of the answer (at most MAX_ANSWER_BYTES); b"" when cancelled meanwhile."""
        assert self.response is not None
        try:
            return self.response.read(MAX_ANSWER_BYTES)
        except Exception as exc:
            if self.cancelled:
                return b""
            raise network_error(exc, self.client, connecting=False) from exc

    def sse_lines(self) -> Iterator[str]:
        """The data of each event of a streamed answer; ends quietly when cancelled or cut (the
        caller decides whether a cut came too early)."""
        return sse_data(self._lines())

    def _lines(self) -> Iterator[str]:
        assert self.response is not None
        while not self.cancelled:
            try:
                line = self.response.readline(MAX_LINE_BYTES)
            except (http.client.IncompleteRead, ConnectionError, ssl.SSLError):
                return  # cut mid-stream (or by the watcher): StreamCut unless it was done
            except Exception as exc:
                if self.cancelled:
                    return
                raise network_error(exc, self.client, connecting=False) from exc
            if not line:
                return
            yield line.decode("utf-8", "replace")


def _as_chunk(answer: dict[str, Any]) -> dict[str, Any]:
    """A whole (non-streamed) chat completion as one streamed chunk."""
    choices = answer.get("choices")
    choice = choices[0] if isinstance(choices, list) and choices and isinstance(choices[0], dict) else {}
    message = choice.get("message") if isinstance(choice.get("message"), dict) else {}
    return {"choices": [{"index": 0, "delta": {"content": message.get("content") or ""},
                         "finish_reason": choice.get("finish_reason") or "stop"}],
            "usage": answer.get("usage")}


def network_error(exc: BaseException, client: OpenAIClient, *, connecting: bool) -> ParleyError:
    """The sentence for a failed connection to ``client``'s server (``connecting``: before the
    connection was made; else while waiting for the answer)."""
    if isinstance(exc, ParleyError):
        return exc
    values: dict[str, object] = {"name": client.name, "url": client.base_url, "host": client._host,
                                 "reason": _reason(exc)}
    if isinstance(exc, socket.gaierror):
        return ParleyError(QT_TRANSLATE_NOOP(
            "Errors", "The host name {host} of the server {name} could not be found ({reason}); check "
                      "the address, and that this computer is online."), **values)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return ParleyError(QT_TRANSLATE_NOOP(
            "Errors", "The server {name} at {url} has a TLS certificate that cannot be trusted "
                      "({reason}); check the address, or the server's certificate."), **values)
    if isinstance(exc, ssl.SSLError):
        return ParleyError(QT_TRANSLATE_NOOP(
            "Errors", "A secure (TLS) connection to the server {name} at {url} failed ({reason}); "
                      "check whether its address should start with http:// or https://."), **values)
    if isinstance(exc, TimeoutError) and connecting:
        return ParleyError(QT_TRANSLATE_NOOP(
            "Errors", "The server {name} at {url} did not accept a connection within {seconds} "
                      "seconds; check that the server is running and the address."),
            seconds=_seconds(client.connect_timeout), **values)
    if isinstance(exc, TimeoutError):
        return ParleyError(QT_TRANSLATE_NOOP(
            "Errors", "The server {name} sent nothing for {seconds} seconds, so Parley stopped "
                      "waiting; the server may be overloaded or stuck, so try again later."),
            seconds=_seconds(client.read_timeout), **values)
    if isinstance(exc, http.client.RemoteDisconnected | http.client.BadStatusLine):
        return ParleyError(QT_TRANSLATE_NOOP(
            "Errors", "The server {name} at {url} closed the connection without a proper answer; "
                      "check that the address is an OpenAI-compatible API (http:// or https://)."),
            **values)
    if isinstance(exc, OSError | http.client.HTTPException):
        return ParleyError(QT_TRANSLATE_NOOP(
            "Errors", "The server {name} is not reachable at {url} ({reason}); check that the server "
                      "is running and the address."), **values)
    return ParleyError(QT_TRANSLATE_NOOP(
        "Errors", "Talking to the server {name} at {url} failed ({reason}); check the connection "
                  "and try again."), **values)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLError) and exc.reason:
        return str(exc.reason)
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _seconds(value: float) -> str:
    return f"{value:g}"

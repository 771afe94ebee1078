"""The API server's request handler: one connection's checks, routing and the two endpoints.

``GET /v1/models`` lists the loaded model; ``POST /v1/chat/completions`` answers whole or as a
stream of server-sent events. Every request passes ``guard.check_request`` first (Host, Origin,
token); a body is read only after its declared length passed the limit. A request waits for its
generation's events from the ``WorkerBridge`` and checks every ``POLL_S`` whether its client is
still there: a client that leaves (or breaks a stream) cancels its generation at once, so the
worker is soon free for the next.

Requests are logged to the Python logger (method, path, status), never the token or the text.
"""

from __future__ import annotations

import json
import logging
import select
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol
from urllib.parse import urlsplit

from app.api import guard
from app.api.bridge import Event, Failed, Finished, Generation, Streamed, WorkerBridge
from app.api.errors import ApiError, error_body
from app.api.openai_format import chunk, completion, model_entry, model_list, new_call_id, parse_chat_request
from app.core.errors import ParleyError
from app.core.generation import FinishReason, ModelInfo
from app.core.settings import Settings

log = logging.getLogger(__name__)

POLL_S = 0.25          # how often a waiting request checks that its client is still there
SOCKET_TIMEOUT_S = 30  # a client that sends or reads nothing this long is dropped
MODELS_PATH = "/v1/models"
CHAT_PATH = "/v1/chat/completions"
STOPPED = "Parley's API server stopped."


class ServedApp(Protocol):
    """What the handler needs from the server it belongs to (``ApiServer``)."""

    bridge: WorkerBridge
    settings_source: Callable[[], Settings]
    token: str
    stopping: threading.Event

    def local_model(self) -> ModelInfo: ...


class _Server(Protocol):
    app: ServedApp


class RequestHandler(BaseHTTPRequestHandler):
    """One connection: checks, routing, and the two endpoints."""

    server: _Server  # type: ignore[assignment]  # an _HttpServer
    protocol_version = "HTTP/1.1"
    timeout = SOCKET_TIMEOUT_S

    def version_string(self) -> str:
        return "Parley"  # not the Python version

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_OPTIONS(self) -> None:
        self._serve("OPTIONS")

    def handle_expect_100(self) -> bool:
        """``Expect: 100-continue``: the client waits for the go-ahead before it sends the body,
        so refuse here what would be refused anyway (http.server would always say continue)."""
        self._sent_headers = False
        cors: dict[str, str] = {}
        try:
            settings = self.server.app.settings_source()
            cors = guard.check_request(self.headers, settings["api_origins"], self.server.app.token)
            guard.body_length(self.headers.get_all("Content-Length") or [],
                              self.headers.get("Transfer-Encoding"))
        except ApiError as exc:
            self._refuse(exc, cors)
            return False
        return super().handle_expect_100()

    # -- dispatch ---------------------------------------------------------------------------

    def _serve(self, method: str) -> None:
        app = self.server.app
        self._sent_headers = False
        cors: dict[str, str] = {}
        try:
            if app.stopping.is_set():
                raise ApiError(503, STOPPED, "server_error")
            settings = app.settings_source()
            origins = settings["api_origins"]
            if method == "OPTIONS":
                self._preflight(origins)
                return
            cors = guard.check_request(self.headers, origins, app.token)
            path = urlsplit(self.path).path.rstrip("/")
            if method == "GET" and path == MODELS_PATH:
                self._models(cors)
            elif method == "GET" and path.startswith(MODELS_PATH + "/"):
                self._model(path[len(MODELS_PATH) + 1:], cors)
            elif method == "POST" and path == CHAT_PATH:
                self._chat(settings, cors)
            elif path in (MODELS_PATH, CHAT_PATH):
                raise ApiError(405, f"{method} is not supported on {path}.", code="method_not_allowed",
                               headers={"Allow": "GET" if path == MODELS_PATH else "POST"})
            else:
                raise ApiError(404, "Unknown endpoint; this server offers GET /v1/models and POST "
                                    "/v1/chat/completions.", code="not_found")
        except ApiError as exc:
            self._refuse(exc, cors)
        except ParleyError as exc:  # the user's settings or the engine refused it
            self._refuse(ApiError(500, str(exc), "server_error"), cors)
        except (ConnectionError, TimeoutError):  # the client is gone
            self.close_connection = True
        except Exception:
            log.exception("API server: %s %s failed", method, urlsplit(self.path).path)
            self._refuse(ApiError(500, "Parley failed unexpectedly; details are in its log.",
                                  "server_error"), cors)

    def _refuse(self, error: ApiError, cors: dict[str, str]) -> None:
        if self._sent_headers:  # a stream already started: it ends with an error event instead
            self.close_connection = True
            return
        try:
            self._send_json(error.status, error.body(), {**cors, **error.headers})
        except OSError:  # the client is gone already
            self.close_connection = True

    def _preflight(self, origins: tuple[str, ...]) -> None:
        headers = guard.preflight_headers(self.headers.get("Origin"), origins,
                                          self.headers.get("Access-Control-Request-Headers"))
        if headers is None or not guard.host_allowed(self.headers.get("Host")):
            raise ApiError(403, "This web origin is not allowed; add it to Parley's allowed web "
                                "origins if you trust it.", "permission_error", "origin_not_allowed")
        self._send_headers(204, {**headers, "Content-Length": "0"})

    # -- endpoints ----------------------------------------------------------------------------

    def _models(self, cors: dict[str, str]) -> None:
        info = self.server.app.bridge.model()
        local = info if info is not None and info.connection is None else None
        self._send_json(200, model_list(local), cors)

    def _model(self, name: str, cors: dict[str, str]) -> None:
        info = self.server.app.local_model()
        if name != info.name:
            raise ApiError(404, "No such model is loaded; see GET /v1/models.", code="model_not_found")
        self._send_json(200, model_entry(info), cors)

    def _chat(self, settings: Settings, cors: dict[str, str]) -> None:
        length = guard.body_length(self.headers.get_all("Content-Length") or [],
                                   self.headers.get("Transfer-Encoding"))
        body = self.rfile.read(length)
        if len(body) < length:
            raise ConnectionError("the client sent less than it declared")
        call = parse_chat_request(guard.json_object(body), settings, bool(settings["api_allow_grammar"]))
        bridge = self.server.app.bridge
        # Queued even while a model loads: the worker runs it when its turn comes, and refuses
        # it then if no local model is there (a remote one is never used for the API).
        generation = bridge.submit(call.request)
        try:
            first = self._next_event(generation)
            if first is None:
                return  # the client left, or the server is stopping
            info = bridge.model()
            if isinstance(first, Failed):
                if info is None or info.connection is not None:  # nothing local to serve
                    raise ApiError(503, first.reason, "server_error", "model_not_loaded")
                raise ApiError(500, first.reason, "server_error")
            model = info.name if info is not None else "parley"
            if isinstance(first, Finished) and first.result.finish_reason is FinishReason.CONTEXT_FULL:
                raise ApiError(400, "The messages do not fit the model's context window.",
                               code="context_length_exceeded", param="messages")
            created = int(time.time())
            if call.stream:
                self._stream(generation, first, new_call_id(), created, model, call.include_usage, cors)
            else:
                self._complete(generation, first, new_call_id(), created, model, cors)
        finally:
            bridge.forget(generation)

    def _complete(self, generation: Generation, event: Event, call_id: str, created: int, model: str,
                  cors: dict[str, str]) -> None:
        while isinstance(event, Streamed):  # the result holds the whole text
            if (event := self._next_event(generation)) is None:
                return
        if isinstance(event, Failed):
            raise ApiError(500, event.reason, "server_error")
        self._send_json(200, completion(call_id, created, model, event.result), cors)

    def _stream(self, generation: Generation, event: Event, call_id: str, created: int, model: str,
                include_usage: bool, cors: dict[str, str]) -> None:
        self.close_connection = True  # the stream's end is the connection's end
        self._send_headers(200, {**cors, "Content-Type": "text/event-stream; charset=utf-8",
                                 "Cache-Control": "no-store", "Connection": "close"})
        try:
            self._send_event(chunk(call_id, created, model, {"role": "assistant", "content": ""}))
            while isinstance(event, Streamed):
                self._send_event(chunk(call_id, created, model, {"content": event.text}))
                if (event := self._next_event(generation)) is None:
                    return
            if isinstance(event, Failed):
                self._send_event(error_body(event.reason, "server_error"))
                return
            self._send_event(chunk(call_id, created, model, {}, event.result.finish_reason))
            if include_usage:
                self._send_event(chunk(call_id, created, model, None, result=event.result))
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
        except OSError:  # BrokenPipe, ConnectionReset, a timeout: the client is gone
            generation.cancel()
            log.info("API client left during a stream; its generation was cancelled")

    # -- waiting and writing -----------------------------------------------------------------

    def _next_event(self, generation: Generation) -> Event | None:
        """The generation's next event; None (and the generation cancelled) if the client left
        or the server is stopping while it waited."""
        while True:
            event = generation.next_event(POLL_S)
            if isinstance(event, Failed) and event.reason == STOPPED:
                return None
            if event is not None:
                return event
            if self.server.app.stopping.is_set() or self._client_gone():
                generation.cancel()
                self.close_connection = True
                log.info("API client left while waiting; its generation was cancelled")
                return None

    def _client_gone(self) -> bool:
        """Whether the client closed its end (a readable socket with nothing to read)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and not self.connection.recv(1, socket.MSG_PEEK)
        except (OSError, ValueError):
            return True

    def _send_headers(self, status: int, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in {"X-Content-Type-Options": "nosniff", **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self._sent_headers = True

    def _send_json(self, status: int, payload: dict[str, Any], headers: dict[str, str]) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        extra = {"Content-Type": "application/json", "Content-Length": str(len(body)),
                 "Cache-Control": "no-store"}
        if status >= 400:  # an unread body may follow: this connection cannot be reused
            self.close_connection = True
            extra["Connection"] = "close"
        self._send_headers(status, {**extra, **headers})
        self.wfile.write(body)
        self.wfile.flush()

    def _send_event(self, payload: dict[str, Any]) -> None:
        self.wfile.write(b"data: " + json.dumps(payload, ensure_ascii=False).encode("utf-8") + b"\n\n")
        self.wfile.flush()

    # -- logging: the Python logger, never the token or the text ------------------------------

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        log.info("API %s %s -> %s", self.command, urlsplit(self.path).path[:100], code)

    def log_message(self, format: str, *args: Any) -> None:
        log.info("API server: " + format, *args)

"""ApiServer: the OpenAI-compatible HTTP server, on its own threads, bound to 127.0.0.1 only.

Each connection has its own daemon thread (``handler.RequestHandler``), so ``stop`` never waits
for one: it stops listening, wakes every open connection so its thread ends, and cancels the
generations they were waiting for. At most ``MAX_CONNECTIONS`` are open at once.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import socket
import socketserver
import sys
import threading
from collections.abc import Callable
from http.server import ThreadingHTTPServer
from typing import Any

from app.api.bridge import WorkerBridge
from app.api.errors import ApiError
from app.api.handler import STOPPED, RequestHandler
from app.core.errors import ParleyError
from app.core.generation import ModelInfo
from app.core.i18n import QT_TRANSLATE_NOOP
from app.core.settings import Settings

log = logging.getLogger(__name__)

LOOPBACK_HOSTS = ("127.0.0.1", "::1")
MAX_CONNECTIONS = 32
STOP_POLL_S = 0.05     # serve_forever's poll interval: stop() waits at most this long


class ApiServer:
    """Serves ``bridge``'s worker over HTTP on ``host`` (loopback only) and ``port`` (0: any).

    ``settings_source`` gives the current settings on every request (allowed origins, the
    grammar switch and sampling defaults apply at once); ``token`` can be replaced while it runs.
    """

    def __init__(self, bridge: WorkerBridge, settings_source: Callable[[], Settings], token: str,
                 host: str = "127.0.0.1", port: int = 7275) -> None:
        if host not in LOOPBACK_HOSTS:
            raise ValueError("the API server binds to a loopback address only")
        self.bridge = bridge
        self.settings_source = settings_source
        self.token = token
        self.host = host
        self.port = port
        self.stopping = threading.Event()
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """Whether it is listening."""
        return self._httpd is not None

    @property
    def address(self) -> tuple[str, int] | None:
        """The address its socket is bound to while it listens."""
        return self._httpd.server_address[:2] if self._httpd is not None else None  # type: ignore[return-value]

    @property
    def url(self) -> str:
        """The base URL clients use (OpenAI's ``base_url``)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/v1"

    def start(self) -> None:
        """Listen and serve on a background thread; ParleyError when the port cannot be used."""
        if self._httpd is not None:
            return
        self.stopping.clear()
        try:
            self._httpd = _HttpServer((self.host, self.port), self)
        except OSError as exc:
            raise _bind_error(self.port, exc) from exc
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(STOP_POLL_S,),
                                        name="api-server", daemon=True)
        self._thread.start()
        log.info("API server listening at %s", self.url)

    def stop(self) -> None:
        """Stop listening, end open connections and cancel their generations (quick: at most
        ``STOP_POLL_S`` of waiting, so the GUI never freezes)."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self.stopping.set()
        self.bridge.cancel_all(STOPPED)
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        log.info("API server stopped")

    def local_model(self) -> ModelInfo:
        """The loaded local model (ApiError 503 when there is none)."""
        info = self.bridge.model()
        if info is None:
            raise ApiError(503, "No model is loaded in Parley; load one (or wait for it to load) and "
                                "try again.", "server_error", "model_not_loaded")
        if info.connection is not None:
            raise ApiError(503, "Parley is chatting through a remote connection; its local API server "
                                "offers local models only.", "server_error", "model_not_loaded")
        return info


def _bind_error(port: int, exc: OSError) -> ParleyError:
    if exc.errno in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", None)):
        return ParleyError(QT_TRANSLATE_NOOP(
            "Errors", "Port {port} is in use; choose another port in Settings → Local API server."),
            port=port)
    return ParleyError(QT_TRANSLATE_NOOP(
        "Errors", "The local API server cannot listen on port {port} ({reason}); choose another port "
                  "in Settings → Local API server."), port=port, reason=exc.strerror or exc)


class _HttpServer(ThreadingHTTPServer):
    """A threading HTTP server that knows its ApiServer and its open connections."""

    daemon_threads = True  # stop() never waits for a connection to end
    allow_reuse_address = sys.platform != "win32"  # on Windows it would let others share the port
    request_queue_size = 16

    def __init__(self, address: tuple[str, int], app: ApiServer) -> None:
        self.app = app
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, RequestHandler)

    def server_bind(self) -> None:
        if sys.platform == "win32":
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
        # HTTPServer.server_bind would look up the host's name (a DNS query on the GUI thread).
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "localhost", self.server_address[1]

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            if len(self._connections) >= MAX_CONNECTIONS:
                self.shutdown_request(request)
                log.warning("API server: too many connections; one refused")
                return
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake every connection's thread (blocked reading or writing) so it ends now."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # it ended meanwhile
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.exception("API server: a request failed")  # not to stderr, as socketserver would

"""A small threaded HTTP server on 127.0.0.1 for tests: in-memory files, Range requests, and faults.

Each served file can be told to ignore Range, to send slowly, to cut the connection once after some
bytes, or to answer with an error status. Every request is recorded (path, headers, body bytes sent)
so tests can check what a client asked for and what it was given.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class ServedFile:
    data: bytes
    ranges: bool = True  # False: ignore Range and always send the whole file with 200
    delay_s: float = 0.0  # sleep before each chunk, to make a download slow enough to cancel
    chunk: int = 64 * 1024
    cut_after: int | None = None  # close the connection after this many body bytes, once
    status: int | None = None  # answer every request with this status and a short body
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    status: int = 0
    bytes_sent: int = 0


class FileServer:
    """Serves ``files`` (path -> ServedFile) and records ``requests``; use via ``serve_files()``."""

    def __init__(self) -> None:
        self.files: dict[str, ServedFile] = {}
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        # A short poll interval keeps shutdown (each test's teardown) quick.
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def add(self, path: str, data: bytes, **options: object) -> ServedFile:
        served = ServedFile(data, **options)  # type: ignore[arg-type]
        self.files[path] = served
        return served

    def url(self, path: str) -> str:
        return self.base_url + path

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()


@contextmanager
def serve_files() -> Iterator[FileServer]:
    """A running FileServer, shut down on exit."""
    server = FileServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def closed_port() -> int:
    """A local port that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _handler_for(server: FileServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output clean

        def do_GET(self) -> None:
            record = RecordedRequest(self.path, dict(self.headers.items()))
            server.record(record)
            served = server.files.get(self.path)
            if served is None or served.status is not None:
                self._send_status(record, served.status if served else 404)
                return
            start = self._range_start(served)
            if start is not None and start >= len(served.data):
                self._send_status(record, 416, {"Content-Range": f"bytes */{len(served.data)}"})
                return
            body = served.data[start or 0:]
            record.status = 200 if start is None else 206
            self.send_response(record.status)
            if start is not None:
                self.send_header("Content-Range", f"bytes {start}-{len(served.data) - 1}/{len(served.data)}")
            self.send_header("Content-Length", str(len(body)))
            for name, value in served.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self._send_body(served, body, record)

        def _range_start(self, served: ServedFile) -> int | None:
            match = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range", ""))
            return int(match.group(1)) if match and served.ranges else None

        def _send_status(self, record: RecordedRequest, status: int,
                         headers: dict[str, str] | None = None) -> None:
            record.status = status
            body = f"status {status}".encode()
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _send_body(self, served: ServedFile, body: bytes, record: RecordedRequest) -> None:
            limit, served.cut_after = served.cut_after, None
            end = len(body) if limit is None else min(limit, len(body))
            for offset in range(0, end, served.chunk):
                if served.delay_s:
                    time.sleep(served.delay_s)
                piece = body[offset:min(offset + served.chunk, end)]
                try:
                    self.wfile.write(piece)
                except OSError:
                    return  # the client hung up (a cancelled download)
                record.bytes_sent += len(piece)
            if limit is not None:
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True

    return Handler

"""``parley serve``: the local API server without a window.

    parley serve [--port N] [--model NAME_OR_PATH] [--show-token]

Running the command is the user's explicit opt-in, so it serves whatever the ``api_server``
setting says; everything else (127.0.0.1 only, the bearer token, allowed origins, the grammar
switch, sampling defaults) comes from the settings as in the GUI. The engine worker runs on its
own QThread exactly as in the GUI; the main thread only waits for SIGINT or SIGTERM, then stops
the server, closes the model on the worker's thread and exits 0.

Qt and llama.cpp are imported only when the command runs (``add_serve_command`` needs neither).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from app.core.bundled_model import resolve_model_path
from app.core.settings_schema import SettingError, option
from app.paths import AppPaths
from app.profile import open_profile

WORKER_STOP_WAIT_MS = 10_000  # a load in a phase llama.cpp cannot interrupt ends at its next report


def add_serve_command(commands: Any, common: argparse.ArgumentParser) -> None:
    """Add ``serve`` to ``commands`` (the ``parley`` parser's subparsers)."""
    serve = commands.add_parser(
        "serve", parents=[common],
        help="offer the model to other programs over the OpenAI API (127.0.0.1 only, with a token)")
    serve.add_argument("--port", type=_port, metavar="N",
                       help="the port to listen on (default: the api_port setting, 7275)")
    serve.add_argument("--model", metavar="NAME_OR_PATH", default=argparse.SUPPRESS,
                       help="model to serve instead of the configured one: a library name or a file")
    serve.add_argument("--show-token", action="store_true",
                       help="print the bearer token itself, not only the file that holds it")


def _port(text: str) -> int:
    """``--port``, validated by the api_port setting's declaration; errors exit with status 2."""
    try:
        return int(option("api_port").coerce(text))
    except SettingError as exc:
        raise argparse.ArgumentTypeError(str(exc).rstrip(".")) from None


def run_serve(paths: AppPaths, args: argparse.Namespace) -> int:
    """Serve until SIGINT or SIGTERM; 0 then, 1 (one line on stderr) if the model or the port
    cannot be used. Other ParleyErrors reach the caller (``parley: error: …``, exit 1)."""
    from PySide6.QtCore import QCoreApplication

    from app.api import token as api_token
    from app.api.bridge import WorkerBridge
    from app.api.server import ApiServer
    from app.core.errors import ParleyError
    from app.core.generation import LoadRequest

    if QCoreApplication.instance() is None:
        QCoreApplication(["parley"])
    profile = open_profile(paths)
    try:
        for warning in profile.warnings:
            print(f"parley: warning: {warning}", file=sys.stderr)
        settings = profile.settings
        model = profile.models.find(args.model) if getattr(args, "model", None) else \
            resolve_model_path(settings["model_path"])
        token = api_token.read_or_create(paths.api_token_file)
        with _stop_on_signals() as stop, _worker_thread(profile) as (worker, requests):
            bridge = WorkerBridge(worker)  # before the load: it learns the model from the worker
            load = LoadRequest(model, settings)
            stop.on_stop = load.cancel.set  # Ctrl+C while loading cancels the load
            failure = _load(worker, requests, load)
            if failure is not None:
                print(f"parley: error: {failure}", file=sys.stderr)
                return 1
            server = ApiServer(bridge, lambda: settings, token, port=args.port or settings["api_port"])
            try:
                server.start()
            except ParleyError as exc:
                print(f"parley: error: {exc}", file=sys.stderr)
                return 1
            info = bridge.model()
            print(f"Model: {info.name if info else model.name}")
            print(f"Parley API server: {server.url}")
            print(f"Bearer token: in {paths.api_token_file}")
            if args.show_token:
                print(f"Bearer token value: {token}")
            print("Press Ctrl+C to stop.", flush=True)
            stop.wait()
            server.stop()  # cancels API requests, so the worker is free to close at once
            return 0
    finally:
        profile.close()


@contextmanager
def _worker_thread(profile: Any) -> Iterator[tuple[Any, Any]]:
    """An EngineWorker with a LlamaEngine on its own QThread, as in the GUI, and the object whose
    signals reach it (``load``, ``shutdown``); the model is closed on that thread afterwards."""
    from PySide6.QtCore import QObject, QThread, Signal

    from app.engine.llama_engine import LlamaEngine  # imported here, never on the worker thread
    from app.engine.worker import EngineWorker

    class Requests(QObject):
        """Queued requests to the worker's thread."""

        load = Signal(object)  # LoadRequest
        shutdown = Signal()

    state_dir = profile.paths.kv_state_dir
    worker = EngineWorker(lambda: LlamaEngine(state_dir), profile.load_marker)
    thread = QThread()
    thread.setObjectName("engine-worker")
    worker.moveToThread(thread)
    requests = Requests()
    requests.load.connect(worker.load)
    requests.shutdown.connect(worker.shutdown)
    thread.start()
    try:
        yield worker, requests
    finally:
        worker.closing.set()
        requests.shutdown.emit()
        if not thread.wait(WORKER_STOP_WAIT_MS):
            thread.wait()  # destroying a running QThread would abort the process


def _load(worker: Any, requests: Any, load: Any) -> str | None:
    """Load ``load`` on the worker and wait; None when loaded, else the sentence saying why not."""
    from PySide6.QtCore import Qt

    outcome: list[str | None] = []
    done = threading.Event()

    def finish(reason: str | None) -> None:
        outcome.append(reason)
        done.set()

    direct = Qt.ConnectionType.DirectConnection
    worker.loadFinished.connect(lambda *_: finish(None), direct)
    worker.loadFailed.connect(lambda _request, reason: finish(reason), direct)
    worker.loadCancelled.connect(lambda *_: finish(f"Loading {load.label} was cancelled."), direct)
    requests.load.emit(load)
    while not done.wait(0.2):
        pass  # wakes up for SIGINT / SIGTERM, whose handler cancels the load
    return outcome[0]


class _StopFlag:
    """Set by SIGINT or SIGTERM; ``on_stop`` runs then too (in the main thread)."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.on_stop: Any = None

    def set(self, _signum: int = 0, _frame: FrameType | None = None) -> None:
        self._event.set()
        if self.on_stop is not None:
            self.on_stop()

    def wait(self) -> None:
        while not self._event.wait(0.5):  # short waits: Python runs signal handlers in between
            pass


@contextmanager
def _stop_on_signals() -> Iterator[_StopFlag]:
    """SIGINT and SIGTERM set the flag instead of ending the process (restored afterwards)."""
    stop = _StopFlag()
    wanted = [signal.SIGINT, signal.SIGTERM]
    previous = {number: signal.signal(number, stop.set) for number in wanted}
    try:
        yield stop
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)

"""Shared set-up for the API server tests: an engine worker on its own QThread (as in the GUI),
and an ApiServer on a free port whose settings a test may change while it runs."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal

from app.api.bridge import WorkerBridge
from app.api.server import ApiServer
from app.core.generation import GenerationRequest, LoadRequest, ModelInfo
from app.core.settings import Settings
from app.engine.worker import EngineWorker

TOKEN = "test-token-" + "x" * 32


class _Requests(QObject):
    """Queued signals to the worker's thread, as the controller sends them."""

    load = Signal(object)
    generate = Signal(int, object)
    shutdown = Signal()


@dataclass
class WorkerHost:
    """An EngineWorker running on its own QThread."""

    worker: EngineWorker
    thread: QThread
    requests: _Requests

    @classmethod
    def start(cls, engine_factory: Callable[[], Any],
              remote_factory: Callable[[], Any] | None = None) -> WorkerHost:
        worker = EngineWorker(engine_factory, remote_factory=remote_factory)
        thread = QThread()
        worker.moveToThread(thread)
        requests = _Requests()
        requests.load.connect(worker.load)
        requests.generate.connect(worker.generate)
        requests.shutdown.connect(worker.shutdown)
        thread.start()
        return cls(worker, thread, requests)

    def load(self, path: Path, settings: Settings | None = None, timeout: float = 120) -> ModelInfo:
        """Load ``path`` and wait for it (without the GUI thread's event loop)."""
        done = threading.Event()
        outcome: list[Any] = []

        def finished(_request: LoadRequest, info: ModelInfo) -> None:
            outcome.append(info)
            done.set()

        def failed(_request: LoadRequest, reason: str) -> None:
            outcome.append(reason)
            done.set()

        direct = Qt.ConnectionType.DirectConnection
        self.worker.loadFinished.connect(finished, direct)
        self.worker.loadFailed.connect(failed, direct)
        self.requests.load.emit(LoadRequest(path, settings or Settings()))
        assert done.wait(timeout), "the model did not load in time"
        self.worker.loadFinished.disconnect(finished)
        self.worker.loadFailed.disconnect(failed)
        assert isinstance(outcome[0], ModelInfo), outcome[0]
        return outcome[0]

    def generate(self, request_id: int, request: GenerationRequest) -> None:
        """Queue a generation as the GUI would (a positive id)."""
        self.requests.generate.emit(request_id, request)

    def close(self) -> None:
        self.worker.closing.set()
        self.requests.shutdown.emit()
        assert self.thread.wait(30_000)


@dataclass
class Served:
    """A running ApiServer, its bridge and the settings it reads (replace ``settings`` freely)."""

    host: WorkerHost
    bridge: WorkerBridge
    server: ApiServer
    settings: Settings = field(default_factory=Settings)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def port(self) -> int:
        return self.server.port

    def allow(self, **values: Any) -> None:
        """Change settings the server reads on every request."""
        self.settings = self.settings.with_changes(values)


@contextmanager
def serving(host: WorkerHost, bridge: WorkerBridge, settings: Settings | None = None) -> Iterator[Served]:
    """An ApiServer over ``bridge`` (made before the model was loaded: it learns of loads from the
    worker's signals) on a free port, stopped afterwards."""
    served = Served(host, bridge, ApiServer(bridge, lambda: served.settings, TOKEN, port=0),
                    settings or Settings())
    served.server.start()
    try:
        yield served
    finally:
        served.server.stop()

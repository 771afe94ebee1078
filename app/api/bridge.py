"""WorkerBridge: the HTTP threads' way to the engine worker, never through the GUI thread.

A request is sent to the worker with a queued signal, so it waits in the worker's queue behind
the GUI's own replies and titles (first come, first served) instead of being refused. The
worker's answers are received with direct connections: they run on the worker thread and only
put the event into that request's ``queue.Queue``, where its HTTP thread waits. The GUI thread
is never needed and never waits.

API requests have negative ids (-1, -2, …): the GUI's replies and titles count up from 1 and
ignore ids that are not theirs, and this bridge ignores theirs.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Signal

from app.api.errors import ApiError
from app.core.generation import GenerationRequest, GenerationResult, LoadRequest, ModelInfo
from app.engine.worker import EngineWorker

log = logging.getLogger(__name__)

MAX_PENDING = 32  # API requests queued or running at once; more are refused with 429
_LOWEST_ID = -(2**31) + 1  # Qt signals carry 32-bit ints


@dataclass(frozen=True)
class Streamed:
    """New text of the reply."""

    text: str


@dataclass(frozen=True)
class Finished:
    """The reply is complete (or was stopped)."""

    result: GenerationResult


@dataclass(frozen=True)
class Failed:
    """The reply failed; one sentence says why."""

    reason: str


Event = Streamed | Finished | Failed


class Generation:
    """One API request in the worker's hands; its events arrive in order."""

    def __init__(self, request_id: int, request: GenerationRequest) -> None:
        self.id = request_id
        self.request = request
        self._events: queue.Queue[Event] = queue.Queue()

    def put(self, event: Event) -> None:
        """Deliver ``event`` (from the worker thread)."""
        self._events.put(event)

    def next_event(self, timeout: float) -> Event | None:
        """The next event, or None if none came within ``timeout`` seconds."""
        try:
            return self._events.get(timeout=timeout)
        except queue.Empty:
            return None

    def cancel(self) -> None:
        """Stop the generation: the worker skips it if it has not started, or stops at once."""
        self.request.cancel.set()


class WorkerBridge(QObject):
    """Submits API requests to ``worker`` from any thread and routes its answers back.

    The loaded model comes from ``model_source`` when given (the GUI's loader knows it even if
    it loaded before the bridge existed), else from the worker's load signals.
    """

    _generateRequested = Signal(int, object)  # request id, GenerationRequest (to the worker)

    def __init__(self, worker: EngineWorker,
                 model_source: Callable[[], ModelInfo | None] | None = None) -> None:
        super().__init__()
        self._model_source = model_source
        self._model: ModelInfo | None = None
        self._ids = itertools.count(-1, -1)
        self._pending: dict[int, Generation] = {}
        self._lock = threading.Lock()
        direct = Qt.ConnectionType.DirectConnection
        self._generateRequested.connect(worker.generate, Qt.ConnectionType.QueuedConnection)
        worker.textStreamed.connect(self._on_text, direct)
        worker.generationFinished.connect(self._on_finished, direct)
        worker.generationFailed.connect(self._on_failed, direct)
        worker.loadStarted.connect(self._on_unloaded, direct)
        worker.loadFailed.connect(self._on_unloaded, direct)
        worker.loadFinished.connect(self._on_loaded, direct)
        worker.closed.connect(self._on_unloaded, direct)
        # loadCancelled changes nothing: a request cancelled in the queue never unloaded the
        # model, and one cancelled while loading was preceded by loadStarted.

    def model(self) -> ModelInfo | None:
        """The model the worker has loaded, or None (none yet, or loading)."""
        return self._model_source() if self._model_source is not None else self._model

    def submit(self, request: GenerationRequest) -> Generation:
        """Queue ``request`` on the worker (from any thread); ApiError 429 when too many wait."""
        with self._lock:
            if len(self._pending) >= MAX_PENDING:
                raise ApiError(429, f"{MAX_PENDING} requests are already waiting for the model; try "
                                    "again later.", "rate_limit_error", "too_many_requests")
            request_id = next(self._ids)
            if request_id < _LOWEST_ID:
                self._ids = itertools.count(-2, -1)
                request_id = -1
            generation = Generation(request_id, request)
            self._pending[request_id] = generation
        self._generateRequested.emit(request_id, request)
        return generation

    def forget(self, generation: Generation) -> None:
        """Stop routing events to ``generation`` (it ended, or its client left)."""
        generation.cancel()  # a no-op once it has finished
        with self._lock:
            self._pending.pop(generation.id, None)

    def cancel_all(self, reason: str) -> None:
        """Stop every API request and answer each with ``reason`` (the server is stopping)."""
        with self._lock:
            pending, self._pending = list(self._pending.values()), {}
        for generation in pending:
            generation.cancel()
            generation.put(Failed(reason))

    @property
    def pending_count(self) -> int:
        """API requests queued or running now."""
        return len(self._pending)

    # -- the worker's answers: these run on the worker thread ----------------------------------

    def _routed(self, request_id: int, last: bool = False) -> Generation | None:
        if request_id >= 0:
            return None  # the GUI's
        with self._lock:
            return self._pending.pop(request_id, None) if last else self._pending.get(request_id)

    def _on_text(self, request_id: int, text: str, _pieces: int) -> None:
        if (generation := self._routed(request_id)) is not None:
            generation.put(Streamed(text))

    def _on_finished(self, request_id: int, result: GenerationResult) -> None:
        if (generation := self._routed(request_id, last=True)) is not None:
            generation.put(Finished(result))

    def _on_failed(self, request_id: int, reason: str) -> None:
        if (generation := self._routed(request_id, last=True)) is not None:
            generation.put(Failed(reason))

    def _on_loaded(self, _request: LoadRequest, info: ModelInfo) -> None:
        self._model = info

    def _on_unloaded(self, *_args: object) -> None:
        self._model = None

"""The engine worker: a QObject living on its own thread that owns the model.

The controller talks to it only through queued signals; it answers with signals. It creates,
uses and closes its engine on that thread, so the GUI thread never calls llama.cpp.
Stopping a reply or a load is the request's own ``cancel`` flag, set directly from the GUI
thread, because the worker's event loop is busy while it generates or loads. Each load holds
the profile's crash marker (``LoadMarker``), so a native crash mid-load is known next time.

Modules are never imported on the worker thread: PySide6's import hook is not thread-safe
(importing numpy there crashed the interpreter), so the engine factory is imported by the
caller on the GUI thread.

The worker holds two engines, made when first needed: the local llama.cpp one and a remote
(OpenAI-compatible) one. A load request picks one; the other is closed, so a local model never
holds memory while a remote connection is in use. Everything else goes to the one last loaded:
the controller and the UI never know which it is.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from app.core.chat_templates import TemplateChoice
from app.core.engine import Engine
from app.core.errors import ParleyError, user_message
from app.core.generation import (
    ChatMessage,
    GenerationRequest,
    LoadRequest,
    StateCachePolicy,
)
from app.core.i18n import QT_TRANSLATE_NOOP
from app.core.load_errors import LoadCancelled
from app.core.load_marker import LoadMarker
from app.core.offload import OffloadSupport

log = logging.getLogger(__name__)

STREAM_INTERVAL_S = 0.03  # streamed text reaches the GUI at most this often (it shows it per frame)


@dataclass(frozen=True)
class MeasureRequest:
    """A conversation to measure against the context window (for the live meter); with
    ``state_cache``, its saved KV state is restored ahead of its next message."""

    messages: list[ChatMessage]
    template: TemplateChoice
    max_tokens: int
    state_cache: StateCachePolicy | None = None


class _TextBatcher:
    """Streamed text for the GUI: the first piece at once, then at most one signal per
    ``STREAM_INTERVAL_S`` (each queued signal wakes the GUI thread, which competes with
    llama.cpp's threads for the CPU)."""

    def __init__(self, emit: Callable[[str, int], None]) -> None:
        self._emit = emit
        self._pending: list[str] = []
        self._last = 0.0

    def add(self, text: str) -> None:
        self._pending.append(text)
        if time.monotonic() - self._last >= STREAM_INTERVAL_S:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            self._emit("".join(self._pending), len(self._pending))
            self._pending.clear()
            self._last = time.monotonic()


class EngineWorker(QObject):
    """Owns one engine on the thread it was moved to."""

    loadStarted = Signal(object)         # LoadRequest
    loadProgressed = Signal(object, float)  # LoadRequest, 0..1 from llama.cpp's own callback
    loadFinished = Signal(object, object)   # LoadRequest, ModelInfo
    loadFailed = Signal(object, str)     # LoadRequest, one sentence
    loadCancelled = Signal(object)       # LoadRequest
    offloadProbed = Signal(object)       # OffloadSupport
    textStreamed = Signal(int, str, int)  # request id, new text, how many pieces (about tokens)
    generationFinished = Signal(int, object)  # request id, GenerationResult
    generationFailed = Signal(int, str)  # request id, one sentence
    contextMeasured = Signal(int, object)  # measure id, ContextUsage
    closed = Signal()

    def __init__(self, engine_factory: Callable[[], Engine], marker: LoadMarker | None = None,
                 remote_factory: Callable[[], Engine] | None = None) -> None:
        super().__init__()
        self._factories = {False: engine_factory, True: remote_factory}  # keyed by "is remote"
        self._engines: dict[bool, Engine] = {}
        self._marker = marker
        self._engine: Engine | None = None  # the engine last loaded
        self._model_ready = False
        self.closing = threading.Event()  # set from the GUI thread: skip work that only saves time

    @Slot(object)
    def load(self, request: LoadRequest) -> None:
        """Load ``request.path`` (replacing any loaded model), unless it was cancelled."""
        if request.cancel.is_set():
            self.loadCancelled.emit(request)  # superseded while it waited in the queue
            return
        self.loadStarted.emit(request)
        self._model_ready = False
        last_percent = -1

        def progress(fraction: float) -> None:
            nonlocal last_percent
            if int(fraction * 100) != last_percent:  # at most 101 signals per load
                last_percent = int(fraction * 100)
                self.loadProgressed.emit(request, fraction)

        try:
            engine = self._switch_to(request.remote is not None)
            marked = self._marker is not None and request.path is not None
            with self._marker.loading(request.path) if marked else nullcontext():
                info = engine.load(request, progress)
            self._model_ready = True
        except LoadCancelled:
            self.loadCancelled.emit(request)
            return
        except Exception as exc:  # every failure becomes a sentence; the app keeps running
            log.warning("loading %s failed: %s", request.label, exc,
                        exc_info=not isinstance(exc, ParleyError))
            self.loadFailed.emit(request, user_message(exc, QCoreApplication.translate))
            return
        self.loadFinished.emit(request, info)

    @Slot()
    def probe(self) -> None:
        """Report whether this llama.cpp build can offload, and the GPUs it sees now."""
        try:
            support = self._made(remote=False).offload_support()
        except Exception:  # a broken driver must not stop the app: report no GPU
            log.exception("probing GPU offload failed")
            support = OffloadSupport(False)
        self.offloadProbed.emit(support)

    def _made(self, remote: bool) -> Engine:
        """The local or the remote engine, made on first use."""
        if remote not in self._engines:
            factory = self._factories[remote]
            if factory is None:
                raise ParleyError(QT_TRANSLATE_NOOP(
                    "Errors", "Remote connections are not available here."))
            self._engines[remote] = factory()
        return self._engines[remote]

    def _switch_to(self, remote: bool) -> Engine:
        """The engine a load needs; the other one lets go of its model (one in memory at a time)."""
        other = self._engines.get(not remote)
        if other is not None:
            other.close()
        self._engine = self._made(remote)
        return self._engine

    @Slot(int, object)
    def generate(self, request_id: int, request: GenerationRequest) -> None:
        """Generate one reply, streaming its text."""
        try:
            if self._engine is None or not self._model_ready:
                raise ParleyError(QT_TRANSLATE_NOOP(
                    "Errors", "No model is loaded; wait for it to load, or choose another model."))
            if request.local_only and self._engine is self._engines.get(True):
                # decided here, when it runs: a switch to a server may have been queued after it
                raise ParleyError(QT_TRANSLATE_NOOP(
                    "Errors", "Parley is chatting through a remote connection; its local API server "
                              "offers local models only."))
            stream = _TextBatcher(lambda text, pieces: self.textStreamed.emit(request_id, text, pieces))
            try:
                result = self._engine.generate(request, stream.add)
            finally:
                stream.flush()  # text before a failure is kept too
        except Exception as exc:
            log.exception("generation %d failed", request_id)
            self.generationFailed.emit(request_id, user_message(exc, QCoreApplication.translate))
            return
        self.generationFinished.emit(request_id, result)
        if self.closing.is_set():
            return  # closing must stay quick; the next start evaluates the prompt instead
        try:  # after the reply is delivered: keep its KV state for the next prompt
            self._engine.remember_state(request)
        except Exception:  # only costs speed later
            log.exception("keeping the state of generation %d failed", request_id)

    @Slot(int, object)
    def measure(self, measure_id: int, request: MeasureRequest) -> None:
        """Count how much of the context window a conversation takes (nothing if no model)."""
        if self._engine is None or not self._model_ready or self.closing.is_set():
            return
        try:
            usage = self._engine.measure(request.messages, request.template, request.max_tokens,
                                         request.state_cache)
        except Exception as exc:  # a meter must never break the chat
            log.info("measuring the context failed: %s", exc)
            return
        if usage is not None:  # a remote engine cannot count the server's tokens
            self.contextMeasured.emit(measure_id, usage)

    @Slot()
    def shutdown(self) -> None:
        """Close the engines on this thread, then end the thread's event loop."""
        for engine in self._engines.values():
            engine.close()
        self._engines.clear()
        self._engine = None
        self.closed.emit()
        thread = QThread.currentThread()
        if thread is not None:
            thread.quit()

"""The engine worker: a QObject living on its own thread that owns the model.

The controller talks to it only through queued signals; it answers with signals. It creates,
uses and closes its engine on that thread, so the GUI thread never calls llama.cpp.
Stopping a reply is the request's own ``cancel`` flag, set directly from the GUI thread,
because the worker's event loop is busy while it generates.

Modules are never imported on the worker thread: PySide6's import hook is not thread-safe
(importing numpy there crashed the interpreter), so the engine factory is imported by the
caller on the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject, QThread, Signal, Slot

from app.core.errors import ParleyError, user_message
from app.core.generation import GenerationRequest, GenerationResult, ModelInfo
from app.core.settings import Settings

log = logging.getLogger(__name__)


class Engine(Protocol):
    """What the worker needs from an engine (the real one, or a fake in UI tests)."""

    def load(self, path: Path, settings: Settings) -> ModelInfo: ...
    def generate(self, request: GenerationRequest,
                 on_text: Callable[[str], None]) -> GenerationResult: ...
    def close(self) -> None: ...


class EngineWorker(QObject):
    """Owns one engine on the thread it was moved to."""

    loadStarted = Signal(str)            # model file name
    loadFinished = Signal(object)        # ModelInfo
    loadFailed = Signal(str)             # one sentence
    textStreamed = Signal(int, str)      # request id, new text
    generationFinished = Signal(int, object)  # request id, GenerationResult
    generationFailed = Signal(int, str)  # request id, one sentence
    closed = Signal()

    def __init__(self, engine_factory: Callable[[], Engine]) -> None:
        super().__init__()
        self._engine_factory = engine_factory
        self._engine: Engine | None = None
        self._model_ready = False

    @Slot(object, object)
    def load(self, path: Path, settings: Settings) -> None:
        """Load ``path`` with ``settings`` (replacing any loaded model)."""
        self.loadStarted.emit(path.name)
        self._model_ready = False
        try:
            if self._engine is None:
                self._engine = self._engine_factory()
            info = self._engine.load(path, settings)
            self._model_ready = True
        except Exception as exc:  # every failure becomes a sentence; the app keeps running
            log.exception("loading %s failed", path)
            self.loadFailed.emit(user_message(exc))
            return
        self.loadFinished.emit(info)

    @Slot(int, object)
    def generate(self, request_id: int, request: GenerationRequest) -> None:
        """Generate one reply, streaming its text."""
        try:
            if self._engine is None or not self._model_ready:
                raise ParleyError("No model is loaded; wait for it to load, or choose another model.")
            result = self._engine.generate(
                request, lambda text: self.textStreamed.emit(request_id, text))
        except Exception as exc:
            log.exception("generation %d failed", request_id)
            self.generationFailed.emit(request_id, user_message(exc))
            return
        self.generationFinished.emit(request_id, result)

    @Slot()
    def shutdown(self) -> None:
        """Close the engine on this thread, then end the thread's event loop."""
        if self._engine is not None:
            self._engine.close()
            self._engine = None
        self.closed.emit()
        thread = QThread.currentThread()
        if thread is not None:
            thread.quit()

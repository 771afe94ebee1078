"""Keeps the model loaded in the engine worker in step with the settings.

The loader asks the worker (a queued signal) to load the model file and loading values the
effective settings name. After a settings change it checks again after ``RELOAD_DELAY_MS``,
so a spin box being scrolled does not queue ten reloads, and never while a reply is being
generated: the controller calls ``check_now`` when the reply ends.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from app.core.bundled_model import resolve_model_path
from app.core.errors import ParleyError
from app.core.generation import ModelInfo
from app.core.settings import Settings
from app.engine.worker import EngineWorker

RELOAD_DELAY_MS = 400  # a load setting must rest this long before the model reloads


class ModelLoader(QObject):
    """Requests loads from the worker and reports what is loaded."""

    loadingChanged = Signal(bool)  # a model is being loaded
    statusChanged = Signal(str)    # one line for the status bar
    problem = Signal(str)          # one sentence for the user

    _loadRequested = Signal(object, object)  # path, Settings (to the worker's thread)

    def __init__(self, worker: EngineWorker, settings: Callable[[], Settings],
                 may_reload: Callable[[], bool]) -> None:
        super().__init__()
        self._settings = settings
        self._may_reload = may_reload
        self.info: ModelInfo | None = None
        self.override: Path | None = None  # --model: this session only
        self.model_name = ""
        self._requested: tuple[Path, Settings] | None = None
        self._started = False  # load() was called: from now on, follow the settings
        self._loadRequested.connect(worker.load)
        worker.loadStarted.connect(self._on_started)
        worker.loadFinished.connect(self._on_finished)
        worker.loadFailed.connect(self._on_failed)
        self._timer = QTimer(self, singleShot=True, interval=RELOAD_DELAY_MS)
        self._timer.timeout.connect(self.check_now)

    def load(self, model: Path | None = None) -> None:
        """Load ``model`` (or the one the settings name); ParleyError if it cannot be found."""
        self.override = model
        self._started = True
        self._request(self._wanted())

    def check_soon(self) -> None:
        """Check for changed loading values after a short pause."""
        self._timer.start()

    def check_now(self) -> None:
        """Reload if the loading values changed (unless a reply is being generated)."""
        if not self._started or not self._may_reload():
            return
        try:
            wanted = self._wanted()
        except ParleyError as exc:
            self.problem.emit(str(exc))
            return
        if wanted != self._requested:
            self._request(wanted)

    def _wanted(self) -> tuple[Path, Settings]:
        settings = self._settings()
        path = self.override or resolve_model_path(settings["model_path"])
        return path, Settings(settings.load_values())

    def _request(self, wanted: tuple[Path, Settings]) -> None:
        self._requested = wanted
        self.model_name = wanted[0].name
        self._loadRequested.emit(*wanted)

    def _on_started(self, name: str) -> None:
        self.loadingChanged.emit(True)
        self.statusChanged.emit(f"Loading {name}…")

    def _on_finished(self, info: ModelInfo) -> None:
        self.info = info
        self.model_name = info.name
        self.loadingChanged.emit(False)
        device = f"GPU ({info.gpu_layers} layers)" if info.gpu_layers else "CPU"
        self.statusChanged.emit(f"{info.name} · {device} · context {info.n_ctx}")
        if info.note:
            self.problem.emit(info.note)

    def _on_failed(self, reason: str) -> None:
        self.info = None
        self.loadingChanged.emit(False)
        self.statusChanged.emit("No model loaded")
        self.problem.emit(reason)

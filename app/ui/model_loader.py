"""Keeps the model loaded in the engine worker in step with the settings, and reports loading.

The loader asks the worker (a queued signal) to load the model file and loading values the
effective settings name. After a settings change it checks again after ``RELOAD_DELAY_MS``,
so a spin box being scrolled does not queue ten reloads, and never while a reply is being
generated: the controller calls ``check_now`` when the reply ends.

Each load is a ``LoadRequest`` whose cancel flag the GUI sets directly: Cancel, a newer
request, and shutdown all use it. Progress comes from llama.cpp's own callback.

The settings name either a local model file (``model_path``) or a remote connection
(``connection``); a remote target is loaded by the worker's remote engine the same way.

Start-up honours the crash marker: when the app died loading a model last time, that model is
not loaded automatically (not even when a setting or conversation asks for it) until the user
chooses it explicitly.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from app.core.bundled_model import resolve_model_path
from app.core.connections import ConnectionBook, RemoteTarget
from app.core.errors import ParleyError
from app.core.generation import LoadRequest, ModelInfo
from app.core.i18n import QT_TRANSLATE_NOOP
from app.core.load_marker import LoadMarker
from app.core.offload import OffloadSupport
from app.core.settings import Settings
from app.engine.worker import EngineWorker
from app.ui.i18n import translate

RELOAD_DELAY_MS = 400  # a load setting must rest this long before the model reloads

Target = Path | RemoteTarget  # a model file, or a model on a remote connection


class ModelLoader(QObject):
    """Requests loads from the worker and reports what is loaded."""

    loadingChanged = Signal(bool)  # a model is being loaded
    progressChanged = Signal(int)  # percent of the current load, from llama.cpp
    statusChanged = Signal(str)    # one line for the status bar
    loaded = Signal(object)        # ModelInfo, or None when no model is loaded
    problem = Signal(str)          # one sentence for the user
    offloadProbed = Signal(object)  # OffloadSupport

    _loadRequested = Signal(object)  # LoadRequest (to the worker's thread)
    _probeRequested = Signal()

    def __init__(self, worker: EngineWorker, settings: Callable[[], Settings],
                 may_reload: Callable[[], bool], marker: LoadMarker | None = None,
                 connections: ConnectionBook | None = None) -> None:
        super().__init__()
        self._settings = settings
        self._connections = connections
        self._may_reload = may_reload
        self._marker = marker
        self.info: ModelInfo | None = None
        self.offload = OffloadSupport(False)
        self.override: Path | None = None  # --model: this session only
        self.model_name = ""
        self._current: LoadRequest | None = None  # the newest request, until it ends
        self._requested: tuple[Target, Settings] | None = None
        self._held: Path | None = None  # the model the app died loading: only loaded on request
        self._started = False  # load() was called: from now on, follow the settings
        self._loadRequested.connect(worker.load)
        self._probeRequested.connect(worker.probe)
        worker.loadStarted.connect(self._on_started)
        worker.loadProgressed.connect(self._on_progress)
        worker.loadFinished.connect(self._on_finished)
        worker.loadFailed.connect(self._on_failed)
        worker.loadCancelled.connect(self._on_cancelled)
        worker.offloadProbed.connect(self._on_probed)
        self._timer = QTimer(self, singleShot=True, interval=RELOAD_DELAY_MS)
        self._timer.timeout.connect(self.check_now)

    @property
    def loading(self) -> bool:
        """Whether a load is requested or under way."""
        return self._current is not None

    @property
    def requested(self) -> Target | None:
        """The model loaded or being loaded (or held back after a crash)."""
        return self._requested[0] if self._requested else None

    @property
    def requested_path(self) -> Path | None:
        """The model file loaded or being loaded (None for a remote connection)."""
        return self.requested if isinstance(self.requested, Path) else None

    def start(self, model: Path | None = None) -> None:
        """The first load at start-up: ``model`` or the one the settings name, unless the app
        died loading it last time. ParleyError if it cannot be found."""
        self.override = model
        self._started = True
        wanted = self._wanted()
        crashed = self._marker.left_over() if self._marker else None
        if crashed is not None:
            self._held = wanted[0]
            self._requested = wanted
            self.model_name = _label(wanted[0])
            self.statusChanged.emit(translate("ModelLoader", "No model loaded"))
            self.problem.emit(LoadMarker.crash_message(crashed).shown(translate))
            return
        self._request(wanted)

    def load(self, model: Path | None = None) -> None:
        """Load ``model`` (or the one the settings name) because the user asked for it."""
        if model is not None:
            self.override = model
        self._started = True
        self._held = None
        self._request(self._wanted())

    def cancel(self) -> None:
        """Stop the load under way (the app then has no model until one is chosen)."""
        if self._current is not None:
            self._current.cancel.set()

    def probe(self) -> None:
        """Ask the worker what this llama.cpp build can offload to (answered by offloadProbed)."""
        self._probeRequested.emit()

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
            self.problem.emit(exc.shown(translate))
            return
        if wanted != self._requested and wanted[0] != self._held:
            self._request(wanted)

    def _wanted(self) -> tuple[Target, Settings]:
        """What the settings ask for: a remote connection's model (whose loading values do not
        matter), or a model file with its loading values."""
        settings = self._settings()
        if self.override is None and settings["connection"]:
            if self._connections is None:
                raise ParleyError(QT_TRANSLATE_NOOP("Errors", "Remote connections are not available here."))
            return self._connections.find(settings["connection"]).target(), Settings()
        path = self.override or resolve_model_path(settings["model_path"])
        return path, Settings(settings.load_values())

    def _request(self, wanted: tuple[Target, Settings]) -> None:
        self.cancel()  # a newer choice replaces a load still under way
        self._requested = wanted
        target, settings = wanted
        self.model_name = _label(target)
        self._current = (LoadRequest(None, settings, remote=target) if isinstance(target, RemoteTarget)
                         else LoadRequest(target, settings))
        self._loadRequested.emit(self._current)

    # -- the worker's answers (stale ones, from superseded requests, are ignored) -------------

    def _on_started(self, request: LoadRequest) -> None:
        if request is not self._current:
            return
        self.info = None
        self.loaded.emit(None)
        self.loadingChanged.emit(True)
        self.progressChanged.emit(0)
        self.statusChanged.emit(translate("ModelLoader", "Loading {model}…").format(model=request.label))

    def _on_progress(self, request: LoadRequest, fraction: float) -> None:
        if request is self._current:
            self.progressChanged.emit(round(fraction * 100))

    def _on_finished(self, request: LoadRequest, info: ModelInfo) -> None:
        if request is not self._current:
            return
        self._current = None
        self.info = info
        self.model_name = info.label
        self.loadingChanged.emit(False)
        placement = info.placement.shown(translate)
        self.statusChanged.emit(
            translate("ModelLoader", "{model} · {placement}").format(model=info.name, placement=placement)
            if info.connection is not None else
            translate("ModelLoader", "{model} · {placement} · context {tokens}").format(
                model=info.name, placement=placement, tokens=f"{info.n_ctx:,}"))
        self.loaded.emit(info)
        if info.note:
            self.problem.emit(info.note.shown(translate))
        self.probe()  # free video memory changed

    def _on_failed(self, request: LoadRequest, reason: str) -> None:
        if request is not self._current:
            return
        self._end_without_model(translate("ModelLoader", "No model loaded"))
        self.problem.emit(reason)

    def _on_cancelled(self, request: LoadRequest) -> None:
        if request is self._current:
            self._end_without_model(translate("ModelLoader", "No model loaded: loading was cancelled"))

    def _end_without_model(self, status: str) -> None:
        self._current = None
        self.info = None
        self.loadingChanged.emit(False)
        self.statusChanged.emit(status)
        self.loaded.emit(None)

    def _on_probed(self, support: OffloadSupport) -> None:
        self.offload = support
        self.offloadProbed.emit(support)


def _label(target: Target) -> str:
    """How messages name the model: the file name, or ``MODEL @ CONNECTION``."""
    return target.label if isinstance(target, RemoteTarget) else target.name

"""ApiService: keeps the local API server in step with the settings, in the GUI.

The server is on while ``api_server`` is; a changed ``api_port`` restarts it. Allowed origins,
the grammar switch and the sampling defaults are read by the server on every request, so they
need no restart. Starting binds a socket (quick, never waits) and stopping waits at most a
poll interval, so both are fine on the GUI thread. ``stateChanged`` gives the settings panel one
sentence: where it serves, "Off", or why it could not start.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Signal

from app.api import token as api_token
from app.api.bridge import WorkerBridge
from app.api.server import ApiServer
from app.core.errors import ParleyError
from app.core.generation import ModelInfo
from app.core.settings import Settings
from app.engine.worker import EngineWorker

translate = QCoreApplication.translate  # named so pyside6-lupdate finds the calls


class ApiService(QObject):
    """Starts, stops and restarts the API server as the settings say."""

    stateChanged = Signal(str)  # one sentence for the settings panel
    tokenChanged = Signal()

    def __init__(self, worker: EngineWorker, settings: Callable[[], Settings], token_file: Path,
                 model_source: Callable[[], ModelInfo | None] | None = None) -> None:
        super().__init__()
        self._settings = settings
        self._token_file = token_file
        self._token: str | None = None  # read (or made) when first needed
        self.bridge = WorkerBridge(worker, model_source)
        self._server: ApiServer | None = None
        self._applied: tuple[bool, int] | None = None
        self.state = translate("ApiService", "Off")

    @property
    def url(self) -> str | None:
        """The base URL while serving, else None."""
        return self._server.url if self._server is not None else None

    @property
    def planned_url(self) -> str:
        """The base URL the server has, or would have with the current port."""
        return self.url or f"http://127.0.0.1:{int(self._settings()['api_port'])}/v1"

    def token(self) -> str:
        """The bearer token, made on first use (ParleyError if its file cannot be written)."""
        if self._token is None:
            self._token = api_token.read_or_create(self._token_file)
        return self._token

    def regenerate_token(self) -> str:
        """A new token, used at once; programs with the old one get 401 from now on."""
        self._token = api_token.regenerate(self._token_file)
        if self._server is not None:
            self._server.token = self._token
        self.tokenChanged.emit()
        return self._token

    def apply(self) -> None:
        """Follow the settings now: start, stop or restart the server if on/off or the port changed."""
        settings = self._settings()
        wanted = (bool(settings["api_server"]), int(settings["api_port"]))
        if wanted == self._applied:
            return
        self._applied = wanted
        self._stop_server()
        if not wanted[0]:
            self._set_state(translate("ApiService", "Off"))
            return
        try:
            server = ApiServer(self.bridge, self._settings, self.token(), port=wanted[1])
            server.start()
        except ParleyError as exc:  # the port is taken, or the token cannot be kept
            self._set_state(exc.shown(translate))
            return
        self._server = server
        self._set_state(translate("ApiService", "Serving at {url}").format(url=server.url))

    def stop(self) -> None:
        """Stop serving (at shutdown: before the engine worker closes), cancelling API requests."""
        if self._server is not None:
            self._stop_server()
            self._set_state(translate("ApiService", "Off"))
        self._applied = None

    def _stop_server(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.stop()

    def _set_state(self, state: str) -> None:
        self.state = state
        self.stateChanged.emit(state)  # even when the words are the same: the port may differ

"""The GUI's start-up order and orderly shutdown.

paths -> logging -> settings -> store (``profile.open_profile``) -> engine worker -> window.
On exit the controller stops any reply, closes the model on its own thread and the store is
closed last.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QSettings
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from app import APP_ID, APP_NAME, __version__
from app.core.api_keys import ApiKeys
from app.core.atomic import error_text
from app.core.engine import Engine
from app.core.errors import ParleyError
from app.core.scopes import SettingScopes
from app.core.settings import Settings
from app.engine.llama_engine import LlamaEngine
from app.engine.remote_engine import RemoteEngine
from app.engine.worker import EngineWorker
from app.paths import AppPaths
from app.profile import Profile, open_profile
from app.resources import icon_files
from app.ui import dialogs
from app.ui.connection_manager import ConnectionManager
from app.ui.controller import ChatController
from app.ui.i18n import resolve_language, translate, use_language
from app.ui.main_window import MainWindow
from app.ui.startup_check import CANNOT_START, StartupCheck, private_stdout
from app.ui.theme import Appearance

log = logging.getLogger(__name__)


@dataclass
class GuiSession:
    """A running window with its controller and profile."""

    profile: Profile
    controller: ChatController
    window: MainWindow

    def close(self) -> None:
        """Close the window and shut the engine down, then close the store."""
        self.window.close()
        self.controller.shutdown()  # idempotent; covers a window that was never shown
        self.profile.close()


def create_application(argv: list[str] | None = None) -> QApplication:
    """The process's QApplication (created once)."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)  # lets Wayland docks match the window to the launcher's icon
    app.setWindowIcon(application_icon())
    return app


def application_icon() -> QIcon:
    """Parley's icon at every size in ``resources/icons``: windows, the taskbar and the dock use it."""
    icon = QIcon()
    for png in icon_files().values():
        icon.addFile(str(png))
    return icon


def start_session(paths: AppPaths, model: str | Path | None = None,
                  engine_factory: Callable[[Path], Engine] = LlamaEngine,
                  remote_factory: Callable[[ApiKeys], Engine] = RemoteEngine) -> GuiSession:
    """Open the profile, start the engine worker, load the model and build the window.

    ``model`` is this session's model instead of the configured one: a library name or a path.
    ``engine_factory`` makes the engine, given where it keeps conversations' saved KV states;
    ``remote_factory`` the engine for remote connections, given where API keys are.
    """
    profile = open_profile(paths)
    _use_appearance(profile.settings)  # before any widget is made: strings are translated then
    scopes = SettingScopes(profile.settings, paths.settings_file, profile.store)
    if profile.connections.all():
        profile.api_keys.prepare()  # on this thread: the worker reads keys when it connects
    worker = EngineWorker(lambda: engine_factory(paths.kv_state_dir), profile.load_marker,
                          remote_factory=lambda: remote_factory(profile.api_keys))
    controller = ChatController(profile.store, scopes, profile.presets, worker, profile.models,
                                profile.load_marker, ConnectionManager(profile.connections, profile.api_keys),
                                paths.api_token_file)
    state = QSettings(str(paths.window_state_file), QSettings.Format.IniFormat)
    window = MainWindow(controller, state)
    controller.settingsChanged.connect(lambda: _use_appearance(scopes.defaults, language=False))
    window.restore_state()
    if controller.api is not None:
        controller.api.apply()  # serve from the start when the setting is on
    if profile.warnings:  # one banner: every warning, each on its own line
        window.show_error("\n".join(warning.shown(translate) for warning in profile.warnings))
    try:
        controller.start_model(profile.models.find(model) if isinstance(model, str) else model)
    except ParleyError as exc:
        window.model_status.show_status(translate("ModelLoader", "No model loaded"))
        window.show_error(exc.shown(translate))
    return GuiSession(profile, controller, window)


def _use_appearance(settings: Settings, language: bool = True) -> None:
    """Apply the theme and font size (and, at start-up, the language) the settings name.
    These are app-wide, so they come from the defaults, never a chat's own settings."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    if language:
        use_language(app, resolve_language(settings["language"]))
    Appearance.of(app).apply(settings["theme"], settings["font_size"])


def run_gui(paths: AppPaths, model: str | None = None, self_test: bool = False) -> int:
    """Run the desktop app until its window closes; return the exit status.

    ``self_test``: report when the window is shown and the model loaded, then quit
    (``app.ui.startup_check``); the status says whether both happened.
    """
    out = private_stdout() if self_test else None  # before llama.cpp can redirect descriptor 1
    app = create_application()
    try:
        session = start_session(paths, model)
    except (ParleyError, OSError, sqlite3.Error) as exc:  # a full disk or read-only folder, too
        log.exception("cannot start")
        print(f"parley: error: {error_text(exc)}", file=sys.stderr)
        if out is not None:  # nobody is there to close a dialog
            print(f"{CANNOT_START}: {error_text(exc)}", file=out, flush=True)
        else:
            dialogs.show_error(None, translate("Application", "{app} cannot start").format(app=APP_NAME),
                               error_text(exc, translate))
        return 1
    _report_unexpected_errors(session.window)
    check = StartupCheck(session.window, out) if out is not None else None
    session.window.show()
    session.window.composer.setFocus()
    status = app.exec()
    session.profile.close()
    if check is not None and not check.passed:
        return status or 1
    return status


def _report_unexpected_errors(window: MainWindow) -> None:
    """Log unexpected exceptions and show them as a sentence instead of ending the app."""

    def hook(kind: type[BaseException], error: BaseException,
             trace: TracebackType | None) -> None:
        log.error("unexpected error", exc_info=(kind, error, trace))
        window.show_error(error_text(error, translate))

    sys.excepthook = hook

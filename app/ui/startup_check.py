"""``parley gui --self-test``: show the window, wait for the model, say how it went, quit.

For checking a build on a machine (the package smoke test, the start-up benchmark, a packager
trying a new platform) without anyone watching the screen. It prints one line the moment the
main window is exposed (drawn; offscreen too), then one when the model has loaded or failed, then
closes the window as a user would. The exit status is 0 only when both happened.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer

from app.ui.main_window import MainWindow

WINDOW_SHOWN = "parley self-test: window shown"
MODEL_LOADED = "parley self-test: model loaded"
MODEL_FAILED = "parley self-test: no model loaded"
NEVER_SHOWN = "parley self-test: the window was never shown"
CANNOT_START = "parley self-test: cannot start"
LOAD_TIMEOUT_S = 120.0  # for the window to be shown, and again for the model to load
_POLL_MS = 50


def private_stdout() -> TextIO:
    """A copy of standard output that keeps working while llama.cpp points descriptor 1 at
    /dev/null (llama-cpp-python does, for the whole process, while it loads a model). A program
    without a console (Windows' Parley.exe) has none: the lines then go nowhere, and the exit
    status still tells (use parley-cli.exe to see them)."""
    if sys.stdout is None:
        return open(os.devnull, "w")  # lives as long as the process
    return os.fdopen(os.dup(sys.stdout.fileno()), "w")


class StartupCheck(QObject):
    """Watches ``window`` come up and its model load; reports to ``out``; closes the window."""

    def __init__(self, window: MainWindow, out: TextIO, timeout_s: float = LOAD_TIMEOUT_S) -> None:
        super().__init__()
        self.window = window
        self.out = out
        self.timeout_s = timeout_s
        self.passed = False
        self._shown = False
        self._deadline = 0.0
        self._problem = ""
        window.controller.loader.problem.connect(self._remember_problem)
        QCoreApplication.instance().installEventFilter(self)  # Expose goes to the window's QWindow
        QTimer.singleShot(round(timeout_s * 1000), self._give_up_unless_shown)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The first Expose of the window starts the wait for the model."""
        if event.type() != QEvent.Type.Expose or self._shown:
            return False
        handle = self.window.windowHandle()
        if handle is not None and handle.isExposed():
            self._shown = True
            QCoreApplication.instance().removeEventFilter(self)
            self._say(WINDOW_SHOWN)
            self._deadline = time.monotonic() + self.timeout_s
            QTimer.singleShot(0, self._check_model)
        return False

    def _give_up_unless_shown(self) -> None:
        if not self._shown:
            self._shown = True  # no second report from a late Expose
            QCoreApplication.instance().removeEventFilter(self)
            self._say(NEVER_SHOWN)
            self.window.close()

    def _remember_problem(self, text: str) -> None:
        self._problem = text

    def _check_model(self) -> None:
        loader = self.window.controller.loader
        if loader.loading and time.monotonic() < self._deadline:
            QTimer.singleShot(_POLL_MS, self._check_model)
            return
        if loader.info is not None:
            self.passed = True
            self._say(f"{MODEL_LOADED}: {loader.info.label}")
        else:
            shown_error = self.window.error_banner.text() if self.window.error_banner.isVisible() else ""
            reason = "still loading" if loader.loading else self._problem or shown_error or "no reason given"
            self._say(f"{MODEL_FAILED}: {reason}")
        self.window.close()

    def _say(self, line: str) -> None:
        print(line, file=self.out, flush=True)

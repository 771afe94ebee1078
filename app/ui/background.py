"""Run slow file work (import, export of many chats) off the GUI thread.

The work runs on a plain Python thread and reports back through queued signals, so the window
stays responsive. Work that touches the database opens its own Store connection on that
thread (a Store is used from one thread only; WAL lets the GUI's connection keep reading, but
only one connection writes at a time: see ``transfer.py``).
Modules must already be imported: importing on another thread is not safe with PySide6.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, ClassVar

from PySide6.QtCore import QObject, Signal

from app.core.errors import user_message
from app.ui.i18n import translate

log = logging.getLogger(__name__)


class BackgroundJob(QObject):
    """One piece of work on its own thread; ``done`` or ``failed`` arrives on the GUI thread."""

    done = Signal(object)   # what the work returned
    failed = Signal(str)    # one sentence

    _running: ClassVar[set[BackgroundJob]] = set()  # kept alive until they report

    def __init__(self, work: Callable[[], Any]) -> None:
        super().__init__()
        self._work = work
        self.done.connect(self._forget)
        self.failed.connect(self._forget)

    def start(self) -> None:
        """Begin the work."""
        BackgroundJob._running.add(self)
        threading.Thread(target=self._run, name="parley-background", daemon=True).start()

    def _run(self) -> None:
        try:
            result = self._work()
        except Exception as exc:  # every failure becomes a sentence for the user
            log.exception("background work failed")
            self.failed.emit(user_message(exc, translate))
            return
        self.done.emit(result)

    def _forget(self, _: object) -> None:
        BackgroundJob._running.discard(self)

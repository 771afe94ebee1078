"""The real app, driven from a benchmark: a window over a temporary data directory, offscreen.

``BenchSession`` opens the app the way ``tests/conftest.py``'s ``open_session`` does
(``app.application.start_session``), shows the window, waits for the model and sends
messages with the controller. Times are taken in slots on the GUI thread, the moment the
signal arrives; waiting runs a real (blocking) event loop, so the benchmark itself never
spins a core that llama.cpp could use.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QEventLoop,
    QMessageLogContext,
    QTimer,
    QtMsgType,
    qInstallMessageHandler,
)

from app.application import GuiSession, create_application, start_session
from app.core.engine import Engine
from app.core.models import ConversationRecord, Message, MessageStatus, Role
from app.core.scopes import Scope
from app.paths import AppPaths

POLL_MS = 10  # how often a wait looks at its condition (the loop sleeps in between)
HARMLESS = ("This plugin does not support propagateSizeHints",)  # the offscreen platform, every window


def _qt_message(kind: QtMsgType, _context: QMessageLogContext, text: str) -> None:
    if not text.startswith(HARMLESS):
        print(f"Qt: {text}", file=sys.stderr, flush=True)


def quiet_offscreen_warnings() -> None:
    """Print Qt's messages, less the one the offscreen platform prints for every window
    (for the benchmark's processes; tests keep pytest-qt's own handler)."""
    qInstallMessageHandler(_qt_message)


def wait_until(done: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Run the event loop until ``done()``; TimeoutError naming ``what`` after ``timeout_s``."""
    if done():
        return
    loop = QEventLoop()
    deadline = time.monotonic() + timeout_s
    timer = QTimer()
    timer.setInterval(POLL_MS)
    timer.timeout.connect(lambda: loop.quit() if done() or time.monotonic() > deadline else None)
    timer.start()
    loop.exec()
    timer.stop()
    if not done():
        raise TimeoutError(f"gave up after {timeout_s:.0f} s waiting for {what}")


def pause(seconds: float) -> None:
    """Let the event loop run for ``seconds`` (as a user would, reading or typing)."""
    if seconds > 0:
        loop = QEventLoop()
        QTimer.singleShot(int(seconds * 1000), loop.quit)
        loop.exec()


def wait_until_cpu_idle(timeout_s: float = 120, window_s: float = 0.25, busy_below: float = 0.1) -> float:
    """Run the event loop until this process (every thread) used less than ``busy_below`` of a
    CPU in two windows of ``window_s`` in a row; how long it stayed busy, in seconds. This is how
    the benchmark knows the app has finished work it does in the background after a reply
    (settling the KV cache, saving states, writing a title), whatever that work is."""
    started = busy_until = time.perf_counter()
    quiet = 0
    while quiet < 2 and time.perf_counter() - started < timeout_s:
        before = sum(os.times()[:2])
        pause(window_s)
        quiet += 1
        if sum(os.times()[:2]) - before >= busy_below * window_s:
            quiet, busy_until = 0, time.perf_counter()
    return busy_until - started


@dataclass
class ReplyTiming:
    """When a reply's text reached the GUI thread (``time.perf_counter`` seconds)."""

    sent_at: float
    reply_id: int = 0
    first_at: float | None = None   # first streamed update
    first_text: str = ""
    last_at: float | None = None    # last streamed update
    last_text: str = ""
    updates: int = 0
    message: Message | None = None  # the final stored reply
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ttft_ms(self) -> float | None:
        """From ``controller.send`` to the first streamed text."""
        return None if self.first_at is None else (self.first_at - self.sent_at) * 1000


class BenchSession:
    """One app window over ``data_dir`` with ``engine_factory``; close it when done."""

    def __init__(self, data_dir: Path, model: Path | None, engine_factory: Callable[..., Engine],
                 load_timeout_s: float = 180) -> None:
        create_application()
        self.paths = AppPaths.from_data_dir(data_dir)
        self.gui: GuiSession = start_session(self.paths, model, engine_factory)
        self.controller = self.gui.controller
        self.window = self.gui.window
        self.store = self.gui.profile.store
        self.errors: list[str] = []  # what the window showed as errors
        self._timing: ReplyTiming | None = None
        self.controller.errorOccurred.connect(self.errors.append)
        self.controller.replyStreamed.connect(self._on_streamed)
        self.controller.messageUpdated.connect(self._on_updated)
        self.window.show()
        try:
            wait_until(lambda: self.controller.model_info is not None or bool(self.errors), load_timeout_s,
                       "the model to load")
            if self.controller.model_info is None:
                raise RuntimeError(f"the app could not load the model: {self.errors[0]}")
        except BaseException:
            self.close()
            raise
        settle()

    def set_defaults(self, **values: Any) -> None:
        """Change default settings as the settings panel would."""
        self.controller.set_settings(Scope.DEFAULTS, values)

    def import_conversation(self, record: ConversationRecord) -> int:
        """Add a whole conversation to the store (as File > Import does); its id."""
        conversation_id = self.store.import_conversations([record])[0]
        self.controller.refresh_conversations()
        return conversation_id

    def open(self, conversation_id: int) -> None:
        """Open a conversation, as a click in the sidebar does, and let it lay out."""
        self.controller.open_conversation(conversation_id)
        settle()

    def send(self, text: str, timeout_s: float = 300) -> ReplyTiming:
        """Send ``text`` with the controller and wait until its reply is stored and idle."""
        timing = self._timing = ReplyTiming(time.perf_counter())
        if not self.controller.send(text):
            raise RuntimeError(f"the controller refused to send {text!r}")
        last = self.controller.branch()[-1].message
        if last.role is not Role.ASSISTANT:
            raise RuntimeError("sending did not start a reply")
        timing.reply_id = last.id
        timing.extra["background_s"] = round(self.wait_idle(timeout_s), 2)
        self._timing = None
        if timing.message is None:
            timing.message = self.store.message(timing.reply_id)
        if timing.message.status is MessageStatus.FAILED:
            raise RuntimeError(f"the app's reply failed: {timing.message.error}")
        return timing

    def wait_idle(self, timeout_s: float = 300) -> float:
        """Until no reply and no automatic title is being written, and the app has finished what
        it does in the background after them; the seconds that background work took."""
        controller = self.controller
        wait_until(lambda: not controller.busy and not controller.titles.busy, timeout_s,
                   "the reply (and its title) to finish")
        return wait_until_cpu_idle(timeout_s)

    def _on_streamed(self, message_id: int, text: str) -> None:
        timing = self._timing
        if timing is None or message_id != timing.reply_id:
            return
        now = time.perf_counter()
        if timing.first_at is None:
            timing.first_at, timing.first_text = now, text
        timing.last_at, timing.last_text = now, text
        timing.updates += 1

    def _on_updated(self, message: Message) -> None:
        timing = self._timing
        if timing is not None and message.id == timing.reply_id:
            timing.message = message
            timing.extra["shown_at"] = time.perf_counter()

    def close(self) -> None:
        """Close the window (saving its state, as on quit), the engine and the store."""
        self.gui.close()
        settle()


def settle() -> None:
    """Deliver what is queued (layout, deferred deletes) without waiting for anything new."""
    app = QCoreApplication.instance()
    if app is not None:
        for _ in range(3):
            app.processEvents()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)

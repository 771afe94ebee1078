"""The reply being written: sent to the engine worker, its text coalesced and saved as it streams.

Streamed text arrives from the worker as queued signals; it is shown at most once per frame
(``FRAME_MS``) and saved by a ReplyRecorder at least every ``SAVE_INTERVAL_MS``, so the GUI
thread's cost per token stays flat however long the reply or the conversation is.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QTimer, Signal

from app.core.generation import FinishReason, GenerationResult
from app.core.models import Message
from app.core.settings import Settings
from app.core.store import Store
from app.core.turn import ReplyRecorder, Turn
from app.engine.worker import EngineWorker
from app.ui.i18n import translate

log = logging.getLogger(__name__)

FRAME_MS = 40           # at most one transcript update per frame (25 per second: each frame's
                        # rendering competes with llama.cpp's threads for the CPU)
SAVE_INTERVAL_MS = 500  # a streaming reply is saved at least this often
SPEED_INTERVAL_S = 0.5  # the speed estimate in the status bar changes at most this often


@dataclass
class Reply:
    """A reply being written, with what to do after it."""

    turn: Turn
    store: Store          # the profile's store, or a temporary chat's
    settings: Settings    # what it was started with (further alternatives use the same)
    alternatives_left: list[int] = field(default_factory=list)  # alternative numbers to write next
    new_conversation: bool = False  # the first reply of a chat: name the chat when it is done
    request_id: int = 0
    recorder: ReplyRecorder = field(init=False)
    pending: list[str] = field(default_factory=list)
    pieces: int = 0
    speed_shown_at: float = 0.0  # seconds after ``started`` the speed was last shown
    started: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.recorder = ReplyRecorder(self.store, self.turn)


class ReplyStream(QObject):
    """Runs one reply at a time on the worker and reports how it ends."""

    streamed = Signal(int, str)          # message id, the whole text so far
    speedChanged = Signal(str)
    finished = Signal(object, object, object)  # Reply, its stored Message, GenerationResult
    failed = Signal(object, object, str)       # Reply, its stored Message, one sentence
    lost = Signal(str)  # the reply could not be recorded (its chat was deleted); one sentence
    contextFull = Signal(object, object)  # Reply (not sent: policy "ask"), GenerationResult

    _generateRequested = Signal(int, object)

    def __init__(self, worker: EngineWorker, request_ids: Iterator[int]) -> None:
        super().__init__()
        self._request_ids = request_ids
        self.active: Reply | None = None
        self.closed = False
        self._generateRequested.connect(worker.generate)
        worker.textStreamed.connect(self._on_text)
        worker.generationFinished.connect(self._on_finished)
        worker.generationFailed.connect(self._on_failed)
        self._frame_timer = QTimer(self, singleShot=True, interval=FRAME_MS)
        self._frame_timer.timeout.connect(self._show_pending_text)
        self._save_timer = QTimer(self, interval=SAVE_INTERVAL_MS)
        self._save_timer.timeout.connect(self._save_partial_reply)

    def start(self, reply: Reply) -> None:
        """Ask the worker for ``reply`` (whose rows are already committed)."""
        reply.request_id = next(self._request_ids)
        self.active = reply
        self.speedChanged.emit("")
        self._save_timer.start()
        self._generateRequested.emit(reply.request_id, reply.turn.request)

    def stop(self) -> None:
        """Ask the reply to stop; it ends (kept, marked stopped) through ``finished``."""
        if self.active is not None:
            self.active.turn.request.cancel.set()

    def stop_now(self) -> Message | None:
        """Stop the reply and record it as stopped at once, without waiting for the worker."""
        self.stop()
        reply = self._take()
        return reply.recorder.stop_now() if reply else None

    def _on_text(self, request_id: int, text: str, pieces: int) -> None:
        reply = self.active
        if reply is None or reply.request_id != request_id:
            return
        reply.pending.append(text)
        reply.pieces += pieces
        if not self._frame_timer.isActive():
            self._frame_timer.start()

    def _show_pending_text(self) -> None:
        reply = self.active
        if reply is None or not reply.pending:
            return
        reply.recorder.append("".join(reply.pending))
        reply.pending.clear()
        self.streamed.emit(reply.turn.reply.id, reply.recorder.text)
        elapsed = time.monotonic() - reply.started
        if elapsed - reply.speed_shown_at >= SPEED_INTERVAL_S:  # a label repaint costs a frame too
            reply.speed_shown_at = elapsed
            self.speedChanged.emit(translate("ReplyStream", "≈ {speed} tok/s")
                                   .format(speed=f"{reply.pieces / elapsed:.0f}"))

    def _save_partial_reply(self) -> None:
        if self.active is not None:
            self._show_pending_text()
            self.active.recorder.flush()

    def _on_finished(self, request_id: int, result: GenerationResult) -> None:
        reply = self._take(request_id)
        if reply is not None and result.finish_reason is FinishReason.CONTEXT_FULL:
            self.contextFull.emit(reply, result)  # nothing recorded yet: the user decides
        elif reply is not None:
            if result.tokens_per_s:
                self.speedChanged.emit(translate("ReplyStream", "{speed} tok/s")
                                       .format(speed=f"{result.tokens_per_s:.1f}"))
            if (message := self._record(lambda: reply.recorder.finish(result))) is not None:
                self.finished.emit(reply, message, result)

    def _on_failed(self, request_id: int, reason: str) -> None:
        reply = self._take(request_id)
        if reply is not None and (message := self._record(lambda: reply.recorder.fail(reason))):
            self.failed.emit(reply, message, reason)

    def _record(self, write: Callable[[], Message]) -> Message | None:
        """The reply's final row, or None (and ``lost``) when it cannot be written."""
        try:
            return write()
        except (KeyError, sqlite3.Error) as exc:
            log.warning("a finished reply could not be recorded: %s", exc)
            self.lost.emit(translate("ReplyStream", "The reply could not be saved because its conversation "
                                                    "was deleted or the database is busy; try again."))
            return None

    def _take(self, request_id: int | None = None) -> Reply | None:
        """Detach the active reply (only if it is ``request_id``, when given), with all its text."""
        reply = self.active
        if reply is None or request_id not in (None, reply.request_id) or self.closed:
            return None
        self.active = None
        self._save_timer.stop()
        self._frame_timer.stop()
        reply.recorder.append("".join(reply.pending))
        return reply

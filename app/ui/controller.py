"""The chat controller: connects the window to the store and to the engine worker.

It lives on the GUI thread and is the only code that writes conversations while the GUI
runs. Streamed text arrives from the worker as queued signals; it is coalesced (one view
update per frame) and saved by a ReplyRecorder at least every half second.

Settings come from ``SettingScopes`` (defaults plus the open conversation's overrides); a
``ModelLoader`` reloads the model when the values it is loaded with change.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThread, QTimer, Signal

from app.core.errors import ParleyError
from app.core.generation import GenerationResult, ModelInfo
from app.core.models import ConversationSummary, Message
from app.core.presets import Preset, PresetLibrary
from app.core.scopes import Scope, SettingScopes
from app.core.settings import Settings
from app.core.store import Store
from app.core.turn import ReplyRecorder, Turn, start_turn
from app.engine.worker import EngineWorker
from app.ui.model_loader import ModelLoader

log = logging.getLogger(__name__)

FRAME_MS = 33           # at most one transcript update per frame (about 30 per second)
SAVE_INTERVAL_MS = 500  # a streaming reply is saved at least this often
SHUTDOWN_WAIT_MS = 1000  # the promise: closing mid-reply ends within a second


@dataclass
class _ActiveReply:
    """The reply being generated right now."""

    request_id: int
    turn: Turn
    recorder: ReplyRecorder
    pending: list[str] = field(default_factory=list)
    pieces: int = 0
    started: float = field(default_factory=time.monotonic)


class ChatController(QObject):
    """Owns the conversation flow; the window only calls its methods and shows its signals."""

    conversationsChanged = Signal(list)     # list[ConversationSummary]
    conversationOpened = Signal(object, list)  # conversation id or None, list[Message]
    messageAdded = Signal(object)           # Message
    messageUpdated = Signal(object)         # Message (final state)
    replyStreamed = Signal(int, str)        # message id, whole text so far
    busyChanged = Signal(bool)
    settingsChanged = Signal()              # defaults, overrides or the open conversation changed
    loadingChanged = Signal(bool)           # a model is being loaded
    modelStatusChanged = Signal(str)
    speedChanged = Signal(str)
    errorOccurred = Signal(str)

    # Requests to the worker (queued: the worker lives on its own thread).
    _generateRequested = Signal(int, object)
    _shutdownRequested = Signal()

    def __init__(self, store: Store, scopes: SettingScopes, presets: PresetLibrary,
                 worker: EngineWorker) -> None:
        super().__init__()
        self.store = store
        self.scopes = scopes
        self.presets = presets
        self.current_conversation_id: int | None = None
        self._active: _ActiveReply | None = None
        self._next_request_id = 1
        self._closed = False

        self._thread = QThread()
        self._thread.setObjectName("engine-worker")
        self._worker = worker
        worker.moveToThread(self._thread)
        self._generateRequested.connect(worker.generate)
        self._shutdownRequested.connect(worker.shutdown)
        worker.textStreamed.connect(self._on_text)
        worker.generationFinished.connect(self._on_finished)
        worker.generationFailed.connect(self._on_failed)
        self._thread.start()

        self._frame_timer = QTimer(self, singleShot=True, interval=FRAME_MS)
        self._frame_timer.timeout.connect(self._show_pending_text)
        self._save_timer = QTimer(self, interval=SAVE_INTERVAL_MS)
        self._save_timer.timeout.connect(self._save_partial_reply)
        self.loader = ModelLoader(worker, lambda: self.settings,
                                  lambda: not self.busy and not self._closed)
        self.loader.loadingChanged.connect(self.loadingChanged)
        self.loader.statusChanged.connect(self.modelStatusChanged)
        self.loader.problem.connect(self.errorOccurred)

    # -- queries -----------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """Whether a reply is being generated."""
        return self._active is not None

    def title_of(self, conversation_id: int | None) -> str | None:
        """The title of a saved conversation, or None."""
        found = self.store.conversation(conversation_id) if conversation_id is not None else None
        return found.title if found else None

    def conversations(self) -> list[ConversationSummary]:
        """Every saved conversation, newest first."""
        return self.store.list_conversations()

    @property
    def settings(self) -> Settings:
        """The settings the open conversation uses (defaults plus its overrides)."""
        return self.scopes.effective()

    # -- settings ----------------------------------------------------------------------------

    def set_settings(self, scope: Scope, values: dict[str, Any]) -> None:
        """Change settings in ``scope``; SettingError (a sentence) if a value is invalid."""
        self.scopes.set_values(scope, values)
        if "model_path" in values:
            self.loader.override = None  # choosing a model in Settings replaces --model
        self._settings_changed()

    def reset_settings(self, scope: Scope, names: list[str] | None = None) -> None:
        """Reset ``names`` (default: every option) in ``scope``."""
        self.scopes.reset(scope, names)
        self._settings_changed()

    def apply_preset(self, preset: Preset, scope: Scope) -> None:
        """Apply a preset's values in ``scope``."""
        self.set_settings(scope, dict(preset.values))

    def _settings_changed(self) -> None:
        self.settingsChanged.emit()
        self.loader.check_soon()

    # -- model -------------------------------------------------------------------------------

    @property
    def model_info(self) -> ModelInfo | None:
        """The loaded model, or None while none is loaded."""
        return self.loader.info

    def load_model(self, model: Path | None = None) -> None:
        """Load ``model`` (or the one the settings name); the GUI stays usable meanwhile."""
        self.loader.load(model)

    # -- conversations -----------------------------------------------------------------------

    def refresh_conversations(self) -> None:
        """Re-read the conversation list and announce it."""
        self.conversationsChanged.emit(self.conversations())

    def new_conversation(self, persona: Preset | None = None) -> None:
        """Start a blank chat (with a persona's values); it is saved at the first message."""
        self.current_conversation_id = None
        self._switch_settings(None, dict(persona.values) if persona else None)
        self.conversationOpened.emit(None, [])

    def open_conversation(self, conversation_id: int) -> None:
        """Show a saved conversation (unknown ids open a blank chat)."""
        if self.store.conversation(conversation_id) is None:
            self.new_conversation()
            return
        self.current_conversation_id = conversation_id
        self._switch_settings(conversation_id)
        self.conversationOpened.emit(conversation_id, self.store.messages(conversation_id))

    def _switch_settings(self, conversation_id: int | None,
                         draft: dict[str, Any] | None = None) -> None:
        for problem in self.scopes.open(conversation_id, draft):
            self.errorOccurred.emit(f"This chat's own settings had an invalid value: {problem}")
        self._settings_changed()

    def rename_conversation(self, conversation_id: int, title: str) -> None:
        """Rename a conversation (blank titles are ignored)."""
        if title.strip():
            self.store.rename_conversation(conversation_id, title.strip())
            self.refresh_conversations()

    def delete_conversation(self, conversation_id: int) -> None:
        """Delete a conversation (the caller has asked the user to confirm)."""
        if self._active and self._active.turn.conversation_id == conversation_id:
            self._stop_now()
            self.busyChanged.emit(False)
            self.loader.check_now()  # a reload held back by the reply can happen now
        self.store.delete_conversation(conversation_id)
        if conversation_id == self.current_conversation_id:
            self.new_conversation()
        self.refresh_conversations()

    # -- chatting ----------------------------------------------------------------------------

    def send(self, text: str) -> bool:
        """Commit ``text`` as the user's message and ask for a reply; False if busy or blank."""
        if self.busy or not text.strip() or self._closed:
            return False
        try:
            turn = start_turn(self.store, self.current_conversation_id, text, self.settings,
                              self.loader.model_name, self.scopes.new_chat_overrides())
        except ParleyError as exc:
            self.errorOccurred.emit(str(exc))
            return False
        created = self.current_conversation_id is None
        self.current_conversation_id = turn.conversation_id
        self.scopes.adopt(turn.conversation_id)
        request_id = self._next_request_id
        self._next_request_id += 1
        self._active = _ActiveReply(request_id, turn, ReplyRecorder(self.store, turn))
        if created:
            self.conversationOpened.emit(turn.conversation_id, [])
        self.messageAdded.emit(turn.user_message)
        self.messageAdded.emit(turn.reply)
        self.refresh_conversations()
        self.busyChanged.emit(True)
        self.speedChanged.emit("")
        self._save_timer.start()
        self._generateRequested.emit(request_id, turn.request)
        return True

    def stop(self) -> None:
        """Stop the reply being generated; its partial text is kept and marked stopped."""
        if self._active is not None:
            self._active.turn.request.cancel.set()

    def _on_text(self, request_id: int, text: str) -> None:
        active = self._active
        if active is None or active.request_id != request_id:
            return
        active.pending.append(text)
        active.pieces += 1
        if not self._frame_timer.isActive():
            self._frame_timer.start()

    def _show_pending_text(self) -> None:
        active = self._active
        if active is None or not active.pending:
            return
        active.recorder.append("".join(active.pending))
        active.pending.clear()
        self.replyStreamed.emit(active.turn.reply.id, active.recorder.text)
        elapsed = time.monotonic() - active.started
        if elapsed > 0.5:
            self.speedChanged.emit(f"≈ {active.pieces / elapsed:.0f} tok/s")

    def _save_partial_reply(self) -> None:
        if self._active is not None:
            self._show_pending_text()
            self._active.recorder.flush()

    def _on_finished(self, request_id: int, result: GenerationResult) -> None:
        active = self._take_active(request_id)
        if active is None:
            return
        message = active.recorder.finish(result)
        if result.tokens_per_s:
            self.speedChanged.emit(f"{result.tokens_per_s:.1f} tok/s")
        if result.dropped_messages:
            self.errorOccurred.emit(
                f"The {result.dropped_messages} oldest messages no longer fit in the model's "
                "context window and were left out of this reply.")
        self._announce_finished(message)

    def _on_failed(self, request_id: int, reason: str) -> None:
        active = self._take_active(request_id)
        if active is None:
            return
        self._announce_finished(active.recorder.fail(reason))
        self.errorOccurred.emit(reason)

    def _take_active(self, request_id: int | None = None) -> _ActiveReply | None:
        """Detach the active reply (only if it is ``request_id``, when given), with all its text."""
        active = self._active
        if active is None or request_id not in (None, active.request_id) or self._closed:
            return None
        self._active = None
        self._save_timer.stop()
        self._frame_timer.stop()
        active.recorder.append("".join(active.pending))
        return active

    def _announce_finished(self, message: Message) -> None:
        self.messageUpdated.emit(message)
        self.busyChanged.emit(False)
        self.refresh_conversations()
        self.loader.check_now()

    def _stop_now(self) -> None:
        """Cancel the active reply and record it as stopped now, without waiting for the worker."""
        self.stop()
        active = self._take_active()
        if active is not None:
            active.recorder.stop_now()

    # -- shutdown ----------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop any reply (keeping its text), close the model on its thread and end the thread."""
        if self._closed:
            return
        self._stop_now()
        self._closed = True
        self._shutdownRequested.emit()
        if not self._thread.wait(SHUTDOWN_WAIT_MS):
            log.warning("the engine worker did not stop within %d ms", SHUTDOWN_WAIT_MS)

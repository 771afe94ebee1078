"""The chat controller: connects the window to the store and to the engine worker.

It lives on the GUI thread and is the only code that writes conversations while the GUI
runs. Streamed text arrives from the worker as queued signals; it is coalesced (one view
update per frame) and saved by a ReplyRecorder at least every half second.

Settings come from ``SettingScopes`` (defaults plus the open conversation's overrides); a
``ModelLoader`` reloads the model when the values it is loaded with change. Each conversation
remembers its model as its own ``model_path`` value, so opening it switches to that model.

History is a tree (see ``core/tree.py``): sending continues the shown branch, editing adds a
sibling user message, regenerating adds a sibling reply, and "alternatives per reply" queues
that many replies to one message. A temporary chat uses an in-memory store, so nothing of it
reaches the disk.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from app.api.service import ApiService
from app.core.chat_templates import choose_template
from app.core.errors import ParleyError
from app.core.generation import GenerationResult, ModelInfo, OverflowPolicy, StateCachePolicy
from app.core.load_marker import LoadMarker
from app.core.model_library import ModelLibrary
from app.core.models import ConversationSummary, Message, MessageStatus, Role, SearchHit
from app.core.presets import Preset, PresetLibrary
from app.core.scopes import Scope, SettingScopes
from app.core.settings import Settings
from app.core.store import Store
from app.core.titles import shorten
from app.core.tree import BranchItem
from app.core.turn import (
    Turn,
    continue_reply,
    history_of,
    start_reply,
    start_turn,
)
from app.engine.worker import EngineWorker, MeasureRequest
from app.ui.connection_manager import ConnectionManager
from app.ui.context_meter import ContextTracker
from app.ui.i18n import translate
from app.ui.model_loader import ModelLoader
from app.ui.model_manager import ModelManager
from app.ui.reply_stream import Reply, ReplyStream
from app.ui.title_maker import TitleMaker

log = logging.getLogger(__name__)

SHUTDOWN_WAIT_MS = 1000  # the promise: closing mid-reply ends within a second


class ChatController(QObject):
    """Owns the conversation flow; the window only calls its methods and shows its signals."""

    conversationsChanged = Signal(list)     # list[ConversationSummary], not in the trash
    trashChanged = Signal(list)             # list[ConversationSummary] in the trash
    conversationOpened = Signal(object, list)  # conversation id or None, list[BranchItem]
    branchChanged = Signal(list)            # list[BranchItem]: the open conversation changed
    messageUpdated = Signal(object)         # Message (final state, or new feedback)
    conversationRenamed = Signal(str)       # the open conversation's new title
    movedToTrash = Signal(int, str)         # conversation id, title: offer to undo
    focusRequested = Signal(int)            # message id to scroll to (a search result)
    replyStreamed = Signal(int, str)        # message id, whole text so far
    busyChanged = Signal(bool)
    settingsChanged = Signal()              # defaults, overrides or the open conversation changed
    speedChanged = Signal(str)
    errorOccurred = Signal(str)
    contextFull = Signal(str)  # the history outgrew the window (policy: ask); the question to ask

    _shutdownRequested = Signal()  # to the worker (queued: it lives on its own thread)

    def __init__(self, store: Store, scopes: SettingScopes, presets: PresetLibrary,
                 worker: EngineWorker, models: ModelLibrary, marker: LoadMarker | None = None,
                 connections: ConnectionManager | None = None,
                 api_token_file: Path | None = None) -> None:
        super().__init__()
        self.store = store
        self.connections = connections  # remote servers (None: local models only)
        self.scopes = scopes
        self.presets = presets
        self.current_conversation_id: int | None = None
        self._temporary: Store | None = None  # the open chat's store when it is temporary
        self._closed = False
        request_ids = itertools.count(1)  # shared by replies and titles: one worker answers both

        self._thread = QThread()
        self._thread.setObjectName("engine-worker")
        self._worker = worker
        worker.moveToThread(self._thread)
        self._shutdownRequested.connect(worker.shutdown)
        self._thread.start()

        self.replies = ReplyStream(worker, request_ids)
        self.replies.streamed.connect(self.replyStreamed)
        self.replies.speedChanged.connect(self.speedChanged)
        self.replies.finished.connect(self._on_finished)
        self.replies.failed.connect(self._on_failed)
        self.replies.lost.connect(self._on_lost)
        self.replies.contextFull.connect(self._on_context_full)
        self._asking: tuple[Reply, GenerationResult] | None = None  # waiting for the user's answer
        self.context = ContextTracker(worker)
        self.loader = ModelLoader(worker, lambda: self.settings,
                                  lambda: not self.busy and not self._closed, marker,
                                  connections.book if connections else None)
        if connections is not None:
            connections.changed.connect(self.loader.check_soon)  # the chat's connection may have changed
            connections.problem.connect(self.errorOccurred)
        self.loader.problem.connect(self.errorOccurred)
        self.library = ModelManager(models, self._model_in_use)
        self.library.problem.connect(self.errorOccurred)
        self.titles = TitleMaker(worker, request_ids)
        self.titles.titled.connect(self._on_titled)
        # The local API server shares the worker: its requests (negative ids) queue behind replies.
        self.api = ApiService(worker, lambda: self.scopes.defaults, api_token_file) \
            if api_token_file is not None else None
        if self.api is not None:
            self.settingsChanged.connect(self.api.apply)
        for changed in (self.conversationOpened, self.branchChanged, self.settingsChanged,
                        self.loader.loaded):
            changed.connect(lambda *_: self.measure_context())

    # -- queries -----------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """Whether a reply is being generated (or waits for the user to say how)."""
        return self.replies.active is not None or self._asking is not None

    @property
    def is_temporary(self) -> bool:
        """Whether the open chat is temporary (never written to disk)."""
        return self._temporary is not None

    @property
    def saved_conversation_id(self) -> int | None:
        """The open conversation's id in the profile's store (None for a new or temporary chat)."""
        return None if self.is_temporary else self.current_conversation_id

    @property
    def chat_store(self) -> Store:
        """The store the open chat lives in: the profile's, or a temporary chat's memory."""
        return self._temporary or self.store

    def title_of(self, conversation_id: int | None) -> str | None:
        """The title of the open store's conversation, or None."""
        found = (self.chat_store.conversation(conversation_id)
                 if conversation_id is not None else None)
        return found.title if found else None

    def conversations(self) -> list[ConversationSummary]:
        """Every saved conversation not in the trash, newest first."""
        return self.store.list_conversations()

    def branch(self) -> list[BranchItem]:
        """The shown branch of the open conversation."""
        if self.current_conversation_id is None:
            return []
        return self.chat_store.branch(self.current_conversation_id)

    def search(self, query: str) -> list[SearchHit]:
        """Saved conversations and messages matching ``query`` (measured fast: see README)."""
        return self.store.search(query)

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

    def start_model(self, model: Path | None = None) -> None:
        """At start-up: load ``model`` (or the one the settings name), unless the app died
        loading it last time; the GUI stays usable meanwhile."""
        self.loader.start(model)

    def load_model(self, model: Path | None = None) -> None:
        """Load ``model`` (or the one the settings name) now, because the user asked."""
        self.loader.load(model)

    def choose_model(self, path: Path) -> None:
        """Switch to the model at ``path`` (the previous one is unloaded): the open chat keeps
        it, and new chats start with it."""
        self._choose({"model_path": self._model_setting(path), "connection": ""})

    def choose_connection(self, name: str) -> None:
        """Switch to the remote connection ``name`` (any local model is unloaded): the open chat
        keeps it, and new chats start with it."""
        self._choose({"connection": name})

    def _choose(self, values: dict[str, str]) -> None:
        """Use ``values`` in this chat and as the default for new ones, and load what they name."""
        self.scopes.set_values(Scope.DEFAULTS, values)
        self.scopes.set_values(Scope.CONVERSATION, values)
        self.loader.override = None
        self.settingsChanged.emit()
        if self.busy:
            self.loader.check_soon()  # after the reply: check_now runs when it ends
        else:
            self.loader.load()

    def _model_setting(self, path: Path) -> str:
        """The ``model_path`` value for ``path``: empty for the bundled default."""
        return "" if path == self.library.library.bundled_path() else str(path)

    def _model_in_use(self) -> Path | None:
        info = self.loader.info
        return Path(info.path) if info else None

    # -- conversations -----------------------------------------------------------------------

    def refresh_conversations(self) -> None:
        """Re-read the conversation list and the trash, and announce them."""
        self.conversationsChanged.emit(self.conversations())
        self.trashChanged.emit(self.store.trashed_conversations())

    def new_conversation(self, persona: Preset | None = None, temporary: bool = False) -> None:
        """Start a blank chat (with a persona's values); it is saved at the first message,
        unless it is ``temporary``: then it lives in memory and is gone when left."""
        self._leave_conversation()
        if temporary:
            self._temporary = Store.temporary()
        self._switch_settings(None, dict(persona.values) if persona else None)
        self.conversationOpened.emit(None, [])

    def open_conversation(self, conversation_id: int, message_id: int | None = None) -> None:
        """Show a saved conversation (unknown ids open a blank chat); with ``message_id``, on
        the branch through that message, scrolled to it."""
        summary = self.store.conversation(conversation_id)
        if summary is None:
            self.new_conversation()
            return
        if summary.deleted_at is not None:
            self.errorOccurred.emit(translate(
                "ChatController", "“{title}” is in the trash; restore it from the Trash to open it."
            ).format(title=summary.title))
            return
        self._leave_conversation()
        if message_id is not None:
            self.store.show_branch(message_id)
        self.current_conversation_id = conversation_id
        self._switch_settings(conversation_id)
        self.conversationOpened.emit(conversation_id, self.branch())
        if message_id is not None:
            self.focusRequested.emit(message_id)

    def _leave_conversation(self) -> None:
        """Before another chat opens: a temporary chat is discarded (its reply stopped)."""
        if self._temporary is not None:
            active = self.replies.active
            if active is not None and active.store is self._temporary:
                self._stop_now()
            self.titles.forget(self._temporary)
            self._temporary.close()
            self._temporary = None
        self.current_conversation_id = None

    def _switch_settings(self, conversation_id: int | None,
                         draft: dict[str, Any] | None = None) -> None:
        for problem in self.scopes.open(conversation_id, draft):
            self.errorOccurred.emit(translate(
                "ChatController", "This chat's own settings had an invalid value: {problem}"
            ).format(problem=problem.shown(translate)))
        self._settings_changed()

    def rename_conversation(self, conversation_id: int, title: str) -> None:
        """Rename a conversation (blank titles are ignored); automatic titles never replace it."""
        if title.strip():
            self.store.rename_conversation(conversation_id, shorten(title.strip()))
            self.refresh_conversations()

    def set_pinned(self, conversation_id: int, pinned: bool) -> None:
        """Pin a conversation to the top of the list, or unpin it."""
        self.store.set_pinned(conversation_id, pinned)
        self.refresh_conversations()

    def move_to_trash(self, conversation_id: int) -> None:
        """Move a conversation to the trash (announced, so the window can offer to undo)."""
        self._stop_if_writing(conversation_id)
        self.store.move_to_trash(conversation_id)
        if conversation_id == self.saved_conversation_id:
            self.new_conversation()
        self.refresh_conversations()
        trashed = self.store.conversation(conversation_id)
        self.movedToTrash.emit(conversation_id, trashed.title if trashed else "")

    def restore(self, conversation_id: int) -> None:
        """Take a conversation out of the trash and open it (unless a temporary chat is open,
        which opening another chat would discard)."""
        self.store.restore(conversation_id)
        self.refresh_conversations()
        if not self.is_temporary:
            self.open_conversation(conversation_id)

    def delete_for_good(self, conversation_id: int) -> None:
        """Delete one conversation in the trash for good (the caller has asked to confirm)."""
        self.store.delete_conversation(conversation_id)
        self.refresh_conversations()

    def empty_trash(self) -> int:
        """Delete everything in the trash for good (the caller has asked to confirm)."""
        deleted = self.store.empty_trash()
        self.refresh_conversations()
        return deleted

    def _stop_if_writing(self, conversation_id: int) -> None:
        active = self.replies.active
        if active is not None and active.store is self.store \
                and active.turn.conversation_id == conversation_id:
            self._stop_now()

    # -- messages ----------------------------------------------------------------------------

    def _on_screen(self, message_id: int) -> BranchItem | None:
        """The message if it is on the open chat's shown branch; actions naming anything else
        (a view that was replaced while a dialog was open) are ignored."""
        return next((item for item in self.branch() if item.message.id == message_id), None)

    def show_sibling(self, message_id: int, step: int) -> None:
        """Show the branch through the sibling ``step`` places from ``message_id`` (‹ ›)."""
        item = self._on_screen(message_id)
        if item is not None and (target := item.sibling(step)) is not None and not self.busy:
            self.chat_store.show_branch(target)
            self.branchChanged.emit(self.branch())

    def delete_message(self, message_id: int) -> None:
        """Delete a message and every message below it (the caller has asked to confirm)."""
        if self.busy or self._on_screen(message_id) is None:
            return
        self.chat_store.delete_message(message_id)
        self.branchChanged.emit(self.branch())
        self.refresh_conversations()

    def fork(self, message_id: int) -> None:
        """Open a new conversation that copies the branch up to ``message_id``."""
        if self.is_temporary:
            self.errorOccurred.emit(translate(
                "ChatController", "A temporary chat cannot be forked; it is never saved."))
            return
        if self._on_screen(message_id) is None:
            return
        title = shorten(f"{self.title_of(self.current_conversation_id) or 'Chat'} (fork)")
        forked = self.store.fork(message_id, title)
        self.refresh_conversations()
        self.open_conversation(forked)

    def set_feedback(self, message_id: int, rating: int | None, note: str | None = None) -> None:
        """Rate a reply (1 good, -1 bad, None cleared), with an optional note."""
        if self._on_screen(message_id) is None:
            return
        self.messageUpdated.emit(self.chat_store.set_feedback(message_id, rating, note))

    # -- chatting ----------------------------------------------------------------------------

    def send(self, text: str) -> bool:
        """Commit ``text`` as the user's message and ask for replies; False if busy or blank."""
        return self._start_turn(text, None)

    def edit(self, message_id: int, text: str) -> bool:
        """A new version of a message, the old one kept: an edited user message is sent (a new
        branch, replied to); an edited reply is saved beside the model's (nothing is generated)."""
        item = self._on_screen(message_id)
        if item is None:
            return False
        if item.message.role is Role.USER:
            return self._start_turn(text, item.message)
        if not self._may_start() or not text.strip():
            return False
        self.chat_store.add_message(item.message.conversation_id, Role.ASSISTANT, text,
                                    parent_id=item.message.parent_id)
        self.branchChanged.emit(self.branch())  # which also measures the context again
        if self.chat_store is self.store:
            self.refresh_conversations()
        return True

    def regenerate(self, message_id: int) -> bool:
        """Write another reply to the message ``message_id`` answers; the old one is kept."""
        if not self._may_start():
            return False
        item = self._on_screen(message_id)
        if item is None or item.message.role is not Role.ASSISTANT or item.message.parent_id is None:
            return False
        store, settings = self.chat_store, self.settings
        user = store.message(item.message.parent_id)
        return self._run(store, settings, lambda: start_reply(
            store, user, settings, self.loader.model_name, alternative=len(item.siblings)))

    def continue_reply(self, message_id: int) -> bool:
        """Let the model go on writing a reply that was stopped or cut short."""
        if not self._may_start():
            return False
        item = self._on_screen(message_id)
        if item is None:
            return False
        store, settings = self.chat_store, self.settings
        return self._run(store, settings, lambda: continue_reply(store, item.message, settings))

    def _may_start(self) -> bool:
        return not self.busy and not self._closed and self.current_conversation_id is not None

    def _start_turn(self, text: str, replacing: Message | None) -> bool:
        if self.busy or not text.strip() or self._closed:
            return False
        store, settings = self.chat_store, self.settings
        created = self.current_conversation_id is None
        started = self._run(
            store, settings,
            lambda: start_turn(store, self.current_conversation_id, text, settings,
                               self.loader.model_name, self._new_chat_overrides(),
                               replacing=replacing),
            alternatives_left=list(range(1, int(settings["alternatives"]))),
            new_conversation=created)
        if started and created and self.replies.active is not None:
            self.current_conversation_id = self.replies.active.turn.conversation_id
            if not self.is_temporary:
                self.scopes.adopt(self.current_conversation_id)
            self.conversationOpened.emit(self.current_conversation_id, self.branch())
        return started

    def _run(self, store: Store, settings: Settings, start: Callable[[], Turn],
             alternatives_left: list[int] | None = None, new_conversation: bool = False) -> bool:
        """Start the reply ``start`` commits; False (with the reason shown) if it cannot start."""
        try:
            turn = start()
        except ParleyError as exc:
            self.errorOccurred.emit(exc.shown(translate))
            return False
        self.titles.cancel_all()  # the model is needed for this reply
        self.replies.start(Reply(turn, store, settings, alternatives_left or [], new_conversation))
        if store is self.chat_store and turn.conversation_id == self.current_conversation_id:
            self.branchChanged.emit(self.branch())
        if store is self.store:
            self.refresh_conversations()
        self.busyChanged.emit(True)
        return True

    def stop(self) -> None:
        """Stop the reply being generated (and any alternatives after it); its text is kept."""
        self.replies.stop()
        self.answer_context_full(drop_oldest=False)

    def _on_finished(self, reply: Reply, message: Message, result: GenerationResult) -> None:
        self.messageUpdated.emit(message)
        if reply.alternatives_left and not reply.turn.request.cancel.is_set():
            number, *rest = reply.alternatives_left
            user = reply.turn.user_message
            if self._run(reply.store, reply.settings,
                         lambda: start_reply(reply.store, user, reply.settings,
                                             self.loader.model_name, alternative=number),
                         alternatives_left=rest, new_conversation=reply.new_conversation):
                return
        self._idle()
        if (reply.new_conversation and message.status is MessageStatus.COMPLETE
                and reply.settings["auto_title"] and message.content.strip()):
            self.titles.request(reply.store, reply.turn.conversation_id,
                                reply.turn.user_message.content, message.content, reply.settings,
                                reply.turn.request.seed)

    def _on_context_full(self, reply: Reply, result: GenerationResult) -> None:
        """The history outgrew the context window and the policy is to ask: hold the reply."""
        self._asking = (reply, result)
        self.contextFull.emit(translate(
            "ChatController",
            "This conversation no longer fits in the model's context window. Drop the oldest "
            "messages for this reply (the system prompt and your first message stay), or stop "
            "here? Starting a new chat or raising the context length in Settings also helps."))

    def answer_context_full(self, drop_oldest: bool) -> None:
        """The user's answer: send the held reply dropping the oldest messages, or record that
        it was not sent."""
        if self._asking is None:
            return
        reply, result = self._asking
        self._asking = None
        if drop_oldest and not self._closed:
            reply.turn.request.overflow = OverflowPolicy.DROP_OLDEST
            self.replies.start(reply)
            return
        message = reply.recorder.finish(result, translate)  # failed, saying why
        self.messageUpdated.emit(message)
        self._idle()

    def measure_context(self) -> None:
        """Ask how much of the context window the open chat takes (the meter updates later).
        Not while a reply is written: the worker is busy, and the reply's end measures again."""
        if self._closed or self.busy:
            return  # (once closed, the store may be closed too)
        settings = self.settings
        try:
            messages = history_of(self.chat_store, [item.message for item in self.branch()], settings)
            template = choose_template(settings["chat_template"], settings["custom_template"])
        except ParleyError:
            return  # a broken custom template is reported where it is chosen
        # Also restores the chat's saved state ahead of its next message (in the background).
        self.context.measure(MeasureRequest(messages, template, int(settings["max_tokens"]),
                                            StateCachePolicy.from_settings(settings)))

    def _on_titled(self, conversation_id: int) -> None:
        self.refresh_conversations()
        if conversation_id == self.current_conversation_id:
            self.conversationRenamed.emit(self.title_of(conversation_id) or "")

    def _new_chat_overrides(self) -> dict[str, Any]:
        """A new chat's own settings: its draft, and the model it starts with (so it keeps
        that model when the default changes later)."""
        stamp: dict[str, Any] = {}
        requested = self.loader.requested
        if isinstance(requested, Path):
            stamp = {"model_path": self._model_setting(requested), "connection": ""}
        elif requested is not None:
            stamp = {"connection": requested.name}
        return {**stamp, **self.scopes.new_chat_overrides()}

    def _on_failed(self, reply: Reply, message: Message, reason: str) -> None:
        self.messageUpdated.emit(message)
        self._idle()
        self.errorOccurred.emit(reason)

    def _on_lost(self, reason: str) -> None:
        self._idle()
        self.errorOccurred.emit(reason)

    def _idle(self) -> None:
        """No reply is being written any more."""
        self.busyChanged.emit(False)
        self.refresh_conversations()
        self.loader.check_now()
        self.measure_context()

    def _stop_now(self) -> None:
        """Stop the reply at once (kept, marked stopped), e.g. when its chat goes away."""
        message = self.replies.stop_now()
        if message is not None:
            self.messageUpdated.emit(message)
            self._idle()

    # -- shutdown ----------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop any reply (keeping its text), close the model on its thread and end the thread."""
        if self._closed:
            return
        self._closed = True  # first: nothing below may start a reply or a model load
        if self.api is not None:
            self.api.stop()  # cancels API requests, so the worker is free to close at once
        self._worker.closing.set()  # the worker skips saving state: closing stays within a second
        self.loader.cancel()
        self.library.cancel_downloads()
        self.answer_context_full(drop_oldest=False)
        self._stop_now()
        self.titles.cancel_all()
        self.replies.closed = True
        self._shutdownRequested.emit()
        if not self._thread.wait(SHUTDOWN_WAIT_MS):
            # Some phases of a model load cannot be interrupted; it ends at llama.cpp's next
            # progress report. Wait for it: destroying a running QThread aborts the process
            # (and would leave the crash marker behind, holding the model back next time).
            log.warning("the engine worker did not stop within %d ms; waiting for it",
                        SHUTDOWN_WAIT_MS)
            self._thread.wait()

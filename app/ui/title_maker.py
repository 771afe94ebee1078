"""Names new chats with the model, in the background, after their first reply.

The request goes to the same engine worker as replies (queued signals), so the GUI never
waits; a title that is still being written is cancelled when the user sends a message, so it
never delays a reply by more than the token being generated.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator

from PySide6.QtCore import QObject, Signal

from app.core.generation import GenerationRequest, GenerationResult
from app.core.settings import Settings
from app.core.store import Store
from app.core.titles import clean_title, title_request
from app.engine.worker import EngineWorker

log = logging.getLogger(__name__)


class TitleMaker(QObject):
    """Asks the worker for titles and stores the ones that look right."""

    titled = Signal(int)  # conversation id, after its automatic title was stored

    _generateRequested = Signal(int, object)

    def __init__(self, worker: EngineWorker, request_ids: Iterator[int]) -> None:
        super().__init__()
        self._request_ids = request_ids
        self._pending: dict[int, tuple[Store, int, GenerationRequest]] = {}
        self._generateRequested.connect(worker.generate)
        worker.generationFinished.connect(self._on_finished)
        worker.generationFailed.connect(self._on_failed)

    def request(self, store: Store, conversation_id: int, question: str, answer: str,
                settings: Settings, seed: int) -> None:
        """Ask for a title for this conversation's first exchange."""
        request_id = next(self._request_ids)
        request = title_request(question, answer, settings, seed)
        self._pending[request_id] = (store, conversation_id, request)
        self._generateRequested.emit(request_id, request)

    def cancel_all(self) -> None:
        """Stop the titles still being written (the user wants the model for a reply)."""
        for _, _, request in self._pending.values():
            request.cancel.set()

    def forget(self, store: Store) -> None:
        """Drop the titles for ``store`` (a temporary chat being closed)."""
        for request_id, (pending_store, _, request) in list(self._pending.items()):
            if pending_store is store:
                request.cancel.set()
                del self._pending[request_id]

    def _on_finished(self, request_id: int, result: GenerationResult) -> None:
        pending = self._pending.pop(request_id, None)
        if pending is None:
            return
        store, conversation_id, request = pending
        title = None if request.cancel.is_set() else clean_title(result.text)
        try:
            if title and store.set_automatic_title(conversation_id, title):
                self.titled.emit(conversation_id)
        except sqlite3.Error as exc:  # busy (an import is writing): the first-line title stays
            log.info("automatic title not stored: %s", exc)

    def _on_failed(self, request_id: int, reason: str) -> None:
        if self._pending.pop(request_id, None) is not None:
            log.info("no automatic title: %s", reason)  # the first-line title stays

    @property
    def busy(self) -> bool:
        """Whether a title is being written."""
        return bool(self._pending)


"""Import and export from the window: a file dialog, then the work on a background thread.

The work opens its own connection to the conversation database (see ``background.py``), so
importing a large ChatGPT history or exporting every chat never freezes the window. Results
and problems come back as one sentence in the window.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow, QProgressDialog

from app.core import exchange, preferences
from app.core.i18n import QT_TRANSLATE_NOOP
from app.core.store import Store
from app.ui import dialogs
from app.ui.background import BackgroundJob
from app.ui.controller import ChatController
from app.ui.i18n import translate

# File dialog filters: English source texts, translated in the "Transfers" context where used.
FILTERS = {"md": QT_TRANSLATE_NOOP("Transfers", "Markdown (*.md)"),
           "json": QT_TRANSLATE_NOOP("Transfers", "JSON (*.json)")}
IMPORT_FILTERS = QT_TRANSLATE_NOOP("Transfers", "Parley or ChatGPT export (*.json);;All files (*)")
PREFERENCE_FILTERS = QT_TRANSLATE_NOOP("Transfers", "JSON Lines (*.jsonl)")


class Transfers:
    """The window's import and export commands."""

    def __init__(self, controller: ChatController, window: QMainWindow) -> None:
        self.controller = controller
        self.window = window

    def import_file(self, path: Path | None = None) -> BackgroundJob | None:
        """Import a Parley or ChatGPT JSON file (asked for when not given)."""
        if self.controller.busy:
            self.controller.errorOccurred.emit(
                translate("Transfers", "A reply is being written; import when it is done."))
            return None
        path = path or dialogs.ask_open_file(self.window, translate("Transfers", "Import conversations"),
                                             translate("Transfers", IMPORT_FILTERS))
        if path is None:
            return None
        # One transaction writes everything, and SQLite lets only one connection write at a
        # time: the window waits (repainting, with a progress note) rather than fail a write.
        progress = QProgressDialog(translate("Transfers", "Importing {file}…").format(file=path.name),
                                   "", 0, 0, self.window)
        progress.setWindowTitle(translate("Transfers", "Import"))
        progress.setCancelButton(None)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.show()
        job = self._run(lambda store: exchange.import_file(store, path), self._imported)
        for signal in (job.done, job.failed):
            signal.connect(lambda _: progress.close())
        return job

    def export_current(self, fmt: exchange.ExportFormat, path: Path | None = None) -> BackgroundJob | None:
        """Export the open conversation."""
        conversation_id = self.controller.current_conversation_id
        if conversation_id is None or self.controller.is_temporary:
            return None
        title = self.controller.title_of(conversation_id) or "conversation"
        return self._export([conversation_id], fmt, _file_name(title, fmt), path)

    def export_all(self, fmt: exchange.ExportFormat, path: Path | None = None) -> BackgroundJob | None:
        """Export every conversation (JSON includes the trash, so nothing is lost)."""
        return self._export(None, fmt, f"parley-conversations-{time.strftime('%Y-%m-%d')}.{fmt}", path)

    def export_preferences(self, path: Path | None = None) -> BackgroundJob | None:
        """Write rated alternatives as a preference dataset (JSON Lines) for fine-tuning."""
        path = path or dialogs.ask_save_file(self.window, translate("Transfers", "Export preferences"),
                                             "parley-preferences.jsonl",
                                             translate("Transfers", PREFERENCE_FILTERS))
        if path is None:
            return None
        return self._run(lambda store: preferences.export_preferences(store, path),
                         lambda count: self._tell(translate("Transfers", "Wrote %n preference pair(s) to "
                                                                         "{path}.", None, count)
                                                  .format(path=path)))

    def _export(self, ids: list[int] | None, fmt: exchange.ExportFormat, suggested: str,
                path: Path | None) -> BackgroundJob | None:
        path = path or dialogs.ask_save_file(self.window, translate("Transfers", "Export"), suggested,
                                             translate("Transfers", FILTERS[fmt]))
        if path is None:
            return None

        def work(store: Store) -> None:
            chosen = ids if ids is not None else exchange.conversations_for_export(store, fmt)
            exchange.export_file(store, chosen, fmt, path)

        return self._run(work, lambda _: self._tell(translate("Transfers", "Exported to {path}.")
                                                    .format(path=path)))

    def _run(self, work: Callable[[Store], Any], on_done: Callable[[Any], None]) -> BackgroundJob:
        database, read_only = self.controller.store.path, self.controller.store.read_only

        def in_background() -> Any:
            # A second connection to the database the app opened (and checked) at start-up.
            store = Store(database, read_only=read_only, check=False)
            try:
                return work(store)
            finally:
                store.close()

        job = BackgroundJob(in_background)
        job.done.connect(on_done)
        job.failed.connect(lambda message: self.controller.errorOccurred.emit(message))
        job.start()
        return job

    def _imported(self, ids: list[int]) -> None:
        self.controller.refresh_conversations()
        shown = [c.id for c in self.controller.conversations()]
        first = next((i for i in ids if i in shown), None)  # not one that was in the trash
        if first is not None and not self.controller.is_temporary:
            self.controller.open_conversation(first)
        count = len(ids)
        self._tell(translate("Transfers", "Imported %n conversation(s).", None, count))

    def _tell(self, message: str) -> None:
        self.window.statusBar().showMessage(message, 8000)


def _file_name(title: str, fmt: str) -> str:
    """A safe file name from a conversation title."""
    safe = "".join(ch if ch.isalnum() or ch in " -_" else "_" for ch in title).strip() or "conversation"
    return f"{safe[:50]}.{fmt}"

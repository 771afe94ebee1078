"""Search across every saved conversation (Ctrl+K or Ctrl+F): results appear as you type.

Each result shows the conversation's title and the matching snippet with the matched words
in bold. The snippet is model or user text, so it is HTML-escaped before the bold marks are
added, and the label loads nothing. Choosing a result opens the conversation at that message.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.models import Role, SearchHit
from app.core.search_text import MATCH_END, MATCH_START
from app.ui.i18n import translate

TYPING_PAUSE_MS = 120  # search when typing pauses this long (each search takes milliseconds)


def snippet_html(hit: SearchHit) -> str:
    """A result as safe rich text: escaped title and snippet, matched words in bold."""
    snippet = html.escape(hit.snippet.replace("\n", " "))
    snippet = snippet.replace(MATCH_START, "<b>").replace(MATCH_END, "</b>")
    if hit.message_id is None:
        where = translate("SearchDialog", "Title:")
    elif hit.role is Role.USER:
        where = translate("SearchDialog", "You:")
    else:
        where = translate("SearchDialog", "Assistant:")
    return (f"<div><b>{html.escape(hit.title)}</b></div>"
            f"<div><span style='color: gray'>{html.escape(where)}</span> {snippet}</div>")


class SearchDialog(QDialog):
    """A search box over the list of results."""

    chosen = Signal(int, object)  # conversation id, message id or None

    def __init__(self, search: Callable[[str], list[SearchHit]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(translate("SearchDialog", "Search conversations"))
        self.resize(560, 420)
        self._search = search
        self.query = QLineEdit()
        self.query.setPlaceholderText(translate("SearchDialog",
                                                "Search titles and messages (English, 中文, …)"))
        self.query.setAccessibleName(translate("SearchDialog", "Search"))
        self.query.setClearButtonEnabled(True)
        self.query.textChanged.connect(lambda _: self._timer.start() if self.isVisible() else None)
        self.query.returnPressed.connect(self._choose_current)
        self.query.installEventFilter(self)
        self.results = QListWidget()
        self.results.setWordWrap(True)
        self.results.setAccessibleName(translate("SearchDialog", "Search results"))
        self.results.itemActivated.connect(self._choose)
        self.results.itemClicked.connect(self._choose)
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        layout = QVBoxLayout(self)
        layout.addWidget(self.query)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.status)
        self._timer = QTimer(self, singleShot=True, interval=TYPING_PAUSE_MS)
        self._timer.timeout.connect(self.run_search)
        self._hits: list[SearchHit] = []

    def open_search(self) -> None:
        """Show the dialog with the previous query selected, ready to type over."""
        self.show()
        self.activateWindow()
        self.query.setFocus()
        self.query.selectAll()
        self.run_search()

    def run_search(self) -> None:
        """Search for what is typed now and list the results."""
        text = self.query.text()
        self._hits = self._search(text) if text.strip() else []
        self.results.clear()
        for hit in self._hits:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{hit.title}: {hit.snippet}"
                         .replace(MATCH_START, "").replace(MATCH_END, ""))
            label = QLabel(snippet_html(hit))
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setWordWrap(True)
            label.setOpenExternalLinks(False)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
            label.setContentsMargins(4, 3, 4, 3)
            item.setSizeHint(label.sizeHint())
            self.results.addItem(item)
            self.results.setItemWidget(item, label)
        if self._hits:
            self.results.setCurrentRow(0)
        count = len(self._hits)
        self.status.setText("" if not text.strip() else
                            translate("SearchDialog", "Nothing found.") if not count else
                            translate("SearchDialog", "%n found", None, count))

    def hideEvent(self, event: QHideEvent) -> None:
        """A hidden dialog searches no more (the store may be closing)."""
        self._timer.stop()
        super().hideEvent(event)

    def hits(self) -> list[SearchHit]:
        """The results listed now."""
        return list(self._hits)

    def eventFilter(self, watched, event) -> bool:  # type: ignore[no-untyped-def]
        """Up and Down in the search box move through the results."""
        if watched is self.query and isinstance(event, QKeyEvent) and \
                event.type() == QKeyEvent.Type.KeyPress and \
                event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            step = -1 if event.key() == Qt.Key.Key_Up else 1
            row = max(0, min(self.results.count() - 1, self.results.currentRow() + step))
            self.results.setCurrentRow(row)
            return True
        return super().eventFilter(watched, event)

    def _choose_current(self) -> None:
        if self._timer.isActive():  # Enter before the pause: search first
            self._timer.stop()
            self.run_search()
        item = self.results.currentItem()
        if item is not None:
            self._choose(item)

    def _choose(self, item: QListWidgetItem) -> None:
        hit = self._hits[self.results.row(item)]
        self.hide()
        self.chosen.emit(hit.conversation_id, hit.message_id)

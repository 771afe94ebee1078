"""The transcript: one widget per message of the shown branch, in a scroll area.

Only the message that is streaming is re-rendered as text arrives; the others are untouched,
so an update costs the same however long the conversation is. When the branch changes
(‹ › navigation, an edit, a regenerated reply), widgets for the messages the old and new
branch share are kept and only the rest is rebuilt.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from app.core.models import Message
from app.core.tree import BranchItem
from app.ui.message_widget import MessageActions, MessageWidget

HIGHLIGHT_MS = 1500  # how long a message found by search stays highlighted


class TranscriptView(QScrollArea):
    """The messages of the open conversation, newest at the bottom."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        container = QWidget()
        self._layout = QVBoxLayout(container)
        self._layout.setContentsMargins(12, 12, 12, 12)
        self._layout.setSpacing(8)
        self._layout.addStretch(1)
        self.setWidget(container)
        self.actions = MessageActions(self)
        self._widgets: dict[int, MessageWidget] = {}
        self._order: list[int] = []  # message ids, top to bottom
        self._busy = False
        self._empty_note = QLabel("Type a message below to start chatting. "
                                  "Everything stays on this computer.")
        self._empty_note.setTextFormat(Qt.TextFormat.PlainText)
        self._empty_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty_note.setWordWrap(True)
        self._layout.insertWidget(0, self._empty_note)

    def show_conversation(self, items: list[BranchItem]) -> None:
        """Replace the transcript with a newly opened conversation's branch."""
        self.show_branch([])
        self.show_branch(items)
        self._scroll_to_bottom_soon()

    def show_branch(self, items: list[BranchItem]) -> None:
        """Show ``items``, keeping the widgets of the leading messages that did not change."""
        kept = 0
        while (kept < len(items) and kept < len(self._order)
               and self._order[kept] == items[kept].message.id):
            self._widgets[self._order[kept]].set_siblings(items[kept].siblings)
            kept += 1
        for message_id in self._order[kept:]:
            widget = self._widgets.pop(message_id)
            widget.retired = True  # a dialog it opened may still be answered
            widget.deleteLater()
        del self._order[kept:]
        for item in items[kept:]:
            self._add(item)
        self._empty_note.setVisible(not items)
        if len(items) > kept:
            self._follow_if_at_bottom()

    def _add(self, item: BranchItem) -> MessageWidget:
        widget = MessageWidget(item, self.actions)
        self._layout.insertWidget(self._layout.count() - 1, widget)
        widget.set_busy(self._busy)
        self._widgets[item.message.id] = widget
        self._order.append(item.message.id)
        return widget

    def set_busy(self, busy: bool) -> None:
        """Hold back actions that change the history while a reply is being written."""
        self._busy = busy
        for widget in self._widgets.values():
            widget.set_busy(busy)

    def focus_message(self, message_id: int) -> None:
        """Scroll to a message and highlight it briefly (a search result)."""
        widget = self._widgets.get(message_id)
        if widget is None:
            return
        widget.setStyleSheet(f"QFrame#{widget.objectName()} {{ background: palette(highlight); }}")
        QTimer.singleShot(0, self, lambda: self.ensureWidgetVisible(widget, 0, 40))
        QTimer.singleShot(HIGHLIGHT_MS, widget, lambda: widget.setStyleSheet(""))

    def shown_ids(self) -> list[int]:
        """The ids of the messages shown, top to bottom."""
        return list(self._order)

    def update_message(self, message: Message) -> None:
        """Show the final state of a message, if it is in view."""
        widget = self._widgets.get(message.id)
        if widget is not None:
            widget.show_message(message)
            self._follow_if_at_bottom()

    def stream_text(self, message_id: int, text: str) -> None:
        """Show streamed text for a reply, if it is in view."""
        widget = self._widgets.get(message_id)
        if widget is not None:
            widget.show_streaming_text(text)
            self._follow_if_at_bottom()

    def message_widget(self, message_id: int) -> MessageWidget | None:
        """The widget showing ``message_id``, if it is in view."""
        return self._widgets.get(message_id)

    def _follow_if_at_bottom(self) -> None:
        bar = self.verticalScrollBar()
        if bar.value() >= bar.maximum() - 40:
            self._scroll_to_bottom_soon()

    def _scroll_to_bottom_soon(self) -> None:
        # After the layout has settled, so the new height is known.
        QTimer.singleShot(0, self, self._scroll_to_bottom)

    def _scroll_to_bottom(self) -> None:
        self.verticalScrollBar().setValue(self.verticalScrollBar().maximum())

"""The transcript: one widget per message of the shown branch (the latest ones), in a scroll area.

Only the message that is streaming is re-rendered as text arrives; the others are untouched,
so an update costs the same however long the conversation is. When the branch changes
(‹ › navigation, an edit, a regenerated reply), widgets for the messages the old and new
branch share are kept and only the rest is rebuilt.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from app.core.models import Message, Role
from app.core.tree import BranchItem
from app.ui import shortcuts
from app.ui.i18n import translate
from app.ui.message_widget import MessageActions, MessageWidget

HIGHLIGHT_MS = 1500  # how long a message found by search stays highlighted
WINDOW = 40  # messages given widgets at a time (opening a long chat stays quick)
FOLLOW_MARGIN = 40  # pixels from the bottom that still count as "at the bottom"
EARLIER_MARGIN = 200  # scrolled this close to the top, the earlier messages are added above


class TranscriptView(QScrollArea):
    """The messages of the open conversation, newest at the bottom.

    Only the last ``WINDOW`` messages get widgets when a conversation opens; scrolling near the
    top (or "Show earlier messages", for the keyboard) adds the next ``WINDOW`` above, keeping
    what is on screen in place. So opening a 1,000-message conversation costs what opening a
    40-message one does, and scrolling up through it adds 40 widgets at a time.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        container = QWidget()
        self._layout = QVBoxLayout(container)
        self._layout.setContentsMargins(12, 12, 12, 12)
        self._layout.setSpacing(8)
        self.setWidget(container)
        self.actions = MessageActions(self)
        self._items: list[BranchItem] = []  # the whole shown branch
        self._first = 0  # index in _items of the first message with a widget
        self._widgets: dict[int, MessageWidget] = {}
        self._busy = False
        self._outside: set[int] = set()  # ids of messages outside the model's context window
        self._earlier_soon = False  # adding earlier messages is scheduled
        self._empty_note = QLabel(translate(
            "TranscriptView", "Type a message below to start chatting. Everything stays on this "
            "computer.\n\nPress {help} for keyboard shortcuts.").format(help=shortcuts.HELP.shown_keys()))
        self._empty_note.setObjectName("emptyNote")
        self._empty_note.setStyleSheet("#emptyNote { color: palette(mid); padding: 40px; }")
        self._empty_note.setTextFormat(Qt.TextFormat.PlainText)
        self._empty_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty_note.setWordWrap(True)
        self.earlier_button = QPushButton()
        self.earlier_button.clicked.connect(self.show_earlier)
        self._layout.addWidget(self._empty_note)
        self._layout.addWidget(self.earlier_button)
        self._layout.addStretch(1)
        self.earlier_button.hide()
        self._at_bottom = True
        self._keep_from_bottom: int | None = None  # keep the view in place while adding above
        bar = self.verticalScrollBar()
        bar.valueChanged.connect(self._remember_position)
        bar.actionTriggered.connect(self._on_scroll_action)
        bar.rangeChanged.connect(self._on_range_changed)

    # -- what is shown -----------------------------------------------------------------------

    def show_conversation(self, items: list[BranchItem]) -> None:
        """Replace the transcript with a newly opened conversation's branch, at its end."""
        self._drop_widgets_from(0)
        self._first = max(0, len(items) - WINDOW)
        self._at_bottom = True
        self._show_from(items, self._first)
        self._scroll_to_bottom_soon()

    def show_branch(self, items: list[BranchItem]) -> None:
        """Show ``items``, keeping the widgets of the leading messages that did not change."""
        common = 0
        while (common < min(len(items), len(self._items))
               and self._items[common].message.id == items[common].message.id):
            common += 1
        self._first = min(self._first, common)
        self._drop_widgets_from(common)
        for item in items[self._first:common]:
            self._widgets[item.message.id].set_siblings(item.siblings)
        self._show_from(items, common)

    def _show_from(self, items: list[BranchItem], start: int) -> None:
        """Make ``items`` the branch, adding widgets for those from ``start`` on at the bottom."""
        self._items = list(items)
        for item in items[start:]:
            self._insert(item, self._layout.count() - 1)
        self._empty_note.setVisible(not items)
        self._update_earlier_button()

    def show_earlier(self) -> None:
        """Add widgets for up to ``WINDOW`` more messages above the first one shown."""
        if self._first == 0:
            return
        start = max(0, self._first - WINDOW)
        bar = self.verticalScrollBar()
        self._keep_from_bottom = bar.maximum() - bar.value()
        for offset, item in enumerate(self._items[start:self._first]):
            self._insert(item, self._layout.indexOf(self.earlier_button) + 1 + offset)
        self._first = start
        self._update_earlier_button()

    def _insert(self, item: BranchItem, position: int) -> MessageWidget:
        widget = MessageWidget(item, self.actions)
        widget.set_outside_context(item.message.id in self._outside)
        self._layout.insertWidget(position, widget)
        widget.set_busy(self._busy)
        self._widgets[item.message.id] = widget
        return widget

    def _drop_widgets_from(self, index: int) -> None:
        for item in self._items[max(index, self._first):]:
            widget = self._widgets.pop(item.message.id, None)
            if widget is not None:
                widget.retired = True  # a dialog it opened may still be answered
                widget.deleteLater()

    def _update_earlier_button(self) -> None:
        hidden = self._first  # a plain name: lupdate skips a call whose count is an expression
        self.earlier_button.setText(translate("TranscriptView", "Show earlier messages (%n more)",
                                              None, hidden))
        self.earlier_button.setVisible(self._first > 0)

    def set_busy(self, busy: bool) -> None:
        """Hold back actions that change the history while a reply is being written."""
        self._busy = busy
        for widget in self._widgets.values():
            widget.set_busy(busy)

    def set_outside_context(self, message_ids: set[int]) -> None:
        """Mark exactly ``message_ids`` as outside the model's context window (also those shown
        later, and after the branch is rebuilt)."""
        self._outside = set(message_ids)
        for message_id, widget in self._widgets.items():
            widget.set_outside_context(message_id in self._outside)

    def focus_message(self, message_id: int) -> None:
        """Scroll to a message and highlight it briefly (a search result)."""
        while message_id not in self._widgets and self._first > 0:
            self.show_earlier()
        widget = self._widgets.get(message_id)
        if widget is None:
            return
        self._at_bottom = False
        self._keep_from_bottom = None
        widget.setStyleSheet(f"QFrame#{widget.objectName()} {{ background: palette(highlight); }}")
        QTimer.singleShot(0, self, lambda: self.ensureWidgetVisible(widget, 0, 40))
        QTimer.singleShot(HIGHLIGHT_MS, widget, lambda: widget.setStyleSheet(""))

    def shown_ids(self) -> list[int]:
        """The ids of the messages with widgets, top to bottom."""
        return [item.message.id for item in self._items[self._first:]]

    def update_message(self, message: Message) -> None:
        """Show the final state of a message, if it is in view."""
        widget = self._widgets.get(message.id)
        if widget is not None:
            widget.show_message(message)

    def stream_text(self, message_id: int, text: str) -> None:
        """Show streamed text for a reply, if it is in view."""
        widget = self._widgets.get(message_id)
        if widget is not None:
            widget.show_streaming_text(text)

    def last_widget(self, role: Role) -> MessageWidget | None:
        """The widget of the last message by ``role`` in the shown branch, if it is in view."""
        for item in reversed(self._items):
            if item.message.role is role:
                return self._widgets.get(item.message.id)
        return None

    def message_widget(self, message_id: int) -> MessageWidget | None:
        """The widget showing ``message_id``, if it is in view."""
        return self._widgets.get(message_id)

    # -- scrolling ---------------------------------------------------------------------------

    def _remember_position(self, value: int) -> None:
        self._at_bottom = value >= self.verticalScrollBar().maximum() - FOLLOW_MARGIN

    def _on_scroll_action(self, _action: int) -> None:
        """The user scrolled (wheel, keys, scroll bar): near the top, add earlier messages."""
        if not self._earlier_soon and self.verticalScrollBar().sliderPosition() <= EARLIER_MARGIN:
            self._earlier_soon = True  # once the scroll bar has taken the new position
            QTimer.singleShot(0, self, self._show_earlier_if_near_top)

    def _near_top(self) -> bool:
        bar = self.verticalScrollBar()
        return (self._first > 0 and bar.maximum() > 0 and bar.value() <= EARLIER_MARGIN
                and self._keep_from_bottom is None)

    def _show_earlier_if_near_top(self) -> None:
        self._earlier_soon = False
        if self._near_top():
            self.show_earlier()

    def _on_range_changed(self, _minimum: int, maximum: int) -> None:
        """The content grew or shrank: stay at the bottom if we were there (a reply streaming
        in), or keep the same messages in view after adding earlier ones above."""
        bar = self.verticalScrollBar()
        if self._keep_from_bottom is not None:
            bar.setValue(maximum - self._keep_from_bottom)
            self._keep_from_bottom = None
        elif self._at_bottom:
            bar.setValue(maximum)

    def _scroll_to_bottom_soon(self) -> None:
        QTimer.singleShot(0, self, lambda: self.verticalScrollBar().setValue(
            self.verticalScrollBar().maximum()))

"""The transcript: one widget per message in a scroll area.

Only the message that is streaming is re-rendered as text arrives; the others are untouched,
so an update costs the same however long the conversation is.
"""

from __future__ import annotations

import json

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.models import Message, MessageStatus, Role
from app.ui import dialogs
from app.ui.safe_text import SafeTextView

STATUS_NOTES = {
    MessageStatus.STREAMING: "generating…",
    MessageStatus.STOPPED: "stopped",
    MessageStatus.INTERRUPTED: "interrupted (the app closed while this was being written)",
    MessageStatus.FAILED: "failed",
}


def message_details(message: Message) -> str:
    """How a reply was made, as plain text: model, seed and every effective setting."""
    stats = message.stats
    if stats is None:
        return "No generation details were recorded for this message."
    lines = [f"Model: {stats.model}", f"Seed: {stats.seed}"]
    if stats.prompt_tokens is not None:
        lines.append(f"Tokens: {stats.prompt_tokens} in the prompt, "
                     f"{stats.completion_tokens} in the reply")
    lines += ["", "Settings:"]
    lines += [f"  {name} = {json.dumps(value, ensure_ascii=False)}"
              for name, value in stats.settings.items()]
    return "\n".join(lines)


def message_header(message: Message) -> str:
    """The plain-text line above a message: who wrote it and, for replies, how it was made."""
    if message.role is Role.USER:
        return "You"
    parts = ["Assistant"]
    stats = message.stats
    if stats is not None:
        parts.append(stats.model)
        if stats.tokens_per_s:
            parts.append(f"{stats.tokens_per_s:.1f} tok/s")
        if stats.ttft_ms is not None:
            parts.append(f"first token {stats.ttft_ms:.0f} ms")
    if message.status in STATUS_NOTES:
        parts.append(STATUS_NOTES[message.status])
    if message.error:
        parts.append(message.error)
    return " · ".join(parts)


class MessageWidget(QFrame):
    """One message: a plain-text header, a Details button for replies, and the safe body."""

    def __init__(self, message: Message, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("userMessage" if message.role is Role.USER else "assistantMessage")
        self.header = QLabel()
        self.header.setTextFormat(Qt.TextFormat.PlainText)
        self.header.setWordWrap(True)
        self.header.setStyleSheet("color: palette(mid); font-size: small;")
        self.details_button = QToolButton()
        self.details_button.setText("Details")
        self.details_button.setAutoRaise(True)
        self.details_button.setToolTip("The model, seed and settings this reply was made with")
        self.details_button.clicked.connect(self.show_details)
        self.body = SafeTextView()
        header_row = QHBoxLayout()
        header_row.addWidget(self.header, 1)
        header_row.addWidget(self.details_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addLayout(header_row)
        layout.addWidget(self.body)
        self.details_button.setHidden(message.role is not Role.ASSISTANT)  # once it has a parent
        self.message = message
        self.show_message(message)

    def show_message(self, message: Message) -> None:
        """Show ``message`` (its final state, or its stored state while streaming)."""
        self.message = message
        self.header.setText(message_header(message))
        self.body.set_markdown(message.content)

    def show_details(self) -> None:
        """Show how this reply was made, so it can be reproduced."""
        dialogs.show_text(self, "Reply details", message_details(self.message))

    def show_streaming_text(self, text: str) -> None:
        """Show the reply text received so far."""
        self.body.set_markdown(text)


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
        self._widgets: dict[int, MessageWidget] = {}
        self._empty_note = QLabel("Type a message below to start chatting. "
                                  "Everything stays on this computer.")
        self._empty_note.setTextFormat(Qt.TextFormat.PlainText)
        self._empty_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty_note.setWordWrap(True)
        self._layout.insertWidget(0, self._empty_note)

    def show_conversation(self, messages: list[Message]) -> None:
        """Replace the transcript with ``messages``."""
        for widget in self._widgets.values():
            widget.deleteLater()
        self._widgets.clear()
        for message in messages:
            self.add_message(message)
        self._empty_note.setVisible(not messages)
        self._scroll_to_bottom_soon()

    def add_message(self, message: Message) -> MessageWidget:
        """Append one message at the bottom."""
        widget = MessageWidget(message)
        self._layout.insertWidget(self._layout.count() - 1, widget)
        self._widgets[message.id] = widget
        self._empty_note.hide()
        self._scroll_to_bottom_soon()
        return widget

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

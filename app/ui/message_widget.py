"""One message in the transcript: header, ‹ 2/3 › navigation, safe body and its actions.

Every widget reports the user's actions through one shared ``MessageActions`` object, so the
transcript connects a single set of signals however many messages it shows.
"""

from __future__ import annotations

import json
import time

from PySide6.QtCore import QDateTime, QEvent, QLocale, QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.i18n import QT_TRANSLATE_NOOP
from app.core.models import Message, MessageStatus, Role
from app.core.tree import BranchItem
from app.ui import dialogs
from app.ui.i18n import translate
from app.ui.plain_tooltip import plain_tooltip
from app.ui.safe_text import SafeTextView, untrusted_plain_text

OUTSIDE_CONTEXT_NOTE = QT_TRANSLATE_NOOP(
    "MessageWidget", "Outside the context window: the model no longer sees this message")

STATUS_NOTES = {  # English source texts, translated where shown
    MessageStatus.STREAMING: QT_TRANSLATE_NOOP("MessageWidget", "generating…"),
    MessageStatus.STOPPED: QT_TRANSLATE_NOOP("MessageWidget", "stopped"),
    MessageStatus.INCOMPLETE: QT_TRANSLATE_NOOP("MessageWidget", "cut short at the length limit"),
    MessageStatus.INTERRUPTED: QT_TRANSLATE_NOOP(
        "MessageWidget", "interrupted (the app closed while this was being written)"),
    MessageStatus.FAILED: QT_TRANSLATE_NOOP("MessageWidget", "failed"),
}


class MessageActions(QObject):
    """What the user asked to do with a message (message id first)."""

    navigate = Signal(int, int)     # message id, step (-1 previous sibling, +1 next)
    edit = Signal(int, str)         # user message id, new text (sent as a new branch)
    regenerate = Signal(int)        # reply id
    continue_ = Signal(int)         # reply id
    delete = Signal(int)            # message id (confirmed)
    fork = Signal(int)              # message id
    rate = Signal(int, object, object)  # reply id, 1 / -1 / None, note or None


def message_details(message: Message) -> str:
    """How a reply was made, as plain text: model, seed and every effective setting."""
    stats = message.stats
    if stats is None:
        return translate("MessageWidget", "No generation details were recorded for this message.")
    lines = [translate("MessageWidget", "Model: {model}").format(model=stats.model),
             translate("MessageWidget", "Seed: {seed}").format(seed=stats.seed)]
    if stats.prompt_tokens is not None:
        lines.append(translate("MessageWidget", "Tokens: {prompt} in the prompt, {reply} in the reply")
                     .format(prompt=stats.prompt_tokens, reply=stats.completion_tokens))
    if message.feedback_note:
        lines.append(translate("MessageWidget", "Your note: {note}").format(note=message.feedback_note))
    lines += ["", translate("MessageWidget", "Settings:")]
    lines += [f"  {name} = {json.dumps(value, ensure_ascii=False)}"
              for name, value in stats.settings.items()]
    return "\n".join(lines)


def message_time(created_at: float, now: float | None = None) -> str:
    """When a message was written, short: the time today, else the date and time."""
    when = QDateTime.fromSecsSinceEpoch(int(created_at))
    today = QDateTime.fromSecsSinceEpoch(int(now if now is not None else time.time())).date()
    locale = QLocale()
    if when.date() == today:
        return locale.toString(when.time(), QLocale.FormatType.ShortFormat)
    return locale.toString(when, QLocale.FormatType.ShortFormat)


def message_header(message: Message) -> str:
    """The plain-text line above a message: who wrote it, when and, for replies, how it was made
    (model, speed, time to the first token, and how it ended)."""
    if message.role is Role.USER:
        return " · ".join([translate("MessageWidget", "You"), message_time(message.created_at)])
    parts = [translate("MessageWidget", "Assistant")]
    stats = message.stats
    if stats is not None:
        parts.append(" ".join(stats.model.split()))  # a model name is one plain line
    parts.append(message_time(message.created_at))
    if stats is not None:
        if stats.tokens_per_s:
            parts.append(translate("MessageWidget", "{speed} tok/s").format(
                speed=f"{stats.tokens_per_s:.1f}"))
        if stats.ttft_ms is not None:
            parts.append(translate("MessageWidget", "first token {ms} ms").format(
                ms=f"{stats.ttft_ms:.0f}"))
    if message.status in STATUS_NOTES:
        parts.append(translate("MessageWidget", STATUS_NOTES[message.status]))
    if message.error:
        parts.append(message.error)
    return " · ".join(parts)


_GOOD_TIP = QT_TRANSLATE_NOOP("MessageWidget", "Mark this reply as good")
_BAD_TIP = QT_TRANSLATE_NOOP("MessageWidget", "Mark this reply as bad")


def plain_text(markdown: str) -> str:
    """A message's Markdown as the plain text it reads as."""
    return untrusted_plain_text(markdown)


def _tool_button(text: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    button.setAccessibleName(tip)
    button.setAutoRaise(True)
    return button


class MessageEditor(QPlainTextEdit):
    """The in-place editor: Ctrl+Enter submits, Esc cancels (rather than stopping a reply, which
    is what Esc means everywhere else in the window)."""

    submitted = Signal()
    cancelled = Signal()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent) \
                and event.key() == Qt.Key.Key_Escape:
            event.accept()  # Esc is this editor's key, not the window's shortcut
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.cancelled.emit()
        elif (event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
              and event.modifiers() & Qt.KeyboardModifier.ControlModifier):
            self.submitted.emit()
        else:
            super().keyPressEvent(event)


class MessageWidget(QFrame):
    """One message with its navigation and actions."""

    def __init__(self, item: BranchItem, actions: MessageActions,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        message = item.message
        self.actions = actions
        self.message = message
        self.retired = False  # removed from the transcript: a late answer to a dialog is ignored
        self.outside_context = False  # the model no longer sees this message (see set_outside_context)
        self.siblings = item.siblings
        is_reply = message.role is Role.ASSISTANT
        self.setObjectName("assistantMessage" if is_reply else "userMessage")

        self.header = QLabel()
        self.header.setTextFormat(Qt.TextFormat.PlainText)
        self.header.setWordWrap(True)
        self.header.setStyleSheet("color: palette(mid); font-size: small;")
        self.previous_button = _tool_button("‹", translate("MessageWidget", "Show the previous version"))
        self.previous_button.clicked.connect(lambda: actions.navigate.emit(self.message.id, -1))
        self.position_label = QLabel()
        self.position_label.setTextFormat(Qt.TextFormat.PlainText)
        self.next_button = _tool_button("›", translate("MessageWidget", "Show the next version"))
        self.next_button.clicked.connect(lambda: actions.navigate.emit(self.message.id, +1))
        header_row = QHBoxLayout()
        header_row.addWidget(self.header, 1)
        for widget in (self.previous_button, self.position_label, self.next_button):
            header_row.addWidget(widget)

        self.context_note = QLabel(translate("MessageWidget", OUTSIDE_CONTEXT_NOTE))
        self.context_note.setTextFormat(Qt.TextFormat.PlainText)
        self.context_note.setWordWrap(True)
        self.context_note.setStyleSheet("color: palette(mid); font-size: small; font-style: italic;")
        self.body = SafeTextView()
        self.body.setAccessibleName(translate("MessageWidget", "Reply") if is_reply
                                    else translate("MessageWidget", "Your message"))
        self.editor = MessageEditor()
        self.editor.setAccessibleName(translate("MessageWidget", "Edit the message"))
        self.editor.setToolTip(translate("MessageWidget", "Ctrl+Enter saves, Esc cancels"))
        self.editor.submitted.connect(self._submit_edit)
        self.editor.cancelled.connect(self.cancel_edit)
        self.edit_send = QPushButton(translate("MessageWidget", "Save as new version") if is_reply
                                     else translate("MessageWidget", "Send as new version"))
        self.edit_send.clicked.connect(self._submit_edit)
        self.edit_cancel = QPushButton(translate("MessageWidget", "Cancel"))
        self.edit_cancel.clicked.connect(self.cancel_edit)
        edit_row = QHBoxLayout()
        edit_row.addStretch(1)
        edit_row.addWidget(self.edit_cancel)
        edit_row.addWidget(self.edit_send)
        self.edit_box = QWidget()
        edit_layout = QVBoxLayout(self.edit_box)
        edit_layout.setContentsMargins(0, 0, 0, 0)
        edit_layout.addWidget(self.editor)
        edit_layout.addLayout(edit_row)

        self.edit_button = _tool_button(translate("MessageWidget", "Edit"), translate(
            "MessageWidget", "Edit and resend; the original stays as a version"))
        self.edit_button.clicked.connect(self.start_edit)
        self.regenerate_button = _tool_button(translate("MessageWidget", "Regenerate"), translate(
            "MessageWidget", "Write another reply; this one is kept"))
        self.regenerate_button.clicked.connect(lambda: actions.regenerate.emit(self.message.id))
        self.continue_button = _tool_button(translate("MessageWidget", "Continue"), translate(
            "MessageWidget", "Let the model go on writing this reply"))
        self.continue_button.clicked.connect(lambda: actions.continue_.emit(self.message.id))
        self.good_button = _tool_button(translate("MessageWidget", "Good"),
                                        translate("MessageWidget", _GOOD_TIP))
        self.bad_button = _tool_button(translate("MessageWidget", "Bad"),
                                       translate("MessageWidget", _BAD_TIP))
        for button, rating in ((self.good_button, 1), (self.bad_button, -1)):
            button.setCheckable(True)
            button.clicked.connect(lambda _=False, r=rating: self._rate(r))
        self.copy_button = _tool_button(translate("MessageWidget", "Copy"),
                                        translate("MessageWidget", "Copy this message"))
        copy_menu = QMenu(self.copy_button)
        copy_menu.addAction(translate("MessageWidget", "Copy as text"), lambda: self.copy(markdown=False))
        copy_menu.addAction(translate("MessageWidget", "Copy as Markdown"),
                            lambda: self.copy(markdown=True))
        self.copy_button.setMenu(copy_menu)
        self.copy_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.copy_button.clicked.connect(lambda: self.copy(markdown=False))
        self.more_button = _tool_button("⋯", translate("MessageWidget", "More actions"))
        self.more_menu = QMenu(self.more_button)
        if is_reply:
            self.more_menu.addAction(translate("MessageWidget", "Feedback note…"), self._ask_note)
            self.more_menu.addAction(translate("MessageWidget", "Details…"), self.show_details)
        self.more_menu.addAction(translate("MessageWidget", "Fork into a new chat"),
                                 lambda: actions.fork.emit(self.message.id))
        self.more_menu.addSeparator()
        self.more_menu.addAction(translate("MessageWidget", "Delete…"), self._delete)
        self.more_button.setMenu(self.more_menu)
        self.more_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        action_row = QHBoxLayout()
        for button in (self.edit_button, self.regenerate_button, self.continue_button,
                       self.good_button, self.bad_button, self.copy_button, self.more_button):
            action_row.addWidget(button)
        action_row.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addLayout(header_row)
        layout.addWidget(self.context_note)
        layout.addWidget(self.body)
        layout.addWidget(self.edit_box)
        layout.addLayout(action_row)
        # Visibility only once everything has a parent (a parentless visible widget is a window).
        self.edit_box.hide()
        self.context_note.hide()
        for button in (self.regenerate_button, self.good_button, self.bad_button):
            button.setVisible(is_reply)
        self.show_message(message)
        self.set_siblings(item.siblings)

    # -- showing -----------------------------------------------------------------------------

    def show_message(self, message: Message) -> None:
        """Show ``message`` (its final state, or its stored state while streaming)."""
        self.message = message
        self.header.setText(message_header(message))
        self.body.set_markdown(message.content)
        self.continue_button.setVisible(message.can_continue)
        self.good_button.setChecked(message.rating == 1)
        self.bad_button.setChecked(message.rating == -1)
        note = ("\n" + translate("MessageWidget", "Your note: {note}").format(note=message.feedback_note)
                if message.feedback_note else "")
        self.good_button.setToolTip(plain_tooltip(translate("MessageWidget", _GOOD_TIP) + note))
        self.bad_button.setToolTip(plain_tooltip(translate("MessageWidget", _BAD_TIP) + note))

    def set_siblings(self, siblings: tuple[int, ...]) -> None:
        """Show ‹ n/m › when this message has other versions."""
        self.siblings = siblings
        position = siblings.index(self.message.id) + 1 if self.message.id in siblings else 1
        self.position_label.setText(f"{position}/{len(siblings)}")
        for widget in (self.previous_button, self.position_label, self.next_button):
            widget.setVisible(len(siblings) > 1)
        self.previous_button.setEnabled(position > 1)
        self.next_button.setEnabled(position < len(siblings))

    def set_outside_context(self, outside: bool) -> None:
        """Mark the message as outside the model's context window (a note, a dimmed body), or not."""
        if outside == self.outside_context:
            return
        self.outside_context = outside
        self.context_note.setVisible(outside)
        palette = QPalette()  # only what is set here; every other colour follows the theme
        if outside:
            dimmed = self.palette().color(QPalette.ColorRole.PlaceholderText)
            palette.setColor(QPalette.ColorRole.Text, dimmed)
        self.body.setPalette(palette)

    def show_streaming_text(self, text: str) -> None:
        """Show the reply text received so far (only what changed is rendered again)."""
        self.body.set_streaming_markdown(text)

    def set_busy(self, busy: bool) -> None:
        """While a reply is being written, actions that change the history wait."""
        for widget in (self.previous_button, self.next_button, self.edit_button,
                       self.regenerate_button, self.continue_button, self.edit_send,
                       self.more_button):
            widget.setEnabled(not busy)
        if not busy:
            self.set_siblings(self.siblings)

    # -- actions -----------------------------------------------------------------------------

    def start_edit(self) -> None:
        """Show an editor with the message text in place of the message."""
        self.editor.setPlainText(self.message.content)
        self.body.hide()
        self.edit_box.show()
        self.editor.setFocus()

    def cancel_edit(self) -> None:
        """Close the editor; nothing changes."""
        editing = self.editor.hasFocus()
        self.edit_box.hide()
        self.body.show()
        if editing:
            self.edit_button.setFocus()  # keyboard users stay where they were

    def _submit_edit(self) -> None:
        text = self.editor.toPlainText()
        if text.strip() and not self.retired:
            self.cancel_edit()
            self.actions.edit.emit(self.message.id, text)

    def copy(self, markdown: bool) -> None:
        """Put the message on the clipboard, as Markdown source or as the text it reads as."""
        text = self.message.content if markdown else plain_text(self.message.content)
        QGuiApplication.clipboard().setText(text)

    def _rate(self, rating: int) -> None:
        new = None if self.message.rating == rating else rating
        self.actions.rate.emit(self.message.id, new, self.message.feedback_note)

    def _ask_note(self) -> None:
        note = dialogs.ask_text(self, translate("MessageWidget", "Feedback"),
                                translate("MessageWidget", "A note about this reply (optional):"),
                                self.message.feedback_note or "")
        if note is not None and not self.retired:
            self.actions.rate.emit(self.message.id, self.message.rating, note.strip() or None)

    def _delete(self) -> None:
        if dialogs.confirm(self, translate("MessageWidget", "Delete message"), translate(
                "MessageWidget", "Delete this message and every reply after it, on every branch? "
                "This cannot be undone.")) and not self.retired:
            self.actions.delete.emit(self.message.id)

    def show_details(self) -> None:
        """Show how this reply was made, so it can be reproduced."""
        dialogs.show_text(self, translate("MessageWidget", "Reply details"), message_details(self.message))

"""The message composer: Enter sends, Shift+Enter starts a new line, Up (when empty) asks to edit
the last message."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from app.ui.i18n import translate


class Composer(QPlainTextEdit):
    """A plain-text box that emits ``submitted`` with its text on Enter."""

    submitted = Signal(str)
    editLastRequested = Signal()  # Up in an empty box

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(translate(
            "Composer", "Message Parley (Enter to send, Shift+Enter for a new line)"))
        self.setAccessibleName(translate("Composer", "Message"))
        self.setTabChangesFocus(True)
        self.setMaximumHeight(110)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        is_enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if is_enter and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.submit()
            return
        if event.key() == Qt.Key.Key_Up and not event.modifiers() and not self.toPlainText():
            self.editLastRequested.emit()
            return
        super().keyPressEvent(event)

    def submit(self) -> None:
        """Emit the text (if it is not blank) and clear the box."""
        text = self.toPlainText()
        if text.strip():
            self.submitted.emit(text)
            self.clear()

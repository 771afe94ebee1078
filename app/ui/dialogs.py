"""Small modal questions, in one place so tests can answer them.

Callers pass titles, questions and choices already translated; the standard buttons (Yes, No,
Cancel, Close) are translated by Qt's own translations.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.core.i18n import QT_TRANSLATE_NOOP
from app.ui.i18n import translate

JSON_FILES = QT_TRANSLATE_NOOP("Dialogs", "JSON (*.json)")  # English; translated where used


def _message_box(parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str,
                 buttons: QMessageBox.StandardButton) -> QMessageBox:
    """A message box showing ``text`` as plain text: questions quote titles and file names, which
    may come from a model or an imported file, and Qt would otherwise guess that text starting
    like HTML is HTML (and load the images it names)."""
    box = QMessageBox(icon, title, text, buttons, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    return box


def confirm(parent: QWidget | None, title: str, question: str) -> bool:
    """Ask a yes/no question; No is the default."""
    box = _message_box(parent, QMessageBox.Icon.Question, title, question,
                       QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    box.setDefaultButton(QMessageBox.StandardButton.No)
    return box.exec() == QMessageBox.StandardButton.Yes


def choose(parent: QWidget | None, title: str, question: str, choices: list[str]) -> int | None:
    """Ask which of ``choices`` to do (or Cancel, the default); the index chosen, or None."""
    box = _message_box(parent, QMessageBox.Icon.Question, title, question,
                       QMessageBox.StandardButton.Cancel)
    buttons = [box.addButton(text, QMessageBox.ButtonRole.AcceptRole) for text in choices]
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    clicked = box.clickedButton()
    return next((index for index, button in enumerate(buttons) if button is clicked), None)


def ask_text(parent: QWidget | None, title: str, label: str, text: str) -> str | None:
    """Ask for one line of text; None if cancelled."""
    value, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, text)
    return value if ok else None


def ask_open_file(parent: QWidget | None, title: str, filters: str | None = None) -> Path | None:
    """Ask for a file to read (JSON unless ``filters`` says otherwise); None if cancelled."""
    chosen, _ = QFileDialog.getOpenFileName(parent, title, "", filters or translate("Dialogs", JSON_FILES))
    return Path(chosen) if chosen else None


def ask_save_file(parent: QWidget | None, title: str, suggested: str,
                  filters: str | None = None) -> Path | None:
    """Ask where to write a file (JSON unless ``filters`` says otherwise); None if cancelled."""
    chosen, _ = QFileDialog.getSaveFileName(parent, title, suggested,
                                            filters or translate("Dialogs", JSON_FILES))
    return Path(chosen) if chosen else None


def show_error(parent: QWidget | None, title: str, message: str) -> None:
    """Show a problem the user must acknowledge (a refused import, a failed start)."""
    _message_box(parent, QMessageBox.Icon.Critical, title, message, QMessageBox.StandardButton.Ok).exec()


def show_text(parent: QWidget | None, title: str, text: str) -> None:
    """Show read-only plain text that can be selected and copied."""
    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    view = QPlainTextEdit(text)
    view.setReadOnly(True)
    view.setAccessibleName(title)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(view)
    layout.addWidget(buttons)
    dialog.resize(520, 480)
    dialog.exec()

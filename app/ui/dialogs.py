"""Small modal questions, in one place so tests can answer them."""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox, QWidget


def confirm(parent: QWidget | None, title: str, question: str) -> bool:
    """Ask a yes/no question; No is the default."""
    answer = QMessageBox.question(parent, title, question,
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


def ask_text(parent: QWidget | None, title: str, label: str, text: str) -> str | None:
    """Ask for one line of text; None if cancelled."""
    value, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, text)
    return value if ok else None


def show_error(parent: QWidget | None, title: str, message: str) -> None:
    """Show a blocking error (only for start-up failures the app cannot continue from)."""
    QMessageBox.critical(parent, title, message)

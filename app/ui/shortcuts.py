"""Every keyboard shortcut, declared once: the window binds them and the help dialog lists them.

The help dialog (F1 or Ctrl+/) shows this table, so it cannot drift from what the keys do.
Keys are written in Qt's portable form ("Ctrl+N") and shown in the platform's (⌘N on macOS).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.i18n import QT_TRANSLATE_NOOP
from app.ui.i18n import translate


@dataclass(frozen=True)
class Shortcut:
    """Keys and what they do (English source text, translated in context "Shortcuts")."""

    keys: tuple[str, ...]
    does: str

    def sequences(self) -> list[QKeySequence]:
        """The keys as Qt key sequences."""
        return [QKeySequence(key) for key in self.keys]

    def shown_keys(self) -> str:
        """The keys as the platform writes them, e.g. "Ctrl+K, Ctrl+F"."""
        return ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in self.sequences())


NEW_CHAT = Shortcut(("Ctrl+N",), QT_TRANSLATE_NOOP("Shortcuts", "Start a new chat"))
NEW_TEMPORARY_CHAT = Shortcut(("Ctrl+Shift+N",),
                              QT_TRANSLATE_NOOP("Shortcuts", "Start a temporary chat (not saved)"))
SEARCH = Shortcut(("Ctrl+K", "Ctrl+F"), QT_TRANSLATE_NOOP("Shortcuts", "Search all chats"))
STOP = Shortcut(("Esc",), QT_TRANSLATE_NOOP("Shortcuts", "Stop the reply being written"))
REGENERATE = Shortcut(("Ctrl+R",),
                      QT_TRANSLATE_NOOP("Shortcuts", "Write another version of the last reply"))
EDIT_LAST = Shortcut(("Up",), QT_TRANSLATE_NOOP(
    "Shortcuts", "Edit your last message (in an empty message box)"))
SAVE_EDIT = Shortcut(("Ctrl+Return",), QT_TRANSLATE_NOOP(
    "Shortcuts", "Send or save an edited message (in its editor)"))
CANCEL_EDIT = Shortcut(("Esc",), QT_TRANSLATE_NOOP("Shortcuts", "Cancel editing (in the editor)"))
COPY_LAST_REPLY = Shortcut(("Ctrl+Shift+C",), QT_TRANSLATE_NOOP("Shortcuts", "Copy the last reply"))
SEND = Shortcut(("Return",), QT_TRANSLATE_NOOP("Shortcuts", "Send the message"))
NEW_LINE = Shortcut(("Shift+Return",), QT_TRANSLATE_NOOP("Shortcuts", "New line in the message"))
SETTINGS = Shortcut(("Ctrl+,",), QT_TRANSLATE_NOOP("Shortcuts", "Show or hide the settings"))
MODELS = Shortcut(("Ctrl+M",), QT_TRANSLATE_NOOP("Shortcuts", "Manage models"))
RENAME = Shortcut(("F2",), QT_TRANSLATE_NOOP("Shortcuts", "Rename the selected chat (in the list)"))
TRASH = Shortcut(("Del",), QT_TRANSLATE_NOOP("Shortcuts", "Move the selected chat to the trash"))
HELP = Shortcut(("F1", "Ctrl+/"), QT_TRANSLATE_NOOP("Shortcuts", "Show these shortcuts"))
QUIT = Shortcut(("Ctrl+Q",), QT_TRANSLATE_NOOP("Shortcuts", "Quit Parley"))

ALL: tuple[Shortcut, ...] = (NEW_CHAT, NEW_TEMPORARY_CHAT, SEARCH, SEND, NEW_LINE, STOP, REGENERATE,
                             EDIT_LAST, SAVE_EDIT, CANCEL_EDIT, COPY_LAST_REPLY, SETTINGS, MODELS,
                             RENAME, TRASH, HELP, QUIT)


class ShortcutsDialog(QDialog):
    """A table of every shortcut and what it does."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(translate("Shortcuts", "Keyboard shortcuts"))
        self.resize(520, 480)
        self.table = QTableWidget(len(ALL), 2)
        self.table.setAccessibleName(translate("Shortcuts", "Keyboard shortcuts"))
        self.table.setHorizontalHeaderLabels([translate("Shortcuts", "Keys"),
                                              translate("Shortcuts", "What it does")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        for row, shortcut in enumerate(ALL):
            self.table.setItem(row, 0, QTableWidgetItem(shortcut.shown_keys()))
            self.table.setItem(row, 1, QTableWidgetItem(translate("Shortcuts", shortcut.does)))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)


def markdown_table() -> str:
    """The README's shortcuts table (English), from the same declarations."""
    rows = ["| Keys | What they do |", "|---|---|"]
    rows += [f"| {', '.join(s.keys)} | {s.does} |" for s in ALL]
    return "\n".join(rows) + "\n"

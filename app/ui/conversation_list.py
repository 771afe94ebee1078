"""The sidebar's item model: conversations under date headings, pinned ones first.

Headings are rows that cannot be selected: Pinned, Today, Yesterday, Previous 7 days, Older.
Titles are shown as plain text. The headings are kept as English keys and translated (in the
"ConversationListModel" context) only when shown.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from app.core.i18n import QT_TRANSLATE_NOOP
from app.core.models import ConversationSummary
from app.ui.i18n import translate
from app.ui.plain_tooltip import plain_tooltip

ConversationIdRole = Qt.ItemDataRole.UserRole + 1

PINNED = QT_TRANSLATE_NOOP("ConversationListModel", "Pinned")
DATE_GROUPS = (QT_TRANSLATE_NOOP("ConversationListModel", "Today"),
               QT_TRANSLATE_NOOP("ConversationListModel", "Yesterday"),
               QT_TRANSLATE_NOOP("ConversationListModel", "Previous 7 days"),
               QT_TRANSLATE_NOOP("ConversationListModel", "Older"))


def date_group(timestamp: float, now: float | None = None) -> str:
    """Which date heading a conversation last updated at ``timestamp`` (local time) goes under."""
    today = dt.date.fromtimestamp(time.time() if now is None else now)
    try:
        days = (today - dt.date.fromtimestamp(timestamp)).days
    except (ValueError, OverflowError, OSError):  # a time no calendar can show
        return DATE_GROUPS[3]
    if days <= 0:
        return DATE_GROUPS[0]
    if days == 1:
        return DATE_GROUPS[1]
    return DATE_GROUPS[2] if days <= 7 else DATE_GROUPS[3]


def grouped_rows(conversations: list[ConversationSummary],
                 now: float | None = None) -> list[str | ConversationSummary]:
    """Headings and conversations in display order: pinned first, then by date, newest first."""
    rows: list[str | ConversationSummary] = []
    heading = None
    ordered = sorted(conversations, key=lambda c: (not c.pinned, -c.updated_at, -c.id))
    for conversation in ordered:
        group = PINNED if conversation.pinned else date_group(conversation.updated_at, now)
        if group != heading:
            rows.append(group)
            heading = group
        rows.append(conversation)
    return rows


class ConversationListModel(QAbstractListModel):
    """Conversations with date headings."""

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[str | ConversationSummary] = []

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._rows)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if isinstance(row, str):
            return self._heading_data(row, role)
        if role == Qt.ItemDataRole.DisplayRole:
            return row.title
        if role == Qt.ItemDataRole.ToolTipRole:
            count = row.message_count  # a plain name: lupdate takes nothing else as the count
            return plain_tooltip("\n".join((row.title, translate("ConversationListModel", "%n message(s)",
                                                                  None, count))))
        if role == ConversationIdRole:
            return row.id
        return None

    @staticmethod
    def _heading_data(heading: str, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return translate("ConversationListModel", heading)
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(True)
            font.setPointSizeF(font.pointSizeF() * 0.85)
            return font
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if self.conversation_at(index.row()) is None:
            return Qt.ItemFlag.NoItemFlags  # a heading
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def set_conversations(self, conversations: list[ConversationSummary], grouped: bool = True) -> None:
        """Replace the rows (with headings unless ``grouped`` is False, as in the trash)."""
        self.beginResetModel()
        self._rows = grouped_rows(conversations) if grouped else list(conversations)
        self.endResetModel()

    def row_of(self, conversation_id: int | None) -> int | None:
        """The row showing ``conversation_id``, if listed."""
        for number, row in enumerate(self._rows):
            if not isinstance(row, str) and row.id == conversation_id:
                return number
        return None

    def conversation_at(self, row: int) -> ConversationSummary | None:
        """The conversation on ``row`` (None for a heading or no row)."""
        found = self._rows[row] if 0 <= row < len(self._rows) else None
        return None if isinstance(found, str) else found

    def conversations(self) -> list[ConversationSummary]:
        """The conversations listed, in display order."""
        return [row for row in self._rows if not isinstance(row, str)]

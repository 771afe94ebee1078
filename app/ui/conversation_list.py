"""The sidebar's item model: saved conversations, most recently updated first."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from app.core.models import ConversationSummary

ConversationIdRole = Qt.ItemDataRole.UserRole + 1


class ConversationListModel(QAbstractListModel):
    """A list of ConversationSummary rows; titles are shown as plain text."""

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[ConversationSummary] = []

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._rows)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return row.title
        if role == ConversationIdRole:
            return row.id
        return None

    def set_conversations(self, rows: list[ConversationSummary]) -> None:
        """Replace the rows."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_of(self, conversation_id: int | None) -> int | None:
        """The row showing ``conversation_id``, if listed."""
        for number, row in enumerate(self._rows):
            if row.id == conversation_id:
                return number
        return None

    def conversation_at(self, row: int) -> ConversationSummary:
        """The conversation on ``row``."""
        return self._rows[row]

"""The sidebar: New chat (with personas), the conversation list or the trash, and Settings.

Deleting a conversation moves it to the trash, with no question asked, because it can be
undone at once and restored later; only emptying the trash or deleting from it, which cannot
be undone, asks for confirmation. The Delete key therefore never loses a chat.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QLabel,
    QListView,
    QMenu,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.models import ConversationSummary
from app.ui import dialogs, shortcuts
from app.ui.controller import ChatController
from app.ui.conversation_list import ConversationListModel
from app.ui.i18n import translate


class Sidebar(QWidget):
    """Conversation navigation; every action goes through the controller."""

    def __init__(self, controller: ChatController, settings_action: QAction,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.new_chat_button = QToolButton()
        self.new_chat_button.setText(translate("Sidebar", "New chat"))
        self.new_chat_button.setToolTip(translate("Sidebar", "Start a new chat; the arrow starts one with "
                                                             "a persona, or a temporary chat that is never "
                                                             "saved"))
        self.new_chat_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.new_chat_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.new_chat_button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.new_chat_button.clicked.connect(lambda: controller.new_conversation())
        self.persona_menu = QMenu(self.new_chat_button)
        self.persona_menu.aboutToShow.connect(self._fill_persona_menu)
        self.new_chat_button.setMenu(self.persona_menu)

        self.model = ConversationListModel()
        self.view = QListView()
        self.view.setModel(self.model)
        self.view.setAccessibleName(translate("Sidebar", "Conversations"))
        self.view.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._show_menu)
        self.view.clicked.connect(self._on_clicked)
        self.view.activated.connect(self._on_clicked)
        self._add_keys()
        self.empty_note = QLabel()  # what an empty list means (the first launch, an empty trash)
        self.empty_note.setTextFormat(Qt.TextFormat.PlainText)
        self.empty_note.setWordWrap(True)
        self.empty_note.setObjectName("emptyListNote")
        self.empty_note.setStyleSheet("#emptyListNote { color: palette(mid); padding: 8px 4px; }")

        self.trash_button = QToolButton()
        self.trash_button.setText(translate("Sidebar", "Trash"))
        self.trash_button.setCheckable(True)
        self.trash_button.setToolTip(translate("Sidebar", "Show deleted conversations, to restore them"))
        self.trash_button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.trash_button.toggled.connect(lambda _: self.refresh())
        self.empty_trash_button = QPushButton(translate("Sidebar", "Empty trash…"))
        self.empty_trash_button.setToolTip(translate("Sidebar", "Delete every conversation in the trash "
                                                                "for good"))
        self.empty_trash_button.clicked.connect(self.empty_trash)
        self.settings_button = QToolButton()
        self.settings_button.setDefaultAction(settings_action)
        self.settings_button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 0, 6)
        layout.addWidget(self.new_chat_button)
        layout.addWidget(self.empty_note)
        layout.addWidget(self.view)
        layout.addWidget(self.empty_trash_button)
        layout.addWidget(self.trash_button)
        layout.addWidget(self.settings_button)
        self.empty_trash_button.hide()

        self._conversations: list[ConversationSummary] = []
        self._trash: list[ConversationSummary] = []
        controller.conversationsChanged.connect(self._on_conversations)
        controller.trashChanged.connect(self._on_trash)

    # -- showing -----------------------------------------------------------------------------

    @property
    def showing_trash(self) -> bool:
        """Whether the list shows the trash instead of the conversations."""
        return self.trash_button.isChecked()

    def _on_conversations(self, rows: list[ConversationSummary]) -> None:
        self._conversations = rows
        if not self.showing_trash:
            self.refresh()

    def _on_trash(self, rows: list[ConversationSummary]) -> None:
        self._trash = rows
        count = len(rows)
        self.trash_button.setText(translate("Sidebar", "Trash (%n)", None, count) if count else
                                  translate("Sidebar", "Trash"))
        if self.showing_trash:
            self.refresh()

    def refresh(self) -> None:
        """Show the conversations (grouped by date) or the trash."""
        trash = self.showing_trash
        self.model.set_conversations(self._trash if trash else self._conversations, grouped=not trash)
        self.view.setAccessibleName(translate("Sidebar", "Deleted conversations") if trash else
                                    translate("Sidebar", "Conversations"))
        self.empty_trash_button.setVisible(trash)
        shown = self._trash if trash else self._conversations
        self.empty_note.setText(translate("Sidebar", "The trash is empty.") if trash else translate(
            "Sidebar", "No chats yet. Each chat is saved here as soon as you send its first message."))
        self.empty_note.setVisible(not shown)
        self.empty_trash_button.setEnabled(bool(self._trash))
        self.select(self.controller.saved_conversation_id)

    def select(self, conversation_id: int | None) -> None:
        """Highlight the open conversation, if it is listed."""
        row = self.model.row_of(conversation_id)
        if row is None:
            self.view.clearSelection()
        else:
            self.view.setCurrentIndex(self.model.index(row))

    def selected(self) -> ConversationSummary | None:
        """The highlighted conversation, if any."""
        index = self.view.currentIndex()
        return self.model.conversation_at(index.row()) if index.isValid() else None

    # -- actions -----------------------------------------------------------------------------

    def _add_keys(self) -> None:
        rename = QAction(translate("Sidebar", "Rename"), self.view)
        rename.setShortcuts(shortcuts.RENAME.sequences())
        rename.triggered.connect(lambda: self.rename(self.selected()))
        delete = QAction(translate("Sidebar", "Move to trash"), self.view)
        delete.setShortcuts(shortcuts.TRASH.sequences())
        delete.triggered.connect(lambda: self.delete(self.selected()))
        for action in (rename, delete):
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.view.addActions([rename, delete])

    def _fill_persona_menu(self) -> None:
        menu = self.persona_menu
        menu.clear()
        menu.addAction(translate("Sidebar", "Blank chat"), lambda: self.controller.new_conversation())
        menu.addAction(translate("Sidebar", "Temporary chat (never saved)"),
                       lambda: self.controller.new_conversation(temporary=True))
        menu.addSeparator()
        for preset in self.controller.presets.all():
            if preset.is_persona:
                action = menu.addAction(preset.name,
                                        lambda p=preset: self.controller.new_conversation(p))
                action.setToolTip(preset.description)

    def _on_clicked(self, index: QModelIndex) -> None:
        conversation = self.model.conversation_at(index.row())
        if conversation is not None and not self.showing_trash:
            self.controller.open_conversation(conversation.id)

    def _show_menu(self, position: QPoint) -> None:
        conversation = self.model.conversation_at(self.view.indexAt(position).row())
        if conversation is None:
            return
        menu = QMenu(self)
        if self.showing_trash:
            menu.addAction(translate("Sidebar", "Restore"), lambda: self.controller.restore(conversation.id))
            menu.addAction(translate("Sidebar", "Delete for good…"),
                           lambda: self.delete_for_good(conversation))
        else:
            menu.addAction(translate("Sidebar", "Rename…"), lambda: self.rename(conversation))
            pin_text = translate("Sidebar", "Unpin") if conversation.pinned else translate("Sidebar", "Pin")
            menu.addAction(pin_text,
                           lambda: self.controller.set_pinned(conversation.id, not conversation.pinned))
            menu.addSeparator()
            menu.addAction(translate("Sidebar", "Move to trash"), lambda: self.delete(conversation))
        menu.exec(self.view.viewport().mapToGlobal(position))

    def rename(self, conversation: ConversationSummary | None) -> None:
        """Ask for a new title."""
        if conversation is None or self.showing_trash:
            return
        title = dialogs.ask_text(self, translate("Sidebar", "Rename conversation"),
                                 translate("Sidebar", "Title:"), conversation.title)
        if title is not None:
            self.controller.rename_conversation(conversation.id, title)

    def delete(self, conversation: ConversationSummary | None) -> None:
        """Move to the trash (from the trash: delete for good, after asking)."""
        if conversation is None:
            return
        if self.showing_trash:
            self.delete_for_good(conversation)
        else:
            self.controller.move_to_trash(conversation.id)

    def delete_for_good(self, conversation: ConversationSummary) -> None:
        """Delete one conversation in the trash, after asking."""
        if dialogs.confirm(self, translate("Sidebar", "Delete for good"),
                           translate("Sidebar", "Delete “{title}” for good? This cannot be undone.")
                           .format(title=conversation.title)):
            self.controller.delete_for_good(conversation.id)

    def empty_trash(self) -> None:
        """Delete everything in the trash, after asking."""
        count = len(self._trash)
        if count and dialogs.confirm(
                self, translate("Sidebar", "Empty trash"),
                translate("Sidebar", "Delete the %n conversation(s) in the trash for good? "
                                     "This cannot be undone.", None, count)):
            self.controller.empty_trash()

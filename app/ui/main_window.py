"""The main window: conversation sidebar, transcript, composer, settings dock and status bar.

It holds widgets only; every action goes through the ChatController.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QListView,
    QMainWindow,
    QMenu,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app import APP_NAME
from app.core.models import ConversationSummary, Message
from app.ui import dialogs
from app.ui.composer import Composer
from app.ui.controller import ChatController
from app.ui.conversation_list import ConversationIdRole, ConversationListModel
from app.ui.settings_panel import SettingsPanel
from app.ui.transcript import TranscriptView


class MainWindow(QMainWindow):
    """Parley's window."""

    def __init__(self, controller: ChatController, state: QSettings) -> None:
        super().__init__()
        self.controller = controller
        self._state = state
        self.setWindowTitle(APP_NAME)
        self.resize(1000, 700)

        self.conversation_model = ConversationListModel()
        self.conversation_view = QListView()
        self.conversation_view.setModel(self.conversation_model)
        self.conversation_view.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.conversation_view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.conversation_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.conversation_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.conversation_view.customContextMenuRequested.connect(self._show_conversation_menu)
        self.conversation_view.clicked.connect(self._on_conversation_clicked)
        self.conversation_view.activated.connect(self._on_conversation_clicked)
        self.new_chat_button = QToolButton()
        self.new_chat_button.setText("New chat")
        self.new_chat_button.setToolTip("Start a new chat; the arrow starts one with a persona")
        self.new_chat_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.new_chat_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.new_chat_button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.new_chat_button.clicked.connect(lambda: controller.new_conversation())
        self.persona_menu = QMenu(self.new_chat_button)
        self.persona_menu.aboutToShow.connect(self._fill_persona_menu)
        self.new_chat_button.setMenu(self.persona_menu)

        self.settings_panel = SettingsPanel(controller)
        self.settings_dock = QDockWidget("Settings", self)
        self.settings_dock.setObjectName("settingsDock")
        self.settings_dock.setWidget(self.settings_panel)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.settings_dock)
        self.settings_dock.hide()
        self.settings_action = self.settings_dock.toggleViewAction()
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.settings_button = QToolButton()
        self.settings_button.setDefaultAction(self.settings_action)
        self.settings_button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

        self.transcript = TranscriptView()
        self.error_banner = QLabel()
        self.error_banner.setTextFormat(Qt.TextFormat.PlainText)
        self.error_banner.setWordWrap(True)
        self.error_banner.setObjectName("errorBanner")
        self.error_banner.setStyleSheet("#errorBanner { background: #fdecea; color: #611a15;"
                                        " padding: 6px; border-radius: 4px; }")
        self.error_banner.hide()
        self.composer = Composer()
        self.composer.submitted.connect(self._send)
        self.send_button = QPushButton("Send")
        self.send_button.clicked.connect(self._on_send_button)

        self.model_label = QLabel("Starting…")
        self.speed_label = QLabel()
        for label in (self.model_label, self.speed_label):
            label.setTextFormat(Qt.TextFormat.PlainText)
        self.loading_bar = QProgressBar()
        self.loading_bar.setRange(0, 0)  # indeterminate: llama.cpp reports no progress here
        self.loading_bar.setMaximumWidth(120)
        self.loading_bar.setAccessibleName("Loading the model")
        self.loading_bar.hide()
        self.statusBar().addWidget(self.loading_bar)
        self.statusBar().addWidget(self.model_label, 1)
        self.statusBar().addPermanentWidget(self.speed_label)

        self._build_layout()
        self._add_shortcuts()
        self._connect(controller)

    # -- layout ------------------------------------------------------------------------------

    def _build_layout(self) -> None:
        sidebar = QWidget()
        side_layout = QVBoxLayout(sidebar)
        side_layout.setContentsMargins(6, 6, 0, 6)
        side_layout.addWidget(self.new_chat_button)
        side_layout.addWidget(self.conversation_view)
        side_layout.addWidget(self.settings_button)

        chat = QWidget()
        chat_layout = QVBoxLayout(chat)
        chat_layout.setContentsMargins(0, 6, 6, 6)
        chat_layout.addWidget(self.transcript, 1)
        chat_layout.addWidget(self.error_banner)
        composer_row = QHBoxLayout()
        composer_row.addWidget(self.composer, 1)
        composer_row.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignBottom)
        chat_layout.addLayout(composer_row)

        self.splitter = QSplitter()
        self.splitter.addWidget(sidebar)
        self.splitter.addWidget(chat)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([240, 760])
        self.setCentralWidget(self.splitter)

    def _add_shortcuts(self) -> None:
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.controller.stop)
        QShortcut(QKeySequence.StandardKey.New, self, lambda: self.controller.new_conversation())
        self.addAction(self.settings_action)
        rename = QAction("Rename", self.conversation_view, shortcut=QKeySequence(Qt.Key.Key_F2))
        rename.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        rename.triggered.connect(lambda: self._rename(self._selected_conversation()))
        delete = QAction("Delete…", self.conversation_view,
                         shortcut=QKeySequence(QKeySequence.StandardKey.Delete))
        delete.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        delete.triggered.connect(lambda: self._delete(self._selected_conversation()))
        self.conversation_view.addActions([rename, delete])

    def _connect(self, controller: ChatController) -> None:
        controller.conversationsChanged.connect(self._show_conversations)
        controller.conversationOpened.connect(self._show_conversation)
        controller.messageAdded.connect(self.transcript.add_message)
        controller.messageUpdated.connect(self.transcript.update_message)
        controller.replyStreamed.connect(self.transcript.stream_text)
        controller.busyChanged.connect(self._on_busy)
        controller.modelStatusChanged.connect(self.model_label.setText)
        controller.loadingChanged.connect(self.loading_bar.setVisible)
        controller.speedChanged.connect(self.speed_label.setText)
        controller.errorOccurred.connect(self.show_error)

    # -- controller events -------------------------------------------------------------------

    def _show_conversations(self, rows: list[ConversationSummary]) -> None:
        self.conversation_model.set_conversations(rows)
        self._select_row(self.conversation_model.row_of(self.controller.current_conversation_id))

    def _show_conversation(self, conversation_id: int | None, messages: list[Message]) -> None:
        self.transcript.show_conversation(messages)
        self.error_banner.hide()
        self._select_row(self.conversation_model.row_of(conversation_id))
        title = self.controller.title_of(conversation_id)
        self.setWindowTitle(f"{title} — {APP_NAME}" if title else APP_NAME)
        self.composer.setFocus()

    def _on_busy(self, busy: bool) -> None:
        self.send_button.setText("Stop" if busy else "Send")
        if busy:
            self.error_banner.hide()

    def show_error(self, message: str) -> None:
        """Show a one-sentence problem above the composer."""
        self.error_banner.setText(message)
        self.error_banner.show()

    # -- user actions ------------------------------------------------------------------------

    def _fill_persona_menu(self) -> None:
        self.persona_menu.clear()
        self.persona_menu.addAction("Blank chat", lambda: self.controller.new_conversation())
        self.persona_menu.addSeparator()
        for preset in self.controller.presets.all():
            if preset.is_persona:
                action = self.persona_menu.addAction(
                    preset.name, lambda p=preset: self.controller.new_conversation(p))
                action.setToolTip(preset.description)

    def _send(self, text: str) -> None:
        if not self.controller.send(text):
            self.composer.setPlainText(text)  # keep what the user typed

    def _on_send_button(self) -> None:
        if self.controller.busy:
            self.controller.stop()
        else:
            self.composer.submit()

    def _on_conversation_clicked(self, index: QModelIndex) -> None:
        self.controller.open_conversation(int(index.data(ConversationIdRole)))

    def _selected_conversation(self) -> ConversationSummary | None:
        index = self.conversation_view.currentIndex()
        return self.conversation_model.conversation_at(index.row()) if index.isValid() else None

    def _select_row(self, row: int | None) -> None:
        if row is None:
            self.conversation_view.clearSelection()
        else:
            self.conversation_view.setCurrentIndex(self.conversation_model.index(row))

    def _show_conversation_menu(self, position: QPoint) -> None:
        index = self.conversation_view.indexAt(position)
        if not index.isValid():
            return
        conversation = self.conversation_model.conversation_at(index.row())
        menu = QMenu(self)
        menu.addAction("Rename…", lambda: self._rename(conversation))
        menu.addAction("Delete…", lambda: self._delete(conversation))
        menu.exec(self.conversation_view.viewport().mapToGlobal(position))

    def _rename(self, conversation: ConversationSummary | None) -> None:
        if conversation is None:
            return
        title = dialogs.ask_text(self, "Rename conversation", "Title:", conversation.title)
        if title is not None:
            self.controller.rename_conversation(conversation.id, title)

    def _delete(self, conversation: ConversationSummary | None) -> None:
        if conversation is None:
            return
        if dialogs.confirm(self, "Delete conversation",
                           f"Delete “{conversation.title}” and all its messages?"):
            self.controller.delete_conversation(conversation.id)

    # -- state -------------------------------------------------------------------------------

    def restore_state(self) -> None:
        """Restore size, position and the last open conversation from the previous run."""
        geometry = self._state.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        splitter = self._state.value("window/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        docks = self._state.value("window/docks")
        if docks is not None:
            self.restoreState(docks)
        self.controller.refresh_conversations()
        last = self._state.value("conversation/last")
        if last not in (None, ""):
            try:
                self.controller.open_conversation(int(last))
            except (TypeError, ValueError):
                self.controller.new_conversation()
        else:
            self.controller.new_conversation()
        self.composer.setFocus()

    def save_state(self) -> None:
        """Remember size, position and the open conversation for the next run."""
        self._state.setValue("window/geometry", self.saveGeometry())
        self._state.setValue("window/splitter", self.splitter.saveState())
        self._state.setValue("window/docks", self.saveState())
        current = self.controller.current_conversation_id
        self._state.setValue("conversation/last", "" if current is None else current)
        self._state.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        self.controller.shutdown()
        super().closeEvent(event)

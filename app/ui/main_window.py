"""The main window: conversation sidebar, transcript, composer, settings dock and status bar.

It holds widgets only; every action goes through the ChatController.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app import APP_NAME
from app.core.generation import ContextUsage
from app.core.models import Role
from app.core.tree import BranchItem
from app.ui import dialogs, shortcuts
from app.ui.about_dialog import AboutDialog
from app.ui.composer import Composer
from app.ui.connections_dialog import ConnectionsDialog
from app.ui.context_meter import ContextMeter
from app.ui.controller import ChatController
from app.ui.i18n import translate
from app.ui.menus import build_menus
from app.ui.model_files import TakesModelDrops
from app.ui.model_picker import ModelPicker
from app.ui.model_status import ModelStatus
from app.ui.models_dialog import ModelsDialog
from app.ui.search_dialog import SearchDialog
from app.ui.settings_panel import SettingsPanel
from app.ui.shortcuts import ShortcutsDialog
from app.ui.sidebar import Sidebar
from app.ui.transcript import TranscriptView
from app.ui.transfer import Transfers

UNDO_MS = 10_000  # how long "Undo" stays offered after moving a chat to the trash


def _banner(name: str, style: str) -> QLabel:
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setObjectName(name)
    label.setStyleSheet(f"#{name} {{ {style} padding: 6px; border-radius: 4px; }}")
    label.hide()
    return label


class MainWindow(TakesModelDrops, QMainWindow):
    """Parley's window."""

    def __init__(self, controller: ChatController, state: QSettings) -> None:
        super().__init__()
        self.controller = controller
        self._state = state
        self.setWindowTitle(APP_NAME)
        self.resize(1000, 700)

        self.settings_panel = SettingsPanel(controller)
        self.settings_dock = QDockWidget(translate("MainWindow", "Settings"), self)
        self.settings_dock.setObjectName("settingsDock")
        self.settings_dock.setWidget(self.settings_panel)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.settings_dock)
        self.settings_dock.hide()
        self.settings_action = self.settings_dock.toggleViewAction()
        self.settings_action.setShortcuts(shortcuts.SETTINGS.sequences())
        self.sidebar = Sidebar(controller, self.settings_action)
        self.search_dialog = SearchDialog(controller.search, self)
        self.search_dialog.chosen.connect(controller.open_conversation)
        self.transfers = Transfers(controller, self)

        self.transcript = TranscriptView()
        self.temporary_banner = _banner("temporaryBanner", "background: #e8eaf6; color: #1a237e;")
        self.temporary_banner.setText(translate(
            "MainWindow", "Temporary chat: nothing in it is saved, and it is gone when you open "
            "another chat or close Parley."))
        self.error_banner = _banner("errorBanner", "background: #fdecea; color: #611a15;")
        self.undo_bar = QWidget()
        self.undo_label = QLabel()
        self.undo_label.setTextFormat(Qt.TextFormat.PlainText)
        self.undo_button = QPushButton(translate("MainWindow", "Undo"))
        self._undo_timer = QTimer(self, singleShot=True, interval=UNDO_MS)
        self._undo_timer.timeout.connect(self.undo_bar.hide)
        self._trashed: int | None = None
        self.composer = Composer()
        self.composer.submitted.connect(self._send)
        self.composer.editLastRequested.connect(self.edit_last_message)
        self.send_button = QPushButton(translate("MainWindow", "Send"))
        self.send_button.setAccessibleName(translate("MainWindow", "Send or stop"))
        self.send_button.clicked.connect(self._on_send_button)

        self.model_picker = ModelPicker(controller)
        self.models_dialog = ModelsDialog(controller, self)
        self.connections_dialog = ConnectionsDialog(controller, self) if controller.connections else None
        self.model_status = ModelStatus(controller.loader)
        self.speed_label = QLabel()
        self.speed_label.setTextFormat(Qt.TextFormat.PlainText)
        self.context_meter = ContextMeter()
        self.statusBar().addWidget(self.model_status, 1)
        self.statusBar().addPermanentWidget(self.context_meter)
        self.statusBar().addPermanentWidget(self.speed_label)
        self.setAcceptDrops(True)  # dropped .gguf files join the library
        self._dialogs: dict[type[QDialog], QDialog] = {}  # help and About, made when first shown

        self._build_layout()
        self.export_menu = build_menus(self)
        self._connect(controller)

    # -- layout ------------------------------------------------------------------------------

    def _build_layout(self) -> None:
        undo_row = QHBoxLayout(self.undo_bar)
        undo_row.setContentsMargins(6, 2, 6, 2)
        undo_row.addWidget(self.undo_label, 1)
        undo_row.addWidget(self.undo_button)
        self.undo_button.clicked.connect(self._undo_trash)

        chat = QWidget()
        chat_layout = QVBoxLayout(chat)
        chat_layout.setContentsMargins(0, 6, 6, 6)
        model_row = QHBoxLayout()
        model_row.addWidget(self.model_picker)
        manage = QPushButton(translate("MainWindow", "Models…"))
        manage.setToolTip(translate("MainWindow", "Add, download, inspect and remove models"))
        manage.clicked.connect(self.models_dialog.open_library)
        model_row.addWidget(manage)
        model_row.addStretch(1)
        chat_layout.addLayout(model_row)
        chat_layout.addWidget(self.temporary_banner)
        chat_layout.addWidget(self.transcript, 1)
        chat_layout.addWidget(self.undo_bar)
        chat_layout.addWidget(self.error_banner)
        composer_row = QHBoxLayout()
        composer_row.addWidget(self.composer, 1)
        composer_row.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignBottom)
        chat_layout.addLayout(composer_row)
        self.undo_bar.hide()

        self.splitter = QSplitter()
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(chat)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([240, 760])
        self.setCentralWidget(self.splitter)

    def _connect(self, controller: ChatController) -> None:
        controller.conversationOpened.connect(self._show_conversation)
        controller.branchChanged.connect(self.transcript.show_branch)
        controller.messageUpdated.connect(self.transcript.update_message)
        controller.replyStreamed.connect(self.transcript.stream_text)
        controller.focusRequested.connect(self.transcript.focus_message)
        controller.conversationRenamed.connect(self._show_title)
        controller.conversationsChanged.connect(lambda _: self._show_title(
            controller.title_of(controller.current_conversation_id)))
        controller.busyChanged.connect(self._on_busy)
        controller.speedChanged.connect(self.speed_label.setText)
        controller.errorOccurred.connect(self.show_error)
        controller.movedToTrash.connect(self._offer_undo)
        controller.context.usageChanged.connect(self._show_context)
        controller.loader.loaded.connect(  # a remote server's token count is not known
            lambda info: self.context_meter.setVisible(info is None or info.connection is None))
        controller.contextFull.connect(self._ask_context_full)
        actions = self.transcript.actions
        actions.navigate.connect(controller.show_sibling)
        actions.edit.connect(controller.edit)
        actions.regenerate.connect(controller.regenerate)
        actions.continue_.connect(controller.continue_reply)
        actions.delete.connect(controller.delete_message)
        actions.fork.connect(controller.fork)
        actions.rate.connect(controller.set_feedback)

    # -- controller events -------------------------------------------------------------------

    def _show_conversation(self, conversation_id: int | None, items: list[BranchItem]) -> None:
        self.transcript.show_conversation(items)
        self.error_banner.hide()
        self.temporary_banner.setVisible(self.controller.is_temporary)
        self.export_menu.setEnabled(conversation_id is not None and not self.controller.is_temporary)
        self.sidebar.select(self.controller.saved_conversation_id)
        self._show_title(self.controller.title_of(conversation_id))
        self.composer.setFocus()

    def _show_context(self, usage: ContextUsage | None) -> None:
        self.context_meter.show_usage(usage)
        self.transcript.set_outside_context(set(usage.outside_ids) if usage else set())

    def _ask_context_full(self, question: str) -> None:
        choice = dialogs.choose(self, translate("MainWindow", "The context window is full"), question,
                                [translate("MainWindow", "Drop the oldest messages")])
        self.controller.answer_context_full(drop_oldest=choice == 0)

    def _show_title(self, title: str | None) -> None:
        if self.controller.is_temporary:
            title = translate("MainWindow", "{title} (temporary)").format(
                title=title or translate("MainWindow", "New chat"))
        # A title may be model text: window titles are plain text, and one line.
        title = " ".join(title.split()) if title else None
        self.setWindowTitle(f"{title} — {APP_NAME}" if title else APP_NAME)

    def _on_busy(self, busy: bool) -> None:
        self.send_button.setText(translate("MainWindow", "Stop") if busy
                                 else translate("MainWindow", "Send"))
        self.transcript.set_busy(busy)
        if busy:
            self.error_banner.hide()

    def show_error(self, message: str) -> None:
        """Show a one-sentence problem above the composer."""
        self.error_banner.setText(message)
        self.error_banner.show()

    def _offer_undo(self, conversation_id: int, title: str) -> None:
        self._trashed = conversation_id
        self.undo_label.setText(translate("MainWindow", "Moved “{title}” to the trash.").format(title=title))
        self.undo_bar.show()
        self._undo_timer.start()

    def _undo_trash(self) -> None:
        self.undo_bar.hide()
        if self._trashed is not None:
            self.controller.restore(self._trashed)
            self._trashed = None

    # -- user actions ------------------------------------------------------------------------

    def open_search(self) -> None:
        """Open the search box (Ctrl+K or Ctrl+F)."""
        self.search_dialog.open_search()

    def show_shortcuts(self) -> None:
        """List every keyboard shortcut (F1 or Ctrl+/)."""
        self._show_dialog(ShortcutsDialog)

    def show_about(self) -> None:
        """Show the version, llama.cpp's build and the licences."""
        self._show_dialog(AboutDialog)

    def _show_dialog(self, kind: type[QDialog]) -> None:
        """Show the one dialog of ``kind`` (made on first use), without blocking."""
        dialog = self._dialogs.get(kind)
        if dialog is None:
            dialog = self._dialogs[kind] = kind(self)
        dialog.show()
        dialog.activateWindow()

    def regenerate_last(self) -> None:
        """Write another version of the last reply (Ctrl+R); the current one is kept."""
        widget = self.transcript.last_widget(Role.ASSISTANT)
        if widget is not None:
            self.controller.regenerate(widget.message.id)

    def copy_last_reply(self) -> None:
        """Put the last reply on the clipboard as the text it reads as (Ctrl+Shift+C)."""
        widget = self.transcript.last_widget(Role.ASSISTANT)
        if widget is not None:
            widget.copy(markdown=False)

    def edit_last_message(self) -> None:
        """Open the last message the user wrote for editing (Up in the empty message box)."""
        widget = self.transcript.last_widget(Role.USER)
        if widget is not None and not self.controller.busy:
            self.transcript.ensureWidgetVisible(widget)
            widget.start_edit()

    def _send(self, text: str) -> None:
        if not self.controller.send(text):
            self.composer.setPlainText(text)  # keep what the user typed

    def _on_send_button(self) -> None:
        if self.controller.busy:
            self.controller.stop()
        else:
            self.composer.submit()

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
        current = None if self.controller.is_temporary else self.controller.current_conversation_id
        self._state.setValue("conversation/last", "" if current is None else current)
        self._state.sync()

    def add_models(self, paths: list[Path]) -> None:
        """Files dropped on the window join the library (linked where they are)."""
        self.controller.library.add(paths)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.search_dialog.hide()
        self.save_state()
        self.controller.shutdown()
        super().closeEvent(event)


"""The window's menu bar: every command, each with its keys from the one table (``shortcuts``).

Menu texts keep the "MainWindow" translation context they were written in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from app.ui import shortcuts
from app.ui.i18n import translate
from app.ui.shortcuts import Shortcut

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow


def build_menus(window: MainWindow) -> QMenu:
    """Fill ``window``'s menu bar; the "Export this chat" menu (enabled only for a saved chat)."""
    bar = window.menuBar()
    chats = bar.addMenu(translate("MainWindow", "&Chats"))
    _add(chats, translate("MainWindow", "New chat"), lambda: window.controller.new_conversation(),
         shortcuts.NEW_CHAT)
    _add(chats, translate("MainWindow", "New temporary chat"),
         lambda: window.controller.new_conversation(temporary=True), shortcuts.NEW_TEMPORARY_CHAT)
    _add(chats, translate("MainWindow", "Search…"), window.open_search, shortcuts.SEARCH)
    chats.addSeparator()
    _add(chats, translate("MainWindow", "Import…"), window.transfers.import_file)
    export_chat = chats.addMenu(translate("MainWindow", "Export this chat"))
    _add(export_chat, translate("MainWindow", "As Markdown…"),
         lambda: window.transfers.export_current("md"))
    _add(export_chat, translate("MainWindow", "As JSON (everything)…"),
         lambda: window.transfers.export_current("json"))
    export_all = chats.addMenu(translate("MainWindow", "Export all chats"))
    _add(export_all, translate("MainWindow", "As Markdown…"), lambda: window.transfers.export_all("md"))
    _add(export_all, translate("MainWindow", "As JSON (everything)…"),
         lambda: window.transfers.export_all("json"))
    _add(chats, translate("MainWindow", "Export rated replies for fine-tuning…"),
         window.transfers.export_preferences)
    chats.addSeparator()
    _add(chats, translate("MainWindow", "Quit"), window.close, shortcuts.QUIT)

    message = bar.addMenu(translate("MainWindow", "&Message"))
    _add(message, translate("MainWindow", "Stop writing"), window.controller.stop, shortcuts.STOP)
    _add(message, translate("MainWindow", "Regenerate the last reply"), window.regenerate_last,
         shortcuts.REGENERATE)
    _add(message, translate("MainWindow", "Copy the last reply"), window.copy_last_reply,
         shortcuts.COPY_LAST_REPLY)
    # Up works in the empty message box only (elsewhere it moves the cursor): the composer
    # handles it, and the menu just shows the key.
    _add(message, translate("MainWindow", "Edit your last message") + "\t"
         + shortcuts.EDIT_LAST.shown_keys(), window.edit_last_message)

    models = bar.addMenu(translate("MainWindow", "M&odels"))
    _add(models, translate("MainWindow", "Manage models…"), window.models_dialog.open_library,
         shortcuts.MODELS)
    _add(models, translate("MainWindow", "Download a model…"), window.models_dialog.open_download)
    if window.connections_dialog is not None:
        _add(models, translate("MainWindow", "Connections…"), window.connections_dialog.open_dialog)
    _add(models, translate("MainWindow", "Cancel loading"), window.controller.loader.cancel)
    view = bar.addMenu(translate("MainWindow", "&View"))
    view.addAction(window.settings_action)
    _add(view, window.sidebar.trash_button.text(), window.sidebar.trash_button.toggle)
    help_menu = bar.addMenu(translate("MainWindow", "&Help"))
    _add(help_menu, translate("MainWindow", "Keyboard shortcuts"), window.show_shortcuts, shortcuts.HELP)
    _add(help_menu, translate("MainWindow", "About Parley"), window.show_about)
    return export_chat


def _add(menu: QMenu, text: str, slot: Callable[[], object], shortcut: Shortcut | None = None) -> QAction:
    """A menu action, with its keys from the table of shortcuts."""
    action = menu.addAction(text)
    action.triggered.connect(lambda _=False: slot())
    if shortcut is not None:
        action.setShortcuts(shortcut.sequences())
    return action
